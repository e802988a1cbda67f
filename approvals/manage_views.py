"""Tenant admin pages of the approvals app: dashboard, workflows and their preview, approver
groups. Views parse, call a service, render; the rules live in the services and in the API's
WorkflowInputSerializer, which the editor shares with the API."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.db.models import Count, Min, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals import routing, selectors, services
from approvals.api.serializers import WorkflowInputSerializer
from approvals.manage_forms import (
    ExampleOrderForm,
    WorkflowForm,
    show_problems,
    step_formset,
    workflow_input,
)
from approvals.models import ApprovalRun, ApprovalStep, ApprovalWorkflow, Decision, RunStep
from catalog.models import Accessory, TransactionType
from orders.models import Notification, NotificationSetting, Order
from portal import services as people_services
from portal.api.errors import flatten_errors
from portal.exceptions import Conflict, RequestInvalid
from portal.models import Employee, EmployeeGroup
from portal.pages import problems_by_field, tenant_admin_required

CHART_WEEKS = 8

# --- Dashboard ------------------------------------------------------------------------------


@tenant_admin_required
def dashboard(request):
    tenant = request.employee.tenant
    counts = dict(
        Order.objects.filter(tenant=tenant)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    statuses = [
        {"status": status, "label": label, "count": counts.get(status, 0)}
        for status, label in Order.Status.choices
    ]
    waiting = RunStep.objects.filter(
        run__tenant=tenant, state=RunStep.State.ACTIVE, run__state=ApprovalRun.State.PENDING
    )
    levels = list(
        waiting.values("position")
        .annotate(count=Count("id"), oldest=Min("started_at"))
        .order_by("position")
    )
    longest = waiting.select_related("run__order__requested_by").order_by("started_at", "id")[:5]
    weeks = _decision_weeks(tenant)
    off = NotificationSetting.objects.filter(tenant=tenant, enabled=False).count()
    context = {
        "statuses": statuses,
        "orders_total": sum(counts.values()),
        "waiting_total": sum(level["count"] for level in levels),
        "levels": levels,
        "longest": longest,
        "weeks": weeks,
        "chart": _chart(weeks),
        "now": timezone.now(),
        "tiles": {
            "workflows": ApprovalWorkflow.objects.filter(tenant=tenant, is_active=True).count(),
            "groups": EmployeeGroup.objects.filter(tenant=tenant).count(),
            "employees": Employee.objects.filter(tenant=tenant).active().count(),
            "accessories": Accessory.objects.offered_to(tenant).count(),
            "notifications_on": len(Notification.Event.values) - off,
            "notifications": len(Notification.Event.values),
        },
    }
    return render(request, "approvals/manage/dashboard.html", context)


def _decision_weeks(tenant) -> list[dict]:
    """The median time from a step reaching its approvers to their decision, per week (Monday
    to Sunday, the tenant's time zone), for the last CHART_WEEKS weeks, oldest first."""
    today = timezone.localdate()
    this_week = today - timedelta(days=today.weekday())
    first = this_week - timedelta(weeks=CHART_WEEKS - 1)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    waits: dict[date, list[float]] = defaultdict(list)
    decisions = Decision.objects.filter(
        step__run__tenant=tenant, created_at__gte=since, step__started_at__isnull=False
    ).values_list("created_at", "step__started_at")
    for decided_at, started_at in decisions:
        day = timezone.localtime(decided_at).date()
        waits[day - timedelta(days=day.weekday())].append(
            max((decided_at - started_at).total_seconds(), 0)
        )
    weeks = []
    for index in range(CHART_WEEKS):
        week = first + timedelta(weeks=index)
        values = waits.get(week, [])
        median = statistics.median(values) if values else None
        weeks.append(
            {
                "week": week,
                "median": median,
                "wait": duration(median),
                "count": len(values),
                "current": week == this_week,
            }
        )
    return weeks


def duration(seconds: float | None) -> str:
    """A wait, as people say it: 40 min, 5.5 h, 2.1 d."""
    if seconds is None:
        return "\N{EN DASH}"
    if seconds < 60:
        return "< 1 min"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h".replace(".0 ", " ")
    return f"{seconds / 86400:.1f} d".replace(".0 ", " ")


# The chart is drawn on the server (inline SVG): no script, works offline and in e-mail.
CHART = {"width": 720, "height": 250, "top": 40, "bottom": 44, "side": 10}


def _chart(weeks: list[dict]) -> dict:
    values = [week["median"] for week in weeks if week["median"] is not None]
    highest = max(values, default=0)
    plot = CHART["height"] - CHART["top"] - CHART["bottom"]
    slot = (CHART["width"] - 2 * CHART["side"]) / len(weeks)
    bar_width = slot * 0.56
    bars = []
    for index, week in enumerate(weeks):
        value = week["median"]
        height = 0.0
        if value is not None:
            height = max(plot * value / highest if highest else 0, 3)
        x = CHART["side"] + index * slot + (slot - bar_width) / 2
        y = CHART["top"] + plot - height
        bars.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "width": round(bar_width, 1),
                "height": round(height, 1),
                "center": round(x + bar_width / 2, 1),
                "value_y": round(y - 8, 1) if value is not None else CHART["top"] + plot - 8,
                "value": duration(value),
                "label": f"{week['week'].day} {week['week']:%b}",
                "count": week["count"],
                "empty": value is None,
                "current": week["current"],
            }
        )
    return {
        **CHART,
        "bars": bars,
        "baseline": CHART["top"] + plot,
        "label_y": CHART["height"] - 14,
        "has_data": bool(values),
        "right": CHART["width"] - CHART["side"],
    }


# --- Workflows ------------------------------------------------------------------------------


def conditions_of(workflow: ApprovalWorkflow) -> list[str]:
    """A workflow's conditions in words (empty: it matches every order)."""
    words = [TransactionType(t).label for t in workflow.transaction_types]
    if workflow.onetime_cost_above is not None:
        words.append(f"one-time cost over {workflow.onetime_cost_above}")
    if workflow.monthly_cost_above is not None:
        words.append(f"monthly cost over {workflow.monthly_cost_above}")
    departments = [d.name for d in workflow.departments.all()]
    if departments:
        words.append("requested from " + ", ".join(departments))
    regions = [r.name for r in workflow.regions.all()]
    if regions:
        words.append("shipped to " + ", ".join(regions))
    return words


def _delays(step) -> str:
    parts = []
    if step.reminder_delay_hours:
        parts.append(f"reminder after {step.reminder_delay_hours} h")
    if step.escalation_delay_hours:
        parts.append(f"escalation after {step.escalation_delay_hours} h")
    return ", ".join(parts)


@tenant_admin_required
def workflow_list(request):
    workflows = list(selectors.workflows_of(request.employee.tenant))
    for workflow in workflows:
        workflow.conditions = conditions_of(workflow)
        workflow.step_list = [(step, _delays(step)) for step in workflow.steps.all()]
    return render(request, "approvals/manage/workflow_list.html", {"workflows": workflows})


@tenant_admin_required
def workflow_create(request):
    return _editor(request, None)


@tenant_admin_required
def workflow_edit(request, pk: int):
    workflow = get_object_or_404(selectors.workflows_of(request.employee.tenant), pk=pk)
    return _editor(request, workflow)


def _editor(request, workflow: ApprovalWorkflow | None):
    """The workflow editor. Two buttons post it: Save, and Preview (the draft on an example
    order, as if it were saved, storing nothing)."""
    tenant, actor = request.employee.tenant, request.employee
    outcome = None
    if request.method == "POST":
        previewing = request.POST.get("action") == "preview"
        form = WorkflowForm(request.POST, tenant=tenant)
        steps = step_formset(tenant, data=request.POST)
        example = _example_form(request, tenant, bound=previewing)
        if form.is_valid() and steps.is_valid():
            body, rows = workflow_input(form, steps)
            serializer = WorkflowInputSerializer(
                data=body, context={"tenant": tenant, "instance": workflow}
            )
            example_valid = not previewing or example.is_valid()
            if not serializer.is_valid():
                show_problems(list(flatten_errors(serializer.errors)), form, steps, rows)
            elif example_valid:
                try:
                    if not previewing:
                        saved = services.save_workflow(
                            tenant=tenant, actor=actor, data=serializer.validated_data,
                            workflow=workflow,
                        )  # fmt: skip
                        messages.success(request, f"Saved the rule “{saved.name}”.")
                        return redirect(f"{reverse('manage:workflows')}#workflow-{saved.pk}")
                    result, draft_matched = services.preview_draft(
                        tenant=tenant, actor=actor, data=serializer.validated_data,
                        facts=example.facts(), workflow=workflow,
                    )  # fmt: skip
                    outcome = {"preview": result, "draft_matched": draft_matched}
                except RequestInvalid as error:
                    show_problems(error.problems, form, steps, rows)
    else:
        initial = WorkflowForm.initial_of(workflow) if workflow else _new_workflow_initial(tenant)
        form = WorkflowForm(initial=initial, tenant=tenant)
        steps = step_formset(tenant, steps=workflow.steps.all() if workflow else ())
        example = _example_form(request, tenant, bound=False)
    context = {
        "workflow": workflow,
        "form": form,
        "steps": steps,
        "example": example,
        "outcome": outcome,
        "has_errors": request.method == "POST" and outcome is None and _has_errors(form, steps),
    }
    return render(request, "approvals/manage/workflow_form.html", context)


def _has_errors(form, steps) -> bool:
    return bool(form.errors or steps.non_form_errors() or any(f.errors for f in steps.forms))


def _new_workflow_initial(tenant) -> dict:
    last = ApprovalWorkflow.objects.filter(tenant=tenant).order_by("-priority").first()
    return {
        "priority": (last.priority if last else 0) + services.PRIORITY_STEP,
        "is_active": True,
        "reason_required_to_reject": True,
    }


def _example_form(request, tenant, *, bound: bool) -> ExampleOrderForm:
    """The editor's example order: validated when previewing; otherwise it only keeps what was
    typed (an untouched example must not complain when the rule is saved)."""
    if bound:
        return ExampleOrderForm(request.POST, tenant=tenant, prefix="example")
    initial = {
        name: request.POST.get(f"example-{name}")
        for name in ExampleOrderForm.base_fields
        if request.POST.get(f"example-{name}")
    }
    return ExampleOrderForm(initial=initial, tenant=tenant, prefix="example")


@tenant_admin_required
def workflow_delete(request, pk: int):
    workflow = get_object_or_404(ApprovalWorkflow, tenant=request.employee.tenant, pk=pk)
    if request.method == "POST":
        services.delete_workflow(workflow=workflow, actor=request.employee)
        messages.success(request, f"Deleted the rule “{workflow.name}”.")
        return redirect("manage:workflows")
    waiting = ApprovalRun.objects.filter(workflow=workflow, state=ApprovalRun.State.PENDING)
    return render(
        request,
        "approvals/manage/workflow_confirm_delete.html",
        {"workflow": workflow, "waiting": waiting.count()},
    )


@require_POST
@tenant_admin_required
def workflow_move(request, pk: int):
    workflow = get_object_or_404(ApprovalWorkflow, tenant=request.employee.tenant, pk=pk)
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        services.move_workflow(workflow=workflow, direction=direction, actor=request.employee)
    return redirect(f"{reverse('manage:workflows')}#workflow-{workflow.pk}")


@tenant_admin_required
def workflow_preview(request):
    """An example order (GET, stores nothing): which rule matches and who approves each step."""
    tenant = request.employee.tenant
    form = ExampleOrderForm(request.GET or None, tenant=tenant)
    outcome, tried = None, []
    if form.is_valid():
        facts = form.facts()
        outcome = {"preview": services.preview(facts), "draft_matched": None}
        for workflow in selectors.workflows_of(tenant).filter(is_active=True):
            matched = routing.matches(workflow, facts)
            tried.append({"workflow": workflow, "matched": matched})
            if matched:
                break
    return render(
        request,
        "approvals/manage/workflow_preview.html",
        {"form": form, "outcome": outcome, "tried": tried},
    )


# --- Approver groups (GROUP steps name them) ------------------------------------------------


@tenant_admin_required
def group_list(request):
    tenant = request.employee.tenant
    groups = EmployeeGroup.objects.filter(tenant=tenant).prefetch_related(
        Prefetch("members", queryset=Employee.objects.order_by("last_name", "first_name"))
    )
    used_by = defaultdict(list)
    steps = ApprovalStep.objects.filter(workflow__tenant=tenant, group__isnull=False)
    for group_id, name in steps.values_list("group_id", "workflow__name").distinct():
        used_by[group_id].append(name)
    rows = [{"group": group, "used_by": sorted(used_by[group.pk])} for group in groups]
    return render(request, "approvals/manage/group_list.html", {"rows": rows})


@tenant_admin_required
def group_create(request):
    return _group_form(request, None)


@tenant_admin_required
def group_edit(request, pk: int):
    group = get_object_or_404(EmployeeGroup, tenant=request.employee.tenant, pk=pk)
    return _group_form(request, group)


def _group_form(request, group: EmployeeGroup | None):
    tenant = request.employee.tenant
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
        set(ApprovalStep.objects.filter(group=group).values_list("workflow__name", flat=True))
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
