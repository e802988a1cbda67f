"""Catalog, regions, vendors and assets: read-only, filtered to what the tenant offers; and
`/me`, the caller and what they may order."""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import rules, selectors
from catalog.api import serializers as s
from catalog.models import Device, DeviceAsset, Manufacturer, ServiceAsset, TransactionType, Vendor
from portal import selectors as people
from portal.api.exceptions import ApiError
from portal.api.filters import EmployeeFilterMixin, IdFilter, UpdatedSortMixin, query_flag
from portal.api.serializers import EmployeeDetailSerializer, serializer_for
from portal.api.views import (
    ResourceDetail,
    ScopedQuerysetMixin,
    api_context,
)
from portal.ids import is_id


class IdParameterMixin:
    """Reads a query parameter naming a row by id: absent or blank is None, anything but an id
    a 400."""

    def _id_parameter(self, name: str, what: str) -> int | None:
        raw = self.request.query_params.get(name, "").strip()
        if not raw:
            return None
        if not is_id(raw):
            raise ApiError(400, "INVALID_QUERY", f"'{name}' must be {what}.")
        return int(raw)

    def _line(self, ctx) -> ServiceAsset | None:
        """The line `?service=` names, among those the caller sees (another's is a 404)."""
        service_id = self._id_parameter("service", "a service id")
        if service_id is None:
            return None
        service = selectors.services_visible_to(ctx.actor).filter(pk=service_id).first()
        if service is None:
            raise ApiError(404, "SERVICE_NOT_FOUND", f"Service {service_id} does not exist.")
        return service


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("service", int, description="Only what fits this line's device"),
            OpenApiParameter(
                "compatibleWithDeviceAssetId", int, description="Only what fits this device asset"
            ),
        ]
    )
)
class AccessoryList(IdParameterMixin, ScopedQuerysetMixin, generics.ListAPIView):
    """Accessories the tenant offers; `?service=ID` keeps those that fit that line's device,
    `?compatibleWithDeviceAssetId=ID` those that fit that device (MobProc 1.1.0)."""

    serializer_class = s.AccessorySerializer
    collection_name = "accessories"

    def scoped_queryset(self, ctx):
        offered = selectors.accessories_offered(ctx.tenant)
        service = self._line(ctx)
        asset_id = self._id_parameter("compatibleWithDeviceAssetId", "a device asset id")
        devices = []  # the device assets the accessories must fit
        if service is not None:
            devices.append(getattr(service, "device", None))
        if asset_id is not None:
            device = selectors.devices_visible_to(ctx.actor).filter(pk=asset_id).first()
            if device is None:
                raise ApiError(404, "DEVICE_NOT_FOUND", f"Device asset {asset_id} does not exist.")
            devices.append(device)
        for device in devices:
            if device is None or device.device is None:  # none, or a model the catalog lacks
                return offered.none()
            offered = offered.filter(
                pk__in=selectors.accessories_fitting(ctx.tenant, device.device).values("pk")
            )
        return offered


class AccessoryDetail(ScopedQuerysetMixin, ResourceDetail):
    serializer_class = s.AccessorySerializer
    resource_name = "accessory"

    def scoped_queryset(self, ctx):
        return selectors.accessories_offered(ctx.tenant)


class DeviceFilter(filters.FilterSet):
    manufacturer = filters.CharFilter(field_name="manufacturer_id")
    vendor = filters.NumberFilter(field_name="vendor_id")


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "service",
                int,
                description="Only devices this line may be ordered onto: its carrier's, or for "
                "transactionType=PORT_NUMBER another carrier's",
            ),
            OpenApiParameter(
                "transactionType",
                str,
                enum=TransactionType.values,
                description="With `service`: what the devices are for",
            ),
        ]
    )
)
class DeviceList(IdParameterMixin, ScopedQuerysetMixin, generics.ListAPIView):
    """The devices the tenant offers; `?service=ID` (with `transactionType`, as
    tutorials/orders/port_number asks for them) those that line may be ordered onto; `vendor`
    narrows them to one carrier's."""

    serializer_class = s.DeviceSerializer
    collection_name = "devices"
    filterset_class = DeviceFilter

    def scoped_queryset(self, ctx):
        transaction_type = self.request.query_params.get("transactionType", "").strip()
        if transaction_type and transaction_type not in TransactionType.values:
            raise ApiError(
                400, "INVALID_QUERY", f"'transactionType' must be one of {TransactionType.values}."
            )
        service = self._line(ctx)
        if service is None:
            return selectors.devices_offered(ctx.tenant)
        port = transaction_type == TransactionType.PORT_NUMBER
        return selectors.devices_for_line(ctx.tenant, service, port=port)


class DeviceDetail(ScopedQuerysetMixin, ResourceDetail):
    serializer_class = s.DeviceSerializer
    resource_name = "device"

    def scoped_queryset(self, ctx):
        return selectors.devices_offered(ctx.tenant)


class PlanFilter(filters.FilterSet):
    vendor = filters.NumberFilter(field_name="vendor_id")


class PlanList(ScopedQuerysetMixin, generics.ListAPIView):
    serializer_class = s.CatalogPlanSerializer
    collection_name = "plans"
    filterset_class = PlanFilter

    def scoped_queryset(self, ctx):
        return selectors.plans_offered(ctx.tenant)


class PlanDetail(ScopedQuerysetMixin, ResourceDetail):
    serializer_class = s.PlanDetailSerializer
    resource_name = "plan"

    def scoped_queryset(self, ctx):
        return selectors.plans_offered(ctx.tenant)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        tenant = self.request.auth.tenant
        context["offered_features"] = selectors.features_offered(tenant).filter(
            plan_id=self.kwargs["pk"]
        )
        return context


class FeatureFilter(filters.FilterSet):
    plan = filters.NumberFilter(field_name="plan_id")


class FeatureList(ScopedQuerysetMixin, generics.ListAPIView):
    serializer_class = s.FeatureSerializer
    collection_name = "features"
    filterset_class = FeatureFilter

    def scoped_queryset(self, ctx):
        return selectors.features_offered(ctx.tenant)


class FeatureDetail(ScopedQuerysetMixin, ResourceDetail):
    serializer_class = s.FeatureSerializer
    resource_name = "feature"

    def scoped_queryset(self, ctx):
        return selectors.features_offered(ctx.tenant)


class RegionFilter(filters.FilterSet):
    parentRegion = IdFilter(
        field_name="parent_id",
        help_text="A country's id: its states or provinces instead of the countries",
    )

    def filter_queryset(self, queryset):
        # Without ?parentRegion= (or with it blank) the list shows countries, not every state
        # of every country.
        if self.form.cleaned_data.get("parentRegion") is None:
            queryset = queryset.filter(parent__isnull=True)
        return super().filter_queryset(queryset)


class RegionList(generics.ListAPIView):
    """The countries; with `?parentRegion=ID` the states or provinces of that country
    (tutorials/states), each `type: STATE_PROVINCE` with its `parentId`."""

    serializer_class = s.RegionSerializer
    collection_name = "regions"
    filterset_class = RegionFilter
    queryset = selectors.regions()


class RegionDetail(generics.RetrieveAPIView):
    """A region with its address format (tutorials/addresses). Unwrapped, as the tutorial
    shows it: the region's own keys at the top, not `{"region": {...}}`."""

    serializer_class = s.RegionSerializer
    queryset = selectors.regions()


class VendorFilter(filters.FilterSet):
    type = filters.ChoiceFilter(choices=Vendor.Type.choices, help_text="Only vendors of this type")


class VendorList(generics.ListAPIView):
    """Vendors; `?type=CARRIER` keeps the carriers (MobProc 1.1.0, for a carrier selection
    list). Each with its `type`, `accessMethod` and `region`."""

    serializer_class = s.VendorDetailSerializer
    collection_name = "vendors"
    filterset_class = VendorFilter
    queryset = Vendor.objects.select_related("region")


class VendorDetail(ResourceDetail):
    serializer_class = s.VendorDetailSerializer
    resource_name = "vendor"
    queryset = Vendor.objects.select_related("region")


class ManufacturerList(generics.ListAPIView):
    serializer_class = s.ManufacturerSerializer
    collection_name = "manufacturers"
    queryset = Manufacturer.objects.all()


class ManufacturerDetail(ResourceDetail):
    serializer_class = s.ManufacturerSerializer
    resource_name = "manufacturer"
    queryset = Manufacturer.objects.all()


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("manufacturer", str, OpenApiParameter.PATH, description="e.g. LG"),
            OpenApiParameter(
                "id", str, OpenApiParameter.PATH, description="The model's name, e.g. Cookie Plus"
            ),
        ]
    )
)
class ManufacturerModelDetail(ResourceDetail):
    """A manufacturer's model, `{"model": {...}}`: the catalog devices of that manufacturer the
    tenant offers or holds, by model name (one per vendor in the catalog, one model here). The
    `Other` manufacturer has the one model `Other` (a device the catalog lacks). 404 for an
    unknown manufacturer, or a model it does not make."""

    serializer_class = s.ManufacturerModelSerializer
    resource_name = "model"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Device.objects.none()
        tenant = api_context(self.request).tenant
        offered = Device.objects.offered_to(tenant).values("pk")
        held = DeviceAsset.objects.filter(tenant=tenant, device__isnull=False).values("device_id")
        return Device.objects.filter(Q(pk__in=offered) | Q(pk__in=held))

    def get_object(self) -> s.MakeModel:
        maker_id, name = self.kwargs["manufacturer"], self.kwargs["pk"]
        if not Manufacturer.objects.filter(pk=maker_id).exists():
            raise ApiError(404, "NOT_FOUND", f"Manufacturer {maker_id} does not exist.")
        if maker_id == name == Manufacturer.OTHER:
            return s.MakeModel(maker_id, name)
        images = list(
            self.get_queryset()
            .filter(manufacturer_id=maker_id, model=name)
            .order_by("pk")
            .values_list("image_url", flat=True)
        )
        if not images:
            raise ApiError(404, "NOT_FOUND", f"Manufacturer {maker_id} has no model {name}.")
        return s.MakeModel(maker_id, name, next((url for url in images if url), ""))


UPDATED_FILTER_HELP = "Only those changed at or after this time (ISO 8601)"


class ServiceFilter(UpdatedSortMixin, EmployeeFilterMixin):
    """The employee filter, `status`, `serviceNumber`, `accountHolder`; `dateTimeUpdated` (on
    or after) and the UPDATED_DATE sort (MobProc 1.1.0)."""

    employee_field = "account_holder"

    status = filters.ChoiceFilter(choices=ServiceAsset.Status.choices)
    serviceNumber = filters.CharFilter(field_name="service_number")
    accountHolder = filters.NumberFilter(field_name="account_holder_id")
    dateTimeUpdated = filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_FILTER_HELP
    )


class ServiceList(ScopedQuerysetMixin, generics.ListAPIView):
    """The lines the acting employee holds and, for a manager, her reports' (a tenant admin: all
    of the tenant's); `employee` / `companyEmployeeId` narrow them to one person's
    (concepts/actor)."""

    serializer_class = s.ServiceSerializer
    collection_name = "services"
    filterset_class = ServiceFilter

    def scoped_queryset(self, ctx):
        return selectors.service_assets_for(ctx.actor)


class ServiceDetail(ScopedQuerysetMixin, ResourceDetail):
    serializer_class = s.ServiceSerializer
    resource_name = "service"

    def scoped_queryset(self, ctx):
        return selectors.service_assets_for(ctx.actor)


class DeviceAssetFilter(UpdatedSortMixin, EmployeeFilterMixin):
    """The employee filter; `dateTimeUpdated` (on or after) and the UPDATED_DATE sort (MobProc
    1.1.0)."""

    employee_field = "holder"

    dateTimeUpdated = filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_FILTER_HELP
    )


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                "includeServiceDetails",
                bool,
                description="Add `service`: the line the device is on, in full (null: none)",
            ),
            OpenApiParameter(
                "includeUpgradeEligibleDate",
                bool,
                description="With includeServiceDetails: add the line's `upgradeEligibleDate`",
            ),
        ]
    )
)
class DeviceAssetList(ScopedQuerysetMixin, generics.ListAPIView):
    """The device assets the acting employee holds and, for a manager, her reports' (a tenant
    admin: all of the tenant's); `employee` / `companyEmployeeId` narrow them to one person's.
    `?includeServiceDetails=true` adds each one's line in full, as the detail shows it, and
    `&includeUpgradeEligibleDate=true` that line's upgrade date (MobProc 1.3.1)."""

    serializer_class = s.DeviceAssetSerializer
    collection_name = "devices"
    filterset_class = DeviceAssetFilter

    def scoped_queryset(self, ctx):
        devices = selectors.device_assets_for(ctx.actor)
        if query_flag(self.request, "includeServiceDetails"):
            devices = selectors.with_service_details(devices)
        return devices

    def get_serializer_context(self):
        context = super().get_serializer_context()
        details = query_flag(self.request, "includeServiceDetails")
        eligible = query_flag(self.request, "includeUpgradeEligibleDate")  # checked alone too
        context["include_service_details"] = details
        context["include_upgrade_eligible_date"] = details and eligible
        return context


class DeviceAssetDetail(ScopedQuerysetMixin, ResourceDetail):
    serializer_class = s.DeviceAssetSerializer
    resource_name = "device"

    def scoped_queryset(self, ctx):
        return selectors.device_assets_for(ctx.actor)


class MeView(APIView):
    """The signed-in user, the employee the call acts as, and what that employee may do."""

    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request):
        ctx = api_context(request)
        user = ctx.token.user
        # The caller and the actor (as the request's context has them) with their custom
        # attributes (MobProc 1.1.0), read in one query for both.
        shown = [e for e in (ctx.caller, ctx.actor) if e is not None]
        attributes = people.custom_attribute_values(e.pk for e in shown)
        # One serializer for both (its fields built once per thread), and usually one person:
        # the second representation is then the first's (HrefSerializer keeps them per answer).
        person = serializer_for(
            EmployeeDetailSerializer, {"request": request, "custom_attributes": attributes}
        )
        caller = person.to_representation(ctx.caller) if ctx.caller else None
        return Response(
            {
                "tenant": {"id": ctx.tenant.slug, "name": ctx.tenant.name},
                "clientId": ctx.client_id,
                "user": {"username": user.get_username()} if user else None,
                "employee": caller,
                "actor": person.to_representation(ctx.actor),
                "transactionTypes": TransactionType.values,
                "isApprover": people.is_approver(ctx.actor),
                "isTenantAdmin": ctx.actor.is_tenant_admin,
                "canMoveService": rules.may_move_service(ctx.actor),
                "scopes": sorted(ctx.token.scope.split()),
            }
        )
