"""Order representations in MobProc's shapes (seed 002 steps 4 and 5)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import (
    DeviceAssetSummarySerializer,
    MakeModel,
    ManufacturerSerializer,
    RegionRefSerializer,
    ServiceSummarySerializer,
    VendorSerializer,
    model_href,
)
from catalog.models import Manufacturer, Recurrence, Region, TransactionType
from orders.models import Order, OrderHistory, OrderItem, Shipment
from orders.services import OrderDraft
from portal.api.serializers import (
    EmployeeSerializer,
    absolute_url,
    price,
    represent,
    serializer_for,
)

STAMP = serializers.DateTimeField().to_representation
TRANSFER_TYPES = frozenset({TransactionType.XFER_SERVICE_OUT, *TransactionType.transfers_in()})
# The orders about a line whose confirmation names where the line is served (its carrier's
# region), as their tutorials show it: the line leaving the company and the care of a line
# (DEACTIVATE's tutorial shows no region; the others have a ship-to or a registered region).
LINE_REGION_TYPES = frozenset(
    {
        TransactionType.XFER_SERVICE_OUT,
        TransactionType.SUSPEND,
        TransactionType.UNSUSPEND,
        TransactionType.UPDATE_FEATURES,
        TransactionType.SWAP_DEVICES,
    }
)


def cost_summary(onetime, monthly, currency: str) -> list[dict]:
    return [
        price(onetime, currency, Recurrence.ONETIME),
        price(monthly, currency, Recurrence.MONTHLY),
    ]


def ship_to_representation(
    ship_to: dict | None, region: Region | None, context: dict
) -> dict | None:
    if not ship_to:
        return None
    return {
        "address": ship_to["address"],
        "expedite": ship_to.get("expedite", False),
        "name": ship_to["name"],
        "region": represent(RegionRefSerializer, region, context),
    }


def _line_representation(line, context: dict) -> dict:
    """A catalog item of a draft as the confirmation shows it."""
    item = line.catalog_item
    view = {
        OrderItem.Kind.ACCESSORY: "accessory-detail",
        OrderItem.Kind.DEVICE: "device-detail",
        OrderItem.Kind.PLAN: "plan-detail",
        OrderItem.Kind.FEATURE: "feature-detail",
    }[line.kind]
    data = {
        "_meta": {"href": absolute_url(context["request"], view, pk=item.pk)},
        "id": str(item.pk),
        "name": line.name,
        "price": price(line.amount, line.currency, line.recurrence),
        "vendor": represent(VendorSerializer, line.vendor, context),
    }
    if line.kind in (OrderItem.Kind.ACCESSORY, OrderItem.Kind.DEVICE):
        data["imageUrl"] = line.image_url
        data["manufacturer"] = represent(ManufacturerSerializer, line.manufacturer, context)
    if line.kind == OrderItem.Kind.DEVICE:
        data["model"] = item.model
    if line.kind == OrderItem.Kind.FEATURE:
        # The tutorials name a feature by `description`; `name` stays for existing clients.
        data["description"] = line.name
    return dict(sorted(data.items()))


def shopping_cart_representation(draft: OrderDraft, context: dict) -> dict:
    """Accessories as seed 002 shows them; a device, a new plan with its features, and feature
    changes (each with its action) for the types that have them."""
    K, A = OrderItem.Kind, OrderItem.Action

    def of(kind: str, action: str | None = None) -> list[dict]:
        return [
            _line_representation(line, context) | ({"action": line.action} if action else {})
            for line in draft.lines
            if line.kind == kind and (action is None or line.action == action)
        ]

    devices = of(K.DEVICE)
    cart = {"accessories": of(K.ACCESSORY), "quantity": len(devices)}
    if devices:
        cart["device"] = devices[0]
    new_plan = [line for line in draft.lines if line.kind == K.PLAN and line.action == A.ADD]
    if new_plan:
        plan = new_plan[0].catalog_item
        cart["plan"] = {
            **_line_representation(new_plan[0], context),
            # What the plan comes with, as the catalog has it now (one query: an order has
            # one new plan).
            "includedFeatures": [
                {"description": included.description} for included in plan.included_features.all()
            ],
            "optionalFeatures": [
                _line_representation(line, context)
                for line in draft.lines
                if line.kind == K.FEATURE
                and line.action == A.ADD
                and line.catalog_item.plan_id == new_plan[0].catalog_item.pk
            ],
        }
    changes = [
        line for line in draft.lines
        if line.kind == K.FEATURE
        and not (new_plan and line.action == A.ADD
                 and line.catalog_item.plan_id == new_plan[0].catalog_item.pk)
    ]  # fmt: skip
    if changes:
        cart["features"] = [
            _line_representation(line, context) | {"action": line.action} for line in changes
        ]
    removed_plan = [line for line in draft.lines if line.kind == K.PLAN and line.action == A.REMOVE]
    if removed_plan:
        cart["removedPlan"] = _line_representation(removed_plan[0], context)
    comment = draft.request.details.get("featureRequestComment")
    if comment:
        cart["featureRequestComment"] = comment
    return cart


def confirmation_representation(draft: OrderDraft, context: dict) -> dict:
    """Confirm mode: every id of the request expanded to human-readable data; nothing stored."""
    request = draft.request
    people = serializer_for(EmployeeSerializer, context)
    region = request.ship_to["region"] if request.ship_to else None
    confirmation = {
        "accountHolder": people.to_representation(draft.account_holder),
        "costSummary": cost_summary(
            draft.cost(Recurrence.ONETIME), draft.cost(Recurrence.MONTHLY), draft.currency
        ),
        "externalOrderNumber": request.external_order_number,
        "properties": request.properties,
        "requestedBy": people.to_representation(draft.requested_by),
        "shoppingCart": shopping_cart_representation(draft, context),
        "transactionType": request.transaction_type,
    }
    if request.service is not None:
        confirmation["service"] = represent(ServiceSummarySerializer, request.service, context)
        device = getattr(request.service, "device", None)
        if device is not None:
            confirmation["device"] = represent(DeviceAssetSummarySerializer, device, context)
    if region is not None:
        confirmation["region"] = represent(RegionRefSerializer, region, context)
        confirmation["shipTo"] = ship_to_representation(request.ship_to, region, context)
    if request.region is not None:  # where a new line is registered
        confirmation["region"] = represent(RegionRefSerializer, request.region, context)
    elif request.transaction_type in LINE_REGION_TYPES:
        # Where the line is served: its carrier's region.
        region = request.service.vendor.region
        if region is not None:
            confirmation["region"] = represent(RegionRefSerializer, region, context)
    if request.port_number:
        confirmation["serviceNumber"] = request.port_number
    if request.transaction_type in TRANSFER_TYPES and "shipTo" in confirmation:
        # The transfer tutorials' confirmation echoes the ship-to's country as sent, too.
        confirmation["shipTo"]["regionId"] = str(region.pk)
    confirmation.update(details_representation(request.details, context))
    return dict(sorted(confirmation.items()))


def details_representation(details: dict, context: dict) -> dict:
    """The described devices and the line's postal code, as the request gave them; a
    transfer's acknowledgements and the carrier the line comes from (`currentVendor`)."""
    shown = {key: details[key] for key in ("acknowledgements", "currentVendor") if key in details}
    for key in ("existingDevice", "newDevice"):
        if key in details:
            shown[key] = described_device(details[key], context)
    if "postalCode" in details:
        shown["postalCode"] = details["postalCode"]
    return shown


def _makers(context: dict) -> dict:
    """Every manufacturer by id, read once per answer (a list of orders names a few makers
    many times; the catalog has a handful)."""
    if "_makers" not in context:
        context["_makers"] = Manufacturer.objects.in_bulk()
    return context["_makers"]


def described_device(device: dict, context: dict) -> dict:
    """A device an order describes (existingDevice, newDevice) as the upgrade and swap tutorials
    show it: `manufacturer{}` and `model{}` objects (a model the catalog lacks is the catalog's
    `Other`, its name in `otherMakeModelName`), beside the flat `manufacturerId`, `modelId`
    (the catalog device's id) and serial number as the request gave them."""
    shown = {k: v for k, v in device.items() if k not in ("manufacturerName", "model")}
    maker = _makers(context).get(device.get("manufacturerId"))
    shown["manufacturer"] = represent(ManufacturerSerializer, maker, context) if maker else None
    if device.get("modelId") and maker is not None:
        model = MakeModel(maker.pk, device["model"])
    else:
        model = MakeModel(Manufacturer.OTHER, Manufacturer.OTHER)
    shown["model"] = {
        "_meta": {"href": model_href(context["request"], model.manufacturer_id, model.name)},
        "id": model.name,
        "name": model.name,
    }
    return dict(sorted(shown.items()))


# The shapes of stored orders, for the OpenAPI document: orders.api.representations builds
# them (from rows, not model instances: see there why).


class ShipmentSerializer(serializers.ModelSerializer):
    """A shipment (orders.api.representations.shipment_item)."""

    id = serializers.CharField(source="pk")
    orderSegmentId = serializers.CharField(source="segment_id")
    trackingNumber = serializers.CharField(source="tracking_number")
    dateShipped = serializers.DateTimeField(source="shipped_at")
    dateDelivered = serializers.DateTimeField(source="delivered_at", allow_null=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "orderSegmentId",
            "carrier",
            "trackingNumber",
            "dateShipped",
            "dateDelivered",
        ]


def person(employee) -> dict | None:
    if employee is None:
        return None
    return {"id": str(employee.pk), "name": employee.full_name}


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    }
)
class PersonField(serializers.DictField):
    """{id, name} of an employee, or null (person)."""


class HistorySerializer(serializers.ModelSerializer):
    """An entry of an order's history (orders.api.representations.history_item)."""

    id = serializers.CharField(source="pk")
    orderSegmentId = serializers.CharField(source="segment_id", allow_null=True)
    fromStatus = serializers.CharField(source="from_status")
    status = serializers.CharField(source="to_status")
    dateTime = serializers.DateTimeField(source="created_at")
    actor = PersonField(read_only=True, allow_null=True)
    onBehalfOf = PersonField(read_only=True, allow_null=True)

    class Meta:
        model = OrderHistory
        fields = [
            "id",
            "orderSegmentId",
            "event",
            "fromStatus",
            "status",
            "dateTime",
            "actor",
            "onBehalfOf",
            "note",
        ]


class OrderSerializer(serializers.ModelSerializer):
    """A stored order (seed 002 step 5; orders.api.representations.order_representations),
    with its optional parts as the include flags ask: orderSegments, orderHistory, a
    segment's shipments, pendingApprovalLevel and approver."""

    orderId = serializers.CharField(source="pk")
    transactionType = serializers.CharField(source="transaction_type")
    externalOrderNumber = serializers.CharField(source="external_order_number", allow_null=True)
    accountHolder = EmployeeSerializer(source="account_holder")
    requestedBy = EmployeeSerializer(source="requested_by")
    dateSubmitted = serializers.DateTimeField(source="submitted_at")
    dateTimeUpdated = serializers.DateTimeField(source="updated_at")
    # The last change as MobProc 1.1.0 names it on every order (POST /orders answers, lists
    # and /orders/{id}; the transfer tutorials of 1.3.6 show it too).
    updated = serializers.DateTimeField(source="updated_at", read_only=True)
    costSummary = serializers.ListField(child=serializers.DictField(), read_only=True)
    serviceNumber = serializers.CharField(allow_null=True, read_only=True)
    shipTo = serializers.DictField(allow_null=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "accountHolder",
            "costSummary",
            "dateSubmitted",
            "dateTimeUpdated",
            "externalOrderNumber",
            "orderId",
            "properties",
            "requestedBy",
            "serviceNumber",
            "shipTo",
            "status",
            "transactionType",
            "updated",
        ]
