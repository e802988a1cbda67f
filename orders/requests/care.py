"""Care of a line: UPDATE_FEATURES (features added and removed), SWAP_DEVICES (the line moves
to another device)."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import Feature, TransactionType
from orders import contents
from orders.models import OrderItem
from orders.requests.common import (
    IdField,
    NoShipToMixin,
    ServiceOrderRequestSerializer,
    _error,
    _errors,
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
        changes = [(change["id"], change["action"]) for change in cart["features"]]
        blockers = contents.feature_change_blockers(self.context["tenant"], service, changes)
        if blockers:
            # Each problem is the feature's (its `id`), as MobProc clients read it.
            raise serializers.ValidationError({"features": _errors(blockers, nest="id")})
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
        blocker = contents.new_device_blocker(
            self.context["tenant"], self.peek("serviceId"), described["serialNumber"]["value"]
        )
        if blocker is not None:
            raise serializers.ValidationError(
                {"serialNumber": {"value": _error(blocker.message, blocker.code)}}
            )
        return described

    def extra(self, data: dict) -> dict:
        return {
            **super().extra(data),
            "details": {
                "existingDevice": device_details(data["existingDevice"]),
                "newDevice": device_details(data["newDevice"]),
            },
        }
