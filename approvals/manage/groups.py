"""Approver groups: the named groups of colleagues a workflow step may name."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from approvals.models import ApprovalStepSource
from portal import services as people_services
from portal.exceptions import Conflict, RequestInvalid
from portal.models import Employee, EmployeeGroup
from portal.web.pages import problems_by_field, tenant_admin_required


@tenant_admin_required
def group_list(request):
    tenant = request.employee.tenant
    groups = EmployeeGroup.objects.filter(tenant=tenant).prefetch_related(
        Prefetch("members", queryset=Employee.objects.order_by("last_name", "first_name"))
    )
    used_by = defaultdict(list)
    steps = ApprovalStepSource.objects.filter(step__workflow__tenant=tenant, group__isnull=False)
    for group_id, name in steps.values_list("group_id", "step__workflow__name").distinct():
        used_by[group_id].append(name)
    rows = [{"group": group, "used_by": sorted(used_by[group.pk])} for group in groups]
    return render(request, "approvals/manage/group_list.html", {"rows": rows})


@tenant_admin_required
def group_form(request, pk: int | None = None):
    """A new group (no `pk`: /groups/new/), or the tenant's group `pk` to edit."""
    tenant = request.employee.tenant
    group = get_object_or_404(EmployeeGroup, tenant=tenant, pk=pk) if pk is not None else None
    employees = list(Employee.objects.filter(tenant=tenant).select_related("department"))
    errors: dict[str, list[str]] = {}
    name = group.name if group else ""
    chosen = {m.pk for m in group.members.all()} if group else set()
    if request.method == "POST":
        name = request.POST.get("name", "")
        posted = set(request.POST.getlist("members"))
        chosen = {e.pk for e in employees if str(e.pk) in posted}
        try:
            saved = people_services.save_group(
                tenant=tenant, actor=request.employee, name=name, group=group,
                members=[e for e in employees if e.pk in chosen],
            )  # fmt: skip
        except RequestInvalid as error:
            errors = problems_by_field(error.problems)
        else:
            messages.success(request, f"Saved the group “{saved.name}”.")
            return redirect("manage:groups")
    return render(
        request,
        "approvals/manage/group_form.html",
        {"group": group, "name": name, "employees": employees, "chosen": chosen, "errors": errors},
    )


@tenant_admin_required
def group_delete(request, pk: int):
    group = get_object_or_404(EmployeeGroup, tenant=request.employee.tenant, pk=pk)
    used_by = sorted(
        set(
            ApprovalStepSource.objects.filter(group=group).values_list(
                "step__workflow__name", flat=True
            )
        )
    )
    error = None
    if request.method == "POST":
        try:
            people_services.delete_group(group=group, actor=request.employee)
        except Conflict as conflict:
            error = conflict.message
        else:
            messages.success(request, f"Deleted the group “{group.name}”.")
            return redirect("manage:groups")
    return render(
        request,
        "approvals/manage/group_confirm_delete.html",
        {"group": group, "used_by": used_by, "error": error},
    )
