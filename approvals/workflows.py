"""Approval workflows as tenant admins configure them: saving, deleting and ordering them (each
change kept in the audit trail, portal.audit), and previews of who would approve an order.

The routing of real orders is approvals.routing and approvals.services; a preview runs the same
routing and stores nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from approvals.models import (
    ApprovalStep,
    ApprovalStepSource,
    ApprovalWorkflow,
    StepPolicy,
)
from approvals.routing import OrderFacts, approvers_for, each_once, matching_workflow
from catalog.models import TransactionType
from portal import audit
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Employee
from portal.services import require_tenant_admin

logger = logging.getLogger(__name__)


# --- Workflow configuration (tenant admins) --------------------------------------------------


def snapshot(workflow: ApprovalWorkflow) -> dict:
    """A workflow as the audit trail keeps it: its conditions and steps in words."""
    return {
        "name": workflow.name,
        "priority": workflow.priority,
        "active": workflow.is_active,
        "transaction types": [TransactionType(t).label for t in workflow.transaction_types],
        "one-time cost above": workflow.onetime_cost_above,
        "monthly cost above": workflow.monthly_cost_above,
        "departments": sorted(d.name for d in workflow.departments.all()),
        "regions": sorted(r.name for r in workflow.regions.all()),
        "reason required to reject": workflow.reason_required_to_reject,
        "reason required to approve": workflow.reason_required_to_approve,
        "steps": [_step_in_words(step) for step in workflow.steps.all()],
    }


def _step_in_words(step: ApprovalStep) -> str:
    words = f"{step.position}. {step.describe()}"
    if len(step.sources.all()) > 1 and step.reject_when == StepPolicy.RejectWhen.MAJORITY:
        words += ", rejected by a majority"
    delays = [
        f"{label} after {minutes} min"
        for label, minutes in (
            ("reminder", step.reminder_delay_minutes),
            ("escalation", step.escalation_delay_minutes),
        )
        if minutes
    ]
    return words + (f" ({', '.join(delays)})" if delays else "")


def _record(workflow: ApprovalWorkflow, actor: Employee, action: str, before, after) -> None:
    audit.record_change(
        tenant=workflow.tenant_id, actor=actor, action=action,
        target_type=audit.APPROVAL_WORKFLOW, target_id=workflow.pk, target_name=workflow.name,
        before=before, after=after,
    )  # fmt: skip


@transaction.atomic
def save_workflow(
    *, tenant, actor: Employee, data: dict, workflow: ApprovalWorkflow | None = None
) -> ApprovalWorkflow:
    """Create or replace a workflow with its steps (validated data from the workflow form or
    API). Raises NotTenantAdmin, or RequestInvalid when the name is taken meanwhile."""
    require_tenant_admin(actor, tenant.pk)
    before = snapshot(workflow) if workflow is not None else None
    conditions = data["conditions"]
    fields = {
        "name": data["name"],
        "priority": data["priority"],
        "is_active": data["isActive"],
        "transaction_types": list(dict.fromkeys(conditions["transactionTypes"])),
        "onetime_cost_above": conditions.get("oneTimeCostAbove"),
        "monthly_cost_above": conditions.get("monthlyCostAbove"),
        "reason_required_to_reject": data["reasonRequiredToReject"],
        "reason_required_to_approve": data["reasonRequiredToApprove"],
    }
    try:
        with transaction.atomic():
            if workflow is None:
                workflow = ApprovalWorkflow.objects.create(tenant=tenant, **fields)
            else:
                for name, value in fields.items():
                    setattr(workflow, name, value)
                workflow.save()
    except IntegrityError:
        raise RequestInvalid(
            [FieldProblem("name", "DUPLICATE", "A workflow with this name exists.")]
        ) from None
    workflow.departments.set(conditions["departmentIds"])
    workflow.regions.set(conditions["regionIds"])
    workflow.steps.all().delete()
    steps = ApprovalStep.objects.bulk_create(
        ApprovalStep(
            workflow=workflow,
            position=position,
            **{field: step[field] for field in StepPolicy.POLICY_FIELDS},
        )
        for position, step in enumerate(data["steps"], start=1)
    )
    ApprovalStepSource.objects.bulk_create(
        ApprovalStepSource(step=row, position=position, **source)
        for row, step in zip(steps, data["steps"], strict=True)
        for position, source in enumerate(step["sources"], start=1)
    )
    # Read back as stored: the steps and sources just written, not a cached prefetch.
    workflow = ApprovalWorkflow.objects.prefetch_related(
        "departments", "regions", "steps__sources__group", "steps__sources__employee"
    ).get(pk=workflow.pk)
    _record(workflow, actor, audit.UPDATED if before else audit.CREATED, before, snapshot(workflow))
    logger.info("workflow %s saved by %s", workflow.pk, actor.pk)
    return workflow


@transaction.atomic
def delete_workflow(*, workflow: ApprovalWorkflow, actor: Employee) -> None:
    """Delete a workflow; runs already started keep its name and their own copy of the steps."""
    require_tenant_admin(actor, workflow.tenant_id)
    _record(workflow, actor, audit.DELETED, snapshot(workflow), None)
    workflow.delete()


@dataclass(frozen=True)
class SourcePreview:
    """One source of a previewed step: whom it would ask."""

    description: str
    approvers: list[Employee]
    escalated_to_admins: bool


@dataclass(frozen=True)
class StepPreview:
    """A previewed step: `approvers` are all its sources' (each once); `sources` one by one,
    with the rule over them (`needed` of them must approve)."""

    level: int
    description: str
    approvers: list[Employee]
    escalated_to_admins: bool
    sources: list[SourcePreview] = dataclasses.field(default_factory=list)
    rule: str = StepPolicy.Rule.ANY
    required: int | None = None
    reject_when: str = StepPolicy.RejectWhen.ANY
    needed: int = 1


@dataclass(frozen=True)
class WorkflowPreview:
    workflow: ApprovalWorkflow | None
    steps: list[StepPreview]


def preview(facts: OrderFacts) -> WorkflowPreview:
    """Which workflow an order would match and who would approve each step. Stores nothing."""
    workflow = matching_workflow(facts)
    if workflow is None:
        return WorkflowPreview(workflow=None, steps=[])
    return WorkflowPreview(
        workflow=workflow, steps=[preview_step(step, facts) for step in workflow.steps.all()]
    )


def preview_step(step: ApprovalStep, facts: OrderFacts) -> StepPreview:
    """Who would decide a workflow step for an order, source by source."""
    sources = [
        SourcePreview(source.describe(), *approvers_for(source, facts))
        for source in step.sources.all()
    ]
    return StepPreview(
        level=step.position,
        description=step.describe(),
        approvers=each_once(source.approvers for source in sources),
        escalated_to_admins=any(source.escalated_to_admins for source in sources),
        sources=sources,
        rule=step.rule,
        required=step.required,
        reject_when=step.reject_when,
        needed=step.needed(len(sources)),
    )


# --- Workflow order and draft previews (tenant admin pages) ----------------------------------

PRIORITY_STEP = 10  # room to slot a workflow in between two others without renumbering


@transaction.atomic
def move_workflow(*, workflow: ApprovalWorkflow, direction: str, actor: Employee) -> None:
    """Swap a workflow with its neighbour in priority order ("up": tried earlier, "down":
    later) and renumber the tenant's workflows 10, 20, 30... Raises NotTenantAdmin."""
    require_tenant_admin(actor, workflow.tenant_id)
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be up or down, not {direction!r}")
    workflows = list(
        ApprovalWorkflow.objects.select_for_update()
        .filter(tenant_id=workflow.tenant_id)
        .order_by("priority", "id")
    )
    before_order = list(workflows)
    index = next(i for i, wf in enumerate(workflows) if wf.pk == workflow.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(workflows):
        workflows[index], workflows[other] = workflows[other], workflows[index]
    changed = []
    for position, wf in enumerate(workflows, start=1):
        if wf.priority != position * PRIORITY_STEP:
            wf.priority = position * PRIORITY_STEP
            changed.append(wf)
    ApprovalWorkflow.objects.bulk_update(changed, ["priority"])
    if changed:
        moved = next(wf for wf in workflows if wf.pk == workflow.pk)
        before = {"priority": workflow.priority, "order tried": _order(before_order)}
        after = {"priority": moved.priority, "order tried": _order(workflows)}
        _record(moved, actor, audit.UPDATED, before, after)
    logger.info("workflow %s moved %s by %s", workflow.pk, direction, actor.pk)


def _order(workflows: list[ApprovalWorkflow]) -> list[str]:
    """The tenant's workflows in the order they are tried, by name."""
    return [wf.name for wf in workflows]


def preview_draft(
    *, tenant, actor: Employee, data: dict, facts: OrderFacts,
    workflow: ApprovalWorkflow | None = None,
) -> tuple[WorkflowPreview, bool]:  # fmt: skip
    """Preview a workflow being edited (validated data, as save_workflow takes) on an example
    order, as if it were saved: (the preview, whether the draft is the workflow that matches).

    The draft is saved in a transaction that is always rolled back, so the preview runs the
    very routing that orders go through, among the tenant's other workflows, and stores
    nothing. Raises what save_workflow raises.
    """
    with transaction.atomic():
        draft = save_workflow(tenant=tenant, actor=actor, data=data, workflow=workflow)
        result = preview(facts)
        transaction.set_rollback(True)
    return result, result.workflow is not None and result.workflow.pk == draft.pk
