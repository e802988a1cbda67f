"""Reads about tenants and people, shared by pages and API."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from portal.models import (
    Delegation,
    Employee,
    EmployeeAttributeValue,
    EmployeeGroup,
    Hierarchy,
    ReportingLine,
    Tenant,
)
from portal.prepared import Prepared


def employee_of_user(user) -> Employee | None:
    """The employee record of a Django user (with tenant and department), or None."""
    if user is None or not user.is_authenticated:
        return None
    return Employee.objects.select_related("tenant", "department").filter(user_id=user.pk).first()


def employee_in_tenant(
    tenant: Tenant, *, pk: int | None = None, company_employee_id: str | None = None
) -> Employee | None:
    """The tenant's employee with this id or, without one, this company employee id (None:
    no such employee). The id wins, as in MobProc (concepts/actor): a company employee id given
    beside it is not looked at."""
    if pk is None and company_employee_id is None:
        return None
    employees = Employee.objects.filter(tenant=tenant).select_related("tenant", "department")
    if pk is not None:
        return employees.filter(pk=pk).first()
    return employees.filter(company_employee_id=company_employee_id).first()


def custom_attribute_values(employee_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The custom attribute values set for these employees, as the API shows them
    (`{"name", "value"}`, by name), by employee id: one prepared query."""
    by_employee: dict[int, list[dict]] = {}
    for row in _attribute_values(sorted(set(employee_ids))):
        by_employee.setdefault(row.pop("employee_id"), []).append(row)
    return by_employee


# Asked by every /me call: prepared (portal.prepared). In the values' own order (by name).
_attribute_values = Prepared(
    lambda employee_ids: EmployeeAttributeValue.objects.filter(employee_id__in=employee_ids).values(
        "employee_id", "value", name=F("attribute__name")
    )
)


def employees_of(tenant: Tenant) -> QuerySet[Employee]:
    return Employee.objects.filter(tenant=tenant).select_related("department")


@dataclass(frozen=True)
class DecidingFor:
    """Whom a person decides approvals for on a day: themselves, and everyone who named them
    delegate for that day (`delegations`, soonest to end first, each with its `employee`).

    Tenant admins are not in it: they decide for someone else only by acting as them (the API's
    context headers, see may_act_for), and then decide as that person."""

    employee: Employee
    delegations: tuple[Delegation, ...]

    @property
    def delegators(self) -> list[Employee]:
        return [d.employee for d in self.delegations]

    @property
    def delegator_ids(self) -> frozenset[int]:
        return frozenset(d.employee_id for d in self.delegations)

    @property
    def ids(self) -> frozenset[int]:
        """The employee and their delegators: whose pending approvals are theirs to decide."""
        return self.delegator_ids | {self.employee.pk}

    def on_behalf_of(self, approver_ids: Iterable[int]) -> list[Employee]:
        """Of these approvers, the people the employee decides for as a delegate: nobody when
        the employee is an approver themself (they then decide as themself)."""
        approver_ids = set(approver_ids)
        if self.employee.pk in approver_ids:
            return []
        return [d.employee for d in self.delegations if d.employee_id in approver_ids]

    def decides_for(self, approver_ids: Iterable[int]) -> Employee | None:
        """The approver a decision by the employee counts for: themself when among these
        approvers, else the first delegator who is; None: none of them."""
        approver_ids = set(approver_ids)
        if self.employee.pk in approver_ids:
            return self.employee
        return next(iter(self.on_behalf_of(approver_ids)), None)


def _delegations_to(employee: Employee, on: datetime.date | None = None) -> QuerySet[Delegation]:
    return Delegation.objects.in_force(on).filter(delegate=employee, tenant_id=employee.tenant_id)


def deciding_for(employee: Employee, *, on: datetime.date | None = None) -> DecidingFor:
    """Whom the employee decides approvals for today (or `on` a day): one prepared query when
    nobody named them delegate (most people, most days), then one more for the delegations."""
    day = on or timezone.localdate()
    if not _delegation_named(employee.tenant_id, employee.pk, day):
        return DecidingFor(employee=employee, delegations=())
    delegations = (
        _delegations_to(employee, day)
        .select_related("employee__department")
        .order_by("ends_on", "pk")
    )
    return DecidingFor(employee=employee, delegations=tuple(delegations))


# Asked by every decision and every page an approver opens: prepared (portal.prepared).
_delegation_named = Prepared(
    lambda tenant_id, employee_id, day: _delegations_to(
        Employee(pk=employee_id, tenant_id=tenant_id), day
    ).values("pk")[:1]
)


def delegates_of(employees: Iterable[Employee]) -> list[tuple[Employee, Employee]]:
    """Who stands in for these employees today: (the employee, their delegate) for each
    delegation in force whose delegate is active, in one query."""
    by_id = {employee.pk: employee for employee in employees}
    if not by_id:
        return []
    delegations = (
        Delegation.objects.in_force()
        .filter(employee_id__in=by_id, delegate__status=Employee.Status.ACTIVE)
        .select_related("delegate")
        .order_by("employee_id", "pk")
    )
    return [(by_id[d.employee_id], d.delegate) for d in delegations]


def delegators_today(employee: Employee, *, on: datetime.date | None = None) -> QuerySet:
    """The ids of who named the employee delegate for today (or `on` a day), as a subquery
    (deciding_for's delegators, for a query that needs no more)."""
    return _delegations_to(employee, on).values("employee_id")


REQUEST_CACHE = "_procure_deciding_for"


def deciding_for_request(request, employee: Employee) -> DecidingFor:
    """deciding_for(employee), computed once per request: the navigation, the page and its
    partials all need it (as it was when the request began)."""
    cached = getattr(request, REQUEST_CACHE, None)
    if cached is None or cached.employee.pk != employee.pk:
        cached = deciding_for(employee)
        setattr(request, REQUEST_CACHE, cached)
    return cached


def cached_deciding_for(request, employee: Employee) -> DecidingFor | None:
    """deciding_for(employee) if this request has computed it already (deciding_for_request),
    else None: for callers that can do without it."""
    cached = getattr(request, REQUEST_CACHE, None)
    return cached if cached is not None and cached.employee.pk == employee.pk else None


def may_act_for(caller: Employee, target: Employee) -> bool:
    """Tenant admins may act for anyone of their tenant; others only for whoever named them
    delegate for today (deciding_for)."""
    if caller.tenant_id != target.tenant_id:
        return False
    if caller.pk == target.pk or caller.is_tenant_admin:
        return True
    return target.pk in deciding_for(caller).delegator_ids


def delegate_choices(employee: Employee) -> QuerySet[Employee]:
    """Who may be named the employee's delegate: the active colleagues of their tenant, never
    the employee themself (the delegation forms offer these; add_delegation refuses others)."""
    return (
        Employee.objects.active()
        .filter(tenant_id=employee.tenant_id)
        .exclude(pk=employee.pk)
        .select_related("department")
    )


def default_hierarchy(tenant: Tenant) -> Hierarchy | None:
    return tenant.hierarchies.filter(is_default=True).first()


def manager_of(
    employee: Employee, *, hierarchy: Hierarchy | None = None, levels: int = 1
) -> Employee | None:
    """The employee's manager `levels` up the hierarchy (default: the reporting line)."""
    hierarchy = hierarchy or default_hierarchy(employee.tenant)
    if hierarchy is None:
        return None
    current = employee
    for _ in range(levels):
        line = (
            ReportingLine.objects.filter(hierarchy=hierarchy, employee=current)
            .select_related("manager__department")
            .first()
        )
        if line is None:
            return None
        current = line.manager
    return current


def reports_of(manager: Employee, *, hierarchy: Hierarchy | None = None) -> RawSQL:
    """The ids of everyone who reports to the manager, directly or further down, in a hierarchy
    of her tenant (default: the reporting line), as a subquery for `field__in=` (no query of
    its own). Whom a manager sees the assets of (concepts/actor: "all of the devices assigned to
    the employees in her department"). UNION, not UNION ALL: a loop in the lines ends."""
    lines = ReportingLine._meta.db_table
    if hierarchy is not None and hierarchy.tenant_id == manager.tenant_id:
        chosen, params = "%s", [hierarchy.pk]
    else:
        chosen = f"(SELECT id FROM {Hierarchy._meta.db_table} WHERE tenant_id = %s AND is_default)"
        params = [manager.tenant_id]
    sql = (
        f"WITH RECURSIVE below(id) AS ("
        f" SELECT employee_id FROM {lines} WHERE manager_id = %s AND hierarchy_id = {chosen}"
        f" UNION SELECT l.employee_id FROM {lines} l JOIN below ON l.manager_id = below.id"
        f" WHERE l.hierarchy_id = {chosen}"
        f") SELECT id FROM below"
    )
    return RawSQL(sql, [manager.pk, *params, *params])


def is_approver(employee: Employee, *, deciding: DecidingFor | None = None) -> bool:
    """Whether the employee may be asked to decide approvals (approvers_on today): a tenant
    admin, a manager (anyone reports to them in some hierarchy), a member of an approver group,
    or someone's delegate today (`deciding`: their deciding_for, when already known). At most
    the one query: a page costs the same for everyone."""
    if deciding is not None and deciding.delegations:
        return True
    return bool(_approver_today(employee.pk, timezone.localdate()))


def approvers_on(day: datetime.date, *, also: Q | None = None) -> QuerySet[Employee]:
    """The employees who may be asked to decide approvals on a day (is_approver), of every
    tenant; `also`: a condition on the employee that the apps above add (orders: someone an
    order waited for)."""
    manages = ReportingLine.objects.filter(manager=OuterRef("pk"))
    in_group = EmployeeGroup.members.through.objects.filter(employee_id=OuterRef("pk"))
    delegate = Delegation.objects.in_force(day).filter(delegate=OuterRef("pk"))
    condition = Q(is_tenant_admin=True) | Q(Exists(manages)) | Q(Exists(in_group))
    condition |= Q(Exists(delegate))
    if also is not None:
        condition |= also
    return Employee.objects.filter(condition)


# /me, /diagnostics and the pages ask it of everyone: prepared (portal.prepared).
_approver_today = Prepared(
    lambda employee_id, day: approvers_on(day).filter(pk=employee_id).values("pk")[:1]
)
