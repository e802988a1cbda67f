"""Catalog and asset representations in MobProc's shapes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import (
    Accessory,
    Device,
    DeviceAsset,
    Feature,
    Manufacturer,
    Plan,
    Region,
    ServiceAsset,
    Vendor,
)
from portal.api.serializers import EmployeeSerializer, HrefSerializer, PriceField, StringIdField


class VendorSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "vendor-detail"
    id = StringIdField()
    logoUrl = serializers.CharField(source="logo_url")

    class Meta:
        model = Vendor
        fields = ["id", "logoUrl", "name"]


class ManufacturerSerializer(VendorSerializer):
    """MobProc shows a manufacturer as it shows a vendor: its id, logo and name."""

    href_view = "manufacturer-detail"

    class Meta(VendorSerializer.Meta):
        model = Manufacturer


class RegionRefSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "region-detail"
    id = StringIdField()

    class Meta:
        model = Region
        fields = ["id", "name"]


class RegionSerializer(RegionRefSerializer):
    parentRegion = RegionRefSerializer(source="parent", allow_null=True)
    addressFormat = serializers.JSONField(source="address_format")

    class Meta(RegionRefSerializer.Meta):
        fields = ["id", "name", "code", "parentRegion", "addressFormat"]


class AccessorySerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "accessory-detail"
    id = StringIdField()
    imageUrl = serializers.CharField(source="image_url")
    manufacturer = ManufacturerSerializer()
    vendor = VendorSerializer()
    price = PriceField()

    class Meta:
        model = Accessory
        fields = ["id", "imageUrl", "manufacturer", "name", "price", "vendor"]


class DeviceSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "device-detail"
    id = StringIdField()
    imageUrl = serializers.CharField(source="image_url")
    accessMethod = serializers.CharField(source="access_method")
    manufacturer = ManufacturerSerializer()
    vendor = VendorSerializer(allow_null=True)
    price = PriceField()

    class Meta:
        model = Device
        fields = ["id", "accessMethod", "imageUrl", "manufacturer", "model", "price", "vendor"]


class FeatureSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "feature-detail"
    id = StringIdField()
    planId = serializers.CharField(source="plan_id")
    price = PriceField()

    class Meta:
        model = Feature
        fields = ["id", "name", "planId", "price"]


class PlanSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "plan-detail"
    id = StringIdField()
    vendor = VendorSerializer()
    price = PriceField()

    class Meta:
        model = Plan
        fields = ["id", "name", "price", "vendor"]


class PlanDetailSerializer(PlanSerializer):
    optionalFeatures = serializers.SerializerMethodField()

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "optionalFeatures"]

    def get_optionalFeatures(self, plan: Plan) -> list[dict]:
        features = self.context["offered_features"]
        return FeatureSerializer(features, many=True, context=self.context).data


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            key: {"type": "string", "format": "date-time"}
            for key in ("activated", "end", "lastDeviceUpgrade", "start")
        },
    }
)
class ContractDatesField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, service: ServiceAsset) -> dict:
        stamp = serializers.DateTimeField().to_representation
        dates = {
            "activated": service.activated_at,
            "end": service.contract_end,
            "lastDeviceUpgrade": service.last_device_upgrade,
            "start": service.contract_start,
        }
        return {key: stamp(value) for key, value in dates.items() if value is not None}


@extend_schema_field(
    {"type": "object", "properties": {"type": {"type": "string"}, "value": {"type": "string"}}}
)
class SerialNumberField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, device: DeviceAsset) -> dict:
        return {"type": device.serial_number_type, "value": device.serial_number}


class DeviceAssetSummarySerializer(serializers.ModelSerializer):
    """A held device as a confirmation shows it (seed 002)."""

    id = StringIdField()
    accessMethod = serializers.CharField(source="access_method")
    companyAssetId = serializers.CharField(source="company_asset_id")
    macAddress = serializers.CharField(source="mac_address")
    manufacturer = ManufacturerSerializer(source="make", allow_null=True)
    model = serializers.CharField(source="model_name")
    serialNumber = SerialNumberField()
    simId = serializers.CharField(source="sim_id")

    class Meta:
        model = DeviceAsset
        fields = [
            "accessMethod",
            "companyAssetId",
            "id",
            "macAddress",
            "manufacturer",
            "model",
            "serialNumber",
            "simId",
        ]


class DeviceAssetSerializer(HrefSerializer, DeviceAssetSummarySerializer):
    href_view = "device-asset-detail"
    catalogDeviceId = serializers.CharField(source="device_id", allow_null=True)
    serviceId = serializers.CharField(source="service_id", allow_null=True)
    holderId = serializers.CharField(source="holder_id", allow_null=True)

    class Meta(DeviceAssetSummarySerializer.Meta):
        fields = [
            *DeviceAssetSummarySerializer.Meta.fields,
            "catalogDeviceId",
            "serviceId",
            "holderId",
        ]


class ServiceSummarySerializer(HrefSerializer, serializers.ModelSerializer):
    """A line as a confirmation shows it (seed 002)."""

    href_view = "service-detail"
    id = StringIdField()
    serviceNumber = serializers.CharField(source="service_number")
    contractDates = ContractDatesField()

    class Meta:
        model = ServiceAsset
        fields = ["contractDates", "id", "serviceNumber", "status"]


class ServiceSerializer(ServiceSummarySerializer):
    accountHolder = EmployeeSerializer(source="account_holder")
    vendor = VendorSerializer()
    plan = PlanSerializer(allow_null=True)
    features = FeatureSerializer(many=True)
    device = serializers.SerializerMethodField()
    orderActions = serializers.ListField(source="order_actions", child=serializers.CharField())
    upgradeEligibilityDate = serializers.DateTimeField(
        source="upgrade_eligibility_date", allow_null=True
    )

    class Meta(ServiceSummarySerializer.Meta):
        fields = [
            *ServiceSummarySerializer.Meta.fields,
            "upgradeEligibilityDate",
            "accountHolder",
            "vendor",
            "plan",
            "features",
            "device",
            "orderActions",
        ]

    def get_device(self, service: ServiceAsset) -> dict | None:
        device = getattr(service, "device", None)
        if device is None:
            return None
        return DeviceAssetSummarySerializer(device, context=self.context).data
