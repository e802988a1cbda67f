"""Care of a line: UPDATE_FEATURES (features added and removed), SWAP_DEVICES (the line moves
to another device)."""

from __future__ import annotations

from django.db.models import Q
from rest_framework import serializers

from catalog.models import (
    DeviceAsset,
    Feature,
    TransactionType,
)
from orders.models import OrderItem
from orders.requests.common import (
    IdField,
    NoShipToMixin,
    ServiceOrderRequestSerializer,
    _error,
    _offered_ids,
)
from orders.requests.devices import ExistingDeviceMixin, NewDeviceSerializer, device_details


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
