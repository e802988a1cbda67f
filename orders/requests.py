"""The MobProc order request: its shape and its rules, checked in one pass for pages and API.

`parse_order_request` reports every problem at once (RequestInvalid), each with the dotted path
MobProc clients expect (`orderRequest.shipTo.address.CITY`); on success it returns the request
with every id resolved to a row of the caller's tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from catalog import addresses
from catalog import selectors as catalog_selectors
from catalog.models import Accessory, Region, ServiceAsset, TransactionType
from orders import properties as order_properties
from portal.api.errors import flatten_errors
from portal.exceptions import FieldProblem, RequestInvalid
from portal.ids import is_id
from portal.models import Employee, Tenant


@dataclass
class OrderRequest:
    """A valid order request, ids resolved."""

    transaction_type: str
    external_order_number: str | None
    properties: list[dict]
    service: ServiceAsset | None = None
    accessories: list[Accessory] = field(default_factory=list)
    ship_to: dict | None = None  # {name, region, address (labelled), expedite}


def _detail(problems: list[FieldProblem]) -> dict:
    return {p.field: [ErrorDetail(p.message, code=p.code)] for p in problems}


@extend_schema_field({"type": "string", "pattern": "^[0-9]+$"})
class IdField(serializers.Field):
    """A MobProc id (string or number) resolved to a row of `queryset` (from the context)."""

    default_error_messages = {
        "invalid": "Must be an id.",
        "does_not_exist": "{name} {value} does not exist.",
    }

    def __init__(self, *, name: str, lookup, **kwargs) -> None:
        self.name, self.lookup = name, lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int) or not is_id(str(data)):
            self.fail("invalid")
        obj = self.lookup(self.context).filter(pk=int(data)).first()
        if obj is None:
            self.fail("does_not_exist", name=self.name, value=data)
        return obj

    def to_representation(self, value):
        return str(value.pk)


class AddressLineSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=30)
    value = serializers.CharField(max_length=200, allow_blank=True)


class ShipToSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    regionId = IdField(name="Region", lookup=lambda ctx: Region.objects.filter(parent=None))
    address = AddressLineSerializer(many=True)
    expedite = serializers.BooleanField(default=False)

    def validate(self, data: dict) -> dict:
        region = data["regionId"]
        problems = addresses.address_problems(region, data["address"])
        if problems:
            raise serializers.ValidationError({"address": _detail(problems)})
        return {
            "name": data["name"],
            "region": region,
            "address": addresses.labelled_address(region, data["address"]),
            "expedite": data["expedite"],
        }


class PropertyAnswerSerializer(serializers.Serializer):
    """Shape only; values are checked against the tenant's configuration."""

    id = serializers.CharField(max_length=50)
    type = serializers.ChoiceField(choices=["TEXT", "DATE", "CHOICE", "BOOLEAN"], required=False)
    text = serializers.JSONField(required=False)
    date = serializers.JSONField(required=False)
    choice = serializers.JSONField(required=False)
    boolean = serializers.JSONField(required=False)


class PropertyGroupSerializer(serializers.Serializer):
    groupId = serializers.CharField(max_length=50)
    fields = PropertyAnswerSerializer(many=True)


class OrderRequestSerializer(serializers.Serializer):
    """Fields every transaction type has. Context: tenant, actor."""

    externalOrderNumber = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True
    )
    transactionType = serializers.ChoiceField(choices=TransactionType.choices)
    properties = PropertyGroupSerializer(many=True, default=list)

    def validate_transactionType(self, value: str) -> str:
        if value not in TransactionType.orderable():
            raise serializers.ValidationError(
                f"{value} orders are not offered yet.", code="TRANSACTION_TYPE_NOT_SUPPORTED"
            )
        return value

    def validate_properties(self, groups: list[dict]) -> list[dict]:
        transaction_type = self.initial_data.get("transactionType")
        if transaction_type not in TransactionType.values:
            return []  # reported on transactionType
        resolved, problems = order_properties.check_properties(
            self.context["tenant"], transaction_type, groups
        )
        if problems:
            raise serializers.ValidationError(_detail(problems))
        return resolved

    def peek(self, name: str):
        """Another field's value if valid, else None: cross-field rules still run (and report)
        when an unrelated field is wrong."""
        try:
            return self.fields[name].run_validation(self.initial_data.get(name, serializers.empty))
        except (serializers.ValidationError, serializers.SkipField):
            return None


class AccessoryCartSerializer(serializers.Serializer):
    accessoryIds = serializers.ListField(
        child=IdField(
            name="Accessory", lookup=lambda ctx: Accessory.objects.select_related("vendor")
        ),
        allow_empty=False,
        max_length=50,
    )


class AccessoryOrderRequestSerializer(OrderRequestSerializer):
    """ORDER_ACCESSORIES (seed 002): accessories for the device of one of the actor's lines."""

    serviceId = IdField(
        name="Service",
        lookup=lambda ctx: catalog_selectors.services_visible_to(ctx["actor"]),
    )
    shoppingCart = AccessoryCartSerializer()
    shipTo = ShipToSerializer()

    def validate_serviceId(self, service: ServiceAsset) -> ServiceAsset:
        if TransactionType.ORDER_ACCESSORIES not in service.order_actions:
            raise serializers.ValidationError(
                f"Service {service.pk} is {service.status}: accessories cannot be ordered for it.",
                code="SERVICE_NOT_ELIGIBLE",
            )
        return service

    def validate_shoppingCart(self, cart: dict) -> dict:
        tenant = self.context["tenant"]
        accessories = cart["accessoryIds"]
        offered = set(
            catalog_selectors.accessories_offered(tenant)
            .filter(pk__in=[a.pk for a in accessories])
            .values_list("pk", flat=True)
        )
        service = self.peek("serviceId")
        device = getattr(service, "device", None) if service else None
        fitting = set(device.device.accessories.values_list("pk", flat=True)) if device else set()
        errors = {}
        for index, accessory in enumerate(accessories):
            if accessory.pk not in offered:
                errors[index] = [
                    ErrorDetail(f"Accessory {accessory.pk} is not offered.", code="NOT_AVAILABLE")
                ]
            elif service is not None and accessory.pk not in fitting:
                errors[index] = [
                    ErrorDetail(
                        f"{accessory.name} does not fit the device of service {service.pk}.",
                        code="NOT_COMPATIBLE",
                    )
                ]
        if errors:
            raise serializers.ValidationError({"accessoryIds": errors})
        return cart


REQUEST_SERIALIZERS: dict[str, type[OrderRequestSerializer]] = {
    TransactionType.ORDER_ACCESSORIES: AccessoryOrderRequestSerializer,
}


def parse_order_request(body, *, tenant: Tenant, actor: Employee) -> OrderRequest:
    """Validate a `{"orderRequest": {...}}` body; raises RequestInvalid with every problem."""
    payload = body.get("orderRequest") if isinstance(body, dict) else None
    if not isinstance(payload, dict):
        raise RequestInvalid(
            [FieldProblem("orderRequest", "REQUIRED", "The body must hold an orderRequest object.")]
        )
    transaction_type = payload.get("transactionType")
    # Not a string (a list, an object): unhashable, and reported by the base serializer.
    serializer_class = (
        REQUEST_SERIALIZERS.get(transaction_type, OrderRequestSerializer)
        if isinstance(transaction_type, str)
        else OrderRequestSerializer
    )
    serializer = serializer_class(data=payload, context={"tenant": tenant, "actor": actor})
    if not serializer.is_valid():
        raise RequestInvalid(list(flatten_errors({"orderRequest": serializer.errors})))
    data = serializer.validated_data
    return OrderRequest(
        transaction_type=data["transactionType"],
        external_order_number=(data.get("externalOrderNumber") or "").strip() or None,
        properties=data["properties"],
        service=data.get("serviceId"),
        accessories=list(data.get("shoppingCart", {}).get("accessoryIds", [])),
        ship_to=data.get("shipTo"),
    )
