"""What an order may hold, and why not: catalog items the tenant offers and that go together,
feature changes the line's plan allows, the devices a line is on and may move to, the carrier a
line is ported to, a number that may be brought over. The companion of orders.rules (what a
line allows now).

Plain functions over rows already resolved (ids are the request reader's business), returning
Blockers: one per problem, keyed by what it is about (an item's index in a list, or a part of
the order: "device", "plan", "features"). orders.requests places each blocker at the field of
the MobProc request that names that part; nothing here knows a request's shape. Reads only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db.models import Q

from catalog.models import (
    Accessory,
    Device,
    DeviceAsset,
    Feature,
    Plan,
    ServiceAsset,
    TransactionType,
)
from orders.models import OrderItem
from orders.rules import Blocker

if TYPE_CHECKING:
    from catalog.models import Manufacturer, Vendor
    from portal.models import Tenant


def offered_ids(queryset, tenant: Tenant, items) -> set[int]:
    """The ids among `items` that the tenant offers (one query)."""
    return set(
        queryset.offered_to(tenant)
        .filter(pk__in=[item.pk for item in items])
        .values_list("pk", flat=True)
    )


# --- Accessories ---------------------------------------------------------------------------------


def accessory_blockers(
    tenant: Tenant, accessories: list[Accessory], device: Device | None, *, check_fit: bool
) -> dict[int, Blocker]:
    """{index: blocker} for accessories not offered, or (check_fit) not fitting `device`, a
    catalog model (None: a make the catalog does not have, which no accessory is known to fit)."""
    offered = offered_ids(Accessory.objects, tenant, accessories)
    fitting = set(device.accessories.values_list("pk", flat=True)) if device else set()
    blockers = {}
    for index, accessory in enumerate(accessories):
        if accessory.pk not in offered:
            blockers[index] = Blocker("NOT_AVAILABLE", f"Accessory {accessory.pk} is not offered.")
        elif check_fit and accessory.pk not in fitting:
            blockers[index] = Blocker(
                "NOT_COMPATIBLE", f"{accessory.name} does not fit the {device or 'device'}."
            )
    return blockers


# --- A device with a plan and its features --------------------------------------------------------


def line_cart_blockers(
    tenant: Tenant,
    *,
    device: Device | None,
    plan: Plan | None,
    features: list[Feature],
    carrier: Vendor | None = None,
    current_plan: Plan | None = None,
) -> dict:
    """Problems of a device-plan-features choice: {"device": blocker, "plan": blocker,
    "features": {index: blocker}}, each only when there is one. Everything must be offered to
    the tenant, the plan from the device's carrier (`carrier` when the line has one already),
    the features of that plan (`current_plan` when the line keeps its own), no feature twice.
    No device: a line transferred in on the employee's own phone."""
    blockers: dict = {}
    carrier = carrier or (device.vendor if device is not None else None)
    if device is None:
        pass
    elif device.pk not in offered_ids(Device.objects, tenant, [device]):
        blockers["device"] = Blocker("NOT_AVAILABLE", f"Device {device.pk} is not offered.")
    elif carrier is not None and device.vendor_id not in (None, carrier.pk):
        blockers["device"] = Blocker(
            "NOT_COMPATIBLE",
            f"The {device} is sold by {device.vendor}, not by the line's carrier {carrier}.",
        )
    if plan is not None:
        if plan.pk not in offered_ids(Plan.objects, tenant, [plan]):
            blockers["plan"] = Blocker("NOT_AVAILABLE", f"Plan {plan.pk} is not offered.")
        elif carrier is not None and plan.vendor_id != carrier.pk:
            whose = "the line's carrier" if current_plan is not None else "the device's carrier"
            blockers["plan"] = Blocker(
                "NOT_COMPATIBLE",
                f"{plan.name} is a {plan.vendor} plan; it must be one of {carrier} ({whose}).",
            )
    plan = plan or current_plan
    offered = offered_ids(Feature.objects, tenant, features)
    feature_blockers, seen = {}, set()
    for index, feature in enumerate(features):
        if feature.pk in seen:
            feature_blockers[index] = Blocker("DUPLICATE", f"Feature {feature.pk} is listed twice.")
        elif feature.pk not in offered:
            feature_blockers[index] = Blocker(
                "NOT_AVAILABLE", f"Feature {feature.pk} is not offered."
            )
        elif plan is None or feature.plan_id != plan.pk:
            feature_blockers[index] = Blocker(
                "NOT_COMPATIBLE",
                f"{feature.name} is a feature of {feature.plan.name}, not of "
                f"{plan.name if plan else 'the line (it has no plan)'}.",
            )
        seen.add(feature.pk)
    if feature_blockers:
        blockers["features"] = feature_blockers
    return blockers


# --- Features added to and removed from a line ----------------------------------------------------


def feature_change_blockers(
    tenant: Tenant, service: ServiceAsset, changes: list[tuple[Feature, str]]
) -> dict[int, Blocker]:
    """{index: blocker} for changes the line's plan does not allow: a feature of another plan,
    one added that is on already or not offered, one removed that is not on, one listed twice."""
    on = {feature.pk for feature in service.features.all()}
    offered = offered_ids(Feature.objects, tenant, [feature for feature, _action in changes])
    blockers, seen = {}, set()
    for index, (feature, action) in enumerate(changes):
        if feature.pk in seen:
            blocker = Blocker("DUPLICATE", f"Feature {feature.pk} is listed twice.")
        elif feature.plan_id != service.plan_id:
            plan = service.plan.name if service.plan else "no plan"
            blocker = Blocker(
                "NOT_COMPATIBLE",
                f"{feature.name} is not a feature of line {service.service_number}'s plan "
                f"({plan}).",
            )
        elif action == OrderItem.Action.ADD and feature.pk in on:
            blocker = Blocker("ALREADY_ON", f"{feature.name} is on the line already.")
        elif action == OrderItem.Action.ADD and feature.pk not in offered:
            blocker = Blocker("NOT_AVAILABLE", f"{feature.name} is not offered.")
        elif action == OrderItem.Action.REMOVE and feature.pk not in on:
            blocker = Blocker("NOT_ON", f"{feature.name} is not on the line.")
        else:
            blocker = None
        seen.add(feature.pk)
        if blocker:
            blockers[index] = blocker
    return blockers


# --- Devices a line is on and moves to ------------------------------------------------------------


def maker_blocker(maker: Manufacturer | None, model: Device | None) -> Blocker | None:
    """A model named with a manufacturer that does not make it."""
    if maker is not None and model is not None and model.manufacturer_id != maker.pk:
        return Blocker("NOT_COMPATIBLE", f"The {model} is not made by {maker.name}.")
    return None


def existing_device_blockers(
    service: ServiceAsset,
    *,
    serial_type: str,
    serial: str,
    model: Device | None,
    other_model: bool = False,
) -> dict[str, Blocker]:
    """Where the device an order says the line is on is not the line's device: {"serial":
    blocker, "model": blocker}, each only when it differs. A model is its make and name (the
    catalog lists a model once per carrier: any of those rows names it); `other_model`: the
    order says the catalog lacks it. The line must have a device (orders.rules.device_blocker
    says so first)."""
    device = service.device
    blockers = {}
    if (serial_type, serial) != (device.serial_number_type, device.serial_number):
        blockers["serial"] = Blocker(
            "DEVICE_MISMATCH",
            f"Line {service.service_number} is on {device.serial_number_type} "
            f"{device.serial_number}, not {serial_type} {serial}.",
        )
    on = device.device
    if model is not None and (
        on is None
        or (model.manufacturer_id, model.model.casefold())
        != (on.manufacturer_id, on.model.casefold())
    ):
        blockers["model"] = Blocker(
            "DEVICE_MISMATCH",
            f"Line {service.service_number} is on a {device.make_model}, not a {model}.",
        )
    elif other_model and on is not None:
        blockers["model"] = Blocker(
            "DEVICE_MISMATCH",
            f"Line {service.service_number} is on a {device.make_model}, a model of the "
            f"catalog: name it, not Other.",
        )
    return blockers


def new_device_blocker(tenant: Tenant, service: ServiceAsset | None, serial: str) -> Blocker | None:
    """Why the line may not move to the device with this serial number: it is on it already,
    or the device is on another live line or held by someone else (which line or whom is not
    said: the requester may not see them)."""
    device = getattr(service, "device", None) if service else None
    if device is not None and device.serial_number == serial:
        return Blocker("SAME_DEVICE", f"Line {service.service_number} is on this device already.")
    holder = service.account_holder if service else None
    others = DeviceAsset.objects.filter(tenant=tenant, serial_number=serial)
    if service is not None:
        others = others.exclude(service=service)
    if others.filter(Q(service__isnull=False) | ~Q(holder=holder)).exists():
        return Blocker("DEVICE_IN_USE", f"Device {serial} is in use elsewhere in the company.")
    return None


# --- A line ported to another carrier (PORT_NUMBER) ----------------------------------------------


def port_carrier_blocker(service: ServiceAsset, plan: Plan) -> Blocker | None:
    """A port moves the line, number kept, to the plan's carrier: that must be another one than
    the line's (a new plan of its own carrier is an upgrade or a feature change)."""
    if plan.vendor_id == service.vendor_id:
        return Blocker(
            "SAME_CARRIER",
            f"Line {service.service_number} is with {service.vendor.name} already: a port "
            f"moves it to another carrier's plan.",
        )
    return None


# --- A number brought over from another carrier (XFER_SERVICE_IN_AND_PORT) -----------------------

PHONE_SEPARATORS = re.compile(r"[\s().+-]")


def port_number(value: str) -> tuple[str, Blocker | None]:
    """The digits of a number to bring over, as lines are kept (no country code 1), or why it
    is not a phone number."""
    number = PHONE_SEPARATORS.sub("", value)
    if not (number.isascii() and number.isdigit() and 7 <= len(number) <= 15):
        return number, Blocker(
            "INVALID_FORMAT", f'"{value}" is not a phone number: give its 7 to 15 digits.'
        )
    if len(number) == 11 and number.startswith("1"):
        number = number[1:]  # +1 203 555 0100: lines are kept without the country code
    return number, None


def live_number_blocker(tenant: Tenant, number: str) -> Blocker | None:
    """The number is a live line of the tenant already (written with or without a country
    code): there is nothing to transfer in."""
    same_number = Q(service_number__in=[number[-n:] for n in range(7, len(number) + 1)]) | Q(
        service_number__endswith=number
    )
    live = ServiceAsset.objects.filter(same_number, tenant=tenant).exclude(
        status__in=ServiceAsset.GONE
    )
    if live.exists():
        return Blocker(
            "NUMBER_ALREADY_ACTIVE",
            f"{number} is already an active line of {tenant.name}: "
            "there is nothing to transfer in.",
        )
    return None


# --- An employee's own line transferred in (XFER_SERVICE_IN, XFER_SERVICE_IN_AND_PORT) -----------


def transfer_carrier_blocker(
    transaction_type: str, current_carrier: Vendor, plan: Plan
) -> Blocker | None:
    """A transfer in keeps the line with its carrier, whose plan the company must offer; a
    transfer with a port moves it to the plan's carrier, another one."""
    same = plan.vendor_id == current_carrier.pk
    if transaction_type == TransactionType.XFER_SERVICE_IN and not same:
        return Blocker(
            "NOT_COMPATIBLE",
            f"{plan} is a {plan.vendor.name} plan, not one of {current_carrier.name}: a line "
            f"moving to another carrier is transferred in with a port (XFER_SERVICE_IN_AND_PORT).",
        )
    if transaction_type == TransactionType.XFER_SERVICE_IN_AND_PORT and same:
        return Blocker(
            "NOT_COMPATIBLE",
            f"The line is with {current_carrier.name} already: it is transferred in without a "
            f"port (XFER_SERVICE_IN).",
        )
    return None
