"""The accessory cart and its checkout: the cart (kept in the session, orders.web.cart_store)
and the checkout form (properties and ship-to), which hands a valid order to the review page
that every order goes through (orders.web.review).

Every rule goes through orders.requests (validation), orders.services (draft, submit) and the
selectors; these views only read the browser's input, call them and render."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from catalog import selectors as catalog_selectors
from catalog.models import Recurrence, TransactionType
from orders import properties as order_properties
from orders import selectors as order_selectors
from orders.web import cart_store
from orders.web.forms import CheckoutForm, ship_to_initial
from orders.web.review import draft_or_problems, kept_for_review, posted_number, start_review
from portal.ids import is_id
from portal.web.pages import employee_required


def _next_url(request, default: str) -> str:
    """Where to go back to: `next` when it is a path of this site, else `default`."""
    target = request.POST.get("next", "")
    # A path only: redirect() would read a bare word as a URL pattern name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
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
    cart = cart_store.cart_of(request)
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
        cart_store.save_cart(request, cart)
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
    cart = cart_store.cart_of(request)
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
    cart_store.forget_submitted(request)  # a new checkout begins
    if str(accessory.pk) in cart["accessoryIds"]:
        messages.info(request, f"{accessory.name} is already in your cart.")
    else:
        cart["accessoryIds"].append(str(accessory.pk))
        messages.success(request, f"Added {accessory.name} to your cart.")
    cart_store.save_cart(request, cart)
    return redirect(back)


@employee_required
@require_POST
def cart_remove(request):
    cart = cart_store.cart_of(request)
    raw = request.POST.get("accessory", "")
    if raw in cart["accessoryIds"]:
        cart["accessoryIds"].remove(raw)
        cart_store.save_cart(request, cart)
        messages.success(request, "Removed from your cart.")
    return redirect("orders:cart")


@employee_required
@require_POST
def cart_clear(request):
    cart_store.empty_cart(request)
    messages.success(request, "Your cart is empty now.")
    return redirect("orders:cart")


def _checkout_form(request, data=None) -> CheckoutForm:
    employee = request.employee
    regions = list(catalog_selectors.regions().filter(parent=None))
    if not regions:
        raise Http404("No shipping regions are configured.")
    # A fresh checkout ships where the employee's last order went.
    initial = ship_to_initial(order_selectors.last_ship_to(employee), name=employee.full_name)
    wanted = str((data if data is not None else initial).get("region", ""))
    region = next((r for r in regions if str(r.pk) == wanted), None)
    region = region or next((r for r in regions if r.code == "US"), regions[0])
    groups = order_properties.groups_for(employee.tenant, TransactionType.ORDER_ACCESSORIES)
    return CheckoutForm(
        groups=groups,
        region=region,
        regions=regions,
        data=data,
        initial=initial,
        contact_number=order_properties.known_contact_number(employee),
    )


def _body(form: CheckoutForm, cart: dict, number: str) -> dict:
    return form.order_request(
        service_id=cart["serviceId"],
        accessory_ids=cart["accessoryIds"],
        external_order_number=number,
    )


def _render_checkout(request, form, service, items, number: str, status: int = 200):
    context = {
        "form": form,
        "service": service,
        "items": items,
        "totals": _totals(items),
        "currency": items[0].price_currency if items else "USD",
        "number": number,
    }
    return render(request, "orders/checkout.html", context, status=status)


@employee_required
@require_http_methods(["GET", "POST"])
def checkout(request):
    """The checkout form; a valid one goes to the review page (orders.web.review), which
    submits it and empties the cart. Edited after review, it comes back filled in."""
    cart, service, items = _cart_contents(request)
    if not items:
        last = request.method == "POST" and cart_store.last_submitted(request)
        if last:  # sent again after its order was stored (a second click, the back button)
            messages.info(request, f"Order #{last} was submitted already.")
            return redirect("orders:detail", pk=last)
        return redirect("orders:cart")
    if request.method == "GET":
        values, number = kept_for_review(request)
        form = _checkout_form(request, data=values)
        if values is not None:  # back from review: show what is wrong now, if anything is
            _draft, problems = draft_or_problems(request, _body(form, cart, number))
            form.show_problems(problems)
        return _render_checkout(request, form, service, items, number)
    number = posted_number(request)
    form = _checkout_form(request, data=request.POST)
    if request.POST.get("action") == "region":  # the country changed: lay out its address
        return _render_checkout(request, form, service, items, number)
    body = _body(form, cart, number)
    _draft, problems = draft_or_problems(request, body)
    if problems:
        form.show_problems(problems)
        return _render_checkout(request, form, service, items, number, status=400)
    back = f"{reverse('orders:checkout')}?review={number}"
    return start_review(request, body=body, back=back, typed=form.values(), from_cart=True)
