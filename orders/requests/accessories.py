"""ORDER_ACCESSORIES: accessories for a line's device, from what the tenant offers."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import (
    Accessory,
    Device,
    TransactionType,
)
from orders import rules
from orders.requests.common import (
    IdListField,
    ServiceOrderRequestSerializer,
    ShipToSerializer,
    _accessories,
    _error,
    _offered_ids,
)
from portal.models import Tenant


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
