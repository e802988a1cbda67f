"""My orders and an order's page: the list with its filters, the timeline, cancelling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from catalog.models import TransactionType
from orders import permissions, selectors, services
from orders.models import Order, OrderHistory
from orders.web.display import address_lines, property_rows
from orders.web.forms import CancelForm
from portal.exceptions import DomainError
from portal.ids import is_id
from portal.pagination import DeferredJoinPaginator
from portal.web.pages import employee_required

PAGE_SIZE = 25


@employee_required
def order_list(request):
    """The employee's own orders (requested or held); the ones they approve are the inbox's.
    Tenant admins may widen it to all of the tenant's orders."""
    employee = request.employee
    show_all = employee.is_tenant_admin and request.GET.get("scope") == "all"
    # Their own orders are all visible to them: the visibility filter's approvers are not asked.
    orders = selectors.orders_visible_to(employee) if show_all else selectors.own_orders(employee)
    status = request.GET.get("status", "")
    if status in Order.Status.values:
        orders = orders.filter(status=status)
    kind = request.GET.get("type", "")
    if kind in TransactionType.values:
        orders = orders.filter(transaction_type=kind)
    raw_query = request.GET.get("q", "").strip()
    query = raw_query.lstrip("#")
    if raw_query.startswith("#") and is_id(query):
        orders = orders.filter(pk=int(query))  # "#123" names one order
    elif query:
        match = (
            Q(external_order_number__icontains=query)
            | Q(service__service_number__icontains=query)
            | Q(segments__items__name__icontains=query)
        )
        if is_id(query):
            match |= Q(pk=int(query))
        if show_all:
            match |= Q(requested_by__first_name__icontains=query) | Q(
                requested_by__last_name__icontains=query
            )
        orders = orders.filter(pk__in=Order.objects.filter(match).values("pk"))
    orders = selectors.with_details(orders).select_related("service__device__device")
    page = DeferredJoinPaginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for order in rows:
        order.item_names = [i.name for s in order.segments.all() for i in s.items.all()]
    filters = {"status": status, "type": kind, "q": query, "scope": "all" if show_all else ""}
    context = {
        "page": page,
        "orders": rows,
        "filters": filters,
        "filtered": bool(status or kind or query),
        "query_string": urlencode({k: v for k, v in filters.items() if v}),
        "statuses": Order.Status.choices,
        "types": [(t.value, t.label) for t in TransactionType],
        "show_all": show_all,
    }
    return render(request, "orders/order_list.html", context)


@dataclass
class TimelineEntry:
    at: datetime
    title: str
    tone: str = ""  # ok, bad, warn, mail: the dot's colour
    detail: str = ""
    who: str = ""
    extra: list[str] = field(default_factory=list)
    # The history row shown (the template asks approvals which were decided by e-mail link).
    history_id: int | None = None


E = OrderHistory.Event
# The colour of each history event's dot; its title is the event's label (OrderHistory.Event).
TONES = {
    E.AWAIT_APPROVAL: "warn",
    E.APPROVAL_STEP_STARTED: "warn",
    E.APPROVAL_STEP_APPROVED: "ok",
    E.APPROVAL_REMINDER: "warn",
    E.APPROVAL_ESCALATED: "warn",
    E.APPROVE: "ok",
    E.REJECT: "bad",
    E.CANCEL: "bad",
    E.VENDOR_FAILED: "bad",
    E.FAIL: "bad",
    E.SHIPPED: "ok",
    E.SHIP: "ok",
    E.DELIVERED: "ok",
    E.CARRIED_OUT: "ok",
    E.COMPLETE: "ok",
}
# Events whose note is the decider's or canceller's own words, and how to introduce them.
REASON_EVENTS = {E.REJECT: "Reason", E.CANCEL: "Reason", E.APPROVE: "Note"}


def _title(event: str) -> str:
    """The event's label; an event unknown to OrderHistory.Event shows its own name."""
    if event in E.values:
        return E(event).label
    return event.replace("_", " ").capitalize()


def _tracking(shipment) -> str:
    return f"{shipment.carrier} tracking {shipment.tracking_number}"


def _who(entry: OrderHistory) -> str:
    if entry.actor is None:
        return "Procure"
    if entry.on_behalf_of is not None:
        return f"{entry.actor.full_name} for {entry.on_behalf_of.full_name}"
    return entry.actor.full_name


def _timeline(order: Order, notifications) -> list[TimelineEntry]:
    """History, notifications and shipments of an order, oldest first."""
    shipments = {segment.pk: list(segment.shipments.all()) for segment in order.segments.all()}
    vendors = {segment.pk: segment.vendor.name for segment in order.segments.all()}
    shown_shipments: set[int] = set()
    entries = []
    for row in order.history.all():
        title, tone = _title(row.event), TONES.get(row.event, "")
        detail = row.note
        if row.event in REASON_EVENTS and row.note:
            detail = f"{REASON_EVENTS[row.event]}: {row.note}"
        entry = TimelineEntry(row.created_at, title, tone, detail, _who(row), history_id=row.pk)
        if row.segment_id:
            entry.title = f"{title} ({vendors.get(row.segment_id, 'vendor')})"
        segment_shipments = shipments.get(row.segment_id, [])
        if row.event == E.SHIPPED and segment_shipments:
            # The note repeats the carrier and tracking number: show each shipment once.
            entry.detail = ""
            for shipment in segment_shipments:
                entry.extra.append(_tracking(shipment))
                shown_shipments.add(shipment.pk)
        entries.append(entry)
    for segment_id, segment_shipments in shipments.items():
        for shipment in segment_shipments:
            if shipment.pk not in shown_shipments:
                entries.append(
                    TimelineEntry(
                        shipment.shipped_at,
                        f"Shipped ({vendors[segment_id]})",
                        "ok",
                        _tracking(shipment),
                    )
                )
    for note in notifications:
        result = {"SENT": "delivered", "FAILED": "failed", "PENDING": "queued"}[note.status]
        detail = f"To {note.recipient.full_name} <{note.email}>: {result}"
        if note.status == "FAILED" and note.result:
            detail += f" ({note.result})"
        entries.append(
            TimelineEntry(
                note.sent_at or note.created_at,
                f"E-mail: {note.get_event_display().lower()}",
                "mail",
                detail,
            )
        )
    return sorted(entries, key=lambda e: e.at)


T = TransactionType
# What a care order that buys nothing does to its line, as its page says it.
CHANGES = {
    T.SUSPEND: "Suspends line {line}: it works again only once it is unsuspended.",
    T.UNSUSPEND: "Unsuspends line {line}: it works again.",
    T.DEACTIVATE: "Deactivates line {line}; its device stays with its holder, on no line.",
    T.SWAP_DEVICES: "Moves line {line} to {device}.",
    T.UPDATE_FEATURES: "Changes the features of line {line}.",
}


def _change(order: Order) -> str:
    """One sentence for the order page of an order without items: what it changes."""
    line = order.service.service_number if order.service else order.service_number
    new_device = order.details.get("newDevice") or {}
    device = " ".join(
        part for part in (new_device.get("manufacturerName"), new_device.get("model")) if part
    )
    template = CHANGES.get(order.transaction_type)
    if template is None or not line:
        return f"{order.get_transaction_type_display()}: the carrier makes the change."
    return template.format(line=line, device=f"the {device}" if device else "another device")


def _order_or_404(employee, pk: int) -> Order:
    orders = selectors.with_details(
        selectors.orders_visible_to(employee), history=True, shipments=True, approvers=True
    ).select_related("service__device__device__manufacturer", "placed_by")
    return get_object_or_404(orders, pk=pk)


@employee_required
def order_detail(request, pk: int):
    return _detail_page(request, _order_or_404(request.employee, pk))


def _detail_page(
    request, order: Order, *, cancel_form: CancelForm | None = None, status: int = 200
):
    """An order's page; `cancel_form` is the cancel form as posted when it was refused."""
    employee = request.employee
    notifications = order.notifications.select_related("recipient")
    segments = list(order.segments.all())
    item_count = sum(len(segment.items.all()) for segment in segments)
    context = {
        "order": order,
        "segments": segments,
        "item_count": item_count,
        "change": "" if item_count else _change(order),
        "properties": property_rows(order.properties),
        "ship_lines": address_lines(order.ship_to),
        "timeline": _timeline(order, notifications),
        "device": getattr(order.service, "device", None) if order.service else None,
        "can_cancel": order.is_cancellable and permissions.can_cancel(employee, order),
        # A tenant admin may decide for an approver: approvals' decision panel says if and whom.
        "can_decide": (employee.is_tenant_admin and order.status == Order.Status.AWAITING_APPROVAL)
        or selectors.awaiting_decision_by(employee).filter(pk=order.pk).exists(),
        "is_own": employee.pk in (order.requested_by_id, order.account_holder_id),
        "existing_device": order.details.get("existingDevice"),
        "new_device": order.details.get("newDevice"),
        "comment": order.details.get("featureRequestComment", ""),
        "cancel_form": cancel_form or CancelForm(),
    }
    return render(request, "orders/order_detail.html", context, status=status)


@employee_required
@require_POST
def order_cancel(request, pk: int):
    employee = request.employee
    order = get_object_or_404(selectors.orders_visible_to(employee), pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, _order_or_404(employee, pk), cancel_form=form, status=400)
    try:
        services.cancel_order(order=order, actor=employee, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Order #{order.pk} is cancelled.")
    return redirect("orders:detail", pk=order.pk)
