"""Guided forms for procuring a line: a new line, an upgrade of a line, a line ported to another
carrier (its number kept).

Each form is two steps on one URL: choose a device (no `?device=`), then the plan, its features
and the rest of the order (`?device=<id>`). Posting the second step reads the inputs into a
MobProc body; orders.requests decides whether it is valid (each problem goes beside its input,
400) and a valid body goes to the shared review page (orders.web.review), which submits it.
Everything works without JavaScript; static/js/procure.js only narrows the features to the
chosen plan and keeps the cost summary live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_http_methods

from catalog import selectors as catalog_selectors
from catalog.models import (
    Accessory,
    Device,
    Feature,
    Plan,
    Recurrence,
    Region,
    ServiceAsset,
    TransactionType,
    Vendor,
)
from catalog.web.display import mark_placeholder
from orders import properties as order_properties
from orders import rules, selectors
from orders.web.forms import Choice, Input, OrderForm, ship_to_initial
from orders.web.review import draft_or_problems, kept_for_review, posted_number, start_review
from portal.exceptions import FieldProblem
from portal.ids import is_id
from portal.web.pages import employee_required

NEW_LINE = TransactionType.NEW_ACTIVATION
UPGRADE = TransactionType.UPGRADE
PORT = TransactionType.PORT_NUMBER
# The hidden input carrying the order's number.
NUMBER_FIELD = "order-number"

# The upgrade's plan choice "keep the line's plan": no planId is sent.
KEEP_PLAN = "keep"
# The serializers say "This field is required." for a missing value; beside an input the page
# draws itself, say what to do instead.
REQUIRED_MESSAGES = {
    "shoppingCart.planId": "Choose a plan.",
    "regionId": "Choose the country where the line is registered.",
    "postalCode": "Enter the postal code where the line is registered.",
}
PAGE_TITLES = {
    NEW_LINE: "A new line",
    UPGRADE: "Upgrade line {number}",
    PORT: "Port line {number} to another carrier",
}


@dataclass
class PlanOption:
    """One radio of the plan list with the optional features it comes with."""

    value: str  # a plan id, or KEEP_PLAN
    plan: Plan
    checked: bool
    features: list[Feature] = field(default_factory=list)  # each with .checked and .is_current
    is_current: bool = False


@dataclass
class PreviewLine:
    name: str
    amount: Decimal
    recurrence: str
    removed: bool = False  # an upgrade drops it from the line


@dataclass
class CostPreview:
    """The summary beside the form as first drawn (procure.js recomputes it on every change);
    the review page shows what the order really costs."""

    lines: list[PreviewLine]
    onetime: Decimal
    monthly: Decimal
    currency: str


# --- The three pages ----------------------------------------------------------------------------


@employee_required
@require_http_methods(["GET", "POST"])
def new_line(request):
    """A new line: a device, a plan of the device's carrier with its features, accessories
    fitting the device, where the line is registered, the tenant's questions and a ship-to."""
    tenant = request.employee.tenant
    devices = catalog_selectors.devices_offered(tenant)
    device = _chosen_device(request, devices)
    if device is None:
        return _device_step(request, NEW_LINE, devices)
    accessories = list(catalog_selectors.accessories_fitting(tenant, device))
    return _line_form(
        request,
        NEW_LINE,
        device=device,
        plans=_carrier_plans(tenant, device.vendor),
        accessories=accessories,
    )


@employee_required
@require_http_methods(["GET", "POST"])
def port_number(request, pk: int):
    """One of the employee's lines, number kept, moved to another carrier's device and plan
    (tutorials/orders/port_number); the carrier's account details are the tenant's PORT_NUMBER
    order properties. A line whose status allows no port gets a page saying why."""
    employee = request.employee
    service = get_object_or_404(catalog_selectors.services_visible_to(employee), pk=pk)
    blocker = rules.care_blocker(service, PORT)
    if blocker is not None:
        context = {"kind": PORT, "service": service, "reason": blocker.message}
        return render(request, "orders/procure_not_eligible.html", context, status=409)
    devices = catalog_selectors.devices_for_line(employee.tenant, service, port=True)
    device = _chosen_device(request, devices)
    if device is None:
        return _device_step(request, PORT, devices, service=service)
    plans = [
        plan
        for plan in _carrier_plans(employee.tenant, device.vendor)
        if plan.vendor_id != service.vendor_id
    ]
    return _line_form(request, PORT, device=device, plans=plans, service=service)


@employee_required
@require_http_methods(["GET", "POST"])
def upgrade(request, pk: int):
    """A new device (and maybe another plan) for one of the employee's lines, once the line
    may be upgraded; until then a page saying why not and from when."""
    employee = request.employee
    service = get_object_or_404(catalog_selectors.services_visible_to(employee), pk=pk)
    blocker = rules.upgrade_blocker(service)
    if blocker is not None:
        context = {
            "service": service,
            # The date is said once, below the reason.
            "reason": blocker.before if blocker.eligible_from else blocker.message,
            "eligible_from": blocker.eligible_from,
        }
        return render(request, "orders/procure_not_eligible.html", context, status=409)
    devices = catalog_selectors.devices_for_line(employee.tenant, service, port=False)
    device = _chosen_device(request, devices)
    if device is None:
        return _device_step(request, UPGRADE, devices, service=service)
    return _line_form(
        request,
        UPGRADE,
        device=device,
        plans=_carrier_plans(employee.tenant, service.vendor),
        service=service,
    )


# --- Step 1: the device -------------------------------------------------------------------------


def _chosen_device(request, devices: QuerySet[Device]) -> Device | None:
    raw = request.GET.get("device", "")
    if not raw:
        return None
    if not is_id(raw):
        raise Http404("No such device.")
    return get_object_or_404(devices, pk=int(raw))


def _device_step(request, kind: str, devices: QuerySet[Device], service=None):
    devices = list(devices)
    current = getattr(service, "device", None) if service else None
    for device in devices:
        mark_placeholder(device, device.manufacturer)
        device.is_current = current is not None and current.device_id == device.pk
    context = {
        "kind": kind,
        "title": _title(kind, service),
        "service": service,
        "devices": devices,
    }
    return render(request, "orders/procure_devices.html", context)


def _title(kind: str, service: ServiceAsset | None) -> str:
    return PAGE_TITLES[kind].format(number=service.service_number if service else "")


# --- Step 2: the plan and the rest of the order -------------------------------------------------


def _carrier_plans(tenant, carrier: Vendor | None) -> list[Plan]:
    """Plans offered to the tenant from the carrier (every offered plan for a device that no
    carrier sells in particular)."""
    plans = catalog_selectors.plans_offered(tenant)
    return list(plans.filter(vendor=carrier) if carrier is not None else plans)


def _line_form(
    request,
    kind: str,
    *,
    device: Device,
    plans: list[Plan],
    accessories: list[Accessory] | None = None,
    service: ServiceAsset | None = None,
):
    """Step 2 of every form: GET lays it out (filled in again when back from the review page),
    POST checks it through orders.requests and goes to the review page, or shows each problem
    beside its input (400)."""
    employee = request.employee
    # The line an upgrade keeps its plan and features on (a port leaves them with the carrier).
    upgraded = service if kind == UPGRADE else None
    typed, number = _typed_values(request)
    countries = list(catalog_selectors.regions().filter(parent=None))
    if not countries:
        raise Http404("No regions are configured.")
    home = next((r for r in countries if r.code == "US"), countries[0])
    own_inputs = _own_inputs(kind, countries, home, accessories is not None)
    # A fresh form ships where the employee's last order went, and gives the number the
    # tenant knows as the contact number.
    initial = {
        **ship_to_initial(selectors.last_ship_to(employee), name=employee.full_name),
        "line-region": str(home.pk),
    }
    form = OrderForm(
        transaction_type=kind,
        groups=order_properties.groups_for(employee.tenant, kind),
        region=_ship_region(typed if typed is not None else initial, countries, home),
        regions=countries,
        extra=own_inputs.values(),
        data=typed,
        initial=initial,
        contact_number=order_properties.known_contact_number(employee, service),
    )
    options = _plan_options(employee.tenant, plans, typed, upgraded)
    chosen_accessories = set(typed.getlist("accessories")) if typed else set()
    for accessory in accessories or []:
        accessory.checked = str(accessory.pk) in chosen_accessories
    page = {
        "kind": kind,
        "title": _title(kind, service),
        "service": service,
        "device": device,
        "form": form,
        "inputs": own_inputs,
        "plan_options": options,
        "has_features": any(option.features for option in options),
        "accessories": accessories,
        "preview": _preview(device, options, accessories or [], upgraded),
        "baseline": _line_monthly(upgraded),
        "number": number,
        "number_field": NUMBER_FIELD,
    }
    if request.method == "GET" or request.POST.get("action") == "region":
        # A GET, or the ship-to country changed: lay the form out, check nothing yet.
        return render(request, "orders/procure_form.html", page)
    body = form.body(
        external_order_number=number,
        **_order_fields(kind, request.POST, device, service),
    )
    back = f"{request.path}?device={device.pk}&review={number}"
    return review_or_form(request, form, body, back, "orders/procure_form.html", page)


def review_or_form(request, form: OrderForm, body: dict, back: str, template: str, page: dict):
    """The typed order checked as the API checks it: on to its review, or the form again with
    every problem beside its input."""
    draft, problems = draft_or_problems(request, body)
    if draft is None:
        form.show_problems(_friendlier(problems))
        return render(request, template, page, status=400)
    # Every value of every input (a MultiValueDict's lists), to fill the form in again on Edit.
    typed = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
    return start_review(request, body=body, back=back, typed=typed)


def _own_inputs(kind: str, countries: list[Region], home: Region, with_accessories: bool):
    """The inputs this page draws itself, by what they are; each `path` is the request field
    whose problems it shows."""
    inputs = {
        "device": Input("device", "Device", "select", "shoppingCart.deviceId"),
        "plan": Input("plan", "Plan", "choice", "shoppingCart.planId", required=True),
        "features": Input(
            "features", "Optional features", "choice", "shoppingCart.optionalFeatureIds"
        ),
    }
    if with_accessories:
        inputs["accessories"] = Input(
            "accessories", "Accessories", "choice", "shoppingCart.accessoryIds"
        )
    if kind in (UPGRADE, PORT):
        # The line itself (its status, a conflicting open order).
        inputs["line"] = Input("line", "Line", "select", "serviceId")
    if kind == UPGRADE:
        # The device traded in.
        inputs["existing"] = Input("existing", "Device now", "select", "existingDevice")
        return inputs
    inputs["line_region"] = Input(
        "line-region", "Country", "select", "regionId", required=True, value=str(home.pk),
        choices=[Choice(str(r.pk), r.name) for r in countries],
    )  # fmt: skip
    inputs["postal_code"] = Input(
        "postal-code", "Postal code", "text", "postalCode", required=True, max_length=20,
        hint="The carrier picks the area code from it.", autocomplete="postal-code",
    )  # fmt: skip
    return inputs


def _ship_region(typed, countries: list[Region], home: Region) -> Region:
    wanted = str(typed.get("region", "")) if typed else ""
    return next((r for r in countries if str(r.pk) == wanted), home)


def _plan_options(tenant, plans: list[Plan], typed, service) -> list[PlanOption]:
    """The plan radios, each with its offered features. An upgrade first offers to keep the
    line's plan (chosen unless another was), with the line's features ticked."""
    current_plan = service.plan if service else None
    current_features = {f.pk for f in service.features.all()} if service else set()
    options: list[PlanOption] = []
    if current_plan is not None:
        options.append(PlanOption(KEEP_PLAN, current_plan, checked=True, is_current=True))
    options += [PlanOption(str(p.pk), p, checked=False) for p in plans if p != current_plan]
    features = catalog_selectors.features_offered(tenant).filter(
        plan__in=[option.plan for option in options]
    )
    by_plan: dict[int, list[Feature]] = {}
    for feature in features:
        by_plan.setdefault(feature.plan_id, []).append(feature)
    default_plan = KEEP_PLAN if current_plan is not None else ""
    chosen_plan = typed.get("plan", "") if typed else default_plan
    chosen_features = set(typed.getlist("features")) if typed else None
    for option in options:
        option.checked = option.value == chosen_plan
        option.features = by_plan.get(option.plan.pk, [])
        for feature in option.features:
            feature.is_current = option.is_current and feature.pk in current_features
            feature.checked = (
                str(feature.pk) in chosen_features if chosen_features is not None
                else feature.is_current
            )  # fmt: skip
    return options


def _order_fields(kind: str, data, device: Device, service: ServiceAsset | None) -> dict:
    """The type's own parts of the body, as typed (orders.requests checks them)."""
    cart: dict = {"deviceId": str(device.pk)}
    plan = data.get("plan", "")
    if plan and plan != KEEP_PLAN:
        cart["planId"] = plan
    # The features the line has afterwards; an upgrade keeping its plan sends them too, so an
    # unticked feature of the line is removed.
    cart["optionalFeatureIds"] = data.getlist("features")
    if kind == NEW_LINE:
        cart["accessoryIds"] = data.getlist("accessories")
    fields: dict = {"shoppingCart": cart}
    if kind == UPGRADE:
        fields["serviceId"] = str(service.pk)
        fields["existingDevice"] = _existing_device(service)
        return fields
    if kind == PORT:
        fields["serviceId"] = str(service.pk)
    fields["regionId"] = data.get("line-region", "")
    fields["postalCode"] = data.get("postal-code", "").strip()
    return {key: value for key, value in fields.items() if value != ""}


def _existing_device(service: ServiceAsset) -> dict:
    """The line's device as the upgrade trades it in (the employee does not type it)."""
    asset = service.device
    return {
        "manufacturerId": asset.make.pk if asset.make else None,
        "modelId": str(asset.device_id) if asset.device_id else None,
        "serialNumber": {"type": asset.serial_number_type, "value": asset.serial_number},
        "simId": asset.sim_id,
    }


def _friendlier(problems: list[FieldProblem]) -> list[FieldProblem]:
    def reworded(problem: FieldProblem) -> FieldProblem:
        path = problem.field.removeprefix("orderRequest.")
        if problem.code == "REQUIRED" and path in REQUIRED_MESSAGES:
            return FieldProblem(problem.field, problem.code, REQUIRED_MESSAGES[path])
        return problem

    return [reworded(problem) for problem in problems]


# --- The cost summary ---------------------------------------------------------------------------


def _line_monthly(service: ServiceAsset | None) -> Decimal:
    """What the line costs a month now (an upgrade's summary shows the change from it)."""
    return service.monthly_cost() if service is not None else Decimal("0")


def _preview(device: Device, options: list[PlanOption], accessories, service) -> CostPreview:
    chosen = next((option for option in options if option.checked), None)
    picked = [device, *(a for a in accessories if a.checked)]
    if chosen is not None:
        picked += [chosen.plan, *(f for f in chosen.features if f.checked)]
    # What the line has now is no news while it stays, and listed as removed when it goes.
    now = [
        item
        for option in options
        if option.is_current
        for item in (option.plan, *(f for f in option.features if f.is_current))
    ]
    lines = [_preview_line(item) for item in picked if item not in now]
    lines += [_preview_line(item, removed=True) for item in now if item not in picked]
    totals = {Recurrence.ONETIME: Decimal("0"), Recurrence.MONTHLY: Decimal("0")}
    for item in picked:
        totals[item.price_recurrence] += item.price_amount
    return CostPreview(
        lines=lines,
        onetime=totals[Recurrence.ONETIME],
        monthly=totals[Recurrence.MONTHLY] - _line_monthly(service),
        currency=device.price_currency,
    )


def _preview_line(item, *, removed: bool = False) -> PreviewLine:
    return PreviewLine(str(item), item.price_amount, item.price_recurrence, removed)


# --- What was typed, kept for "Edit" on the review page -----------------------------------------


def _typed_values(request) -> tuple[MultiValueDict | None, str]:
    """What fills the form in, and the order number it carries: the POST and its number; on a
    GET back from the review page (`?review=<number>`), what was posted then, under the same
    number while that order is not submitted (review.kept_for_review)."""
    if request.method == "POST":
        return request.POST, posted_number(request, NUMBER_FIELD)
    saved, number = kept_for_review(request)
    return (MultiValueDict(saved) if saved else None), number
