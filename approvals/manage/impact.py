"""The impact preview on the tenant admin pages: the editor's draft ("Preview impact") replayed
on the tenant's recent orders beside today's rules (approvals.impact), and the pieces the
deletion page shows of a deletion's impact. Stores nothing.

The impact page sits behind the editor's own form: its "Back to the editor" posts the draft
again and gets the editor with it filled in, and Save / Preview approvers pressed there are the
editor's (workflows._editor), so a draft is never lost on the way."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from approvals import impact, selectors
from approvals.manage import workflows
from approvals.manage.forms import WorkflowForm, show_problems, step_formset, workflow_input
from approvals.models import ApprovalWorkflow
from approvals.workflow_input import WorkflowInputSerializer
from portal.exceptions import RequestInvalid
from portal.validation import flatten_errors
from portal.web.pages import tenant_admin_required

# The editor's inputs of the impact preview (workflow_form.html); prefixed, as the example's.
DAYS_INPUT = "impact-days"
WORKFLOW_INPUT = "impact-workflow"  # the workflow edited; absent for a new one
DAYS_PROBLEM = f"Give a number of days from 1 to {impact.MAX_DAYS}."


def days_of(value: str | None) -> tuple[int, str | None]:
    """The days asked for, and the problem with them (blank: the default, no problem)."""
    if value is None or not str(value).strip():
        return impact.DEFAULT_DAYS, None
    try:
        days = int(str(value).strip())
    except ValueError:
        return impact.DEFAULT_DAYS, DAYS_PROBLEM
    if not 1 <= days <= impact.MAX_DAYS:
        return impact.DEFAULT_DAYS, DAYS_PROBLEM
    return days, None


def impact_context(result: impact.Impact) -> dict:
    """What the impact partial (approvals/manage/_impact.html) shows of a replay."""
    groups = [
        {"effect": effect, "label": impact.Effect(effect).label, "group": group}
        for effect, group in result.groups.items()
    ]
    rows = [
        {
            "order": item.order,
            "before": item.before,
            "after": item.after,
            "effects": [impact.Effect(effect).label for effect in item.effects],
        }
        for item in result.orders
    ]
    return {"impact": result, "impact_groups": groups, "impact_rows": rows}


@require_http_methods(["GET", "POST"])
@tenant_admin_required
def workflow_impact(request):
    """The editor's draft (POST) replayed on the tenant's orders of the last days (its days
    input); GET ?move=<id>&direction=up|down: a move of the workflow list, before it is made."""
    if request.method == "GET":
        return _move_impact(request)
    tenant, actor = request.employee.tenant, request.employee
    workflow = _edited(request, tenant)
    action = request.POST.get("action")
    if action not in ("impact", "edit"):
        # Save or Preview approvers, pressed on the editor this page drew: the editor's own.
        return workflows._editor(request, workflow)
    form = WorkflowForm(request.POST, tenant=tenant)
    steps = step_formset(tenant, data=request.POST)
    days, days_problem = days_of(request.POST.get(DAYS_INPUT))
    if action == "edit":  # back to the editor, the draft as it was posted
        return _editor_page(request, workflow, form, steps, has_errors=False)
    if form.is_valid() and steps.is_valid():
        body, rows = workflow_input(form, steps)
        serializer = WorkflowInputSerializer(
            data=body, context={"tenant": tenant, "instance": workflow}
        )
        if not serializer.is_valid():
            show_problems(list(flatten_errors(serializer.errors)), form, steps, rows)
        elif not days_problem:
            change = impact.WorkflowDraft(serializer.validated_data, workflow=workflow)
            try:
                result = impact.impact_of(change, tenant=tenant, actor=actor, days=days)
            except RequestInvalid as error:
                show_problems(error.problems, form, steps, rows)
            else:
                context = {
                    "workflow": workflow,
                    "draft_name": serializer.validated_data["name"],
                    "draft_fields": _draft_fields(request.POST),
                    **impact_context(result),
                }
                return render(request, "approvals/manage/workflow_impact.html", context)
    return _editor_page(request, workflow, form, steps, has_errors=True, days_problem=days_problem)


def _move_impact(request):
    """What moving a workflow up or down would do (?days=, default 90), with the button that
    moves it (the list's own form)."""
    tenant, actor = request.employee.tenant, request.employee
    direction = request.GET.get("direction")
    pk = request.GET.get("move", "")
    if direction not in ("up", "down") or not pk.isdigit():
        raise Http404("Say which workflow moves, up or down.")
    workflow = get_object_or_404(ApprovalWorkflow, tenant=tenant, pk=int(pk))
    days, _problem = days_of(request.GET.get("days"))
    order = impact.moved_order(workflow, direction)
    result = impact.impact_of(impact.PriorityOrder(order), tenant=tenant, actor=actor, days=days)
    context = {"workflow": workflow, "direction": direction, **impact_context(result)}
    return render(request, "approvals/manage/workflow_move_impact.html", context)


def _edited(request, tenant) -> ApprovalWorkflow | None:
    """The workflow the editor edits (its hidden input), the tenant's only: else 404."""
    pk = request.POST.get(WORKFLOW_INPUT, "").strip()
    if not pk:
        return None
    if not pk.isdigit():
        raise Http404("No such workflow.")
    return get_object_or_404(selectors.workflows_of(tenant), pk=int(pk))


def _draft_fields(posted) -> list[tuple[str, str]]:
    """Every input of the editor as posted, to post the draft again (the way back keeps it)."""
    return [
        (name, value)
        for name, values in posted.lists()
        if name not in ("csrfmiddlewaretoken", "action")
        for value in values
    ]


def _editor_page(request, workflow, form, steps, *, has_errors: bool, days_problem=None):
    """The editor, drawn with the draft as posted (and its problems beside the inputs)."""
    tenant = request.employee.tenant
    context = {
        "workflow": workflow,
        "form": form,
        "steps": steps,
        "example": workflows._example_form(request, tenant, bound=False),
        "outcome": None,
        "has_errors": has_errors
        and bool(
            form.errors
            or steps.non_form_errors()
            or any(f.errors for f in steps.forms)
            or days_problem
        ),
        "impact_days": request.POST.get(DAYS_INPUT, impact.DEFAULT_DAYS),
        "impact_days_problem": days_problem,
    }
    return render(request, "approvals/manage/workflow_form.html", context)
