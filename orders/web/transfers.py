"""Bring a personal line into the company: XFER_SERVICE_IN (the line stays with its carrier,
one whose plans the company offers) or XFER_SERVICE_IN_AND_PORT (it comes from another carrier
and is ported onto a new device and a plan of one of the company's).

Three steps on one URL, as the guided forms of orders.web.procurement: the carrier the line is
with now (`?carrier=`), the device (`&device=<id>`, or `own`: the employee keeps their phone,
only when the line stays with its carrier), then the plan and the rest of the order. Which of
the two types it is follows from the carrier. Posting the last step reads the inputs into a
MobProc body, orders.requests decides (each problem beside its input, 400), and a valid body
goes to the shared review page. Without JavaScript.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from catalog import acknowledgements as catalog_acknowledgements
from catalog import selectors as catalog_selectors
from catalog.models import Device, Recurrence, TransactionType, Vendor
from catalog.web.display import mark_placeholder
from orders import properties as order_properties
from orders import selectors
from orders.web.forms import Choice, Input, OrderForm, ship_to_initial
from orders.web.procurement import (
    NUMBER_FIELD,
    CostPreview,
    PreviewLine,
    _own_inputs,
    _plan_options,
    _preview,
    _ship_region,
    _typed_values,
    review_or_form,
)
from portal.ids import is_id
from portal.web.pages import employee_required

IN, IN_AND_PORT = TransactionType.XFER_SERVICE_IN, TransactionType.XFER_SERVICE_IN_AND_PORT
OWN_PHONE = "own"  # ?device=own: the line stays on the employee's phone
TITLE = "Bring a personal line"


@employee_required
@require_http_methods(["GET", "POST"])
def bring_line(request):
    tenant = request.employee.tenant
    carriers = list(Vendor.objects.filter(type=Vendor.Type.CARRIER).order_by("name"))
    carrier = _chosen(request.GET.get("carrier", ""), carriers)
    if carrier is None:
        return render(request, "orders/transfer_start.html", {"title": TITLE, "carriers": carriers})
    ours = set(catalog_selectors.plans_offered(tenant).values_list("vendor_id", flat=True))
    kind = IN if carrier.pk in ours else IN_AND_PORT
    devices = catalog_selectors.devices_offered(tenant)
    # Staying with its carrier, a line takes that carrier's devices; ported, any other's.
    devices = (
        devices.filter(Q(vendor=carrier) | Q(vendor=None))
        if kind == IN
        else devices.exclude(vendor=carrier)
    )
    raw = request.GET.get("device", "")
    if not raw:
        return _device_step(request, kind, carrier, list(devices))
    if raw == OWN_PHONE and kind == IN:
        device = None
    elif is_id(raw):
        device = get_object_or_404(devices, pk=int(raw))
    else:
        raise Http404("No such device.")
    plans = catalog_selectors.plans_offered(tenant)
    plan_carrier = device.vendor if device is not None and device.vendor else None
    if plan_carrier is not None:
        plans = plans.filter(vendor=plan_carrier)
    else:
        plans = plans.filter(vendor=carrier) if kind == IN else plans.exclude(vendor=carrier)
    return _transfer_form(request, kind, carrier, device, list(plans))


def _chosen(raw: str, carriers: list[Vendor]) -> Vendor | None:
    if not raw:
        return None
    found = next((c for c in carriers if str(c.pk) == raw), None)
    if found is None:
        raise Http404("No such carrier.")
    return found


def _device_step(request, kind: str, carrier: Vendor, devices: list[Device]):
    for device in devices:
        mark_placeholder(device, device.manufacturer)
    context = {
        "title": TITLE,
        "kind": kind,
        "carrier": carrier,
        "devices": devices,
        "own_phone": OWN_PHONE if kind == IN else "",
    }
    return render(request, "orders/transfer_devices.html", context)


def _transfer_form(request, kind: str, carrier: Vendor, device: Device | None, plans: list):
    employee = request.employee
    typed, number = _typed_values(request)
    countries = list(catalog_selectors.regions().filter(parent=None))
    if not countries:
        raise Http404("No regions are configured.")
    home = next((r for r in countries if r.code == "US"), countries[0])
    inputs = _own_inputs(kind, countries, home, with_accessories=False)
    inputs["carrier"] = _carrier_input(carrier)
    initial = {
        **ship_to_initial(selectors.last_ship_to(employee), name=employee.full_name),
        "line-region": str(home.pk),
    }
    asked = _asked(employee.tenant, kind, carrier, device, plans)
    form = OrderForm(
        transaction_type=kind,
        groups=order_properties.groups_for(employee.tenant, kind),
        # Only a new device ships; on the employee's own phone nothing does.
        region=(
            _ship_region(typed if typed is not None else initial, countries, home)
            if device is not None
            else None
        ),
        regions=countries,
        extra=inputs.values(),
        data=typed,
        initial=initial,
        contact_number=order_properties.known_contact_number(employee),
        acknowledgements=asked.acknowledgements,
        info_blocks=asked.info_blocks,
    )
    options = _plan_options(employee.tenant, plans, typed, None)
    device_query = f"carrier={carrier.pk}&device={device.pk if device else OWN_PHONE}"
    page = {
        "title": TITLE,
        "kind": kind,
        "carrier": carrier,
        "device": device,
        "device_query": device_query,
        "form": form,
        "inputs": inputs,
        "plan_options": options,
        "has_features": any(option.features for option in options),
        "preview": _preview(device, options, [], None) if device else _plan_preview(options),
        "baseline": Decimal("0"),
        "number": number,
        "number_field": NUMBER_FIELD,
    }
    if request.method == "GET" or request.POST.get("action") == "region":
        return render(request, "orders/transfer_form.html", page)
    body = form.body(external_order_number=number, **_order_fields(request.POST, carrier, device))
    back = f"{request.path}?{device_query}&review={number}"
    return review_or_form(request, form, body, back, "orders/transfer_form.html", page)


def _asked(tenant, kind: str, carrier: Vendor, device: Device | None, plans: list):
    """What the carrier fulfilling the order asks to acknowledge: the line's own carrier for a
    transfer in, the new device's (or, when the plans offered are all of one, theirs) for a
    port. Unknown until a plan is chosen: nothing shown, and the request says what is due."""
    if kind == IN:
        vendor_id = carrier.pk
    elif device is not None and device.vendor_id:
        vendor_id = device.vendor_id
    else:
        carriers = {plan.vendor_id for plan in plans}
        vendor_id = carriers.pop() if len(carriers) == 1 else None
    if vendor_id is None:
        return catalog_acknowledgements.Disclosures([], [])
    return catalog_acknowledgements.disclosures_for(tenant, vendor_id, kind)


def _carrier_input(carrier: Vendor) -> Input:
    return Input(
        "carrier", "Carrier now", "select", "currentVendorId", value=str(carrier.pk),
        choices=[Choice(str(carrier.pk), carrier.name)],
    )  # fmt: skip


def _order_fields(data, carrier: Vendor, device: Device | None) -> dict:
    """The transfer's own parts of the body, as typed (orders.requests checks them)."""
    cart: dict = {"optionalFeatureIds": data.getlist("features")}
    if device is not None:
        cart["deviceId"] = str(device.pk)
    if data.get("plan", ""):
        cart["planId"] = data["plan"]
    fields = {
        "currentVendorId": str(carrier.pk),
        "shoppingCart": cart,
        "regionId": data.get("line-region", ""),
        "postalCode": data.get("postal-code", "").strip(),
    }
    return {key: value for key, value in fields.items() if value != ""}


def _plan_preview(options) -> CostPreview:
    """The summary of a line on the employee's own phone: the plan and its features."""
    chosen = next((option for option in options if option.checked), None)
    picked = [chosen.plan, *(f for f in chosen.features if f.checked)] if chosen else []
    monthly = sum(
        (i.price_amount for i in picked if i.price_recurrence == Recurrence.MONTHLY), Decimal("0")
    )
    onetime = sum(
        (i.price_amount for i in picked if i.price_recurrence == Recurrence.ONETIME), Decimal("0")
    )
    return CostPreview(
        lines=[PreviewLine(str(i), i.price_amount, i.price_recurrence) for i in picked],
        onetime=onetime,
        monthly=monthly,
        currency=picked[0].price_currency if picked else "USD",
    )
