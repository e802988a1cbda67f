"""Catalog and asset representations in MobProc's shapes."""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import (
    Accessory,
    Device,
    DeviceAsset,
    Feature,
    IncludedFeature,
    Manufacturer,
    Plan,
    Region,
    ServiceAsset,
    Vendor,
)
from portal.api.serializers import (
    EmployeeDetailSerializer,
    EmployeeSerializer,
    HrefSerializer,
    PriceField,
    StringIdField,
    absolute_url,
    represent,
    serializer_for,
)


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


class VendorDetailSerializer(VendorSerializer):
    """A vendor as `/vendors` and `/vendors/{id}` answer it: as it shows inside other answers
    (`_meta.href`, `id`, `logoUrl`, `name`), plus its `type` (CARRIER...), its network's
    `accessMethod` (MobProc 1.1.0; null when not known) and its `region` with that region's
    `_meta` (1.1.0's fix)."""

    type = serializers.ChoiceField(choices=Vendor.Type.choices)
    accessMethod = serializers.CharField(source="access_method", allow_null=True)
    region = RegionRefSerializer(allow_null=True)

    class Meta(VendorSerializer.Meta):
        fields = [*VendorSerializer.Meta.fields, "accessMethod", "region", "type"]

    def to_representation(self, instance) -> dict:
        data = dict(super().to_representation(instance))
        data["accessMethod"] = data["accessMethod"] or None
        return data


@dataclass(frozen=True)
class MakeModel:
    """A manufacturer's model: the name its catalog devices share (one device per vendor), and
    the image of one of them."""

    manufacturer_id: str
    name: str
    image_url: str = ""

    @property
    def pk(self) -> tuple[str, str]:
        return (self.manufacturer_id, self.name)


def model_href(request, manufacturer_id: str, model_name: str) -> str:
    """`_meta.href` of a manufacturer's model: `/manufacturers/LG/models/Cookie%20Plus`."""
    return absolute_url(
        request, "manufacturer-model-detail", manufacturer=manufacturer_id, pk=model_name
    )


class ManufacturerModelSerializer(HrefSerializer, serializers.Serializer):
    """A model as `/manufacturers/{id}/models/{id}` answers it and as orders show it
    (`existingDevice.model`, `newDevice.model`): `_meta.href`, `id` (its name), `name`, and
    `imageUrl` (tutorials/move)."""

    href_view = "manufacturer-model-detail"
    id = serializers.CharField(source="name", read_only=True)
    name = serializers.CharField(read_only=True)
    imageUrl = serializers.CharField(source="image_url", read_only=True)

    def href_kwargs(self, obj: MakeModel) -> dict:
        return {"manufacturer": obj.manufacturer_id, "pk": obj.name}


ADDRESS_FORMAT_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "label", "validation"],
        "properties": {
            "id": {"type": "string", "examples": ["LINE_1", "CITY", "STATE", "POSTAL_CODE"]},
            "label": {"type": "string"},
            "minLength": {"type": "integer"},
            "maxLength": {"type": "integer"},
            "validation": {"type": "string", "enum": ["REQUIRED", "OPTIONAL"]},
            "options": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"label": {"type": "string"}, "value": {"type": "string"}},
                },
            },
            "pattern": {"type": "string", "description": 'A hint such as "[99999]".'},
            "regEx": {"type": "string"},
        },
    },
}


@extend_schema_field(ADDRESS_FORMAT_SCHEMA)
class AddressFormatField(serializers.JSONField):
    """A country's address lines as MobProc shows them: options as `{label, value}` (stored as
    `{id, label}`, the state or province codes of its child regions)."""

    def to_representation(self, value):
        lines = []
        for spec in value or []:
            line = dict(spec)
            if "options" in line:
                line["options"] = [
                    {
                        "label": option.get("label", ""),
                        "value": option.get("value", option.get("id")),
                    }
                    for option in line["options"] or []
                ]
            lines.append(line)
        return lines


class CurrencySerializer(serializers.Serializer):
    code = serializers.CharField(source="currency_code")
    name = serializers.CharField(source="currency_name")
    symbol = serializers.CharField(source="currency_symbol")


# The keys only a country has, and those only a state or province has.
COUNTRY_KEYS = ("addressFormat", "countryCode", "currency", "postalCodePattern", "postalCodeRegEx")
CHILD_KEYS = ("parentId",)


class RegionSerializer(RegionRefSerializer):
    """A region as `GET /regions/{id}` and `/regions?parentRegion=` answer it (tutorials/
    addresses, tutorials/states). A country: `_meta.hrefChildren` (its states or provinces),
    `abbreviation`, `addressFormat`, `countryCode` (dialling), `currency {code, name, symbol}`,
    `postalCodePattern`, `postalCodeRegEx`, `type: COUNTRY`. A state or province:
    `_meta.hrefParent` (its country), `abbreviation`, `parentId`, `type: STATE_PROVINCE`."""

    abbreviation = serializers.CharField(source="code")
    type = serializers.ChoiceField(choices=Region.Type.choices)
    # Not required: each is there for a country only, or for a child region only.
    addressFormat = AddressFormatField(source="address_format", required=False)
    countryCode = serializers.CharField(source="country_code", required=False)
    currency = CurrencySerializer(source="*", required=False, allow_null=True)
    postalCodePattern = serializers.CharField(source="postal_code_pattern", required=False)
    postalCodeRegEx = serializers.CharField(source="postal_code_regex", required=False)
    parentId = serializers.CharField(source="parent_id", required=False)

    class Meta(RegionRefSerializer.Meta):
        fields = [
            "abbreviation", "addressFormat", "countryCode", "currency", "id", "name",
            "parentId", "postalCodePattern", "postalCodeRegEx", "type",
        ]  # fmt: skip

    def to_representation(self, instance) -> dict:
        data = dict(super().to_representation(instance))
        request = self.context["request"]
        meta = dict(data["_meta"])
        if instance.parent_id is None:
            for key in CHILD_KEYS:
                data.pop(key, None)
            if not instance.currency_code:
                data["currency"] = None
            meta["hrefChildren"] = (
                f"{absolute_url(request, 'region-list')}?parentRegion={instance.pk}"
            )
        else:
            for key in COUNTRY_KEYS:
                data.pop(key, None)
            meta["hrefParent"] = absolute_url(request, "region-detail", pk=instance.parent_id)
        data["_meta"] = meta
        return data


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
    """A plan's optional feature. MobProc's tutorials name a feature by `description`; `name`
    (the same text) stays for the clients that read it."""

    href_view = "feature-detail"
    id = StringIdField()
    description = serializers.CharField(
        source="name", read_only=True, help_text="The feature's name (MobProc's key for it)"
    )
    planId = serializers.CharField(source="plan_id")
    price = PriceField()

    class Meta:
        model = Feature
        fields = ["description", "id", "name", "planId", "price"]


class IncludedFeatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncludedFeature
        fields = ["description"]


class PlanSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "plan-detail"
    id = StringIdField()
    vendor = VendorSerializer()
    price = PriceField()

    class Meta:
        model = Plan
        fields = ["id", "name", "price", "vendor"]


class CatalogPlanSerializer(PlanSerializer):
    """A plan as `/catalog/plans` lists it: with what it comes with (`includedFeatures`, in
    order; the queryset prefetches them, catalog.selectors.plans_offered). A line's plan
    (ServiceSerializer) stays without them, as the assets' answers show it."""

    includedFeatures = IncludedFeatureSerializer(
        source="included_features", many=True, read_only=True
    )

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "includedFeatures"]


class PlanDetailSerializer(CatalogPlanSerializer):
    """A plan as `/catalog/plans/{id}` answers it: as the list shows it, with the optional
    features the tenant offers on it (`optionalFeatures`, each named by `description`)."""

    optionalFeatures = serializers.SerializerMethodField()

    class Meta(CatalogPlanSerializer.Meta):
        fields = [*CatalogPlanSerializer.Meta.fields, "optionalFeatures"]

    @extend_schema_field(FeatureSerializer(many=True))
    def get_optionalFeatures(self, plan: Plan) -> list[dict]:
        features = self.context["offered_features"]
        shown = serializer_for(FeatureSerializer, self.context)
        return [shown.to_representation(feature) for feature in features]


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


@extend_schema_field(
    {
        "allOf": [
            {"$ref": "#/components/schemas/Service"},
            {
                "type": "object",
                "properties": {
                    "upgradeEligibleDate": {
                        "type": "string",
                        "format": "date-time",
                        "nullable": True,
                        "description": "With ?includeUpgradeEligibleDate=true",
                    }
                },
            },
        ],
        "nullable": True,
        "description": "With ?includeServiceDetails=true: the line the device is on, in full",
    }
)
class LineDetailsField(serializers.Field):
    """A device asset's line in full, as /assets/services/{id} shows it (null: on no line),
    with its `upgradeEligibleDate` when asked (MobProc 1.3.1). Only where the view asks for it
    (context `include_service_details`, `include_upgrade_eligible_date`): left out otherwise,
    so not required in the OpenAPI document."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", required=False, allow_null=True, **kwargs)

    def get_attribute(self, device: DeviceAsset):
        if not self.context.get("include_service_details"):
            raise serializers.SkipField
        return device

    def to_representation(self, device: DeviceAsset) -> dict | None:
        if device.service is None:
            return None
        shown = dict(represent(ServiceSerializer, device.service, self.context))
        if self.context.get("include_upgrade_eligible_date"):
            shown["upgradeEligibleDate"] = shown["upgradeEligibilityDate"]
        return shown


class DeviceAssetSerializer(HrefSerializer, DeviceAssetSummarySerializer):
    href_view = "device-asset-detail"
    catalogDeviceId = serializers.CharField(source="device_id", allow_null=True)
    serviceId = serializers.CharField(source="service_id", allow_null=True)
    holderId = serializers.CharField(source="holder_id", allow_null=True)
    updated = serializers.DateTimeField(source="updated_at", read_only=True)
    service = LineDetailsField()

    class Meta(DeviceAssetSummarySerializer.Meta):
        fields = [
            *DeviceAssetSummarySerializer.Meta.fields,
            "catalogDeviceId",
            "serviceId",
            "holderId",
            "updated",
            "service",
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


class LineVendorSerializer(VendorSerializer):
    """A line's carrier. tutorials/move names it twice, `billing` (who bills the line) and
    `current` (whose network carries it); a Procure line has one carrier for both, so both name
    it, beside the carrier's own keys (as seed 002 and the order tutorials show a vendor)."""

    billing = VendorSerializer(source="*")
    current = VendorSerializer(source="*")

    class Meta(VendorSerializer.Meta):
        fields = [*VendorSerializer.Meta.fields, "billing", "current"]


class ServiceSerializer(ServiceSummarySerializer):
    accountHolder = EmployeeSerializer(source="account_holder")
    vendor = LineVendorSerializer()
    plan = PlanSerializer(allow_null=True)
    features = FeatureSerializer(many=True)
    device = serializers.SerializerMethodField()
    orderActions = serializers.ListField(source="order_actions", child=serializers.CharField())
    upgradeEligibilityDate = serializers.DateTimeField(
        source="upgrade_eligibility_date", allow_null=True
    )
    updated = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta(ServiceSummarySerializer.Meta):
        fields = [
            *ServiceSummarySerializer.Meta.fields,
            "upgradeEligibilityDate",
            "updated",
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
        # Linked to its own record, as tutorials/move shows a line's device; the summary stays
        # without the link where a confirmation shows it (seed 002).
        href = absolute_url(self.context["request"], "device-asset-detail", pk=device.pk)
        shown = represent(DeviceAssetSummarySerializer, device, self.context)
        return {"_meta": {"href": href}, **shown, "orderActions": service.device_order_actions}


class MeTenantSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class MeUserSerializer(serializers.Serializer):
    username = serializers.CharField()


class MeSerializer(serializers.Serializer):
    """`GET /me`'s shape, for the OpenAPI document (the view builds the answer): `employee` is
    the signed-in person (null for a client without a user), `actor` whom the call acts as
    (context headers), both with their custom attributes; what the actor may do."""

    tenant = MeTenantSerializer()
    clientId = serializers.CharField()
    user = MeUserSerializer(allow_null=True)
    employee = EmployeeDetailSerializer(allow_null=True)
    actor = EmployeeDetailSerializer()
    transactionTypes = serializers.ListField(child=serializers.CharField())
    isApprover = serializers.BooleanField()
    isTenantAdmin = serializers.BooleanField()
    canMoveService = serializers.BooleanField(
        help_text="May move a line to another holder (catalog.rules.may_move_service)"
    )
    scopes = serializers.ListField(child=serializers.CharField())
