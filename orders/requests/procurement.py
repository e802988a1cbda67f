"""Procurement of a line: NEW_ACTIVATION, UPGRADE, PORT_NUMBER (a device, a plan and its
features, accessories; where a new line is registered)."""

from __future__ import annotations

import re

from django.db.models import Q
from rest_framework import serializers

from catalog import addresses
from catalog.models import (
    Device,
    Feature,
    Plan,
    Region,
    ServiceAsset,
    TransactionType,
)
from orders import rules
from orders.requests.accessories import _accessory_errors
from orders.requests.common import (
    IdField,
    IdListField,
    OrderRequestSerializer,
    ServiceOrderRequestSerializer,
    ShipToSerializer,
    _accessories,
    _error,
    _offered_ids,
    _refuse,
    _refuse_conflict,
)
from orders.requests.devices import ExistingDeviceMixin, device_details
from portal.models import Tenant


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
