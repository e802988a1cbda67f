"""Transfers of ownership (release 1.3.6): XFER_SERVICE_OUT (a company line becomes the
employee's own), XFER_SERVICE_IN (the employee's own line becomes a company line on the same
carrier) and XFER_SERVICE_IN_AND_PORT (the same, ported to another carrier on a new device).

As the tutorials have it, the personal side of a transfer is told in order properties the
tenant configures per type (PERSONAL_EMAIL, CARRIER_ACCT_NUMBER, PIN_PASSWORD ...); the number
transferred in is its SERVICE_NUMBER answer."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from catalog.models import Device, Feature, Plan, TransactionType, Vendor
from orders import acknowledgements as order_acknowledgements
from orders import contents, rules
from orders import properties as order_properties
from orders.requests.common import (
    IdField,
    IdListField,
    NoShipToMixin,
    OrderRequestSerializer,
    ServiceOrderRequestSerializer,
    ShipToSerializer,
    _accessories,
    _error,
    _errors,
    external_order_number,
)
from orders.requests.procurement import NewLineRegionMixin, line_cart_errors

# The property whose answer is the number transferred in (tutorials/orders/xfer_service_in).
SERVICE_NUMBER = "SERVICE_NUMBER"


class AcknowledgementSerializer(serializers.Serializer):
    """What the carrier asks the employee to accept (`/acknowledgements`), as accepted."""

    id = serializers.CharField(max_length=50)
    type = serializers.ChoiceField(choices=["BOOLEAN"], required=False)
    boolean = serializers.BooleanField()


class AcknowledgementsMixin(serializers.Serializer):
    """Each required acknowledgement of the fulfilling vendor (`acknowledging_vendor`) must be
    given, true (orders.acknowledgements): refused at `acknowledgements.<id>`."""

    acknowledgements = AcknowledgementSerializer(many=True, default=list, max_length=20)

    def acknowledging_vendor(self) -> Vendor | None:
        raise NotImplementedError

    def validate_acknowledgements(self, given: list[dict]) -> list[dict]:
        seen, errors = set(), {}
        for index, answer in enumerate(given):
            if answer["id"] in seen:
                errors[index] = {"id": _error("Acknowledged more than once.", "DUPLICATE")}
            seen.add(answer["id"])
        if errors:
            raise serializers.ValidationError(errors)
        vendor = self.acknowledging_vendor()  # None: its own field says what is wrong
        if vendor is not None:
            missing = order_acknowledgements.acknowledgement_blockers(
                self.context["tenant"], vendor, self.transaction_type, given
            )
            if missing:
                raise serializers.ValidationError(
                    {ack_id: _error(b.message, b.code) for ack_id, b in missing.items()}
                )
        return [{"boolean": a["boolean"], "id": a["id"], "type": "BOOLEAN"} for a in given]


def _vendor_summary(vendor: Vendor) -> dict:
    """The carrier a line comes from, kept on the order as the confirmation names it."""
    return {"id": str(vendor.pk), "logoUrl": vendor.logo_url, "name": vendor.name}


class TransferOutRequestSerializer(
    NoShipToMixin, AcknowledgementsMixin, ServiceOrderRequestSerializer
):
    """XFER_SERVICE_OUT: an active line of the company moves to its holder's own account (the
    personal account's details are the tenant's properties for the type)."""

    transaction_type = TransactionType.XFER_SERVICE_OUT

    def acknowledging_vendor(self) -> Vendor | None:
        """The line's carrier."""
        service = self.peek("serviceId")
        return service.vendor if service is not None else None

    def extra(self, data: dict) -> dict:
        return {**super().extra(data), "details": {"acknowledgements": data["acknowledgements"]}}


class TransferCartSerializer(serializers.Serializer):
    """The company plan the line moves to, and a device and accessories if wanted (a line
    transferred on the same carrier may stay on the employee's phone)."""

    deviceId = IdField(
        name="Device",
        lookup=lambda ctx: Device.objects.select_related("manufacturer", "vendor"),
        required=False,
        allow_null=True,
    )
    planId = IdField(name="Plan", lookup=lambda ctx: Plan.objects.select_related("vendor"))
    optionalFeatureIds = IdListField(
        name="Feature",
        lookup=lambda ctx: Feature.objects.select_related("plan__vendor"),
        default=list,
        max_length=20,
    )
    accessoryIds = IdListField(name="Accessory", lookup=_accessories, default=list, max_length=50)
    quantity = serializers.IntegerField(min_value=1, max_value=1, required=False)


class PortedCartSerializer(TransferCartSerializer):
    """A port to another carrier needs a device of that carrier."""

    deviceId = IdField(
        name="Device", lookup=lambda ctx: Device.objects.select_related("manufacturer", "vendor")
    )


class TransferInRequestSerializer(
    NewLineRegionMixin, AcknowledgementsMixin, OrderRequestSerializer
):
    """XFER_SERVICE_IN: the employee's own line, with `currentVendorId`, becomes a company line
    on a plan of that carrier."""

    transaction_type = TransactionType.XFER_SERVICE_IN

    # The carrier the line is with now (a vendor of another kind holds no lines).
    currentVendorId = IdField(
        name="Vendor", lookup=lambda ctx: Vendor.objects.filter(type=Vendor.Type.CARRIER)
    )
    shoppingCart = TransferCartSerializer()
    # Required when something ships (a device, accessories).
    shipTo = ShipToSerializer(required=False, allow_null=True)

    def acknowledging_vendor(self) -> Vendor | None:
        """The carrier of the company plan the line goes onto (who fulfils the order)."""
        cart = self.initial_data.get("shoppingCart")
        if not isinstance(cart, dict):
            return None
        plan = self.fields["shoppingCart"].fields["planId"]
        try:
            return plan.run_validation(cart.get("planId", serializers.empty)).vendor
        except (serializers.ValidationError, serializers.SkipField):
            return None

    def validate_properties(self, groups: list[dict]) -> list[dict]:
        resolved = super().validate_properties(groups)
        number = self._number(resolved)
        if number is None:
            raise serializers.ValidationError(
                {
                    f"{self._number_group()}.{SERVICE_NUMBER}": _error(
                        "Give the number transferred in (its SERVICE_NUMBER).", "REQUIRED"
                    )
                }
            )
        path = f"{number['group']}.{SERVICE_NUMBER}"
        value, blocker = contents.port_number(number["text"])
        tenant = self.context["tenant"]
        blocker = (
            blocker
            or contents.live_number_blocker(tenant, value)
            or rules.conflict_blocker(
                tenant=tenant,
                transaction_type=self.transaction_type,
                port_number=value,
                # The same order resubmitted is not its own rival (submit returns it).
                exclude_external_number=external_order_number(self.initial_data),
            )
        )
        if blocker is not None:
            raise serializers.ValidationError({path: _error(blocker.message, blocker.code)})
        return resolved

    @staticmethod
    def _number(groups: list[dict]) -> dict | None:
        for group in groups:
            for answer in group["fields"]:
                if answer["id"] == SERVICE_NUMBER and str(answer.get("text") or "").strip():
                    return {"group": group["groupId"], "text": str(answer["text"])}
        return None

    def _number_group(self) -> str:
        """Where the tenant asks for the number (MISCELLANEOUS, as the tutorials have it)."""
        for group in order_properties.groups_for(self.context["tenant"], self.transaction_type):
            if any(f.field_id == SERVICE_NUMBER for f in group.fields.all()):
                return group.group_id
        return "MISCELLANEOUS"

    def validate_shoppingCart(self, cart: dict) -> dict:
        tenant = self.context["tenant"]
        errors = line_cart_errors(tenant, {**cart, "deviceId": cart.get("deviceId")})
        current = self.peek("currentVendorId")
        if current is not None and "planId" not in errors:
            blocker = contents.transfer_carrier_blocker(
                self.transaction_type, current, cart["planId"]
            )
            if blocker is not None:
                errors["planId"] = _error(blocker.message, blocker.code)
        accessory_blockers = contents.accessory_blockers(
            tenant, cart["accessoryIds"], cart.get("deviceId"), check_fit=bool(cart.get("deviceId"))
        )
        if accessory_blockers:
            errors["accessoryIds"] = _errors(accessory_blockers)
        if errors:
            raise serializers.ValidationError(errors)
        return cart

    def validate(self, data: dict) -> dict:
        cart = data["shoppingCart"]
        if (cart.get("deviceId") or cart["accessoryIds"]) and not data.get("shipTo"):
            raise serializers.ValidationError(
                {
                    "shipTo": [
                        ErrorDetail("Where the device or accessories go is required.", "required")
                    ]
                }
            )
        return data

    def extra(self, data: dict) -> dict:
        cart = data["shoppingCart"]
        return {
            "device": cart.get("deviceId"),
            "plan": cart["planId"],
            "features": list(cart["optionalFeatureIds"]),
            "accessories": list(cart["accessoryIds"]),
            "port_number": contents.port_number(self._number(data["properties"])["text"])[0],
            "region": data["regionId"],
            "ship_to": data.get("shipTo"),
            "details": {
                "postalCode": data["postalCode"],
                "currentVendor": _vendor_summary(data["currentVendorId"]),
                "acknowledgements": data["acknowledgements"],
            },
        }


class TransferInAndPortRequestSerializer(TransferInRequestSerializer):
    """XFER_SERVICE_IN_AND_PORT: the employee's own line, with a carrier the company does not
    use, is ported to a company plan of another carrier, on a new device of that carrier."""

    transaction_type = TransactionType.XFER_SERVICE_IN_AND_PORT

    shoppingCart = PortedCartSerializer()
