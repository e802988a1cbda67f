"""The MobProc order request: its shape and its rules, checked in one pass for pages and API.

`parse_order_request` reports every problem at once (RequestInvalid), each with the dotted path
MobProc clients expect (`orderRequest.shipTo.address.CITY`); on success it returns the request
with every id resolved to a row of the caller's tenant. What a line allows now (its status, its
device, its upgrade period, open orders in the way) is orders.rules', in the words the pages use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from catalog import addresses
from catalog import selectors as catalog_selectors
from catalog.models import (
    Accessory,
    Device,
    DeviceAsset,
    Feature,
    Manufacturer,
    Plan,
    Region,
    ServiceAsset,
    TransactionType,
)
from orders import properties as order_properties
from orders import rules
from orders.models import OrderItem
from portal.api.errors import flatten_errors
from portal.exceptions import FieldProblem, RequestInvalid
from portal.ids import is_id
from portal.models import Employee, Tenant


@dataclass
class OrderRequest:
    """A valid order request, ids resolved."""

    transaction_type: str
    external_order_number: str | None
    properties: list[dict]
    service: ServiceAsset | None = None
    accessories: list[Accessory] = field(default_factory=list)
    ship_to: dict | None = None  # {name, region, address (labelled), expedite}
    # Procurement of a line (NEW_ACTIVATION, UPGRADE, PORT_NUMBER): the device and the plan
    # with its optional features. An upgrade without a plan keeps the line's plan.
    device: Device | None = None
    plan: Plan | None = None
    # None (an upgrade only): the line keeps its features.
    features: list[Feature] | None = None
    # UPDATE_FEATURES: [(feature, ADD or REMOVE)]
    feature_changes: list[tuple[Feature, str]] = field(default_factory=list)
    region: Region | None = None  # where a new line is registered (with `postal_code`)
    port_number: str = ""  # PORT_NUMBER: the number brought in, digits only
    # The rest, stored on the order as its `details`: existingDevice, newDevice (both
    # resolved to ids and names), featureRequestComment, postalCode.
    details: dict = field(default_factory=dict)

    @property
    def is_care(self) -> bool:
        return TransactionType(self.transaction_type).is_care


def _detail(problems: list[FieldProblem]) -> dict:
    return {p.field: [ErrorDetail(p.message, code=p.code)] for p in problems}


@extend_schema_field({"type": "string", "pattern": "^[0-9]+$"})
class IdField(serializers.Field):
    """A MobProc id (string or number) resolved to a row of `queryset` (from the context)."""

    default_error_messages = {
        "invalid": "Must be an id.",
        "does_not_exist": "{name} {value} does not exist.",
    }

    def __init__(self, *, name: str, lookup, **kwargs) -> None:
        self.name, self.lookup = name, lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int) or not is_id(str(data)):
            self.fail("invalid")
        # Cross-field rules `peek` at a field again: resolve each id once per request.
        resolved = self.root.__dict__.setdefault("_resolved_ids", {})
        key = (self.field_name, self.name, int(data))
        if key not in resolved:
            resolved[key] = self.lookup(self.context).filter(pk=int(data)).first()
        obj = resolved[key]
        if obj is None:
            self.fail("does_not_exist", name=self.name, value=data)
        return obj

    def to_representation(self, value):
        return str(value.pk)


class IdListField(serializers.ListField):
    """A list of MobProc ids resolved with one query (an IdField per item would run one each);
    problems are reported per index, as a ListField reports them."""

    def __init__(self, *, name: str, lookup, **kwargs) -> None:
        self.name, self.lookup = name, lookup
        super().__init__(child=serializers.JSONField(), **kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)  # a list, of the allowed length
        wanted = {
            index: int(value)
            for index, value in enumerate(values)
            if not isinstance(value, bool) and isinstance(value, str | int) and is_id(str(value))
        }
        found = self.lookup(self.context).in_bulk(set(wanted.values()))
        errors = {}
        for index, value in enumerate(values):
            if index not in wanted:
                errors[index] = [ErrorDetail("Must be an id.", code="invalid")]
            elif wanted[index] not in found:
                errors[index] = [
                    ErrorDetail(f"{self.name} {value} does not exist.", code="does_not_exist")
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return [found[wanted[index]] for index in range(len(values))]

    def to_representation(self, value):
        return [str(item.pk) for item in value]


def _accessories(ctx):
    return Accessory.objects.select_related("vendor", "manufacturer")


class AddressLineSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=30)
    value = serializers.CharField(max_length=200, allow_blank=True)


class ShipToSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    regionId = IdField(name="Region", lookup=lambda ctx: Region.objects.filter(parent=None))
    address = AddressLineSerializer(many=True)
    expedite = serializers.BooleanField(default=False)

    def validate(self, data: dict) -> dict:
        region = data["regionId"]
        problems = addresses.address_problems(region, data["address"])
        if problems:
            raise serializers.ValidationError({"address": _detail(problems)})
        return {
            "name": data["name"],
            "region": region,
            "address": addresses.labelled_address(region, data["address"]),
            "expedite": data["expedite"],
        }


class PropertyAnswerSerializer(serializers.Serializer):
    """Shape only; values are checked against the tenant's configuration."""

    id = serializers.CharField(max_length=50)
    type = serializers.ChoiceField(choices=["TEXT", "DATE", "CHOICE", "BOOLEAN"], required=False)
    text = serializers.JSONField(required=False)
    date = serializers.JSONField(required=False)
    choice = serializers.JSONField(required=False)
    boolean = serializers.JSONField(required=False)


class PropertyGroupSerializer(serializers.Serializer):
    groupId = serializers.CharField(max_length=50)
    fields = PropertyAnswerSerializer(many=True)


class OrderRequestSerializer(serializers.Serializer):
    """Fields every transaction type has. Context: tenant, actor."""

    externalOrderNumber = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True
    )
    transactionType = serializers.ChoiceField(choices=TransactionType.choices)
    properties = PropertyGroupSerializer(many=True, default=list)

    def validate_properties(self, groups: list[dict]) -> list[dict]:
        transaction_type = self.initial_data.get("transactionType")
        if transaction_type not in TransactionType.values:
            return []  # reported on transactionType
        resolved, problems = order_properties.check_properties(
            self.context["tenant"], transaction_type, groups
        )
        if problems:
            raise serializers.ValidationError(_detail(problems))
        return resolved

    def extra(self, data: dict) -> dict:
        """The type's own parts of the OrderRequest, from its validated data."""
        return {}

    def peek(self, name: str):
        """Another field's value if valid, else None: cross-field rules still run (and report)
        when an unrelated field is wrong."""
        try:
            return self.fields[name].run_validation(self.initial_data.get(name, serializers.empty))
        except (serializers.ValidationError, serializers.SkipField):
            return None


def _error(message: str, code: str) -> list[ErrorDetail]:
    return [ErrorDetail(message, code=code)]


def _offered_ids(queryset, tenant: Tenant, items) -> set[int]:
    return set(
        queryset.offered_to(tenant)
        .filter(pk__in=[item.pk for item in items])
        .values_list("pk", flat=True)
    )


def external_order_number(payload) -> str | None:
    """The externalOrderNumber an `orderRequest` object names, if it names one (unchecked)."""
    number = payload.get("externalOrderNumber") if isinstance(payload, dict) else None
    return number.strip() or None if isinstance(number, str) else None


def _refuse(blocker: rules.Blocker | None) -> None:
    """A rule of orders.rules refusing the order is a problem of the field being validated,
    in the rule's words and with its code."""
    if blocker is not None:
        raise serializers.ValidationError(blocker.message, code=blocker.code)


def _refuse_conflict(serializer: OrderRequestSerializer, **target) -> None:
    """An open order on the same line (or number) that this one would conflict with is a
    problem of the field naming the line."""
    _refuse(
        rules.conflict_blocker(
            tenant=serializer.context["tenant"],
            transaction_type=serializer.transaction_type,
            # The same order resubmitted is not its own rival (submit returns it).
            exclude_external_number=external_order_number(serializer.initial_data),
            **target,
        )
    )


class NoShipToMixin(serializers.Serializer):
    """Care orders change a line; nothing is shipped, so a ship-to is a mistake worth saying."""

    shipTo = serializers.JSONField(required=False, allow_null=True)

    def validate_shipTo(self, value):
        if value is not None:
            kind = TransactionType(self.transaction_type).label.lower()
            raise serializers.ValidationError(
                f"Nothing is shipped for a {kind} order: leave shipTo out.", code="NOT_APPLICABLE"
            )
        return None


class ServiceOrderRequestSerializer(OrderRequestSerializer):
    """An order about one of the actor's lines (a tenant admin may order for any line): the
    line's status must allow the type, and no open order on it may conflict with this one."""

    transaction_type: TransactionType

    serviceId = IdField(
        name="Service",
        lookup=lambda ctx: catalog_selectors.services_visible_to(ctx["actor"]),
    )

    def validate_serviceId(self, service: ServiceAsset) -> ServiceAsset:
        _refuse(rules.status_blocker(service, self.transaction_type))
        _refuse_conflict(self, service=service)
        return service

    def extra(self, data: dict) -> dict:
        return {"service": data["serviceId"]}


class AccessoryCartSerializer(serializers.Serializer):
    accessoryIds = IdListField(
        name="Accessory", lookup=_accessories, allow_empty=False, max_length=50
    )


def _accessory_errors(
    tenant: Tenant, accessories: list[Accessory], device: Device | None, *, check_fit: bool
) -> dict:
    """{index: [error]} for accessories not offered, or (check_fit) not fitting `device`, a
    catalog model (None: a make the catalog does not have, which no accessory is known to fit)."""
    offered = _offered_ids(Accessory.objects, tenant, accessories)
    fitting = set(device.accessories.values_list("pk", flat=True)) if device else set()
    errors = {}
    for index, accessory in enumerate(accessories):
        if accessory.pk not in offered:
            errors[index] = _error(f"Accessory {accessory.pk} is not offered.", "NOT_AVAILABLE")
        elif check_fit and accessory.pk not in fitting:
            errors[index] = _error(
                f"{accessory.name} does not fit the {device or 'device'}.", "NOT_COMPATIBLE"
            )
    return errors


class AccessoryOrderRequestSerializer(ServiceOrderRequestSerializer):
    """ORDER_ACCESSORIES (seed 002): accessories for the device of one of the actor's lines."""

    transaction_type = TransactionType.ORDER_ACCESSORIES

    shoppingCart = AccessoryCartSerializer()
    shipTo = ShipToSerializer()

    def validate_shoppingCart(self, cart: dict) -> dict:
        service = self.peek("serviceId")
        device = getattr(service, "device", None) if service else None
        if service is not None and device is None:
            # The rule's words; the code and the field as MobProc clients know them.
            blocker = rules.device_blocker(service, self.transaction_type)
            raise serializers.ValidationError(
                {"accessoryIds": _error(blocker.message, "NOT_COMPATIBLE")}
            )
        errors = _accessory_errors(
            self.context["tenant"],
            cart["accessoryIds"],
            device.device if device else None,
            check_fit=service is not None,
        )
        if errors:
            raise serializers.ValidationError({"accessoryIds": errors})
        return cart

    def extra(self, data: dict) -> dict:
        return {
            **super().extra(data),
            "accessories": list(data["shoppingCart"]["accessoryIds"]),
            "ship_to": data["shipTo"],
        }


class StatusChangeRequestSerializer(NoShipToMixin, ServiceOrderRequestSerializer):
    """SUSPEND, UNSUSPEND, DEACTIVATE: the line alone; its status decides which are allowed."""


class SuspendRequestSerializer(StatusChangeRequestSerializer):
    transaction_type = TransactionType.SUSPEND


class UnsuspendRequestSerializer(StatusChangeRequestSerializer):
    transaction_type = TransactionType.UNSUSPEND


class DeactivateRequestSerializer(StatusChangeRequestSerializer):
    transaction_type = TransactionType.DEACTIVATE


# --- Devices described in a request (existingDevice, newDevice) ---------------------------------


class SerialNumberSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=DeviceAsset.SerialNumberType.choices,
        error_messages={
            "invalid_choice": '"{input}" is not a serial number type: use one of '
            + ", ".join(DeviceAsset.SerialNumberType.values)
            + "."
        },
    )
    value = serializers.RegexField(
        r"^[0-9A-Za-z-]{4,40}$",
        error_messages={"invalid": "A serial number is 4 to 40 letters, digits or dashes."},
    )


class DeviceDescriptionSerializer(serializers.Serializer):
    """A physical device: its make and model (catalog ids) and its serial number."""

    manufacturerId = serializers.PrimaryKeyRelatedField(
        queryset=Manufacturer.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "Manufacturer {pk_value} does not exist."},
    )
    modelId = IdField(
        name="Device model",
        lookup=lambda ctx: Device.objects.select_related("manufacturer"),
        required=False,
        allow_null=True,
    )
    serialNumber = SerialNumberSerializer()
    simId = serializers.RegexField(
        r"^[0-9A-Za-z]{0,40}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "A SIM id is up to 40 letters and digits."},
    )

    def validate(self, data: dict) -> dict:
        maker, model = data.get("manufacturerId"), data.get("modelId")
        if maker is not None and model is not None and model.manufacturer_id != maker.pk:
            raise serializers.ValidationError(
                {"modelId": _error(f"The {model} is not made by {maker.name}.", "NOT_COMPATIBLE")}
            )
        return data


class NewDeviceSerializer(DeviceDescriptionSerializer):
    otherMakeModelName = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def validate(self, data: dict) -> dict:
        data = super().validate(data)
        if data.get("modelId") is None and not data.get("otherMakeModelName", "").strip():
            raise serializers.ValidationError(
                {
                    "modelId": _error(
                        "Name the new device: a catalog modelId, or otherMakeModelName for a "
                        "model the catalog does not have.",
                        "REQUIRED",
                    )
                }
            )
        return data


def device_details(data: dict) -> dict:
    """A described device as the order stores it (ids as strings, names for display)."""
    maker, model = data.get("manufacturerId"), data.get("modelId")
    maker = maker or (model.manufacturer if model else None)
    other = (data.get("otherMakeModelName") or "").strip()
    return {
        "manufacturerId": maker.pk if maker else None,
        "manufacturerName": maker.name if maker else "",
        "modelId": str(model.pk) if model else None,
        "model": model.model if model else other,
        "otherMakeModelName": other,
        "serialNumber": dict(data["serialNumber"]),
        "simId": data.get("simId", ""),
    }


class ExistingDeviceMixin(serializers.Serializer):
    """`existingDevice` must be the device the line has now (UPGRADE, SWAP_DEVICES)."""

    existingDevice = DeviceDescriptionSerializer()

    def validate_existingDevice(self, described: dict) -> dict:
        service = self.peek("serviceId")
        if service is None:
            return described
        device = getattr(service, "device", None)
        serial = described["serialNumber"]
        if device is None:
            blocker = rules.device_blocker(service, self.transaction_type)
            raise serializers.ValidationError(blocker.message, code="DEVICE_MISMATCH")
        errors = {}
        if (serial["type"], serial["value"]) != (device.serial_number_type, device.serial_number):
            errors["serialNumber"] = _error(
                f"Line {service.service_number} is on {device.serial_number_type} "
                f"{device.serial_number}, not {serial['type']} {serial['value']}.",
                "DEVICE_MISMATCH",
            )
        model = described.get("modelId")
        if model is not None and model.pk != device.device_id:
            errors["modelId"] = _error(
                f"Line {service.service_number} is on a {device.make_model}, not a {model}.",
                "DEVICE_MISMATCH",
            )
        if errors:
            raise serializers.ValidationError(errors)
        return described


# --- Procurement of a line: NEW_ACTIVATION, UPGRADE, PORT_NUMBER --------------------------------


class LineCartSerializer(serializers.Serializer):
    """A device with a plan and the plan's optional features."""

    deviceId = IdField(
        name="Device", lookup=lambda ctx: Device.objects.select_related("manufacturer", "vendor")
    )
    planId = IdField(name="Plan", lookup=lambda ctx: Plan.objects.select_related("vendor"))
    optionalFeatureIds = IdListField(
        name="Feature",
        lookup=lambda ctx: Feature.objects.select_related("plan__vendor"),
        required=False,
        max_length=20,
    )


class NewLineCartSerializer(LineCartSerializer):
    accessoryIds = IdListField(name="Accessory", lookup=_accessories, default=list, max_length=50)


class UpgradeCartSerializer(LineCartSerializer):
    # Without a plan the line keeps its own.
    planId = IdField(
        name="Plan",
        lookup=lambda ctx: Plan.objects.select_related("vendor"),
        required=False,
        allow_null=True,
    )


def line_cart_errors(
    tenant: Tenant, cart: dict, *, carrier=None, current_plan: Plan | None = None
) -> dict:
    """Problems of a device-plan-features cart: everything offered to the tenant, the plan
    from the device's carrier (`carrier` when the line has one already), the features of that
    plan, no feature twice."""
    errors: dict = {}
    device, plan = cart["deviceId"], cart.get("planId")
    carrier = carrier or device.vendor
    if device.pk not in _offered_ids(Device.objects, tenant, [device]):
        errors["deviceId"] = _error(f"Device {device.pk} is not offered.", "NOT_AVAILABLE")
    elif carrier is not None and device.vendor_id not in (None, carrier.pk):
        errors["deviceId"] = _error(
            f"The {device} is sold by {device.vendor}, not by the line's carrier {carrier}.",
            "NOT_COMPATIBLE",
        )
    if plan is not None:
        if plan.pk not in _offered_ids(Plan.objects, tenant, [plan]):
            errors["planId"] = _error(f"Plan {plan.pk} is not offered.", "NOT_AVAILABLE")
        elif carrier is not None and plan.vendor_id != carrier.pk:
            whose = "the line's carrier" if current_plan is not None else "the device's carrier"
            errors["planId"] = _error(
                f"{plan.name} is a {plan.vendor} plan; it must be one of {carrier} ({whose}).",
                "NOT_COMPATIBLE",
            )
    features = cart.get("optionalFeatureIds") or []
    plan = plan or current_plan
    offered = _offered_ids(Feature.objects, tenant, features)
    feature_errors, seen = {}, set()
    for index, feature in enumerate(features):
        if feature.pk in seen:
            feature_errors[index] = _error(f"Feature {feature.pk} is listed twice.", "DUPLICATE")
        elif feature.pk not in offered:
            feature_errors[index] = _error(f"Feature {feature.pk} is not offered.", "NOT_AVAILABLE")
        elif plan is None or feature.plan_id != plan.pk:
            feature_errors[index] = _error(
                f"{feature.name} is a feature of {feature.plan.name}, not of "
                f"{plan.name if plan else 'the line (it has no plan)'}.",
                "NOT_COMPATIBLE",
            )
        seen.add(feature.pk)
    if feature_errors:
        errors["optionalFeatureIds"] = feature_errors
    return errors


def _line_cart_extra(cart: dict) -> dict:
    return {
        "device": cart["deviceId"],
        "plan": cart.get("planId"),
        "features": list(cart.get("optionalFeatureIds") or []),
    }


class NewLineRegionMixin(serializers.Serializer):
    """Where a new line is registered: its region and postal code (the carrier picks the area
    code from them)."""

    regionId = IdField(name="Region", lookup=lambda ctx: Region.objects.select_related("parent"))
    postalCode = serializers.CharField(max_length=20)

    def validate_postalCode(self, value: str) -> str:
        region = self.peek("regionId")
        problem = addresses.postal_code_problem(region, value) if region else None
        if problem:
            raise serializers.ValidationError(problem.message, code=problem.code)
        return value.strip()


class NewActivationRequestSerializer(NewLineRegionMixin, OrderRequestSerializer):
    """NEW_ACTIVATION: a new line with a device, a plan, features and accessories."""

    transaction_type = TransactionType.NEW_ACTIVATION

    shoppingCart = NewLineCartSerializer()
    shipTo = ShipToSerializer()

    def validate_shoppingCart(self, cart: dict) -> dict:
        tenant = self.context["tenant"]
        errors = line_cart_errors(tenant, cart)
        accessory_errors = _accessory_errors(
            tenant, cart["accessoryIds"], cart["deviceId"], check_fit=True
        )
        if accessory_errors:
            errors["accessoryIds"] = accessory_errors
        if errors:
            raise serializers.ValidationError(errors)
        return cart

    def extra(self, data: dict) -> dict:
        cart = data["shoppingCart"]
        return {
            **_line_cart_extra(cart),
            "accessories": list(cart["accessoryIds"]),
            "region": data["regionId"],
            "ship_to": data["shipTo"],
            "details": {"postalCode": data["postalCode"]},
        }


PHONE_SEPARATORS = re.compile(r"[\s().+-]")


class PortNumberRequestSerializer(NewLineRegionMixin, OrderRequestSerializer):
    """PORT_NUMBER: bring a number from another carrier, on a new device and plan. The losing
    carrier's account details are order properties (configured per tenant)."""

    transaction_type = TransactionType.PORT_NUMBER

    serviceId = serializers.CharField(max_length=30)
    shoppingCart = LineCartSerializer()
    shipTo = ShipToSerializer()

    def validate_serviceId(self, value: str) -> str:
        number = PHONE_SEPARATORS.sub("", value)
        if not (number.isascii() and number.isdigit() and 7 <= len(number) <= 15):
            raise serializers.ValidationError(
                f'"{value}" is not a phone number: give its 7 to 15 digits.',
                code="INVALID_FORMAT",
            )
        if len(number) == 11 and number.startswith("1"):
            number = number[1:]  # +1 203 555 0100: lines are kept without the country code
        tenant = self.context["tenant"]
        # The same number written with a country code (or a line kept with one) is the same line.
        same_number = Q(service_number__in=[number[-n:] for n in range(7, len(number) + 1)]) | Q(
            service_number__endswith=number
        )
        live = ServiceAsset.objects.filter(same_number, tenant=tenant).exclude(
            status=ServiceAsset.Status.DEACTIVATED
        )
        if live.exists():
            raise serializers.ValidationError(
                f"{number} is already an active line of {tenant.name}: there is nothing to port.",
                code="NUMBER_ALREADY_ACTIVE",
            )
        _refuse_conflict(self, port_number=number)
        return number

    def validate_shoppingCart(self, cart: dict) -> dict:
        errors = line_cart_errors(self.context["tenant"], cart)
        if errors:
            raise serializers.ValidationError(errors)
        return cart

    def extra(self, data: dict) -> dict:
        return {
            **_line_cart_extra(data["shoppingCart"]),
            "port_number": data["serviceId"],
            "region": data["regionId"],
            "ship_to": data["shipTo"],
            "details": {"postalCode": data["postalCode"]},
        }


class UpgradeRequestSerializer(ExistingDeviceMixin, ServiceOrderRequestSerializer):
    """UPGRADE: a new device (and maybe plan) for an active line whose upgrade period is over."""

    transaction_type = TransactionType.UPGRADE

    shoppingCart = UpgradeCartSerializer()
    shipTo = ShipToSerializer()

    def validate_serviceId(self, service: ServiceAsset) -> ServiceAsset:
        service = super().validate_serviceId(service)
        _refuse(rules.upgrade_period_blocker(service))
        return service

    def validate_shoppingCart(self, cart: dict) -> dict:
        service = self.peek("serviceId")
        if service is None:
            return cart
        errors = line_cart_errors(
            self.context["tenant"], cart, carrier=service.vendor, current_plan=service.plan
        )
        if errors:
            raise serializers.ValidationError(errors)
        return cart

    def extra(self, data: dict) -> dict:
        cart = data["shoppingCart"]
        return {
            **super().extra(data),
            **_line_cart_extra(cart),
            # None: keep the line's features; a list: the features the line has afterwards.
            "features": cart.get("optionalFeatureIds"),
            "ship_to": data["shipTo"],
            "details": {"existingDevice": device_details(data["existingDevice"])},
        }


# --- Care of a line: UPDATE_FEATURES, SWAP_DEVICES ---------------------------------------------


class FeatureChangeSerializer(serializers.Serializer):
    id = IdField(name="Feature", lookup=lambda ctx: Feature.objects.select_related("plan"))
    action = serializers.ChoiceField(choices=OrderItem.Action.choices)


class FeatureCartSerializer(serializers.Serializer):
    features = FeatureChangeSerializer(many=True, allow_empty=False, max_length=20)
    featureRequestComment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class UpdateFeaturesRequestSerializer(NoShipToMixin, ServiceOrderRequestSerializer):
    """UPDATE_FEATURES: add or remove optional features of the line's plan."""

    transaction_type = TransactionType.UPDATE_FEATURES

    shoppingCart = FeatureCartSerializer()

    def validate_shoppingCart(self, cart: dict) -> dict:
        service = self.peek("serviceId")
        if service is None:
            return cart
        changes = cart["features"]
        on = {feature.pk for feature in service.features.all()}
        offered = _offered_ids(Feature.objects, self.context["tenant"], [c["id"] for c in changes])
        errors, seen = {}, set()
        for index, change in enumerate(changes):
            feature, action = change["id"], change["action"]
            if feature.pk in seen:
                problem = _error(f"Feature {feature.pk} is listed twice.", "DUPLICATE")
            elif feature.plan_id != service.plan_id:
                plan = service.plan.name if service.plan else "no plan"
                problem = _error(
                    f"{feature.name} is not a feature of line {service.service_number}'s plan "
                    f"({plan}).",
                    "NOT_COMPATIBLE",
                )
            elif action == OrderItem.Action.ADD and feature.pk in on:
                problem = _error(f"{feature.name} is on the line already.", "ALREADY_ON")
            elif action == OrderItem.Action.ADD and feature.pk not in offered:
                problem = _error(f"{feature.name} is not offered.", "NOT_AVAILABLE")
            elif action == OrderItem.Action.REMOVE and feature.pk not in on:
                problem = _error(f"{feature.name} is not on the line.", "NOT_ON")
            else:
                problem = None
            seen.add(feature.pk)
            if problem:
                errors[index] = {"id": problem}
        if errors:
            raise serializers.ValidationError({"features": errors})
        return cart

    def extra(self, data: dict) -> dict:
        cart = data["shoppingCart"]
        comment = cart.get("featureRequestComment", "").strip()
        return {
            **super().extra(data),
            "feature_changes": [(c["id"], c["action"]) for c in cart["features"]],
            "details": {"featureRequestComment": comment} if comment else {},
        }


class SwapDevicesRequestSerializer(
    NoShipToMixin, ExistingDeviceMixin, ServiceOrderRequestSerializer
):
    """SWAP_DEVICES: move an active line to another device the employee has (a catalog model
    or any other make)."""

    transaction_type = TransactionType.SWAP_DEVICES

    newDevice = NewDeviceSerializer()

    def validate_newDevice(self, described: dict) -> dict:
        service = self.peek("serviceId")
        serial = described["serialNumber"]["value"]
        device = getattr(service, "device", None) if service else None
        if device is not None and device.serial_number == serial:
            raise serializers.ValidationError(
                {"serialNumber": {"value": _error(
                    f"Line {service.service_number} is on this device already.", "SAME_DEVICE"
                )}}
            )  # fmt: skip
        holder = service.account_holder if service else None
        others = DeviceAsset.objects.filter(tenant=self.context["tenant"], serial_number=serial)
        if service is not None:
            others = others.exclude(service=service)
        # On another live line, or held by someone else: not a device this line may move to
        # (which line or whom is not said: the requester may not see them).
        if others.filter(Q(service__isnull=False) | ~Q(holder=holder)).exists():
            raise serializers.ValidationError(
                {"serialNumber": {"value": _error(
                    f"Device {serial} is in use elsewhere in the company.", "DEVICE_IN_USE"
                )}}
            )  # fmt: skip
        return described

    def extra(self, data: dict) -> dict:
        return {
            **super().extra(data),
            "details": {
                "existingDevice": device_details(data["existingDevice"]),
                "newDevice": device_details(data["newDevice"]),
            },
        }


REQUEST_SERIALIZERS: dict[str, type[OrderRequestSerializer]] = {
    serializer.transaction_type: serializer
    for serializer in (
        NewActivationRequestSerializer,
        UpgradeRequestSerializer,
        AccessoryOrderRequestSerializer,
        PortNumberRequestSerializer,
        SuspendRequestSerializer,
        UnsuspendRequestSerializer,
        DeactivateRequestSerializer,
        UpdateFeaturesRequestSerializer,
        SwapDevicesRequestSerializer,
    )
}


def parse_order_request(body, *, tenant: Tenant, actor: Employee) -> OrderRequest:
    """Validate a `{"orderRequest": {...}}` body; raises RequestInvalid with every problem."""
    payload = body.get("orderRequest") if isinstance(body, dict) else None
    if not isinstance(payload, dict):
        raise RequestInvalid(
            [FieldProblem("orderRequest", "REQUIRED", "The body must hold an orderRequest object.")]
        )
    transaction_type = payload.get("transactionType")
    # Not a string (a list, an object): unhashable, and reported by the base serializer.
    serializer_class = (
        REQUEST_SERIALIZERS.get(transaction_type, OrderRequestSerializer)
        if isinstance(transaction_type, str)
        else OrderRequestSerializer
    )
    serializer = serializer_class(data=payload, context={"tenant": tenant, "actor": actor})
    if not serializer.is_valid():
        raise RequestInvalid(list(flatten_errors({"orderRequest": serializer.errors})))
    data = serializer.validated_data
    return OrderRequest(
        transaction_type=data["transactionType"],
        external_order_number=(data.get("externalOrderNumber") or "").strip() or None,
        properties=data["properties"],
        **serializer.extra(data),
    )
