"""`{% decision_panel order as panel %}`: what the decision form on an order's page needs, from
nothing but the order and the request (the partial is included by pages of other apps)."""

from __future__ import annotations

from types import SimpleNamespace

from django import template

from approvals import rules
from approvals.models import Decision, RunStep
from approvals.web.deciding import take_problems
from orders import selectors as order_selectors
from orders.models import Order, OrderHistory
from portal import selectors as people

register = template.Library()


@register.simple_tag(takes_context=True)
def decision_panel(context, order: Order) -> SimpleNamespace | None:
    """None when the signed-in employee has nothing to decide on the order; else the active
    step, whether a reason is required, whom they decide for, and the last refusal's problems."""
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
    if not awaiting.filter(pk=order.pk).exists():
        return None
    step = (
        RunStep.objects.filter(run__order_id=order.pk, state=RunStep.State.ACTIVE)
        .select_related("run__order")
        .first()
    )
    if step is None:
        return None
    on_behalf_of = deciding.on_behalf_of(a.pk for a in step.approvers)
    problems = take_problems(request, order.pk) or {}
    return SimpleNamespace(
        step=step,
        step_count=step.run.steps.count(),
        reason_required_to_reject=step.run.reason_required_to_reject,
        reason_required_to_approve=step.run.reason_required_to_approve,
        recorded=Decision.objects.filter(step=step).select_related("decided_by").first(),
        on_behalf_of=on_behalf_of,
        max_reason=rules.MAX_REASON,
        errors=problems.get("errors", {}),
        reason=problems.get("reason", ""),
    )


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
