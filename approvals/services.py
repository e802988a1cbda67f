"""Every write of the approvals app: routing orders, deciding steps, applying decisions.

Orders move through orders.services (their state machine and history); approvals owns the run,
its steps, the decisions and their audit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from approvals import links, rules
from approvals.exceptions import NotAnApprover
from approvals.models import (
    ApprovalRun,
    ApprovalStep,
    ApprovalWorkflow,
    Decision,
    DecisionAudit,
    RunStep,
)
from approvals.routing import OrderFacts, approvers_for, escalation_approvers, matching_workflow
from orders import notifications
from orders import services as order_services
from orders.models import Notification, Order, OrderApprover, OrderHistory
from portal import events, outbox
from portal import selectors as people
from portal.exceptions import DomainError, FieldProblem, RequestInvalid
from portal.models import Employee
from portal.services import require_tenant_admin

logger = logging.getLogger(__name__)
Outcome = DecisionAudit.Outcome

ROUTE_TASK = "approvals.route_order"
APPLY_TASK = "approvals.apply_decision"


def queue_routing(order: Order) -> None:
    """Handles `order_submitted` (portal.events): route the new order in a task, queued in the
    submit's own transaction (portal.outbox), so that no stored order is left unrouted."""
    outbox.enqueue(ROUTE_TASK, order.pk)


@transaction.atomic
def route_order(order_id: int) -> ApprovalRun | None:
    """Decide whether a submitted order needs approval, and start its first step.

    Idempotent: an order already routed is left as it is. Returns the run, or None when no
    workflow applies (the order is then approved at once).
    """
    # of=("self",): lock the order row only, never the tenant and requester joined to it (a
    # lock on the shared tenant row made concurrent decisions deadlock).
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("tenant", "requested_by")
        .get(pk=order_id)
    )
    if order.status != Order.Status.ORDER_SUBMITTED:
        return ApprovalRun.objects.filter(order=order).first()
    facts = OrderFacts.of_order(order)
    workflow = matching_workflow(facts)
    if workflow is None:
        order_services.approve_order(
            order, actor=None, note="No approval workflow applies to this order."
        )
        return None
    run = ApprovalRun.objects.create(
        tenant=order.tenant,
        order=order,
        workflow=workflow,
        workflow_name=workflow.name,
        reason_required_to_reject=workflow.reason_required_to_reject,
        reason_required_to_approve=workflow.reason_required_to_approve,
        # Seed 004's automatic checks: the maker could order, the payload was valid (both
        # were checked when the order was submitted).
        checks={"ValidateMakerAccess_Output": True, "ValidatePayload_Output": True},
    )
    steps = RunStep.objects.bulk_create(
        RunStep(
            run=run,
            position=position,
            description=step.describe(),
            **{field: getattr(step, field) for field in RunStep.RULE_FIELDS},
        )
        for position, step in enumerate(workflow.steps.all(), start=1)
    )
    order_services.transition_order(
        order, "await_approval", actor=None, note=f"Approval workflow: {workflow.name}."
    )
    _start_step(run, steps[0], facts)
    return run


def _start_step(run: ApprovalRun, step: RunStep, facts: OrderFacts, *, notify: bool = True) -> None:
    """Resolve the step's approvers, make it the active one and tell them (or fail the run if
    no one at all may approve)."""
    order = run.order
    approvers, escalated = approvers_for(step, facts)
    if not approvers:
        run.fail()
        run.ended_at = timezone.now()
        run.checks = {**run.checks, "ResolveApprovers_Output": f"nobody may approve step "
                      f"{step.position} ({step.description})"}  # fmt: skip
        run.save()
        order_services.reject_order(
            order,
            actor=None,
            reason=f"Nobody may approve step {step.position} ({step.description}).",
            notify=notify,
        )
        return
    now = timezone.now()
    step.state = RunStep.State.ACTIVE
    step.started_at = now
    step.escalated_to_admins = escalated
    if step.reminder_delay_hours:
        step.remind_at = now + timedelta(hours=step.reminder_delay_hours)
    if step.escalation_delay_hours:
        step.escalate_at = now + timedelta(hours=step.escalation_delay_hours)
    step.save()
    order_services.set_approvers(order, approvers, level=step.position)
    names = ", ".join(a.full_name for a in approvers)
    note = f"Step {step.position}: {step.description}" + (
        " (nobody resolved: escalated to the tenant admins)" if escalated else ""
    )
    order_services.record_history(
        order,
        event=OrderHistory.Event.APPROVAL_STEP_STARTED,
        actor=None,
        note=f"{note}. Waiting for {names}.",
    )
    if notify:
        _ask_approvers(step, approvers, Notification.Event.APPROVAL_REQUESTED, occasion=step.pk)


def _ask_approvers(step: RunStep, approvers: list[Employee], event: str, occasion) -> None:
    """E-mail each approver, with Approve / Reject links signed for them and this step."""
    for approver in approvers:
        notifications.notify(
            step.run.order,
            event,
            [approver],
            occasion=str(occasion),
            context={
                "step": step.position,
                "step_description": step.description,
                "approve_url": links.decision_url(
                    step=step, approver=approver, action=Decision.Action.APPROVE
                ),
                "reject_url": links.decision_url(
                    step=step, approver=approver, action=Decision.Action.REJECT
                ),
            },
        )


@dataclass(frozen=True)
class DecisionRequest:
    """A decision as the pages and the API receive it."""

    order: Order
    actor: Employee  # acting as (after context headers)
    action: str  # Decision.Action
    reason: str = ""
    communication: str = Decision.Communication.DEFAULT
    caller: Employee | None = None  # who really called, when acting for someone else
    client_id: str = ""
    ip_address: str | None = None
    correlation_id: str = ""
    # Where it was sent from; each caller sets its own (the pages, an e-mailed link).
    channel: str = Decision.Channel.API


def decide(request: DecisionRequest) -> str:
    """Store a decision on the order's current step and queue its application.

    Returns one of APPROVAL_QUEUED, REJECTION_QUEUED, APPROVAL_NOT_NEEDED (already decided,
    or no workflow applies), NOT_READY_FOR_APPROVAL (not routed yet). Raises MakerCannotCheck,
    NotAnApprover (403) or RequestInvalid (the reason is too long, or
    missing where one is required: rules.reason_problems). Every attempt, refused or not, is
    written to the audit table.
    """
    with transaction.atomic():
        outcome, step, refusal = _decide_locked(request)
        DecisionAudit.objects.create(
            tenant_id=request.order.tenant_id,
            order_id=request.order.pk,
            step_position=step.position if step else None,
            action=request.action,
            outcome=Outcome.REFUSED if refusal else outcome,
            refusal_code=refusal.code if refusal else "",
            actor=request.actor,
            caller=request.caller
            if request.caller and request.caller.pk != request.actor.pk
            else None,
            client_id=request.client_id,
            channel=request.channel,
            ip_address=request.ip_address,
            correlation_id=request.correlation_id,
            reason=request.reason,
        )
    if refusal:
        raise refusal
    return outcome


def _decide_locked(request: DecisionRequest) -> tuple[str, RunStep | None, DomainError | None]:
    # The order row is the lock every decision and every application takes first: concurrent
    # decisions on one step queue here, and only the first finds the step undecided.
    # The run comes with the row (only the order's row is locked).
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("approval_run")
        .get(pk=request.order.pk)
    )
    run = getattr(order, "approval_run", None)
    if run is None:
        if order.status == Order.Status.ORDER_SUBMITTED:
            return Outcome.NOT_READY_FOR_APPROVAL, None, None
        return Outcome.APPROVAL_NOT_NEEDED, None, None
    step = run.steps.filter(state=RunStep.State.ACTIVE).first()
    # Who may not decide is refused whatever the state of the run, so that the answer a caller
    # gets does not depend on whether a faster decision has been applied yet.
    refusal = rules.maker_checker_problem(order.maker_ids, request.actor, request.caller)
    if refusal:
        return "", step, refusal
    deciding = people.deciding_for(request.actor)
    if (
        run.state != ApprovalRun.State.PENDING
        or order.status != Order.Status.AWAITING_APPROVAL
        or step is None
    ):
        if not OrderApprover.objects.filter(order=order, employee_id__in=deciding.ids).exists():
            return "", step, NotAnApprover("You may not decide this order.")
        return Outcome.APPROVAL_NOT_NEEDED, step, None
    decided_for = deciding.decides_for(a.pk for a in step.approvers)
    if decided_for is None:
        earlier = OrderApprover.objects.filter(order=order, level__lt=step.position)
        if earlier.filter(employee=request.actor).exists():
            return Outcome.APPROVAL_NOT_NEEDED, step, None  # their step is already decided
        return "", step, NotAnApprover("You may not decide this step of the order.")
    # The approver it counts for is checked too: a delegate never decides for a maker.
    refusal = rules.maker_checker_problem(order.maker_ids, decided_for)
    if refusal:
        return "", step, refusal
    # Exact: every decision is stored under the order's lock, held here. (The one-decision-
    # per-step constraint stays as the last guard.)
    if Decision.objects.filter(step=step).exists():
        return Outcome.APPROVAL_NOT_NEEDED, step, None
    problems = rules.reason_problems(
        request.reason,
        approving=request.action == Decision.Action.APPROVE,
        required_to_approve=run.reason_required_to_approve,
        required_to_reject=run.reason_required_to_reject,
    )
    if problems:
        return "", step, RequestInvalid(problems)
    decision = Decision.objects.create(
        step=step,
        action=request.action,
        reason=request.reason.strip(),
        communication=request.communication,
        decided_for=decided_for,
        decided_by=request.caller or request.actor,
        client_id=request.client_id,
        channel=request.channel,
    )
    outbox.enqueue(APPLY_TASK, decision.pk)
    if request.action == Decision.Action.APPROVE:
        return Outcome.APPROVAL_QUEUED, step, None
    return Outcome.REJECTION_QUEUED, step, None


@transaction.atomic
def apply_decision(decision_id: int) -> None:
    """Move the run (and the order) according to a stored decision. Idempotent: a decision
    already applied changes nothing."""
    decision = Decision.objects.select_related("step__run").get(pk=decision_id)
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("tenant", "requested_by")
        .get(pk=decision.step.run.order_id)
    )
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("step", "decided_by", "decided_for")
        .get(pk=decision_id)
    )
    if decision.applied_at is not None:
        return
    run = ApprovalRun.objects.select_for_update().get(pk=decision.step.run_id)
    run.order = order
    step = decision.step
    decision.applied_at = timezone.now()
    decision.save(update_fields=["applied_at"])
    if order.status != Order.Status.AWAITING_APPROVAL or step.state != RunStep.State.ACTIVE:
        logger.info("decision %s no longer applies (order %s)", decision.pk, order.status)
        return
    order_services.close_approvers(order, level=step.position)
    deciders = {"actor": decision.decided_by, "on_behalf_of": decision.decided_for}
    # communicationWorkflow "None" (seed 001): this decision sends no notification at all.
    notify = decision.communication != Decision.Communication.NONE
    if decision.action == Decision.Action.REJECT:
        step.state = RunStep.State.REJECTED
        step.save(update_fields=["state"])
        _end_run(run, "reject", decision)
        order_services.reject_order(order, reason=decision.reason, notify=notify, **deciders)
        return
    step.state = RunStep.State.APPROVED
    step.save(update_fields=["state"])
    next_step = run.steps.filter(state=RunStep.State.WAITING).order_by("position").first()
    if next_step is None:
        _end_run(run, "approve", decision)
        order_services.approve_order(order, note=decision.reason, notify=notify, **deciders)
        return
    order_services.record_history(
        order,
        event=OrderHistory.Event.APPROVAL_STEP_APPROVED,
        note=f"Step {step.position} approved. {decision.reason}".strip(),
        **deciders,
    )
    _start_step(run, next_step, OrderFacts.of_order(order), notify=notify)


def _end_run(run: ApprovalRun, transition: str, decision: Decision) -> None:
    getattr(run, transition)()
    run.ended_at = timezone.now()
    run.checks = {
        **run.checks,
        "ValidateCheckerAccess_Output": decision.checker_access_valid,
        "AdminTask_Output": run.state,
    }
    run.save()


# --- Workflow configuration (tenant admins) --------------------------------------------------


@transaction.atomic
def save_workflow(
    *, tenant, actor: Employee, data: dict, workflow: ApprovalWorkflow | None = None
) -> ApprovalWorkflow:
    """Create or replace a workflow with its steps (validated data from the workflow form or
    API). Raises NotTenantAdmin, or RequestInvalid when the name is taken meanwhile."""
    require_tenant_admin(actor, tenant.pk)
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
    ApprovalStep.objects.bulk_create(
        ApprovalStep(workflow=workflow, position=position, **step)
        for position, step in enumerate(data["steps"], start=1)
    )
    logger.info("workflow %s saved by %s", workflow.pk, actor.pk)
    return workflow


@transaction.atomic
def delete_workflow(*, workflow: ApprovalWorkflow, actor: Employee) -> None:
    """Delete a workflow; runs already started keep its name and their own copy of the steps."""
    require_tenant_admin(actor, workflow.tenant_id)
    workflow.delete()


@dataclass(frozen=True)
class StepPreview:
    level: int
    description: str
    approvers: list[Employee]
    escalated_to_admins: bool


@dataclass(frozen=True)
class WorkflowPreview:
    workflow: ApprovalWorkflow | None
    steps: list[StepPreview]


def preview(facts: OrderFacts) -> WorkflowPreview:
    """Which workflow an order would match and who would approve each step. Stores nothing."""
    workflow = matching_workflow(facts)
    if workflow is None:
        return WorkflowPreview(workflow=None, steps=[])
    steps = []
    for step in workflow.steps.all():
        approvers, escalated = approvers_for(step, facts)
        steps.append(StepPreview(step.position, step.describe(), approvers, escalated))
    return WorkflowPreview(workflow=workflow, steps=steps)


# --- After approval: fulfilment results, reminders and escalations ---------------------------


@transaction.atomic
def record_fulfilment_failure(order_id: int) -> None:
    """A vendor refused the approved order for good: the run ends `failed` with the vendor's
    answer as its downstream call output (seed 004). Idempotent."""
    Order.objects.select_for_update().filter(pk=order_id).first()  # the order first, as everywhere
    run = ApprovalRun.objects.select_for_update().filter(order_id=order_id).first()
    # Failed already (a redelivery), or ended otherwise: nothing to record. It runs inside the
    # vendor failure's own transaction (`order_failed`), so it must not raise for a state it
    # cannot move from.
    if run is None or not can_proceed(run.fail):
        return
    responses = {
        str(segment.pk): segment.vendor_response
        for segment in run.order.segments.filter(status=Order.Status.FAILED)
    }
    run.fail()
    run.ended_at = timezone.now()
    run.checks = {**run.checks, "FulfilmentCall_Output": responses}
    run.save()


# --- What orders tell approvals (portal.events; subscribed in approvals.apps) ----------------


def fail_run(*, order: Order) -> None:
    """`order_failed`: a vendor refused the order for good; see record_fulfilment_failure."""
    record_fulfilment_failure(order.pk)


def withdraw_run(*, order: Order, actor: Employee | None, reason: str = "") -> None:
    """`order_cancelled`: the order was cancelled (its row locked by the caller, in the caller's
    transaction) while its approval was pending. The run ends `withdrawn`, its active step with
    it, so that no approver is asked, reminded or escalated to again and the order leaves every
    inbox; why is recorded in the run's checks and on the order's history. Idempotent: a run
    that has ended (or an order never routed) is left as it is."""
    run = ApprovalRun.objects.select_for_update().filter(order_id=order.pk).first()
    if run is None or not can_proceed(run.withdraw):
        return
    for step in run.steps.select_for_update().filter(state=RunStep.State.ACTIVE):
        step.state = RunStep.State.WITHDRAWN
        step.remind_at = None
        step.escalate_at = None
        step.save(update_fields=["state", "remind_at", "escalate_at"])
        order_services.close_approvers(order, level=step.position)
    run.withdraw()
    run.ended_at = timezone.now()
    run.checks = {
        **run.checks,
        "AdminTask_Output": run.state,
        "Withdrawal_Output": {
            "event": events.ORDER_CANCELLED,
            "cancelledBy": str(actor.pk) if actor else None,
            "reason": reason.strip(),
        },
    }
    run.save()
    order_services.record_history(
        order, event=OrderHistory.Event.APPROVAL_WITHDRAWN, actor=None,
        note="The order was cancelled: nobody needs to decide it any more.",
    )  # fmt: skip


def steps_due(now=None) -> tuple[list[int], list[int]]:
    """Active steps whose reminder, and whose escalation, is due."""
    now = now or timezone.now()
    active = RunStep.objects.filter(
        state=RunStep.State.ACTIVE, run__state=ApprovalRun.State.PENDING
    )
    reminders = list(active.filter(remind_at__lte=now).values_list("pk", flat=True))
    escalations = list(active.filter(escalate_at__lte=now).values_list("pk", flat=True))
    return reminders, escalations


@transaction.atomic
def remind(step_id: int) -> None:
    """Remind the step's approvers once its reminder delay has passed. Idempotent."""
    step = RunStep.objects.select_related("run__order").get(pk=step_id)
    # The order row first, as every write to an order and its run takes it.
    Order.objects.select_for_update().filter(pk=step.run.order_id).first()
    step = (
        RunStep.objects.select_for_update(of=("self",)).select_related("run__order").get(pk=step_id)
    )
    if step.state != RunStep.State.ACTIVE or step.remind_at is None:
        return
    if step.remind_at > timezone.now():
        return
    step.reminders_sent += 1
    step.remind_at = None
    step.save(update_fields=["reminders_sent", "remind_at"])
    approvers = step.approvers
    _ask_approvers(
        step, approvers, Notification.Event.APPROVAL_REMINDER,
        occasion=f"{step.pk}-{step.reminders_sent}",
    )  # fmt: skip
    order_services.record_history(
        step.run.order, event=OrderHistory.Event.APPROVAL_REMINDER, actor=None,
        note=f"Reminder sent to {', '.join(a.full_name for a in approvers)}.",
    )  # fmt: skip


@transaction.atomic
def escalate(step_id: int) -> None:
    """A step waited past its escalation delay: its approvers' managers (or, failing them, the
    tenant admins) may now decide it too, and are told. Idempotent."""
    step = RunStep.objects.select_related("run__order").get(pk=step_id)
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("tenant", "requested_by")
        .get(pk=step.run.order_id)
    )
    step = RunStep.objects.select_for_update().get(pk=step_id)
    if step.state != RunStep.State.ACTIVE or step.escalate_at is None:
        return
    if step.escalate_at > timezone.now():
        return
    added, to_admins = escalation_approvers(step.approvers, OrderFacts.of_order(order))
    step.escalate_at = None
    step.escalated_to_admins = step.escalated_to_admins or (to_admins and bool(added))
    step.save(update_fields=["escalate_at", "escalated_to_admins"])
    if not added:
        return
    order_services.set_approvers(order, added, level=step.position)
    order_services.record_history(
        order, event=OrderHistory.Event.APPROVAL_ESCALATED, actor=None,
        note=f"Step {step.position} escalated to {', '.join(a.full_name for a in added)}.",
    )  # fmt: skip
    step.run.order = order
    _ask_approvers(step, added, Notification.Event.APPROVAL_ESCALATED, occasion=step.pk)


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
    logger.info("workflow %s moved %s by %s", workflow.pk, direction, actor.pk)


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
