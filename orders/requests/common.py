"""What every order request shares: the parsed OrderRequest, id fields, ship-to and property
answers, the base serializers, and the helpers their validators use."""

from __future__ import annotations

from dataclasses import dataclass, field

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from catalog import addresses
from catalog import selectors as catalog_selectors
from catalog.models import (
    Accessory,
    Device,
    Feature,
    Plan,
    Region,
    ServiceAsset,
    TransactionType,
)
from orders import properties as order_properties
from orders import rules
from portal.api.inputs import IdField, IdListField  # noqa: F401 (the request readers' import)
from portal.exceptions import FieldProblem


@dataclass
class OrderRequest:
    """A valid order request, ids resolved."""

    transaction_type: str
    external_order_number: str | None
    properties: list[dict]
    service: ServiceAsset | None = None
    accessories: list[Accessory] = field(default_factory=list)
    ship_to: dict | None = None  # {name, region, address (labelled), expedite}
    # Procurement of a line (NEW_ACTIVATION, UPGRADE, PORT_NUMBER): the device and the plan
    # with its optional features. An upgrade without a plan keeps the line's plan.
    device: Device | None = None
    plan: Plan | None = None
    # None (an upgrade only): the line keeps its features.
    features: list[Feature] | None = None
    # UPDATE_FEATURES: [(feature, ADD or REMOVE)]
    feature_changes: list[tuple[Feature, str]] = field(default_factory=list)
    region: Region | None = None  # where a new line is registered (with `postal_code`)
    # XFER_SERVICE_IN(_AND_PORT): the number brought in, digits only (a PORT_NUMBER names the
    # line, `service`, whose number it keeps).
    port_number: str = ""
    # The rest, stored on the order as its `details`: existingDevice, newDevice (both
    # resolved to ids and names), featureRequestComment, postalCode.
    details: dict = field(default_factory=dict)

    @property
    def is_care(self) -> bool:
        return TransactionType(self.transaction_type).is_care


def _detail(problems: list[FieldProblem]) -> dict:
    return {p.field: [ErrorDetail(p.message, code=p.code)] for p in problems}


def _accessories(ctx):
    return Accessory.objects.select_related("vendor", "manufacturer")


class AddressLineSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=30)
    value = serializers.CharField(max_length=200, allow_blank=True)


def _countries(ctx):
    return Region.objects.filter(parent=None)


class RegionIdSerializer(serializers.Serializer):
    """`{"id": ...}`: a country, as the addresses tutorial names the ship-to's region."""

    id = IdField(name="Region", lookup=_countries)


class ShipToSerializer(serializers.Serializer):
    """Where an order ships: the recipient, the country and the address in its format. The
    country is `regionId` (seed 002) or `region: {id}` (tutorials/addresses): either is
    accepted, or both when they name the same country."""

    name = serializers.CharField(max_length=200)
    regionId = IdField(name="Region", lookup=_countries, required=False, allow_null=True)
    region = RegionIdSerializer(required=False, allow_null=True)
    address = AddressLineSerializer(many=True)
    expedite = serializers.BooleanField(default=False)

    REGION_REQUIRED = ErrorDetail(
        "The country is required: regionId, or region.id.", code="required"
    )

    def to_internal_value(self, data):
        # Neither name of the country: said beside the other problems, not after them.
        unnamed = (
            isinstance(data, dict) and data.get("regionId") is None and data.get("region") is None
        )
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unnamed and isinstance(exc.detail, dict):
                raise serializers.ValidationError(
                    {**exc.detail, "regionId": [self.REGION_REQUIRED]}
                ) from exc
            raise
        if unnamed:
            raise serializers.ValidationError({"regionId": [self.REGION_REQUIRED]})
        return value

    def validate(self, data: dict) -> dict:
        by_id, named = data.get("regionId"), (data.get("region") or {}).get("id")
        if by_id is not None and named is not None and by_id != named:
            message = f"region.id {named.pk} and regionId {by_id.pk} name different countries."
            raise serializers.ValidationError(
                {"region": {"id": [ErrorDetail(message, code="REGION_MISMATCH")]}}
            )
        region = by_id or named
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

    def extra(self, data: dict) -> dict:
        """The type's own parts of the OrderRequest, from its validated data."""
        return {}

    def peek(self, name: str):
        """Another field's value if valid, else None: cross-field rules still run (and report)
        when an unrelated field is wrong."""
        try:
            return self.fields[name].run_validation(self.initial_data.get(name, serializers.empty))
        except (serializers.ValidationError, serializers.SkipField):
            return None


def _error(message: str, code: str) -> list[ErrorDetail]:
    return [ErrorDetail(message, code=code)]


def _errors(blockers: dict, names: dict[str, str] | None = None, *, nest: str = "") -> dict:
    """Blockers of orders.contents (keyed by index, or by the part of the order they are
    about) as serializer errors: each part under the request field `names` gives it, each
    list item's problem under its field `nest` when there is one."""
    names = names or {}
    errors = {}
    for key, value in blockers.items():
        if isinstance(value, dict):
            errors[names.get(key, key)] = _errors(value, names, nest=nest)
        else:
            error = _error(value.message, value.code)
            errors[names.get(key, key)] = {nest: error} if nest else error
    return errors


def external_order_number(payload) -> str | None:
    """The externalOrderNumber an `orderRequest` object names, if it names one (unchecked)."""
    number = payload.get("externalOrderNumber") if isinstance(payload, dict) else None
    return number.strip() or None if isinstance(number, str) else None


def _refuse(blocker: rules.Blocker | None) -> None:
    """A rule of orders.rules refusing the order is a problem of the field being validated,
    in the rule's words and with its code."""
    if blocker is not None:
        raise serializers.ValidationError(blocker.message, code=blocker.code)


def _refuse_conflict(serializer: OrderRequestSerializer, **target) -> None:
    """An open order on the same line (or number) that this one would conflict with is a
    problem of the field naming the line."""
    _refuse(
        rules.conflict_blocker(
            tenant=serializer.context["tenant"],
            transaction_type=serializer.transaction_type,
            # The same order resubmitted is not its own rival (submit returns it).
            exclude_external_number=external_order_number(serializer.initial_data),
            **target,
        )
    )


class NoShipToMixin(serializers.Serializer):
    """Care orders change a line; nothing is shipped, so a ship-to is a mistake worth saying."""

    shipTo = serializers.JSONField(required=False, allow_null=True)

    def validate_shipTo(self, value):
        if value is not None:
            kind = TransactionType(self.transaction_type).label.lower()
            raise serializers.ValidationError(
                f"Nothing is shipped for a {kind} order: leave shipTo out.", code="NOT_APPLICABLE"
            )
        return None


class ServiceOrderRequestSerializer(OrderRequestSerializer):
    """An order about one of the actor's lines (a tenant admin may order for any line): the
    line's status must allow the type, and no open order on it may conflict with this one."""

    transaction_type: TransactionType

    serviceId = IdField(
        name="Service",
        lookup=lambda ctx: catalog_selectors.services_visible_to(ctx["actor"]),
    )

    def validate_serviceId(self, service: ServiceAsset) -> ServiceAsset:
        _refuse(rules.status_blocker(service, self.transaction_type))
        _refuse_conflict(self, service=service)
        return service

    def extra(self, data: dict) -> dict:
        return {"service": data["serviceId"]}
