"""Approvals that wait too long: due reminders and escalations, found by beat's sweep
(approvals.tasks) and sent one step at a time, each idempotent."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from approvals.models import ApprovalRun, RunSeat, RunStep
from approvals.routing import OrderFacts, each_once, escalation_approvers
from approvals.services import ask_approvers
from orders import services as order_services
from orders.models import Notification, Order, OrderHistory
from portal import selectors as people


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
    # Those still to decide: not who counted already, nor approvers of seats decided.
    approvers = [
        row.employee
        for row in step.run.order.approvers.filter(
            level=step.position, pending=True
        ).select_related("employee")
    ]
    if not approvers:
        return
    ask_approvers(
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
    open_seats = list(step.seats.filter(state=RunSeat.State.OPEN).prefetch_related("approvers"))
    current = each_once(seat.approvers.all() for seat in open_seats)
    facts = OrderFacts.of_order(order)
    # Who has counted on the step already cannot decide another of its seats.
    counted = set()
    for decided_for, decided_by in step.decisions.values_list("decided_for", "decided_by"):
        counted |= {decided_for, decided_by}
    added, to_admins = escalation_approvers(current, facts, counted=frozenset(counted))
    step.escalate_at = None
    step.escalated_to_admins = step.escalated_to_admins or (to_admins and bool(added))
    step.save(update_fields=["escalate_at", "escalated_to_admins"])
    if not added:
        return
    # Each undecided seat may now be decided by its approvers' managers too (the tenant admins:
    # by any of them).
    added_ids = {a.pk for a in added}
    for seat in open_seats:
        if to_admins:
            seat.approvers.add(*added)
            continue
        managers = {
            getattr(people.manager_of(a, hierarchy=facts.hierarchy), "pk", None)
            for a in seat.approvers.all()
        }
        seat.approvers.add(*(pk for pk in managers & added_ids))
    order_services.set_approvers(order, added, level=step.position)
    order_services.record_history(
        order, event=OrderHistory.Event.APPROVAL_ESCALATED, actor=None,
        note=f"Step {step.position} escalated to {', '.join(a.full_name for a in added)}.",
    )  # fmt: skip
    step.run.order = order
    ask_approvers(step, added, Notification.Event.APPROVAL_ESCALATED, occasion=step.pk)
