"""Every write of the approvals app: routing orders, deciding steps, applying decisions.

Orders move through orders.services (their state machine and history); approvals owns the run,
its steps, the decisions and their audit.

A step's sources run in parallel, as its seats (RunSeat): `decide` stores a decision on the first
undecided seat the person (or whom they stand in for) may fill, a person counting once per
step, and refuses more once the stored decisions settle the step; `apply_decision` marks the
seat and moves the step exactly once, when its policy is met or can no longer be
(models.step_outcome). A one-source step behaves as steps always did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from approvals import links, rules, selectors
from approvals.exceptions import NotAnApprover
from approvals.models import (
    ApprovalRun,
    Decision,
    DecisionAudit,
    RunSeat,
    RunStep,
    StepPolicy,
    StepRule,
    step_outcome,
)
from approvals.routing import (
    OrderFacts,
    approvers_for,
    each_once,
    matching_workflow,
)
from orders import notifications
from orders import services as order_services
from orders.models import Notification, Order, OrderApprover, OrderHistory
from portal import events, outbox
from portal import selectors as people
from portal.exceptions import DomainError, NotFound, RequestInvalid
from portal.models import Employee

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
    workflow_steps = list(workflow.steps.all())
    steps = RunStep.objects.bulk_create(
        RunStep(
            run=run,
            position=position,
            description=step.describe()[:200],
            **{field: getattr(step, field) for field in StepPolicy.POLICY_FIELDS},
        )
        for position, step in enumerate(workflow_steps, start=1)
    )
    RunSeat.objects.bulk_create(
        RunSeat(
            step=run_step,
            position=position,
            description=source.describe()[:200],
            **{field: getattr(source, field) for field in StepRule.RULE_FIELDS},
        )
        for run_step, step in zip(steps, workflow_steps, strict=True)
        for position, source in enumerate(step.sources.all(), start=1)
    )
    order_services.transition_order(
        order, "await_approval", actor=None, note=f"Approval workflow: {workflow.name}."
    )
    _start_step(run, steps[0], facts)
    return run


def _start_step(run: ApprovalRun, step: RunStep, facts: OrderFacts, *, notify: bool = True) -> None:
    """Resolve the approvers of each of the step's seats, make it the active one and tell them
    (or fail the run if too few seats have anyone who may approve to meet the step)."""
    order = run.order
    seats = list(step.seats.all())
    resolved = [(seat, *approvers_for(seat, facts)) for seat in seats]
    approvers = each_once(found for _seat, found, _escalated in resolved)
    decidable = sum(1 for _seat, found, _escalated in resolved if found)
    escalated = any(escalated for _seat, _found, escalated in resolved)
    if not approvers or decidable < step.needed(len(seats)):
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
    if step.reminder_delay_minutes:
        step.remind_at = now + timedelta(minutes=step.reminder_delay_minutes)
    if step.escalation_delay_minutes:
        step.escalate_at = now + timedelta(minutes=step.escalation_delay_minutes)
    step.save()
    for seat, found, _escalated in resolved:
        seat.state = RunSeat.State.OPEN
        seat.save(update_fields=["state"])
        seat.approvers.set(found)
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
        ask_approvers(step, approvers, Notification.Event.APPROVAL_REQUESTED, occasion=step.pk)


def ask_approvers(step: RunStep, approvers: list[Employee], event: str, occasion) -> None:
    """E-mail each approver, with Approve / Reject links signed for them and this step (and,
    for a step of several sources, how many approvals it needs); and whoever stands in for one
    of them today (portal.selectors.delegates_of), with a link to the order: a delegate decides
    in their place, so is told too. Someone both gets one e-mail (its key is per recipient)."""
    sources = step.seats.count()
    context = {
        "step": step.position,
        "step_description": step.description,
        "sources": sources,
        "needed": step.needed(sources),
    }
    order = step.run.order
    for approver in approvers:
        links_for_them = {
            "approve_url": links.decision_url(
                step=step, approver=approver, action=Decision.Action.APPROVE
            ),
            "reject_url": links.decision_url(
                step=step, approver=approver, action=Decision.Action.REJECT
            ),
        }
        notifications.notify(
            order, event, [approver], occasion=str(occasion), context={**context, **links_for_them}
        )
    for delegator, delegate in people.delegates_of(approvers):
        notifications.notify(
            order, event, [delegate], occasion=str(occasion),
            context={**context, "on_behalf_of": delegator.full_name},
        )  # fmt: skip


class OrderKey(Protocol):
    """What a decision needs to know of its order before locking it (an Order will do)."""

    pk: int
    tenant_id: int


@dataclass(frozen=True)
class OrderReference:
    """An order known by its id and its caller's tenant alone: the API decides without reading
    the order first (the decision's locking read is scoped to the tenant: another tenant's
    order, or none, is NotFound)."""

    pk: int
    tenant_id: int


@dataclass(frozen=True)
class DecisionRequest:
    """A decision as the pages and the API receive it."""

    order: OrderKey
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
    or no workflow applies), NOT_READY_FOR_APPROVAL (not routed yet). Raises NotFound (no such
    order in the tenant), MakerCannotCheck, NotAnApprover (403) or RequestInvalid (the reason
    is too long, or missing where one is required: rules.reason_problems). Every attempt,
    refused or not, is written to the audit table (but one on no order).
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
    # The run comes with the row (only the order's row is locked); the step and its seats are
    # read after the lock. Rows, not models: prepared reads (approvals.selectors).
    order = selectors.locked_order(request.order.pk, request.order.tenant_id)
    if order is None:
        raise NotFound(f"Order {request.order.pk} not found.")
    if order["run_id"] is None:
        if order["status"] == Order.Status.ORDER_SUBMITTED:
            return Outcome.NOT_READY_FOR_APPROVAL, None, None
        return Outcome.APPROVAL_NOT_NEEDED, None, None
    step, seats = selectors.active_step(order["run_id"])
    makers = rules.makers(
        order["requested_by_id"], order["account_holder_id"], order["placed_by_id"]
    )
    # Who may not decide is refused whatever the state of the run, so that the answer a caller
    # gets does not depend on whether a faster decision has been applied yet.
    refusal = rules.maker_checker_problem(makers, request.actor, request.caller)
    if refusal:
        return "", step, refusal
    deciding = people.deciding_for(request.actor)
    order_id = request.order.pk
    if (
        order["run_state"] != ApprovalRun.State.PENDING
        or order["status"] != Order.Status.AWAITING_APPROVAL
        or step is None
    ):
        approving = OrderApprover.objects.filter(order_id=order_id, employee_id__in=deciding.ids)
        if not approving.exists():
            return "", step, NotAnApprover("You may not decide this order.")
        return Outcome.APPROVAL_NOT_NEEDED, step, None
    if deciding.decides_for(set().union(*(seat.approver_ids for seat in seats))) is None:
        earlier = OrderApprover.objects.filter(order_id=order_id, level__lt=step.position)
        if earlier.filter(employee=request.actor).exists():
            return Outcome.APPROVAL_NOT_NEEDED, step, None  # their step is already decided
        return "", step, NotAnApprover("You may not decide this step of the order.")
    # Exact: every decision is stored under the order's lock, held here. Once the stored
    # decisions settle the step, or this person has counted on it already (for themselves, or
    # deciding for someone), nothing more is needed of them. (One decision per seat and one
    # per person and step are database constraints too, the last guard.)
    if _stored_outcome(step, seats) is not None:
        return Outcome.APPROVAL_NOT_NEEDED, step, None
    answered = [seat for seat in seats if seat.answer is not None]
    counted = {s.answered_for for s in answered} | {s.answered_by for s in answered}
    decider = request.caller or request.actor
    seat, decided_for = _seat_for(seats, deciding, counted)
    if decider.pk in counted or seat is None:
        return Outcome.APPROVAL_NOT_NEEDED, step, None
    # The approver it counts for is checked too: a delegate never decides for a maker.
    refusal = rules.maker_checker_problem(makers, decided_for)
    if refusal:
        return "", step, refusal
    problems = rules.reason_problems(
        request.reason,
        approving=request.action == Decision.Action.APPROVE,
        required_to_approve=order["reason_required_to_approve"],
        required_to_reject=order["reason_required_to_reject"],
    )
    if problems:
        return "", step, RequestInvalid(problems)
    decision = Decision.objects.create(
        tenant_id=order["run_tenant_id"],
        step_id=step.pk,
        step_started_at=step.started_at,
        seat_id=seat.pk,
        action=request.action,
        reason=request.reason.strip(),
        communication=request.communication,
        decided_for=decided_for,
        decided_by=decider,
        client_id=request.client_id,
        channel=request.channel,
    )
    outbox.enqueue(APPLY_TASK, decision.pk)
    if request.action == Decision.Action.APPROVE:
        return Outcome.APPROVAL_QUEUED, step, None
    return Outcome.REJECTION_QUEUED, step, None


def _stored_outcome(step: RunStep, seats: list[selectors.SeatState]) -> str | None:
    """Where the stored decisions (applied or not) leave the step: step_outcome."""
    actions = [seat.answer for seat in seats if seat.answer is not None]
    return step_outcome(
        step,
        sources=len(seats),
        approvals=actions.count(Decision.Action.APPROVE),
        rejections=actions.count(Decision.Action.REJECT),
    )


def _seat_for(
    seats: list[selectors.SeatState], deciding: people.DecidingFor, counted: set[int]
) -> tuple[selectors.SeatState | None, Employee | None]:
    """The seat a decision fills, and whom it counts for: the first undecided seat (by
    position) the person approves themself, else the first one a delegator of theirs does;
    people who counted on the step already are no longer among its approvers."""
    undecided = [seat for seat in seats if seat.answer is None]
    for only_themself in (True, False):
        for seat in undecided:
            ids = seat.approver_ids - counted
            if only_themself:
                ids &= {deciding.employee.pk}
            decided_for = deciding.decides_for(ids)
            if decided_for is not None:
                return seat, decided_for
    return None, None


@transaction.atomic
def apply_decision(decision_id: int) -> None:
    """Move the run (and the order) according to a stored decision. Idempotent: a decision
    already applied changes nothing, and one stored before its step ended (met, rejected,
    withdrawn) but applied after is recorded as applied and changes nothing else."""
    decision = Decision.objects.select_related("step__run").get(pk=decision_id)
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("tenant", "requested_by")
        .get(pk=decision.step.run.order_id)
    )
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("step", "seat", "decided_by", "decided_for")
        .get(pk=decision_id)
    )
    if decision.applied_at is not None:
        return
    run = ApprovalRun.objects.select_for_update().get(pk=decision.step.run_id)
    run.order = order
    step, seat = decision.step, decision.seat
    decision.applied_at = timezone.now()
    decision.save(update_fields=["applied_at"])
    if (
        order.status != Order.Status.AWAITING_APPROVAL
        or step.state != RunStep.State.ACTIVE
        or seat.state != RunSeat.State.OPEN
    ):
        logger.info(
            "decision %s no longer applies (order %s, step %s, seat %s)",
            decision.pk, order.status, step.state, seat.state,
        )  # fmt: skip
        return
    approving = decision.action == Decision.Action.APPROVE
    seat.state = RunSeat.State.APPROVED if approving else RunSeat.State.REJECTED
    seat.save(update_fields=["state"])
    seats = list(step.seats.select_related("decision").prefetch_related("approvers"))
    approvals = sum(1 for s in seats if s.state == RunSeat.State.APPROVED)
    rejections = sum(1 for s in seats if s.state == RunSeat.State.REJECTED)
    outcome = step_outcome(step, sources=len(seats), approvals=approvals, rejections=rejections)
    deciders = {"actor": decision.decided_by, "on_behalf_of": decision.decided_for}
    # communicationWorkflow "None" (seed 001): this decision sends no notification at all.
    notify = decision.communication != Decision.Communication.NONE
    parallel = len(seats) > 1
    if parallel and approving:
        needed = step.needed(len(seats))
        order_services.record_history(
            order,
            event=OrderHistory.Event.APPROVAL_STEP_APPROVED,
            note=(
                f"Step {step.position}: {decision.decided_for.full_name} approved "
                f"({approvals} of {needed} needed)."
                + (f" Step {step.position} approved." if outcome == "approved" else "")
                + (f" {decision.reason}" if decision.reason else "")
            ),
            **deciders,
        )
    if outcome is None:
        _close_who_cannot_decide(order, step, seats)
        return
    ended = RunStep.State.APPROVED if outcome == "approved" else RunStep.State.REJECTED
    _end_step(order, step, seats, ended)
    if outcome == "rejected":
        reason = decision.reason
        if parallel:
            reason = (
                f"Step {step.position} rejected ({rejections} of {len(seats)} rejected, "
                f"{approvals} approved). {reason}"
            ).strip()
        _end_run(run, "reject", decision)
        order_services.reject_order(order, reason=reason, notify=notify, **deciders)
        return
    next_step = run.steps.filter(state=RunStep.State.WAITING).order_by("position").first()
    if next_step is None:
        _end_run(run, "approve", decision)
        order_services.approve_order(order, note=decision.reason, notify=notify, **deciders)
        return
    if not parallel:
        order_services.record_history(
            order,
            event=OrderHistory.Event.APPROVAL_STEP_APPROVED,
            note=f"Step {step.position} approved. {decision.reason}".strip(),
            **deciders,
        )
    _start_step(run, next_step, OrderFacts.of_order(order), notify=notify)


def _end_step(order: Order, step: RunStep, seats: list[RunSeat], state: str) -> None:
    """The step is met, rejected or withdrawn: its undecided seats close, and every approver of
    the step leaves the inbox (no reminder or escalation follows: those act on active steps)."""
    step.state = state
    step.remind_at = None
    step.escalate_at = None
    step.save(update_fields=["state", "remind_at", "escalate_at"])
    RunSeat.objects.filter(
        pk__in=[s.pk for s in seats if s.state in (RunSeat.State.OPEN, RunSeat.State.WAITING)]
    ).update(state=RunSeat.State.CLOSED)
    order_services.close_approvers(order, level=step.position)


def _close_who_cannot_decide(order: Order, step: RunStep, seats: list[RunSeat]) -> None:
    """The step goes on: whoever has counted on it, and the approvers of seats decided only,
    no longer have it waiting for them."""
    decisions = [s.answer for s in seats if s.answer is not None]
    counted = {d.decided_for_id for d in decisions} | {d.decided_by_id for d in decisions}
    still = {
        a.pk for s in seats if s.state == RunSeat.State.OPEN for a in s.approvers.all()
    } - counted
    order_services.close_approvers(order, level=step.position, keep=still)


def _end_run(run: ApprovalRun, transition: str, decision: Decision) -> None:
    getattr(run, transition)()
    run.ended_at = timezone.now()
    run.checks = {
        **run.checks,
        "ValidateCheckerAccess_Output": decision.checker_access_valid,
        "AdminTask_Output": run.state,
    }
    run.save()


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
        _end_step(order, step, list(step.seats.all()), RunStep.State.WITHDRAWN)
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
