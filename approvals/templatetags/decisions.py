"""`{% decision_panel order as panel %}`: what the decision form on an order's page needs, from
nothing but the order and the request (the partial is included by pages of other apps)."""

from __future__ import annotations

from types import SimpleNamespace

from django import template

from approvals import rules
from approvals.models import Decision, RunSeat, RunStep
from approvals.web.deciding import take_problems
from orders import selectors as order_selectors
from orders.models import Order, OrderHistory
from portal import selectors as people

register = template.Library()


@register.simple_tag(takes_context=True)
def decision_panel(context, order: Order) -> SimpleNamespace | None:
    """None when the signed-in employee has nothing to decide on the order; else the active
    step, whether a reason is required, whom they decide for, and the last refusal's problems.

    A tenant admin who is not an approver of the step (nor a maker of the order) gets the panel
    too, with `decide_for`: the step's approvers they may decide for (portal's may_act_for, as
    the API's context headers), one of whom they choose; the service stores the decision as
    that approver's, made by the admin."""
    request = context.get("request")
    if request is None or order is None or order.status != Order.Status.AWAITING_APPROVAL:
        return None
    employee = getattr(request, "employee", None) or people.employee_of_user(request.user)
    if employee is None or employee.tenant_id != order.tenant_id:
        return None
    # Who may decide is the selector's (and, when posting, the service's) business, not ours;
    # whom the employee decides for is computed once per request (the navigation needs it too).
    deciding = people.deciding_for_request(request, employee)
    awaiting = order_selectors.awaiting_decision_by(employee, deciding=deciding)
    own = awaiting.filter(pk=order.pk).exists()
    # Maker-checker: never offered to a maker (the service refuses it anyway).
    if not own and (not employee.is_tenant_admin or employee.pk in order.maker_ids):
        return None
    step = (
        RunStep.objects.filter(run__order_id=order.pk, state=RunStep.State.ACTIVE)
        .select_related("run__order")
        .first()
    )
    if step is None:
        return None
    decide_for = []
    if not own:
        decide_for = [
            a for a in step.approvers
            if a.pk not in order.maker_ids and people.may_act_for(employee, a)
        ]  # fmt: skip
        if not decide_for:
            return None
    on_behalf_of = deciding.on_behalf_of(a.pk for a in step.approvers) if own else []
    problems = take_problems(request, order.pk) or {}
    return SimpleNamespace(
        step=step,
        step_count=step.run.steps.count(),
        reason_required_to_reject=step.run.reason_required_to_reject,
        reason_required_to_approve=step.run.reason_required_to_approve,
        recorded=_recorded(step, deciding),
        progress=step_progress(step),
        on_behalf_of=on_behalf_of,
        decide_for=decide_for,
        max_reason=rules.MAX_REASON,
        errors=problems.get("errors", {}),
        reason=problems.get("reason", ""),
    )


def _recorded(step: RunStep, deciding: people.DecidingFor) -> Decision | None:
    """The decision stored on the step and not applied yet that the panel mentions: the
    employee's own (or made for them); on a one-source step, anyone's (it decides the step)."""
    stored = list(
        Decision.objects.filter(step=step, applied_at__isnull=True).select_related(
            "decided_by", "decided_for"
        )
    )
    mine = [d for d in stored if {d.decided_by_id, d.decided_for_id} & deciding.ids]
    if mine:
        return mine[0]
    return stored[0] if stored and step.seats.count() == 1 else None


@register.simple_tag
def step_progress(step: RunStep | None) -> SimpleNamespace | None:
    """`{% step_progress step as progress %}`: how far a step of several sources is: `needed`
    approvals of `sources`, `given` so far, and its wording ("2 of 3 approvals needed, 1
    given"); None for a one-source step (or none)."""
    if step is None:
        return None
    states = [seat.state for seat in step.seats.all()]
    if len(states) < 2:
        return None
    needed = step.needed(len(states))
    given = states.count(RunSeat.State.APPROVED)
    return SimpleNamespace(
        sources=len(states),
        needed=needed,
        given=given,
        text=f"{needed} of {len(states)} approvals needed, {given} given",
    )


@register.simple_tag
def order_step_progress(order: Order | None) -> SimpleNamespace | None:
    """`{% order_step_progress order as progress %}`: step_progress of the order's active step."""
    if order is None or order.status != Order.Status.AWAITING_APPROVAL:
        return None
    step = RunStep.objects.filter(run__order_id=order.pk, state=RunStep.State.ACTIVE).first()
    return step_progress(step)


# History events an approver's decision writes when it is applied, and the decision's action.
DECISION_EVENTS = {
    OrderHistory.Event.APPROVAL_STEP_APPROVED: "APPROVE",
    OrderHistory.Event.APPROVE: "APPROVE",
    OrderHistory.Event.REJECT: "REJECT",
}


@register.simple_tag
def decided_by_email_link(order: Order) -> set[int]:
    """`{% decided_by_email_link order as ids %}`: the order's history rows written by decisions
    sent from an approval e-mail's link (its timeline says "by e-mail link").

    Applying a decision stamps it (`applied_at`) and then writes its history row, under the
    order's lock: a decision event belongs to the decision applied last before it, when that
    decision's action and decider match. No query for an order without decision events."""
    if order is None:
        return set()
    rows = [r for r in order.history.all() if r.event in DECISION_EVENTS and r.actor_id]
    if not rows:
        return set()
    decisions = list(
        Decision.objects.filter(step__run__order_id=order.pk, applied_at__isnull=False)
        .order_by("applied_at", "pk")
        .only("action", "decided_by_id", "channel", "applied_at")
    )
    found = set()
    for row in rows:
        before = [d for d in decisions if d.applied_at <= row.created_at]
        decision = before[-1] if before else None
        if (
            decision is not None
            and decision.channel == Decision.Channel.EMAIL_LINK
            and decision.action == DECISION_EVENTS[row.event]
            and decision.decided_by_id == row.actor_id
        ):
            found.add(row.pk)
    return found
