"""Writes about people: delegations (and, for tenant admins, the organisation)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from portal import audit, events, selectors
from portal.exceptions import Conflict, FieldProblem, NotAllowed, NotTenantAdmin, RequestInvalid
from portal.models import (
    Delegation,
    Employee,
    EmployeeGroup,
    Hierarchy,
    ReportingLine,
    Tenant,
)
from portal.text import described, unstorable

logger = logging.getLogger(__name__)


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
    # Who may be a delegate is selectors.delegate_choices, the list the forms offer; oneself
    # is told apart, with its own message.
    if delegate.pk == employee.pk:
        problems.append(
            FieldProblem("delegate", "INVALID_VALUE", "You cannot be your own delegate.")
        )
    elif not selectors.delegate_choices(employee).filter(pk=delegate.pk).exists():
        problems.append(FieldProblem("delegate", "NOT_FOUND", "Choose an active colleague."))
    if ends_on < starts_on:
        problems.append(FieldProblem("ends_on", "INVALID_VALUE", "The end comes before the start."))
    if problems:
        raise RequestInvalid(problems)
    delegation = Delegation.objects.create(
        tenant_id=employee.tenant_id,
        employee=employee,
        delegate=delegate,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _record_delegation(delegation, actor, audit.CREATED)
    events.publish(events.DELEGATION_ADDED, delegation=delegation)
    return delegation


@transaction.atomic
def end_delegation(*, delegation: Delegation, actor: Employee) -> None:
    """Withdraw a delegation (its employee, or a tenant admin)."""
    if actor.pk != delegation.employee_id and not (
        actor.is_tenant_admin and actor.tenant_id == delegation.tenant_id
    ):
        raise NotAllowed("You may only withdraw your own delegations.")
    delegation_id = delegation.pk
    delegation.delete()
    delegation.pk = delegation_id  # for the audit, which names what was withdrawn
    _record_delegation(delegation, actor, audit.DELETED)


def _record_delegation(delegation: Delegation, actor: Employee, action: str) -> None:
    state = {
        "employee": delegation.employee.full_name,
        "delegate": delegation.delegate.full_name,
        "starts_on": delegation.starts_on,
        "ends_on": delegation.ends_on,
    }
    audit.record_change(
        tenant=delegation.tenant_id,
        actor=actor,
        action=action,
        target_type=audit.DELEGATION,
        target_id=delegation.pk,
        target_name=f"{state['delegate']} for {state['employee']}",
        before=state if action == audit.DELETED else None,
        after=state if action == audit.CREATED else None,
    )


# --- The organisation (tenant admins) -------------------------------------------------------


def require_tenant_admin(actor: Employee, tenant_id: int) -> None:
    """Raises NotTenantAdmin unless the actor administers that tenant."""
    if not (actor.is_tenant_admin and actor.tenant_id == tenant_id):
        raise NotTenantAdmin("Only tenant admins may change this.")


@transaction.atomic
def set_manager(
    *, employee: Employee, manager: Employee | None, hierarchy: Hierarchy, actor: Employee
) -> None:
    """Make `manager` the employee's manager in a hierarchy (None: nobody).

    Raises NotAllowed, or RequestInvalid when the manager is the employee, not an active
    colleague, or reports (however far down) to the employee: a loop would leave approvals
    without a top.
    """
    require_tenant_admin(actor, employee.tenant_id)
    _lock_hierarchies(employee, [hierarchy])
    problem = _manager_problem(employee, manager, hierarchy)
    if problem:
        raise RequestInvalid([FieldProblem("manager", "INVALID_VALUE", problem)])
    before = _managers_of(employee, [hierarchy])
    _write_manager(employee, manager, hierarchy, actor)
    audit.record_change(
        tenant=employee.tenant_id,
        actor=actor,
        action=audit.UPDATED,
        target_type=audit.EMPLOYEE,
        target_id=employee.pk,
        target_name=employee.full_name,
        before=before,
        after={_manager_key(hierarchy): manager.full_name if manager else None},
    )


def _manager_key(hierarchy: Hierarchy) -> str:
    """How the audit names an employee's manager in a hierarchy."""
    return f"manager in {hierarchy.name}"


def _managers_of(employee: Employee, hierarchies: Iterable[Hierarchy]) -> dict[str, str | None]:
    """The employee's manager in each hierarchy (None: nobody), keyed as the audit names it."""
    hierarchies = list(hierarchies)
    lines = ReportingLine.objects.filter(employee=employee, hierarchy__in=hierarchies)
    names = {line.hierarchy_id: line.manager.full_name for line in lines.select_related("manager")}
    return {_manager_key(h): names.get(h.pk) for h in hierarchies}


def _lock_hierarchies(employee: Employee, hierarchies: Iterable[Hierarchy]) -> None:
    if any(h.tenant_id != employee.tenant_id for h in hierarchies):
        raise NotAllowed("That hierarchy belongs to another tenant.")
    # Serialise changes to a hierarchy: two concurrent edits could otherwise each pass the loop
    # check and close a loop together.
    list(Hierarchy.objects.select_for_update().filter(pk__in=[h.pk for h in hierarchies]))


def _manager_problem(
    employee: Employee, manager: Employee | None, hierarchy: Hierarchy
) -> str | None:
    if manager is None:
        return None
    if manager.pk == employee.pk:
        return "Nobody manages themselves."
    if manager.tenant_id != employee.tenant_id or manager.status != Employee.Status.ACTIVE:
        return "Choose an active colleague."
    if employee.pk in _chain_above(manager, hierarchy):
        return f"{manager.full_name} reports to {employee.full_name}: that would be a loop."
    return None


def _write_manager(
    employee: Employee, manager: Employee | None, hierarchy: Hierarchy, actor: Employee
) -> None:
    if manager is None:
        ReportingLine.objects.filter(hierarchy=hierarchy, employee=employee).delete()
    else:
        # Both in the lookup: a first line in this hierarchy is created with it (a filtered
        # queryset's conditions are not part of what update_or_create creates).
        ReportingLine.objects.update_or_create(
            hierarchy=hierarchy, employee=employee, defaults={"manager": manager}
        )
    logger.info("manager of %s in %s set to %s by %s", employee.pk, hierarchy.pk,
                manager.pk if manager else None, actor.pk)  # fmt: skip


def _chain_above(employee: Employee, hierarchy: Hierarchy) -> set[int]:
    """Everyone above the employee in the hierarchy (one query; loops in old data end it)."""
    managers = dict(
        ReportingLine.objects.filter(hierarchy=hierarchy).values_list("employee_id", "manager_id")
    )
    above, current = set(), managers.get(employee.pk)
    while current is not None and current not in above:
        above.add(current)
        current = managers.get(current)
    return above


@transaction.atomic
def update_employee(
    *, employee: Employee, actor: Employee, is_tenant_admin: bool, status: str,
    managers: dict[Hierarchy, Employee | None] | None = None,
) -> Employee:  # fmt: skip
    """Grant or withdraw tenant admin rights, (de)activate an employee and set their managers
    (per hierarchy; None: nobody), all or nothing.

    Raises NotAllowed, or RequestInvalid listing every problem: an unknown status; an admin
    removing their own rights or deactivating themselves (the tenant could be left with nobody
    to configure it); a manager that is not allowed (`managers.<hierarchy id>`, see
    set_manager).
    """
    require_tenant_admin(actor, employee.tenant_id)
    managers = managers or {}
    _lock_hierarchies(employee, managers)
    problems = []
    if status not in Employee.Status.values:
        problems.append(FieldProblem("status", "INVALID_VALUE", "Choose a status."))
    if employee.pk == actor.pk and not is_tenant_admin:
        problems.append(
            FieldProblem("is_tenant_admin", "INVALID_VALUE", "You cannot remove your own rights.")
        )
    if employee.pk == actor.pk and status != Employee.Status.ACTIVE:
        problems.append(FieldProblem("status", "INVALID_VALUE", "You cannot deactivate yourself."))
    for hierarchy, manager in managers.items():
        problem = _manager_problem(employee, manager, hierarchy)
        if problem:
            problems.append(FieldProblem(f"managers.{hierarchy.pk}", "INVALID_VALUE", problem))
    if problems:
        raise RequestInvalid(problems)
    before = {
        "is_tenant_admin": employee.is_tenant_admin,
        "status": employee.status,
        **_managers_of(employee, managers),
    }
    employee.is_tenant_admin = is_tenant_admin
    employee.status = status
    employee.save(update_fields=["is_tenant_admin", "status"])
    current = dict(
        ReportingLine.objects.filter(employee=employee, hierarchy__in=managers).values_list(
            "hierarchy_id", "manager_id"
        )
    )
    for hierarchy, manager in managers.items():
        if current.get(hierarchy.pk) != (manager.pk if manager else None):
            _write_manager(employee, manager, hierarchy, actor)
    audit.record_change(
        tenant=employee.tenant_id,
        actor=actor,
        action=audit.UPDATED,
        target_type=audit.EMPLOYEE,
        target_id=employee.pk,
        target_name=employee.full_name,
        before=before,
        after={
            "is_tenant_admin": is_tenant_admin,
            "status": status,
            **{_manager_key(h): m.full_name if m else None for h, m in managers.items()},
        },
    )
    logger.info("employee %s updated by %s (admin=%s, status=%s)", employee.pk, actor.pk,
                is_tenant_admin, status)  # fmt: skip
    return employee


@transaction.atomic
def save_group(
    *, tenant: Tenant, actor: Employee, name: str, members: Iterable[Employee],
    group: EmployeeGroup | None = None,
) -> EmployeeGroup:  # fmt: skip
    """Create or rename an approver group and set its members.

    Raises NotAllowed, or RequestInvalid (no name, a character that is not allowed, name taken,
    a member of another tenant).
    """
    require_tenant_admin(actor, tenant.pk)
    name = name.strip()
    members = list(members)
    problems = []
    if not name:
        problems.append(FieldProblem("name", "REQUIRED", "Give the group a name."))
    elif unstorable(name):
        # Before the lookup of a taken name: PostgreSQL refuses a NUL even as a query parameter.
        problems.append(
            FieldProblem(
                "name",
                "INVALID_CHARACTER",
                f"The name contains {described(name)}, which is not allowed.",
            )
        )
    elif len(name) > 100:
        problems.append(FieldProblem("name", "TOO_LONG", "Keep the name under 100 characters."))
    else:
        taken = EmployeeGroup.objects.filter(tenant=tenant, name__iexact=name)
        if group is not None:
            taken = taken.exclude(pk=group.pk)
        if taken.exists():
            problems.append(FieldProblem("name", "DUPLICATE", f"There is a group {name} already."))
    if any(member.tenant_id != tenant.pk for member in members):
        problems.append(FieldProblem("members", "NOT_FOUND", "Choose colleagues of your tenant."))
    if problems:
        raise RequestInvalid(problems)
    before = _group_state(group) if group is not None else None
    if group is None:
        group = EmployeeGroup.objects.create(tenant=tenant, name=name)
    elif group.name != name:
        group.name = name
        group.save(update_fields=["name"])
    group.members.set(members)
    audit.record_change(
        tenant=tenant,
        actor=actor,
        action=audit.CREATED if before is None else audit.UPDATED,
        target_type=audit.APPROVER_GROUP,
        target_id=group.pk,
        target_name=before["name"] if before else group.name,
        before=before,
        after={"name": group.name, "members": sorted(m.full_name for m in members)},
    )
    logger.info("group %s saved by %s", group.pk, actor.pk)
    return group


@transaction.atomic
def delete_group(*, group: EmployeeGroup, actor: Employee) -> None:
    """Delete an approver group. Raises NotAllowed, or Conflict while a workflow step names it.

    That refusal comes from the database (a group step must name its group), which keeps this
    app free of any knowledge of workflows.
    """
    require_tenant_admin(actor, group.tenant_id)
    before, group_id = _group_state(group), group.pk
    try:
        with transaction.atomic():
            group.delete()
    except IntegrityError:
        raise Conflict(
            f"An approval workflow step uses {group.name}: change that step first.",
            code="GROUP_IN_USE",
        ) from None
    audit.record_change(
        tenant=group.tenant_id,
        actor=actor,
        action=audit.DELETED,
        target_type=audit.APPROVER_GROUP,
        target_id=group_id,
        target_name=group.name,
        before=before,
        after=None,
    )
    logger.info("group %s deleted by %s", group.name, actor.pk)


def _group_state(group: EmployeeGroup) -> dict:
    """An approver group as the audit keeps it: its name and its members' names (as stored)."""
    stored = EmployeeGroup.objects.filter(pk=group.pk).values_list("name", flat=True).first()
    members = Employee.objects.filter(employee_groups=group.pk)
    return {
        "name": stored if stored is not None else group.name,
        "members": sorted(member.full_name for member in members.only("first_name", "last_name")),
    }
