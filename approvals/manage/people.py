"""Tenant admin pages about people: employees, their managers per hierarchy, their delegates."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals.web.forms import DelegationForm
from portal import services
from portal.exceptions import RequestInvalid
from portal.models import Delegation, Employee, Hierarchy, ReportingLine
from portal.web.pages import problems_by_field, tenant_admin_required


def _managers_in(hierarchy: Hierarchy | None) -> dict[int, Employee]:
    """employee id -> manager in a hierarchy, in one query."""
    if hierarchy is None:
        return {}
    lines = ReportingLine.objects.filter(hierarchy=hierarchy).select_related("manager")
    return {line.employee_id: line.manager for line in lines}


@tenant_admin_required
def employee_list(request):
    tenant = request.employee.tenant
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    employees = Employee.objects.filter(tenant=tenant).select_related("department")
    if query:
        employees = employees.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
            | Q(company_employee_id__icontains=query)
            | Q(department__name__icontains=query)
        )
    if status in Employee.Status.values:
        employees = employees.filter(status=status)
    hierarchy = Hierarchy.objects.filter(tenant=tenant, is_default=True).first()
    managers = _managers_in(hierarchy)
    rows = [{"employee": e, "manager": managers.get(e.pk)} for e in employees]
    return render(
        request,
        "portal/manage/employee_list.html",
        {
            "rows": rows,
            "hierarchy": hierarchy,
            "query": query,
            "status": status,
            "statuses": Employee.Status.choices,
        },
    )


@tenant_admin_required
def employee_edit(request, pk: int):
    tenant = request.employee.tenant
    employee = get_object_or_404(
        Employee.objects.select_related("department", "user"), tenant=tenant, pk=pk
    )
    if request.method != "POST":
        return _employee_page(request, employee)
    hierarchies = list(Hierarchy.objects.filter(tenant=tenant))
    current = _current_managers(employee)
    posted = {h.pk: _id(request.POST.get(f"manager_{h.pk}")) for h in hierarchies}
    # Only what changed is sent: a manager who has left (inactive) stays until replaced. The
    # service judges who may be a manager (not the employee, an active colleague, no loop).
    named = Employee.objects.filter(pk__in=[pk for pk in posted.values() if pk is not None])
    candidates = {e.pk: e for e in named}
    managers = {
        h: candidates.get(posted[h.pk])
        for h in hierarchies
        if posted[h.pk] != current.get(h.pk)
        and (posted[h.pk] is None or posted[h.pk] in candidates)
    }
    values = {
        "is_tenant_admin": request.POST.get("is_tenant_admin") == "on",
        "status": request.POST.get("status", ""),
        "managers": posted,
    }
    try:
        services.update_employee(
            employee=employee, actor=request.employee, managers=managers,
            is_tenant_admin=values["is_tenant_admin"], status=values["status"],
        )  # fmt: skip
    except RequestInvalid as error:
        return _employee_page(request, employee, values=values, errors=error.problems)
    messages.success(request, f"Saved {employee.full_name}.")
    return redirect("manage:employee", pk=employee.pk)


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


def _colleagues(employee: Employee):
    return Employee.objects.filter(tenant_id=employee.tenant_id).active().exclude(pk=employee.pk)


def _current_managers(employee: Employee) -> dict[int, int]:
    """hierarchy id -> manager id."""
    lines = ReportingLine.objects.filter(employee=employee)
    return dict(lines.values_list("hierarchy_id", "manager_id"))


def _employee_page(
    request, employee: Employee, *, values=None, errors=(), delegation_form=None,
    delegation_errors=(),
):  # fmt: skip
    """The employee page: role and status, managers per hierarchy, delegates. After a refused
    POST, `values` are what was posted and `errors` the problems found."""
    hierarchies = list(Hierarchy.objects.filter(tenant_id=employee.tenant_id))
    current = _current_managers(employee)
    values = values or {
        "is_tenant_admin": employee.is_tenant_admin,
        "status": employee.status,
        "managers": current,
    }
    errors = problems_by_field(errors)
    named = {e.pk: e for e in Employee.objects.filter(pk__in=current.values())}
    rows = [
        {
            "hierarchy": h,
            "value": values["managers"].get(h.pk),
            "current": named.get(current.get(h.pk)),
            "errors": errors.get(f"managers.{h.pk}", []),
        }
        for h in hierarchies
    ]
    default = next((h for h in hierarchies if h.is_default), None)
    reports = Employee.objects.filter(
        pk__in=ReportingLine.objects.filter(hierarchy=default, manager=employee).values(
            "employee_id"
        )
    )
    context = {
        "person": employee,
        "values": values,
        "errors": errors,
        "rows": rows,
        "colleagues": list(_colleagues(employee)),
        "statuses": Employee.Status.choices,
        "reports": reports,
        "delegations": Delegation.objects.filter(employee=employee).select_related("delegate"),
        "today": timezone.localdate(),
        "delegation_form": delegation_form or DelegationForm(employee=employee),
        "delegation_errors": problems_by_field(delegation_errors),
    }
    return render(request, "portal/manage/employee_form.html", context)


@require_POST
@tenant_admin_required
def delegation_add(request, pk: int):
    employee = get_object_or_404(Employee, tenant=request.employee.tenant, pk=pk)
    form = DelegationForm(request.POST, employee=employee)
    if not form.is_valid():
        return _employee_page(request, employee, delegation_form=form)
    delegate = form.cleaned_data["delegate"]
    try:
        services.add_delegation(
            employee=employee, delegate=delegate, actor=request.employee,
            starts_on=form.cleaned_data["starts_on"], ends_on=form.cleaned_data["ends_on"],
        )  # fmt: skip
    except RequestInvalid as error:
        return _employee_page(
            request, employee, delegation_form=form, delegation_errors=error.problems
        )
    messages.success(request, f"{delegate.full_name} now stands in for {employee.full_name}.")
    return redirect("manage:employee", pk=employee.pk)


@require_POST
@tenant_admin_required
def delegation_end(request, pk: int, delegation_pk: int):
    employee = get_object_or_404(Employee, tenant=request.employee.tenant, pk=pk)
    delegation = get_object_or_404(
        Delegation.objects.select_related("delegate"), employee=employee, pk=delegation_pk
    )
    services.end_delegation(delegation=delegation, actor=request.employee)
    messages.success(request, f"{delegation.delegate.full_name} no longer stands in.")
    return redirect("manage:employee", pk=employee.pk)
