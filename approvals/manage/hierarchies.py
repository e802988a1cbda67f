"""Hierarchies: the tenant's named hierarchies (one the default: the reporting line), created,
renamed, made default and deleted here, and a page per hierarchy placing people in it. The
rules are portal.hierarchies' (the API calls the same functions)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from approvals.models import ApprovalStepSource
from portal import hierarchies
from portal.exceptions import Conflict, RequestInvalid
from portal.models import Employee, Hierarchy, ReportingLine
from portal.web.pages import problems_by_field, tenant_admin_required


def _list_page(request, *, name: str = "", errors=(), row_errors=None, status: int = 200):
    """The list with its create form; after a refusal, what was typed and why (`row_errors`:
    hierarchy id -> (typed name, messages))."""
    tenant = request.employee.tenant
    rows, row_errors = [], row_errors or {}
    for hierarchy in Hierarchy.objects.filter(tenant=tenant).annotate(line_count=Count("lines")):
        typed, found = row_errors.get(hierarchy.pk, (hierarchy.name, []))
        rows.append({"hierarchy": hierarchy, "name": typed, "errors": found})
    context = {"rows": rows, "name": name, "errors": problems_by_field(errors)}
    return render(request, "portal/manage/hierarchy_list.html", context, status=status)


@tenant_admin_required
def hierarchy_list(request):
    if request.method != "POST":
        return _list_page(request)
    name = request.POST.get("name", "")
    try:
        hierarchy = hierarchies.save_hierarchy(
            tenant=request.employee.tenant, actor=request.employee, name=name,
            is_default=request.POST.get("is_default") == "on",
        )  # fmt: skip
    except RequestInvalid as error:
        return _list_page(request, name=name, errors=error.problems, status=400)
    messages.success(request, f"Created the hierarchy {hierarchy.name}. Now place people in it.")
    return redirect("manage:hierarchy", pk=hierarchy.pk)


@require_POST
@tenant_admin_required
def hierarchy_save(request, pk: int):
    """Rename a hierarchy (`name`) or make it the default (`make_default`)."""
    hierarchy = get_object_or_404(Hierarchy, tenant=request.employee.tenant, pk=pk)
    make_default = "make_default" in request.POST
    name = None if make_default else request.POST.get("name", "")
    try:
        hierarchies.save_hierarchy(
            tenant=hierarchy.tenant, actor=request.employee, hierarchy=hierarchy, name=name,
            is_default=True if make_default else None,
        )  # fmt: skip
    except RequestInvalid as error:
        found = [p.message for p in error.problems]
        row = {hierarchy.pk: (name if name is not None else hierarchy.name, found)}
        return _list_page(request, row_errors=row, status=400)
    hierarchy.refresh_from_db()
    done = "is now the default" if make_default else "is saved"
    messages.success(request, f"{hierarchy.name} {done}.")
    return redirect("manage:hierarchies")


@tenant_admin_required
def hierarchy_delete(request, pk: int):
    hierarchy = get_object_or_404(Hierarchy, tenant=request.employee.tenant, pk=pk)
    sources = ApprovalStepSource.objects.filter(hierarchy=hierarchy)
    used_by = sorted(set(sources.values_list("step__workflow__name", flat=True)))
    error = None
    if request.method == "POST":
        try:
            hierarchies.delete_hierarchy(hierarchy=hierarchy, actor=request.employee)
        except Conflict as conflict:
            error = conflict.message
        else:
            messages.success(request, f"Deleted the hierarchy {hierarchy.name}.")
            return redirect("manage:hierarchies")
    context = {"hierarchy": hierarchy, "used_by": used_by, "error": error}
    return render(request, "portal/manage/hierarchy_confirm_delete.html", context)


def _id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 19 else None


@tenant_admin_required
def hierarchy_lines(request, pk: int):
    """Everyone of the tenant with a manager select: who reports to whom in this hierarchy.
    Only the lines that changed are sent, so a manager who has left stays until replaced."""
    tenant = request.employee.tenant
    hierarchy = get_object_or_404(Hierarchy, tenant=tenant, pk=pk)
    people = list(Employee.objects.filter(tenant=tenant).select_related("department"))
    by_pk = {person.pk: person for person in people}
    current = dict(
        ReportingLine.objects.filter(hierarchy=hierarchy).values_list("employee_id", "manager_id")
    )
    chosen, errors, status = dict(current), {}, 200
    if request.method == "POST":
        posted = {p.pk: _id(request.POST.get(f"manager_{p.pk}")) for p in people}
        chosen = {pk: m for pk, m in posted.items() if m is not None}
        lines = {
            by_pk[pk]: by_pk.get(manager) if manager is not None else None
            for pk, manager in posted.items()
            if manager != current.get(pk) and (manager is None or manager in by_pk)
        }
        try:
            hierarchies.set_reporting_lines(
                hierarchy=hierarchy, actor=request.employee, lines=lines, replace=False
            )
        except RequestInvalid as error:
            errors, status = problems_by_field(error.problems, "lines"), 400
        else:
            messages.success(request, f"Saved who reports to whom in {hierarchy.name}.")
            return redirect("manage:hierarchy", pk=hierarchy.pk)
    active = [p for p in people if p.status == Employee.Status.ACTIVE]
    rows = []
    for person in people:
        manager = by_pk.get(current.get(person.pk))
        rows.append(
            {
                "person": person,
                "manager": chosen.get(person.pk),
                # A manager who has left stays offered to whoever still reports to them.
                "left": manager if manager and manager.status != Employee.Status.ACTIVE else None,
                "candidates": [c for c in active if c.pk != person.pk],
                "errors": errors.get(str(person.pk), []),
            }
        )
    context = {"hierarchy": hierarchy, "rows": rows, "errors": errors}
    return render(request, "portal/manage/hierarchy_lines.html", context, status=status)


urlpatterns = [
    path("", hierarchy_list, name="hierarchies"),
    path("<int:pk>/", hierarchy_lines, name="hierarchy"),
    path("<int:pk>/save/", hierarchy_save, name="hierarchy-save"),
    path("<int:pk>/delete/", hierarchy_delete, name="hierarchy-delete"),
]
