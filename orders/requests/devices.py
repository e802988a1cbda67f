"""Devices a request describes (existingDevice, newDevice): a catalog model or any other make,
and its serial number."""

from __future__ import annotations

from django.db.models import Q
from rest_framework import serializers

from catalog.models import (
    Device,
    DeviceAsset,
    Manufacturer,
)
from orders import contents, rules
from orders.requests.common import _error, _errors
from portal.ids import is_id


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


def _tenant_models(context: dict):
    """The catalog models a tenant's requests may name by name: those it offers, and those its
    people hold (a phone bought before the catalog changed), as /manufacturers/{id}/models
    has them."""
    tenant = context["tenant"]
    offered = Device.objects.offered_to(tenant).values("pk")
    held = DeviceAsset.objects.filter(tenant=tenant, device__isnull=False).values("device_id")
    return Device.objects.filter(Q(pk__in=offered) | Q(pk__in=held)).select_related(
        "manufacturer", "vendor"
    )


class ManufacturerField(serializers.Field):
    """A manufacturer by its catalog id or by its name, case-insensitively: the tutorials send
    "LG" and "Apple", which are our ids too, but a client may write "lg"."""

    default_error_messages = {
        "invalid": "Must be a manufacturer's id or name.",
        "does_not_exist": "Manufacturer {value} does not exist.",
    }

    def to_internal_value(self, data) -> Manufacturer:
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        value = data.strip()
        maker = (
            Manufacturer.objects.filter(pk=value).first()
            or Manufacturer.objects.filter(Q(pk__iexact=value) | Q(name__iexact=value))
            .order_by("pk")
            .first()
        )
        if maker is None:
            self.fail("does_not_exist", value=value)
        return maker

    def to_representation(self, value) -> str:
        return value.pk


class ModelName(str):
    """A model named by its name (the tutorials' "Cookie Plus"), resolved once the maker is
    known (DeviceDescriptionSerializer.validate)."""


class ModelField(serializers.Field):
    """A catalog model by its id (digits), by its name as the tutorials send it ("Cookie
    Plus"), or `Other`: a model the catalog does not have (named in otherMakeModelName)."""

    default_error_messages = {
        "invalid": "Must be a model's id or name.",
        "does_not_exist": "Device model {value} does not exist.",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        value = str(data).strip()
        if not value:
            self.fail("invalid")
        if is_id(value):
            model = Device.objects.select_related("manufacturer").filter(pk=int(value)).first()
            if model is None:
                self.fail("does_not_exist", value=value)
            return model
        if value.casefold() == Manufacturer.OTHER.casefold():
            return Manufacturer.OTHER
        return ModelName(value)

    def to_representation(self, value) -> str:
        return str(getattr(value, "pk", value))


class DeviceDescriptionSerializer(serializers.Serializer):
    """A physical device: its make and model (catalog ids, or names as the tutorials give
    them; `Other` for a model the catalog lacks, named in otherMakeModelName) and its serial
    number. Validated, `modelId` is a catalog Device or None."""

    manufacturerId = ManufacturerField(required=False, allow_null=True)
    modelId = ModelField(required=False, allow_null=True)
    otherMakeModelName = serializers.CharField(max_length=150, required=False, allow_blank=True)
    serialNumber = SerialNumberSerializer()
    simId = serializers.RegexField(
        r"^[0-9A-Za-z ]{0,40}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "A SIM id is up to 40 letters, digits and spaces."},
    )

    def validate(self, data: dict) -> dict:
        maker, model = data.get("manufacturerId"), data.get("modelId")
        data["otherModel"] = model == Manufacturer.OTHER
        if data["otherModel"]:
            model = None
        elif isinstance(model, ModelName):
            # A name is matched within the tenant's catalog; the named maker's model first
            # (the maker check below then has nothing to say), else any maker's (it does).
            named = maker.pk if maker else None
            model = next(
                iter(
                    sorted(
                        _tenant_models(self.context).filter(model__iexact=model),
                        key=lambda device: (device.manufacturer_id != named, device.pk),
                    )
                ),
                None,
            )
            if model is None:
                message = f"Device model {data['modelId']} is not in the catalog."
                raise serializers.ValidationError({"modelId": _error(message, "NOT_FOUND")})
        data["modelId"] = model
        blocker = contents.maker_blocker(maker, model)
        if blocker is not None:
            raise serializers.ValidationError({"modelId": _error(blocker.message, blocker.code)})
        return data


class NewDeviceSerializer(DeviceDescriptionSerializer):
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
            other_model=described.get("otherModel", False),
        )
        if blockers:
            raise serializers.ValidationError(
                _errors(blockers, {"serial": "serialNumber", "model": "modelId"})
            )
        return described
