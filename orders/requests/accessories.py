"""ORDER_ACCESSORIES: accessories for a line's device, from what the tenant offers."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import TransactionType
from orders import contents, rules
from orders.requests.common import (
    IdListField,
    ServiceOrderRequestSerializer,
    ShipToSerializer,
    _accessories,
    _error,
    _errors,
)


class AccessoryCartSerializer(serializers.Serializer):
    accessoryIds = IdListField(
        name="Accessory", lookup=_accessories, allow_empty=False, max_length=50
    )


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
        blockers = contents.accessory_blockers(
            self.context["tenant"],
            cart["accessoryIds"],
            device.device if device else None,
            check_fit=service is not None,
        )
        if blockers:
            raise serializers.ValidationError({"accessoryIds": _errors(blockers)})
        return cart

    def extra(self, data: dict) -> dict:
        return {
            **super().extra(data),
            "accessories": list(data["shoppingCart"]["accessoryIds"]),
            "ship_to": data["shipTo"],
        }
