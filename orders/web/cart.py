"""The accessory cart and its checkout: the cart in the session, the checkout form (properties
and ship-to), the confirmation, the submit.

Every rule goes through orders.requests (validation), orders.services (draft, submit) and the
selectors; these views only read the browser's input, call them and render."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from catalog import selectors as catalog_selectors
from catalog.models import Recurrence, TransactionType
from orders import properties as order_properties
from orders import services
from orders.requests import parse_order_request
from orders.web.display import property_rows
from orders.web.forms import CheckoutForm
from portal.exceptions import DomainError, RequestInvalid
from portal.ids import is_id
from portal.web.pages import employee_required

CART, CHECKOUT, LAST_SUBMITTED = "cart", "checkout", "last_submitted"


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
