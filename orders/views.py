"""Order pages: home, cart, checkout with its confirmation, my orders, an order's page.

Every rule goes through orders.requests (validation), orders.services (draft, submit, cancel)
and the selectors; these views only read the browser's input, call them and render.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from catalog import selectors as catalog_selectors
from catalog.models import Recurrence, TransactionType
from orders import permissions, selectors, services
from orders import properties as order_properties
from orders.forms import CancelForm, CheckoutForm
from orders.models import Order, OrderHistory
from orders.requests import parse_order_request
from portal import selectors as people
from portal.exceptions import DomainError, RequestInvalid
from portal.ids import is_id
from portal.pages import employee_required

PAGE_SIZE = 25
CART, CHECKOUT, LAST_SUBMITTED = "cart", "checkout", "last_submitted"


# --- Home -------------------------------------------------------------------------------------

RECENT_ORDERS = 5


@login_required
def home(request):
    """The signed-in employee's lines and devices, their latest orders and, for approvers, what
    waits for them (a signed-in user without an employee record gets a friendly page)."""
    employee = people.employee_of_user(request.user)
    if employee is None or employee.status != employee.Status.ACTIVE:
        return render(request, "orders/home.html", {"employee": None})
    request.employee = employee  # the navigation reuses it
    own = Q(requested_by=employee) | Q(account_holder=employee)
    context = {
        "employee": employee,
        "lines": catalog_selectors.services_visible_to(employee).filter(account_holder=employee),
        "devices": catalog_selectors.devices_visible_to(employee).filter(holder=employee),
        "orders": selectors.with_summary(selectors.orders_visible_to(employee).filter(own))[
            :RECENT_ORDERS
        ],
        "waiting": selectors.awaiting_decision_by(employee).count(),
    }
    return render(request, "orders/home.html", context)


# --- The cart: request.session["cart"] = {"serviceId": "...", "accessoryIds": [...]} ----------


def _cart(request) -> dict:
    cart = request.session.get(CART) or {}
    return {"serviceId": cart.get("serviceId"), "accessoryIds": list(cart.get("accessoryIds", []))}


def _save_cart(request, cart: dict) -> None:
    request.session[CART] = cart if cart["accessoryIds"] else {}


def _next_url(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _line(employee, raw):
    """One of the lines the employee may order for, or None."""
    raw = str(raw or "")
    if not is_id(raw):
        return None
    return catalog_selectors.services_visible_to(employee).filter(pk=int(raw)).first()


def _cart_contents(request) -> tuple[dict, object, list]:
    """The cart, its line and its accessories in the order they were added; items the tenant
    stopped offering are dropped (and the employee told)."""
    employee = request.employee
    cart = _cart(request)
    service = _line(employee, cart["serviceId"])
    offered = {
        str(a.pk): a
        for a in catalog_selectors.accessories_offered(employee.tenant).filter(
            pk__in=[int(i) for i in cart["accessoryIds"] if is_id(str(i))]
        )
    }
    items = [offered[i] for i in cart["accessoryIds"] if i in offered]
    if len(items) != len(cart["accessoryIds"]):
        cart["accessoryIds"] = [str(a.pk) for a in items]
        _save_cart(request, cart)
        messages.warning(request, "Items no longer offered were removed from your cart.")
    return cart, service, items


def _totals(items) -> dict[str, Decimal]:
    totals = {Recurrence.ONETIME: Decimal("0"), Recurrence.MONTHLY: Decimal("0")}
    for item in items:
        totals[item.price_recurrence] += item.price_amount
    return {"onetime": totals[Recurrence.ONETIME], "monthly": totals[Recurrence.MONTHLY]}


@employee_required
def cart(request):
    _state, service, items = _cart_contents(request)
    context = {
        "service": service,
        "items": items,
        "totals": _totals(items),
        "currency": items[0].price_currency if items else "USD",
    }
    return render(request, "orders/cart.html", context)


@employee_required
@require_POST
def cart_add(request):
    """Add an accessory fitting a line's device. The cart holds one line's items: adding for
    another line asks first (no JavaScript needed), then starts a new cart."""
    employee = request.employee
    service = _line(employee, request.POST.get("service"))
    device = getattr(service, "device", None) if service else None
    if device is None or device.device is None:
        raise Http404("No such line, or no catalog device on it.")
    raw = request.POST.get("accessory", "")
    if not is_id(raw):
        raise Http404("No such accessory.")
    accessory = get_object_or_404(
        catalog_selectors.accessories_fitting(employee.tenant, device.device), pk=int(raw)
    )
    back = _next_url(request, f"{reverse('catalog:accessories')}?service={service.pk}")
    cart = _cart(request)
    if cart["accessoryIds"] and cart["serviceId"] != str(service.pk):
        if request.POST.get("replace") != "yes":
            context = {
                "current": _line(employee, cart["serviceId"]),
                "count": len(cart["accessoryIds"]),
                "service": service,
                "accessory": accessory,
                "next": back,
            }
            return render(request, "orders/cart_switch.html", context, status=409)
        messages.info(
            request,
            f"Started a new cart for line {service.service_number}; "
            "the items for your other line were removed.",
        )
        cart = {"serviceId": None, "accessoryIds": []}
    cart["serviceId"] = str(service.pk)
    request.session.pop(LAST_SUBMITTED, None)  # a new checkout begins
    if str(accessory.pk) in cart["accessoryIds"]:
        messages.info(request, f"{accessory.name} is already in your cart.")
    else:
        cart["accessoryIds"].append(str(accessory.pk))
        messages.success(request, f"Added {accessory.name} to your cart.")
    _save_cart(request, cart)
    return redirect(back)


@employee_required
@require_POST
def cart_remove(request):
    cart = _cart(request)
    raw = request.POST.get("accessory", "")
    if raw in cart["accessoryIds"]:
        cart["accessoryIds"].remove(raw)
        _save_cart(request, cart)
        messages.success(request, "Removed from your cart.")
    return redirect("orders:cart")


@employee_required
@require_POST
def cart_clear(request):
    _save_cart(request, {"serviceId": None, "accessoryIds": []})
    request.session.pop(CHECKOUT, None)
    messages.success(request, "Your cart is empty now.")
    return redirect("orders:cart")


# --- Checkout: the form, the confirmation (MobProc confirm mode), the submit ------------------


def _checkout_form(request, data=None) -> CheckoutForm:
    employee = request.employee
    regions = list(catalog_selectors.regions().filter(parent=None))
    if not regions:
        raise Http404("No shipping regions are configured.")
    state = request.session.get(CHECKOUT) or {}
    values = data if data is not None else state.get("values")
    wanted = str((values or {}).get("region", ""))
    region = next((r for r in regions if str(r.pk) == wanted), None)
    region = region or next((r for r in regions if r.code == "US"), regions[0])
    groups = order_properties.groups_for(employee.tenant, TransactionType.ORDER_ACCESSORIES)
    return CheckoutForm(
        groups=groups,
        region=region,
        regions=regions,
        data=values,
        initial={"ship-name": employee.full_name},
    )


def _new_order_number() -> str:
    return f"WEB-{uuid.uuid4().hex[:20].upper()}"


def _external_order_number(request) -> str:
    """One number per checkout, kept until it is submitted: a resubmitted (double-clicked,
    reloaded) checkout returns the order already stored instead of a second one."""
    state = request.session.get(CHECKOUT) or {}
    return state.get("externalOrderNumber") or _new_order_number()


def _draft(request, form: CheckoutForm, cart: dict, number: str):
    """Validate and price the checkout (raises RequestInvalid with every problem)."""
    employee = request.employee
    body = form.order_request(
        service_id=cart["serviceId"],
        accessory_ids=cart["accessoryIds"],
        external_order_number=number,
    )
    order_request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    return services.draft_order(tenant=employee.tenant, actor=employee, request=order_request)


def _render_checkout(request, form: CheckoutForm, cart, service, items, status: int = 200):
    context = {
        "form": form,
        "service": service,
        "items": items,
        "totals": _totals(items),
        "currency": items[0].price_currency if items else "USD",
    }
    return render(request, "orders/checkout.html", context, status=status)


def _already_submitted(request):
    last = request.session.get(LAST_SUBMITTED)
    if last:
        messages.info(request, f"Order #{last['orderId']} was submitted already.")
        return redirect("orders:detail", pk=last["orderId"])
    return None


@employee_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    cart, service, items = _cart_contents(request)
    if not items:
        resubmitted = request.method == "POST" and _already_submitted(request)
        return resubmitted or redirect("orders:cart")
    if request.method == "GET":
        return _render_checkout(request, _checkout_form(request), cart, service, items)
    form = _checkout_form(request, data=request.POST)
    if request.POST.get("action") == "region":  # the country changed: lay out its address
        return _render_checkout(request, form, cart, service, items)
    number = _external_order_number(request)
    try:
        _draft(request, form, cart, number)
    except RequestInvalid as exc:
        form.show_problems(exc.problems)
        return _render_checkout(request, form, cart, service, items, status=400)
    request.session[CHECKOUT] = {"values": form.values(), "externalOrderNumber": number}
    request.session.pop(LAST_SUBMITTED, None)
    return redirect("orders:confirm")


@employee_required
@require_http_methods(["GET", "POST"])
def checkout_confirm(request):
    """GET: the order fully expanded, nothing stored. POST: validate again and submit."""
    state = request.session.get(CHECKOUT)
    if not state:
        # A second click on "Submit order", or a reload: show the order the first one stored.
        return _already_submitted(request) or redirect("orders:checkout")
    cart, service, items = _cart_contents(request)
    if not items:
        return redirect("orders:cart")
    form = _checkout_form(request)
    number = state["externalOrderNumber"]
    try:
        draft = _draft(request, form, cart, number)
    except RequestInvalid as exc:
        # The catalog, the line or the configuration changed since the checkout form.
        form.show_problems(exc.problems)
        messages.warning(request, "Something changed since you checked out: please look again.")
        return _render_checkout(request, form, cart, service, items, status=400)
    if request.method == "GET":
        return render(request, "orders/checkout_confirm.html", _confirmation(draft))
    try:
        with transaction.atomic():
            order, created = services.submit_order(draft=draft, placed_by=request.employee)
    except DomainError as exc:
        # Nothing was stored under this number (or it is someone else's): the next try gets
        # a fresh one.
        request.session[CHECKOUT] = {**state, "externalOrderNumber": _new_order_number()}
        messages.error(request, exc.message)
        return redirect("orders:confirm")
    _save_cart(request, {"serviceId": None, "accessoryIds": []})
    request.session.pop(CHECKOUT, None)
    request.session[LAST_SUBMITTED] = {"orderId": order.pk, "externalOrderNumber": number}
    if created:
        messages.success(request, f"Thank you! Order #{order.pk} is submitted.")
    else:
        messages.info(request, f"Order #{order.pk} was submitted already.")
    return redirect("orders:detail", pk=order.pk)


def _confirmation(draft: services.OrderDraft) -> dict:
    request = draft.request
    service = request.service
    return {
        "draft": draft,
        "service": service,
        "device": getattr(service, "device", None) if service else None,
        "lines": draft.lines,
        "properties": property_rows(request.properties),
        "ship_to": request.ship_to,
        "onetime": draft.cost(Recurrence.ONETIME),
        "monthly": draft.cost(Recurrence.MONTHLY),
        "currency": draft.currency,
        "external_order_number": request.external_order_number,
    }


def property_rows(groups: list[dict]) -> list[tuple[str, str]]:
    """Answered properties as (label, readable value), as confirmations and orders show them."""
    rows = []
    for group in groups or []:
        for answer in group.get("fields", []):
            rows.append((answer.get("label") or answer.get("id", ""), _readable(answer)))
    return rows


def address_lines(ship_to: dict | None) -> list[str]:
    """A labelled address as it goes on an envelope: street lines, then the locality on one line
    ("Orange, CT 06477")."""
    lines = (ship_to or {}).get("address", [])
    street = [line["value"] for line in lines if line["id"].startswith("LINE_")]
    city = [line["value"] for line in lines if line["id"] == "CITY"]
    rest = [line["value"] for line in lines if not line["id"].startswith("LINE_")]
    rest = [value for value in rest if value not in city]
    locality = ", ".join(part for part in [*city, " ".join(rest)] if part)
    return [*street, locality] if locality else street


def _readable(answer: dict) -> str:
    kind = answer.get("type")
    if kind == "BOOLEAN":
        return "Yes" if answer.get("boolean") else "No"
    if kind == "DATE":
        try:
            return f"{datetime.fromisoformat(answer['date']):%b %-d, %Y}"
        except (KeyError, TypeError, ValueError):
            return str(answer.get("date", ""))
    if kind == "CHOICE":
        choice = answer.get("choice") or {}
        label = choice.get("label") or choice.get("id", "")
        return f"{label}: {choice['otherText']}" if choice.get("otherText") else label
    return str(answer.get("text", ""))


# --- My orders ----------------------------------------------------------------------------------


@employee_required
def order_list(request):
    """The employee's own orders (requested or held); the ones they approve are the inbox's.
    Tenant admins may widen it to all of the tenant's orders."""
    employee = request.employee
    orders = selectors.orders_visible_to(employee)
    show_all = employee.is_tenant_admin and request.GET.get("scope") == "all"
    if not show_all:
        orders = orders.filter(Q(requested_by=employee) | Q(account_holder=employee))
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
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
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


# --- An order's page ----------------------------------------------------------------------------


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


# History events as people read them: (title, tone). Unknown events show their own name.
EVENTS = {
    "submit": ("Order submitted", ""),
    "await_approval": ("Approval needed", "warn"),
    "approval_step_started": ("Approval step started", "warn"),
    "approval_step_approved": ("Approval step approved", "ok"),
    "approval_reminder": ("Approvers reminded", "warn"),
    "approval_escalated": ("Approval escalated", "warn"),
    "approval_withdrawn": ("Approval withdrawn", ""),
    "approve": ("Order approved", "ok"),
    "reject": ("Order rejected", "bad"),
    "cancel": ("Order cancelled", "bad"),
    "send_to_vendors": ("Sent to the vendors", ""),
    "sent_to_vendor": ("Vendor acknowledged the order", ""),
    "vendor_failed": ("Vendor could not fulfil", "bad"),
    "fail": ("Order failed", "bad"),
    "shipped": ("Shipped", "ok"),
    "ship": ("Everything has shipped", "ok"),
    "delivered": ("Delivered", "ok"),
    "carried_out": ("Carrier made the change", "ok"),
    "complete": ("Order complete", "ok"),
}
REASON_EVENTS = {"reject": "Reason", "cancel": "Reason", "approve": "Note"}


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
        title, tone = EVENTS.get(row.event, (row.event.replace("_", " ").capitalize(), ""))
        detail = row.note
        if row.event in REASON_EVENTS and row.note:
            detail = f"{REASON_EVENTS[row.event]}: {row.note}"
        entry = TimelineEntry(row.created_at, title, tone, detail, _who(row), history_id=row.pk)
        if row.segment_id:
            entry.title = f"{title} ({vendors.get(row.segment_id, 'vendor')})"
        if row.event == "shipped" and row.segment_id:
            for shipment in shipments.get(row.segment_id, []):
                entry.extra.append(f"{shipment.carrier} tracking {shipment.tracking_number}")
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
                        f"{shipment.carrier} tracking {shipment.tracking_number}",
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
    context = {
        "order": order,
        "segments": segments,
        "item_count": sum(len(segment.items.all()) for segment in segments),
        "properties": property_rows(order.properties),
        "ship_lines": address_lines(order.ship_to),
        "timeline": _timeline(order, notifications),
        "device": getattr(order.service, "device", None) if order.service else None,
        "can_cancel": order.is_cancellable and permissions.can_cancel(employee, order),
        "can_decide": selectors.awaiting_decision_by(employee).filter(pk=order.pk).exists(),
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
