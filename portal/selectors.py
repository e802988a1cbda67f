"""Reads about tenants and people, shared by pages and API."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import Delegation, Employee, Hierarchy, ReportingLine, Tenant


def employee_of_user(user) -> Employee | None:
    """The employee record of a Django user (with tenant and department), or None."""
    if user is None or not user.is_authenticated:
        return None
    return Employee.objects.select_related("tenant", "department").filter(user_id=user.pk).first()


def employee_in_tenant(
    tenant: Tenant, *, pk: int | None = None, company_employee_id: str | None = None
) -> Employee | None:
    employees = Employee.objects.filter(tenant=tenant).select_related("tenant", "department")
    if pk is not None:
        employees = employees.filter(pk=pk)
    if company_employee_id is not None:
        employees = employees.filter(company_employee_id=company_employee_id)
    return employees.first()


def employees_of(tenant: Tenant) -> QuerySet[Employee]:
    return Employee.objects.filter(tenant=tenant).select_related("department")


def may_act_for(caller: Employee, target: Employee) -> bool:
    """Tenant admins may act for anyone of their tenant; others only for whoever named them
    delegate for today."""
    if caller.tenant_id != target.tenant_id:
        return False
    if caller.pk == target.pk or caller.is_tenant_admin:
        return True
    return Delegation.objects.in_force().filter(employee=target, delegate=caller).exists()


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


def is_approver(employee: Employee) -> bool:
    """Whether anyone reports to this employee (in any hierarchy) or they administer the tenant."""
    return employee.is_tenant_admin or ReportingLine.objects.filter(manager=employee).exists()
