"""Approval workflows: the list in priority order, the editor, the preview of who would approve
an example order. Views parse, call a service, render; the rules live in approvals.services and
approvals.workflow_input, which the editor and the API share."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals import routing, selectors, workflows
from approvals.manage.forms import (
    ExampleOrderForm,
    WorkflowForm,
    show_problems,
    step_formset,
    workflow_input,
)
from approvals.models import ApprovalRun, ApprovalWorkflow
from approvals.workflow_input import WorkflowInputSerializer
from catalog.models import TransactionType
from portal.exceptions import RequestInvalid
from portal.validation import flatten_errors
from portal.web.pages import tenant_admin_required


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
    if step.reminder_delay_minutes:
        parts.append(f"reminder after {duration(step.reminder_delay_minutes)}")
    if step.escalation_delay_minutes:
        parts.append(f"escalation after {duration(step.escalation_delay_minutes)}")
    return ", ".join(parts)


def duration(minutes: int) -> str:
    """Minutes in words: "90 min", whole hours as "24 h"."""
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


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
                        saved = workflows.save_workflow(
                            tenant=tenant, actor=actor, data=serializer.validated_data,
                            workflow=workflow,
                        )  # fmt: skip
                        messages.success(request, f"Saved the rule “{saved.name}”.")
                        return redirect(f"{reverse('manage:workflows')}#workflow-{saved.pk}")
                    result, draft_matched = workflows.preview_draft(
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
        "priority": (last.priority if last else 0) + workflows.PRIORITY_STEP,
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
        workflows.delete_workflow(workflow=workflow, actor=request.employee)
        messages.success(request, f"Deleted the rule “{workflow.name}”.")
        return redirect("manage:workflows")
    waiting = ApprovalRun.objects.filter(workflow=workflow, state=ApprovalRun.State.PENDING)
    # What the deletion would have done to the orders of the last days (?days=, default 90).
    # Imported here: approvals.manage.impact draws this module's editor.
    from approvals import impact
    from approvals.manage import impact as impact_page

    days, _problem = impact_page.days_of(request.GET.get("days"))
    replay = impact.impact_of(
        impact.WorkflowDeletion(workflow), tenant=request.employee.tenant, actor=request.employee,
        days=days,
    )  # fmt: skip
    return render(
        request,
        "approvals/manage/workflow_confirm_delete.html",
        {"workflow": workflow, "waiting": waiting.count(), **impact_page.impact_context(replay)},
    )


@require_POST
@tenant_admin_required
def workflow_move(request, pk: int):
    workflow = get_object_or_404(ApprovalWorkflow, tenant=request.employee.tenant, pk=pk)
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        workflows.move_workflow(workflow=workflow, direction=direction, actor=request.employee)
    return redirect(f"{reverse('manage:workflows')}#workflow-{workflow.pk}")


@tenant_admin_required
def workflow_preview(request):
    """An example order (GET, stores nothing): which rule matches and who approves each step."""
    tenant = request.employee.tenant
    form = ExampleOrderForm(request.GET or None, tenant=tenant)
    outcome, tried = None, []
    if form.is_valid():
        facts = form.facts()
        outcome = {"preview": workflows.preview(facts), "draft_matched": None}
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
