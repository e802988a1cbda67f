"""Devices a request describes (existingDevice, newDevice): a catalog model or any other make,
and its serial number."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import (
    Device,
    DeviceAsset,
    Manufacturer,
)
from orders import contents, rules
from orders.requests.common import IdField, _error, _errors


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
        blocker = contents.maker_blocker(data.get("manufacturerId"), data.get("modelId"))
        if blocker is not None:
            raise serializers.ValidationError({"modelId": _error(blocker.message, blocker.code)})
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
        if getattr(service, "device", None) is None:
            blocker = rules.device_blocker(service, self.transaction_type)
            raise serializers.ValidationError(blocker.message, code="DEVICE_MISMATCH")
        serial = described["serialNumber"]
        blockers = contents.existing_device_blockers(
            service,
            serial_type=serial["type"],
            serial=serial["value"],
            model=described.get("modelId"),
        )
        if blockers:
            raise serializers.ValidationError(
                _errors(blockers, {"serial": "serialNumber", "model": "modelId"})
            )
        return described
