"""Procurement of a line: NEW_ACTIVATION, UPGRADE, PORT_NUMBER (a device, a plan and its
features, accessories; where a new or ported line is registered)."""

from __future__ import annotations

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
from orders import contents, rules
from orders.requests.common import (
    IdField,
    IdListField,
    OrderRequestSerializer,
    ServiceOrderRequestSerializer,
    ShipToSerializer,
    _accessories,
    _errors,
    _refuse,
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


def line_cart_errors(tenant: Tenant, cart: dict, **line) -> dict:
    """The problems orders.contents finds with a device-plan-features cart, at the cart's
    fields (`line`: the carrier and plan of the line it is for, when it has them)."""
    blockers = contents.line_cart_blockers(
        tenant,
        device=cart["deviceId"],
        plan=cart.get("planId"),
        features=cart.get("optionalFeatureIds") or [],
        **line,
    )
    return _errors(
        blockers, {"device": "deviceId", "plan": "planId", "features": "optionalFeatureIds"}
    )


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
        accessory_blockers = contents.accessory_blockers(
            tenant, cart["accessoryIds"], cart["deviceId"], check_fit=True
        )
        if accessory_blockers:
            errors["accessoryIds"] = _errors(accessory_blockers)
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


class PortNumberRequestSerializer(NewLineRegionMixin, ServiceOrderRequestSerializer):
    """PORT_NUMBER (tutorials/orders/port_number): one of the tenant's lines moves to another
    carrier, keeping its number, on that carrier's device and plan; where it is registered
    then. The carrier's account details are order properties (configured per tenant). An
    outside number brought in is XFER_SERVICE_IN_AND_PORT (orders.requests.transfers)."""

    transaction_type = TransactionType.PORT_NUMBER

    shoppingCart = LineCartSerializer()
    shipTo = ShipToSerializer()

    def validate_shoppingCart(self, cart: dict) -> dict:
        # The device and plan go together as a new line's do (the plan of the device's
        # carrier), and that carrier must be another one than the line's.
        errors = line_cart_errors(self.context["tenant"], cart)
        service = self.peek("serviceId")
        if service is not None and "planId" not in errors:
            blocker = contents.port_carrier_blocker(service, cart["planId"])
            if blocker is not None:
                errors.update(_errors({"plan": blocker}, {"plan": "planId"}))
        if errors:
            raise serializers.ValidationError(errors)
        return cart

    def extra(self, data: dict) -> dict:
        return {
            **super().extra(data),
            **_line_cart_extra(data["shoppingCart"]),
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
