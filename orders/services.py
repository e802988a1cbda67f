"""Every write to orders: submitting a draft (orders.drafts), transitions with their history,
cancelling, the hand-over to the vendors and what they report."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from catalog.models import Recurrence, ServiceAsset
from orders import effects, fulfilment, notifications, permissions, rules
from orders.drafts import OrderDraft
from orders.exceptions import (
    ExternalOrderNumberReused,
    ExternalOrderNumberTaken,
    NotAllowed,
    OrderNotCancellable,
)
from orders.models import (
    Notification,
    Order,
    OrderApprover,
    OrderHistory,
    OrderItem,
    OrderSegment,
    Shipment,
)
from orders.requests import external_order_number
from portal import events, outbox
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Employee, Hierarchy, Tenant

logger = logging.getLogger(__name__)


@transaction.atomic
def submit_order(
    *,
    draft: OrderDraft,
    placed_by: Employee | None = None,
    client_id: str = "",
    request_digest: str = "",
    hierarchy: Hierarchy | None = None,
) -> tuple[Order, bool]:
    """Store a drafted order with its segments, items and first history entry.

    Idempotent on externalOrderNumber: one atomic insert guarded by a unique constraint, so
    concurrent resubmits all get the order stored first. Returns (order, created). Raises
    ExternalOrderNumberTaken when that number belongs to an order the requester may not see,
    and ExternalOrderNumberReused when `request_digest` (of the submitted orderRequest, see
    `request_digest()`) differs from the stored order's. The pages pass none: they make a
    number of their own per order. `hierarchy`: the one the order is placed under (the API's
    X-TNGO-CONTEXT-HIERARCHYID), which its approval's manager steps climb.
    """
    request = draft.request
    _refuse_conflicts(draft)
    ship_to = None
    if request.ship_to:
        ship_to = {**request.ship_to, "regionId": request.ship_to["region"].pk}
        del ship_to["region"]
    order = Order(
        tenant=draft.tenant,
        external_order_number=request.external_order_number,
        request_digest=request_digest if request.external_order_number else "",
        transaction_type=request.transaction_type,
        requested_by=draft.requested_by,
        account_holder=draft.account_holder,
        placed_by=placed_by if placed_by and placed_by.pk != draft.requested_by.pk else None,
        client_id=client_id,
        hierarchy=hierarchy,
        service=request.service,
        service_number=request.port_number,
        details={
            **request.details,
            **({"regionId": str(request.region.pk)} if request.region else {}),
        },
        region=request.ship_to["region"] if request.ship_to else None,
        properties=request.properties,
        ship_to=ship_to,
        cost_onetime=draft.cost(Recurrence.ONETIME),
        cost_monthly=draft.cost(Recurrence.MONTHLY),
        currency=draft.currency,
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        existing = stored_order(
            tenant=draft.tenant,
            requester=draft.requested_by,
            external_order_number=request.external_order_number,
            request_digest=request_digest,
        )
        if existing is None:
            raise
        return existing, False

    items = []
    for vendor, lines in draft.lines_by_vendor().items():
        segment = OrderSegment.objects.create(order=order, vendor=vendor)
        for position, line in enumerate(lines):
            items.append(
                OrderItem(
                    segment=segment,
                    kind=line.kind,
                    action=line.action,
                    position=position,
                    name=line.name,
                    image_url=line.image_url,
                    manufacturer=line.manufacturer,
                    **{line.kind.lower(): line.catalog_item},
                    price_amount=line.amount,
                    price_currency=line.currency,
                    price_recurrence=line.recurrence,
                )
            )
    OrderItem.objects.bulk_create(items)
    record_history(
        order,
        event=OrderHistory.Event.SUBMIT,
        to_status=order.status,
        actor=placed_by or draft.requested_by,
        on_behalf_of=draft.requested_by,
    )
    # Routing (does it need approval, and whose?) belongs to approvals, which builds on orders.
    events.publish(events.ORDER_SUBMITTED, order=order)
    logger.info("order %s submitted (%s)", order.pk, order.transaction_type)
    return order, True


def request_digest(order_request) -> str:
    """What makes two submits "the same request": sha256 of the `orderRequest` object as JSON
    with sorted keys and no spaces, its externalOrderNumber trimmed (as it is looked up).
    Any other difference counts, even whitespace inside a value, list order or 1 vs 1.0."""
    if not isinstance(order_request, dict):
        return ""
    normalized = dict(order_request)
    if "externalOrderNumber" in normalized:
        normalized["externalOrderNumber"] = external_order_number(order_request)
    text = json.dumps(normalized, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_order(
    *,
    tenant: Tenant,
    requester: Employee,
    external_order_number: str | None,
    request_digest: str = "",
) -> Order | None:
    """The order already stored under an externalOrderNumber: a retried submit gets it back,
    even once the order has changed the line so much that it would no longer validate.

    A retry is the same request again: given the submitted request's digest, a stored order
    whose digest differs raises ExternalOrderNumberReused (a new cart under an old number must
    not be dropped silently). Orders stored without a digest (before it was kept, or by the
    pages) take any request as the same. Raises ExternalOrderNumberTaken when that number is
    on an order the requester may not see.
    """
    if not external_order_number:
        return None
    existing = Order.objects.filter(
        tenant=tenant, external_order_number=external_order_number
    ).first()
    if existing is None:
        return None
    if not permissions.can_view(requester, existing):
        raise ExternalOrderNumberTaken(
            f"externalOrderNumber {external_order_number} is already used."
        )
    if request_digest and existing.request_digest and existing.request_digest != request_digest:
        raise ExternalOrderNumberReused(
            f"externalOrderNumber {external_order_number} is already used by order "
            f"{existing.pk}, for a different request. Send the same request again to get "
            f"order {existing.pk} back, or use a new externalOrderNumber for a new order."
        )
    return existing


def _refuse_conflicts(draft: OrderDraft) -> None:
    """Check again, under a lock, that no open order conflicts with this one: two rival submits
    for one line wait for each other here, and the second one sees the first."""
    request = draft.request
    if request.service is not None:
        ServiceAsset.objects.select_for_update().filter(pk=request.service.pk).first()
    elif request.port_number:
        Tenant.objects.select_for_update().filter(pk=draft.tenant.pk).first()
    else:
        return
    blocker = rules.conflict_blocker(
        tenant=draft.tenant,
        transaction_type=request.transaction_type,
        service=request.service,
        port_number=request.port_number,
        exclude_external_number=request.external_order_number,
    )
    if blocker:
        raise RequestInvalid(
            [FieldProblem("orderRequest.serviceId", "CONFLICTING_ORDER", blocker.message)]
        )


def record_history(
    order: Order,
    *,
    event: OrderHistory.Event,
    actor: Employee | None,
    on_behalf_of: Employee | None = None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    segment: OrderSegment | None = None,
) -> OrderHistory:
    """Append a history row; `on_behalf_of` is kept only when it differs from the actor.
    `event` is one of OrderHistory.Event (the timeline's labels are there)."""
    if on_behalf_of is not None and actor is not None and on_behalf_of.pk == actor.pk:
        on_behalf_of = None
    return OrderHistory.objects.create(
        order=order,
        segment=segment,
        event=event,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        on_behalf_of=on_behalf_of,
        note=note,
    )


# The order's transitions that its segments make too: they have not reached a vendor yet.
SEGMENTS_FOLLOW = frozenset({"await_approval", "approve", "reject", "cancel"})


def transition_order(
    order: Order,
    transition: str,
    *,
    actor: Employee | None,
    on_behalf_of: Employee | None = None,
    note: str = "",
) -> OrderHistory:
    """Apply a life-cycle transition (an Order method's name, which is also its history event)
    to a row locked by the caller, save it and write its history row in the same transaction.
    Segments that have not reached a vendor make the same transition. Raises
    TransitionNotAllowed from a wrong status, ConcurrentTransition if a row moved meanwhile."""
    event = OrderHistory.Event(transition)
    source = order.status
    getattr(order, transition)()
    order.save()
    if transition in SEGMENTS_FOLLOW:
        for segment in OrderSegment.objects.select_for_update().filter(order=order):
            getattr(segment, transition)()
            segment.save(update_fields=["status"])
    return record_history(
        order,
        event=event,
        from_status=source,
        to_status=order.status,
        actor=actor,
        on_behalf_of=on_behalf_of,
        note=note,
    )


@transaction.atomic
def cancel_order(
    *, order: Order, actor: Employee, caller: Employee | None = None, reason: str = ""
) -> Order:
    """Withdraw an order before it reaches the vendors; publishes `order_cancelled` (its
    approval is withdrawn in this transaction).

    Raises NotAllowed (not the requester nor a tenant admin) or OrderNotCancellable (422).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if not permissions.can_cancel(actor, order):
        raise NotAllowed("Only the requester or a tenant admin may cancel this order.")
    if not can_proceed(order.cancel):
        raise OrderNotCancellable(f"An order in status {order.status} can no longer be cancelled.")
    transition_order(
        order, "cancel", actor=caller or actor, on_behalf_of=actor, note=reason.strip()
    )
    events.publish(events.ORDER_CANCELLED, order=order, actor=actor, reason=reason.strip())
    return order


def set_approvers(order: Order, employees: list[Employee], *, level: int) -> None:
    """Record who may decide the order at an approval level (the approvals app calls this)."""
    OrderApprover.objects.bulk_create(
        [OrderApprover(order=order, employee=e, level=level, pending=True) for e in employees],
        ignore_conflicts=True,
    )


def close_approvers(order: Order, *, level: int, keep: Iterable[int] = ()) -> None:
    """The level is decided: its approvers no longer have it waiting for them (but the
    employees `keep`, still to decide a level that goes on)."""
    OrderApprover.objects.filter(order=order, level=level, pending=True).exclude(
        employee_id__in=list(keep)
    ).update(pending=False)


# --- Decisions' consequences (called by the approvals app) -----------------------------------

SEND_TO_VENDORS_TASK = "orders.send_to_vendors"
SUBMIT_SEGMENT_TASK = "orders.submit_segment"


def approve_order(
    order: Order,
    *,
    actor: Employee | None,
    on_behalf_of: Employee | None = None,
    note: str = "",
    notify: bool = True,
) -> None:
    """Approve a locked order: history, the requester told, the segments sent to vendors."""
    transition_order(order, "approve", actor=actor, on_behalf_of=on_behalf_of, note=note)
    if notify:
        notifications.notify_requester(order, Notification.Event.ORDER_APPROVED, reason=note)
    outbox.enqueue(SEND_TO_VENDORS_TASK, order.pk)


def reject_order(
    order: Order,
    *,
    actor: Employee | None,
    on_behalf_of: Employee | None = None,
    reason: str = "",
    notify: bool = True,
) -> None:
    """Reject a locked order: history, and the requester told why."""
    transition_order(order, "reject", actor=actor, on_behalf_of=on_behalf_of, note=reason)
    if notify:
        notifications.notify_requester(order, Notification.Event.ORDER_REJECTED, reason=reason)


# --- Fulfilment ---------------------------------------------------------------------------------

# After this many calls, a vendor that keeps failing transiently is given up on.
MAX_VENDOR_ATTEMPTS = 6


@transaction.atomic
def send_to_vendors(order_id: int) -> None:
    """Hand an approved order's segments to their vendors (one task per segment). Idempotent."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != Order.Status.APPROVED:
        return
    transition_order(order, "send_to_vendors", actor=None)
    for segment in order.segments.all():
        outbox.enqueue(SUBMIT_SEGMENT_TASK, segment.pk)


def submit_segment(segment_id: int) -> None:
    """Send one segment to its vendor. Raises TransientVendorError when worth retrying.

    The vendor is called outside any transaction (no row lock held over a network call); the
    segment is claimed before and settled after.
    """
    with transaction.atomic():
        segment = (
            OrderSegment.objects.select_for_update(of=("self",))
            .select_related("vendor")
            .get(pk=segment_id)
        )
        if not can_proceed(segment.acknowledge):
            return  # sent, failed or cancelled already
        segment.vendor_attempts += 1
        segment.save(update_fields=["vendor_attempts"])
    gateway = fulfilment.gateway_for(segment.vendor)
    try:
        ack = gateway.submit(segment)
    except fulfilment.TransientVendorError as exc:
        if segment.vendor_attempts < MAX_VENDOR_ATTEMPTS:
            OrderSegment.objects.filter(pk=segment.pk).update(vendor_response=exc.response)
            raise
        _fail_segment(
            segment.pk, f"{exc} (gave up after {segment.vendor_attempts} calls)", exc.response
        )
        return
    except fulfilment.PermanentVendorError as exc:
        _fail_segment(segment.pk, str(exc), exc.response)
        return
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=segment.order_id)
        segment = OrderSegment.objects.select_for_update().get(pk=segment_id)
        if not can_proceed(segment.acknowledge):
            return
        _move_segment(
            order, segment, "acknowledge", OrderHistory.Event.SENT_TO_VENDOR,
            note=f"{segment.vendor.name} acknowledged: {ack.reference}.",
        )  # fmt: skip
        segment.vendor_reference = ack.reference
        segment.vendor_response = ack.response
        segment.sent_at = timezone.now()
        segment.next_check_at = ack.check_at
        segment.save()
        transaction.on_commit(partial(_check_progress_later, segment.pk, ack.check_at))


def _check_progress_later(segment_id: int, when) -> None:
    """Best effort: ask again when the vendor said so. The beat sweep is the safety net, so a
    broker hiccup here loses nothing."""
    from orders import tasks

    delay = max(0.0, (when - timezone.now()).total_seconds())
    if delay and tasks.collect_progress.app.conf.task_always_eager:
        return  # eager tasks ignore countdowns: asking now would only loop until it is time
    try:
        tasks.collect_progress.apply_async(args=[segment_id], countdown=min(delay, 300))
    except Exception as exc:
        logger.warning("could not schedule a progress check of segment %s: %s", segment_id, exc)


def _move_segment(
    order: Order, segment: OrderSegment, transition: str, event: OrderHistory.Event, *,
    note: str = "",
) -> OrderHistory:  # fmt: skip
    """Apply a segment's transition with its vendor (both rows locked by the caller, who saves
    the segment with whatever else changed) and write its history row. Raises
    TransitionNotAllowed from a wrong status."""
    source = segment.status
    getattr(segment, transition)()
    return record_history(
        order, segment=segment, event=event, from_status=source, to_status=segment.status,
        actor=None, note=note,
    )  # fmt: skip


def _fail_segment(segment_id: int, message: str, response: dict) -> None:
    with transaction.atomic():
        segment = OrderSegment.objects.select_related("order").get(pk=segment_id)
        order = Order.objects.select_for_update().get(pk=segment.order_id)
        segment = OrderSegment.objects.select_for_update().get(pk=segment_id)
        if not can_proceed(segment.fail):
            return  # failed already, or a redelivered copy of the task was acknowledged
        _move_segment(order, segment, "fail", OrderHistory.Event.VENDOR_FAILED, note=message)
        segment.vendor_response = {**response, "message": message}
        segment.next_check_at = None
        segment.save()
        if can_proceed(order.fail):
            transition_order(order, "fail", actor=None, note=f"{segment.vendor}: {message}")
            notifications.notify_requester(order, Notification.Event.ORDER_FAILED, reason=message)
        events.publish(events.ORDER_FAILED, order=order)


@transaction.atomic
def collect_progress(segment_id: int) -> None:
    """Ask the vendor about a sent segment: record shipments and deliveries, and move the order
    (SHIPPED once every segment shipped, COMPLETE once every one is delivered). Idempotent."""
    segment = OrderSegment.objects.select_related("order").get(pk=segment_id)
    order = Order.objects.select_for_update().get(pk=segment.order_id)
    segment = (
        OrderSegment.objects.select_for_update(of=("self",))
        .select_related("vendor")
        .get(pk=segment_id)
    )
    if segment.status not in (Order.Status.IN_FULFILLMENT, Order.Status.SHIPPED):
        return
    progress = fulfilment.gateway_for(segment.vendor).progress(segment)
    now = timezone.now()
    if progress.shipped and can_proceed(segment.ship):
        Shipment.objects.create(
            segment=segment,
            carrier=progress.carrier,
            tracking_number=progress.tracking_number,
            shipped_at=now,
        )
        _move_segment(
            order, segment, "ship", OrderHistory.Event.SHIPPED,
            note=f"{progress.carrier}, tracking {progress.tracking_number}.",
        )  # fmt: skip
    carried_out = progress.delivered and not progress.shipped
    if carried_out and can_proceed(segment.carry_out):
        # Nothing to ship (a care order): the carrier made the change.
        _move_segment(
            order, segment, "carry_out", OrderHistory.Event.CARRIED_OUT,
            note=f"{segment.vendor.name} made the change.",
        )  # fmt: skip
    if progress.delivered and can_proceed(segment.deliver):
        segment.shipments.filter(delivered_at__isnull=True).update(delivered_at=now)
        _move_segment(order, segment, "deliver", OrderHistory.Event.DELIVERED)
    segment.vendor_response = progress.response or segment.vendor_response
    segment.next_check_at = progress.check_again_at
    segment.save()
    _advance_order(order)
    if progress.check_again_at:
        transaction.on_commit(partial(_check_progress_later, segment.pk, progress.check_again_at))


def _advance_order(order: Order) -> None:
    """SHIPPED once every segment has shipped (or, shipping nothing, is done); COMPLETE once
    every one is, with the order's effect on the employee's assets in the same transaction."""
    statuses = set(order.segments.values_list("status", flat=True))
    shipped = {Order.Status.SHIPPED, Order.Status.COMPLETE}
    tracking = list(
        Shipment.objects.filter(segment__order=order).values_list("tracking_number", flat=True)
    )
    if order.status == Order.Status.IN_FULFILLMENT and statuses <= shipped and tracking:
        transition_order(order, "ship", actor=None)
        notifications.notify_requester(order, Notification.Event.ORDER_SHIPPED, tracking=tracking)
    if statuses == {Order.Status.COMPLETE} and can_proceed(order.complete):
        change = effects.apply(order)
        transition_order(order, "complete", actor=None, note=change)
        notifications.notify_requester(
            order, Notification.Event.ORDER_COMPLETED, change=change, shipped=bool(tracking)
        )


def segments_due_for_check(limit: int = 500) -> list[int]:
    return list(
        OrderSegment.objects.filter(
            next_check_at__lte=timezone.now(),
            status__in=[Order.Status.IN_FULFILLMENT, Order.Status.SHIPPED],
        ).values_list("pk", flat=True)[:limit]
    )
