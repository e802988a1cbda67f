"""Tenant admin pages about people: employees (new and edited, through portal.people), their
managers per hierarchy, their delegates."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals.web.forms import DelegationForm
from portal import people, services
from portal.exceptions import RequestInvalid
from portal.models import Delegation, Department, Employee, Hierarchy, ReportingLine
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


PARTICULARS = ("first_name", "last_name", "email", "company_employee_id", "office_phone")


def _posted_person(request, tenant, employee: Employee | None) -> tuple[people.PersonInput, dict]:
    """What the employee form posted: the service's input and the values to show again (a
    particular not posted at all stays as it is). Only the managers that changed are sent: a
    manager who has left (inactive) stays until replaced. The service judges who may be a
    manager (not the employee, an active colleague, no loop)."""
    current = _current_managers(employee)
    hierarchies = list(Hierarchy.objects.filter(tenant=tenant))
    posted = {h.pk: _id(request.POST.get(f"manager_{h.pk}")) for h in hierarchies}
    named = Employee.objects.filter(pk__in=[pk for pk in posted.values() if pk is not None])
    candidates = {e.pk: e for e in named}
    data = people.PersonInput(
        **{name: request.POST.get(name) for name in PARTICULARS},
        is_tenant_admin=request.POST.get("is_tenant_admin") == "on",
        status=request.POST.get("status", ""),
        managers={
            h: candidates.get(posted[h.pk])
            for h in hierarchies
            if posted[h.pk] != current.get(h.pk)
            and (posted[h.pk] is None or posted[h.pk] in candidates)
        },
    )
    department_id = _id(request.POST.get("department"))
    if "department" in request.POST:
        data.department = Department.objects.filter(tenant=tenant, pk=department_id).first()
    values = {
        name: getattr(data, name) if getattr(data, name) is not None else
        (getattr(employee, name) if employee else "")
        for name in PARTICULARS
    }  # fmt: skip
    values |= {
        "department": department_id if "department" in request.POST
        else getattr(employee, "department_id", None),
        "is_tenant_admin": data.is_tenant_admin,
        "status": data.status,
        "managers": posted,
    }  # fmt: skip
    return data, values


@tenant_admin_required
def employee_create(request):
    """A new person (no account to sign in with: the platform operator links one)."""
    tenant = request.employee.tenant
    if request.method != "POST":
        return _employee_page(request, None)
    data, values = _posted_person(request, tenant, None)
    try:
        employee = people.create_employee(tenant=tenant, actor=request.employee, data=data)
    except RequestInvalid as error:
        return _employee_page(request, None, values=values, errors=error.problems)
    messages.success(request, f"Added {employee.full_name}.")
    return redirect("manage:employee", pk=employee.pk)


@tenant_admin_required
def employee_edit(request, pk: int):
    tenant = request.employee.tenant
    employee = get_object_or_404(
        Employee.objects.select_related("department", "user"), tenant=tenant, pk=pk
    )
    if request.method != "POST":
        return _employee_page(request, employee)
    if request.POST.get("section") == "attributes":
        return _save_attributes(request, employee)
    data, values = _posted_person(request, tenant, employee)
    try:
        people.edit_employee(employee=employee, actor=request.employee, data=data)
    except RequestInvalid as error:
        return _employee_page(request, employee, values=values, errors=error.problems)
    messages.success(request, f"Saved {employee.full_name}.")
    return redirect("manage:employee", pk=employee.pk)


def _save_attributes(request, employee: Employee):
    """The custom attributes section's POST: `attribute_<id>` per attribute, through
    portal.people.set_custom_attributes (which checks each value)."""
    posted = {
        pk: request.POST.get(name, "")
        for name in request.POST
        if name.startswith("attribute_") and (pk := _id(name.removeprefix("attribute_")))
    }
    try:
        people.set_custom_attributes(employee=employee, actor=request.employee, values=posted)
    except RequestInvalid as error:
        return _employee_page(
            request, employee, attribute_values=posted, attribute_errors=error.problems
        )
    messages.success(request, f"Saved {employee.full_name}'s attributes.")
    return redirect("manage:employee", pk=employee.pk)


def _attribute_rows(employee: Employee, posted: dict[int, str] | None, problems) -> list[dict]:
    errors = problems_by_field(problems, "attributes")
    return [
        {
            "attribute": attribute,
            "value": posted.get(attribute.pk, value) if posted is not None else value,
            "errors": errors.get(str(attribute.pk), []),
        }
        for attribute, value in people.custom_attributes_of(employee).items()
    ]


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _colleagues(tenant_id: int, employee: Employee | None):
    colleagues = Employee.objects.filter(tenant_id=tenant_id).active()
    return colleagues.exclude(pk=employee.pk) if employee is not None else colleagues


def _current_managers(employee: Employee | None) -> dict[int, int]:
    """hierarchy id -> manager id."""
    if employee is None:
        return {}
    lines = ReportingLine.objects.filter(employee=employee)
    return dict(lines.values_list("hierarchy_id", "manager_id"))


def _employee_page(
    request, employee: Employee | None, *, values=None, errors=(), delegation_form=None,
    delegation_errors=(), attribute_values=None, attribute_errors=(),
):  # fmt: skip
    """The employee page (`employee` None: the new person page): particulars, role and status,
    managers per hierarchy, delegates. After a refused POST, `values` are what was posted and
    `errors` the problems found."""
    tenant = request.employee.tenant
    hierarchies = list(Hierarchy.objects.filter(tenant=tenant))
    current = _current_managers(employee)
    if values is None and employee is None:
        values = {name: "" for name in PARTICULARS}
        values |= {"department": None, "is_tenant_admin": False, "status": "ACTIVE",
                   "managers": {}}  # fmt: skip
    elif values is None:
        values = {name: getattr(employee, name) for name in PARTICULARS}
        values |= {
            "department": employee.department_id,
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
    context = {
        "person": employee,
        "values": values,
        "errors": errors,
        "rows": rows,
        "colleagues": list(_colleagues(tenant.pk, employee)),
        "departments": list(Department.objects.filter(tenant=tenant)),
        "statuses": Employee.Status.choices,
    }
    if employee is not None:
        default = next((h for h in hierarchies if h.is_default), None)
        context["reports"] = Employee.objects.filter(
            pk__in=ReportingLine.objects.filter(hierarchy=default, manager=employee).values(
                "employee_id"
            )
        )
        context |= {
            "delegations": Delegation.objects.filter(employee=employee).select_related("delegate"),
            "today": timezone.localdate(),
            "delegation_form": delegation_form or DelegationForm(employee=employee),
            "delegation_errors": problems_by_field(delegation_errors),
            "attribute_rows": _attribute_rows(employee, attribute_values, attribute_errors),
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
