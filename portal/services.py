"""Writes about people: delegations (and, for tenant admins, the organisation)."""

from __future__ import annotations

import datetime

from django.db import transaction

from portal.exceptions import FieldProblem, NotAllowed, RequestInvalid
from portal.models import Delegation, Employee


@transaction.atomic
def add_delegation(
    *, employee: Employee, delegate: Employee, starts_on: datetime.date, ends_on: datetime.date,
    actor: Employee,
) -> Delegation:  # fmt: skip
    """Let `delegate` act (and decide approvals) for `employee` between two dates, inclusive.

    The employee names their own delegates; a tenant admin may name them for anyone.
    Raises NotAllowed, or RequestInvalid listing every problem with the dates and people.
    """
    if actor.pk != employee.pk and not (
        actor.is_tenant_admin and actor.tenant_id == employee.tenant_id
    ):
        raise NotAllowed("You may only name delegates for yourself.")
    problems = []
    if delegate.tenant_id != employee.tenant_id or delegate.status != Employee.Status.ACTIVE:
        problems.append(FieldProblem("delegate", "NOT_FOUND", "Choose an active colleague."))
    elif delegate.pk == employee.pk:
        problems.append(
            FieldProblem("delegate", "INVALID_VALUE", "You cannot be your own delegate.")
        )
    if ends_on < starts_on:
        problems.append(FieldProblem("ends_on", "INVALID_VALUE", "The end comes before the start."))
    if problems:
        raise RequestInvalid(problems)
    return Delegation.objects.create(
        tenant_id=employee.tenant_id,
        employee=employee,
        delegate=delegate,
        starts_on=starts_on,
        ends_on=ends_on,
    )


@transaction.atomic
def end_delegation(*, delegation: Delegation, actor: Employee) -> None:
    """Withdraw a delegation (its employee, or a tenant admin)."""
    if actor.pk != delegation.employee_id and not (
        actor.is_tenant_admin and actor.tenant_id == delegation.tenant_id
    ):
        raise NotAllowed("You may only withdraw your own delegations.")
    delegation.delete()
