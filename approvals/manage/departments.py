"""Departments: the tenant's list of them, added, renamed and deleted here. The rules are
portal.people's (the API calls the same functions)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from portal import people
from portal.exceptions import Conflict, RequestInvalid
from portal.models import Department
from portal.web.pages import problems_by_field, tenant_admin_required


def _page(request, *, name: str = "", errors=(), row_errors=None, status: int = 200):
    """The list with its add form; after a refusal, what was typed and why (`errors` for the
    add form, `row_errors`: department id -> (typed name, messages) for a row)."""
    departments = Department.objects.filter(tenant=request.employee.tenant).annotate(
        employee_count=Count("employees")
    )
    row_errors = row_errors or {}
    rows = [
        {
            "department": d,
            "name": row_errors.get(d.pk, (d.name, []))[0],
            "errors": row_errors.get(d.pk, ("", []))[1],
        }
        for d in departments
    ]
    context = {"rows": rows, "name": name, "errors": problems_by_field(errors)}
    return render(request, "portal/manage/department_list.html", context, status=status)


@tenant_admin_required
def department_list(request):
    if request.method != "POST":
        return _page(request)
    name = request.POST.get("name", "")
    try:
        department = people.save_department(
            tenant=request.employee.tenant, actor=request.employee, name=name
        )
    except RequestInvalid as error:
        return _page(request, name=name, errors=error.problems, status=400)
    messages.success(request, f"Added the department {department.name}.")
    return redirect("manage:departments")


@require_POST
@tenant_admin_required
def department_rename(request, pk: int):
    department = get_object_or_404(Department, tenant=request.employee.tenant, pk=pk)
    name = request.POST.get("name", "")
    try:
        people.save_department(
            tenant=department.tenant, actor=request.employee, name=name, department=department
        )
    except RequestInvalid as error:
        found = [p.message for p in error.problems]
        return _page(request, row_errors={department.pk: (name, found)}, status=400)
    messages.success(request, f"Saved the department {department.name}.")
    return redirect("manage:departments")


@require_POST
@tenant_admin_required
def department_delete(request, pk: int):
    department = get_object_or_404(Department, tenant=request.employee.tenant, pk=pk)
    try:
        people.delete_department(department=department, actor=request.employee)
    except Conflict as conflict:
        row = {department.pk: (department.name, [conflict.message])}
        return _page(request, row_errors=row, status=409)
    messages.success(request, f"Deleted the department {department.name}.")
    return redirect("manage:departments")


urlpatterns = [
    path("", department_list, name="departments"),
    path("<int:pk>/", department_rename, name="department-rename"),
    path("<int:pk>/delete/", department_delete, name="department-delete"),
]
