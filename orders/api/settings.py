"""The admin API of what orders ask and tell: the order properties per transaction type (as the
/manage/properties/ pages edit them) and the notification switches. The rules are
orders.properties', orders.property_config's and orders.notifications'."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import TransactionType
from orders import notifications, properties, property_config
from orders.models import (
    Notification,
    NotificationSetting,
    PropertyChoice,
    PropertyField,
    PropertyGroup,
)
from portal.api.exceptions import ApiError
from portal.api.inputs import at_paths, validated
from portal.api.people import admin_of
from portal.api.serializers import absolute_url
from portal.api.views import ScopedQuerysetMixin, api_context
from portal.exceptions import RequestInvalid

# --- Order properties --------------------------------------------------------------------------


class ChoiceInputSerializer(serializers.Serializer):
    id = serializers.CharField(allow_blank=True, trim_whitespace=False)
    label = serializers.CharField(allow_blank=True, trim_whitespace=False)
    isOther = serializers.BooleanField(default=False)


class FieldInputSerializer(serializers.Serializer):
    """A property field in MobProc's format (SPEC "Properties")."""

    id = serializers.CharField(allow_blank=True, trim_whitespace=False)
    label = serializers.CharField(allow_blank=True, trim_whitespace=False)
    type = serializers.ChoiceField(choices=PropertyField.Type.choices)
    validation = serializers.ChoiceField(
        choices=PropertyField.Validation.choices, default=PropertyField.Validation.OPTIONAL
    )
    minLength = serializers.IntegerField(required=False, allow_null=True)
    maxLength = serializers.IntegerField(required=False, allow_null=True)
    pattern = serializers.CharField(required=False, allow_blank=True, max_length=100)
    regEx = serializers.CharField(required=False, allow_blank=True, max_length=300)
    text = serializers.CharField(required=False, allow_blank=True, max_length=300)
    choices = ChoiceInputSerializer(many=True, required=False)

    def to_internal_value(self, data) -> properties.PropertyFieldInput:
        value = super().to_internal_value(data)
        return properties.PropertyFieldInput(
            field_id=value["id"],
            label=value["label"],
            type=value["type"],
            required=value["validation"] == PropertyField.Validation.REQUIRED,
            min_length=value.get("minLength"),
            max_length=value.get("maxLength"),
            pattern=value.get("pattern", ""),
            reg_ex=value.get("regEx", ""),
            default_text=value.get("text", ""),
            choices=tuple(
                properties.ChoiceInput(c["id"], c["label"], c["isOther"])
                for c in value.get("choices", [])
            ),
        )


@extend_schema_field({"type": "string", "enum": TransactionType.values})
class TransactionTypeField(serializers.ChoiceField):
    """A transaction type (its schema inline: the enum component is the order request's)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=TransactionType.choices, **kwargs)


class PropertyGroupInputSerializer(serializers.Serializer):
    transactionType = TransactionTypeField()
    groupId = serializers.CharField(allow_blank=True, trim_whitespace=False)
    fields = FieldInputSerializer(many=True, default=list)


class PropertyFieldsInputSerializer(serializers.Serializer):
    """PUT: the group's fields, all of them (`transactionType` and `groupId` stay)."""

    fields = FieldInputSerializer(many=True)


# The services' names of what they refuse -> the body's (fields[i].<name> inside a field).
FIELD_NAMES = {
    "field_id": "id",
    "min_length": "minLength",
    "max_length": "maxLength",
    "reg_ex": "regEx",
    "default_text": "text",
}


def _body_paths(problems) -> RequestInvalid:
    paths = {"transaction_type": "transactionType", "group_id": "groupId"}
    renamed = []
    for problem in problems:
        field = problem.field
        if field.startswith("fields[") and "]." in field:
            head, _, name = field.partition("].")
            top, _, rest = name.partition(".")
            field = f"{head}].{FIELD_NAMES.get(top, top)}" + (f".{rest}" if rest else "")
        renamed.append(type(problem)(paths.get(field, field), problem.code, problem.message))
    return at_paths(renamed, {})


class PropertyGroupSerializer(serializers.BaseSerializer):
    """A configured group: its MobProc representation, with the group's own id and type."""

    def to_representation(self, group: PropertyGroup) -> dict:
        request = self.context["request"]
        return {
            "_meta": {"href": absolute_url(request, "order-property-group", pk=group.pk)},
            "id": str(group.pk),
            "transactionType": group.transaction_type,
            **properties.group_representation(group),
        }


def _groups(ctx):
    admin_of(ctx)
    choices = PropertyChoice.objects.order_by("position", "id")
    fields = PropertyField.objects.prefetch_related(Prefetch("choices", queryset=choices))
    return (
        PropertyGroup.objects.filter(tenant=ctx.tenant)
        .prefetch_related(Prefetch("fields", queryset=fields))
        .order_by("transaction_type", "position", "group_id", "pk")
    )


def _group_answer(request, ctx, group: PropertyGroup, **kwargs) -> Response:
    shown = PropertyGroupSerializer(_groups(ctx).get(pk=group.pk), context={"request": request})
    return Response({"status": "SUCCESS", "orderProperty": shown.data}, **kwargs)


@extend_schema_view(
    get=extend_schema(
        parameters=[OpenApiParameter("transactionType", str, description="Only this type's")],
        responses={200: OpenApiTypes.OBJECT},
        operation_id="order_property_groups_list",
    )
)
class OrderPropertyGroupList(ScopedQuerysetMixin, generics.ListAPIView):
    """GET: the tenant's property groups with their fields (`?transactionType=` narrows).
    POST: a new group with its fields."""

    serializer_class = PropertyGroupSerializer
    collection_name = "orderProperties"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PropertyGroup.objects.none()
        return self.scoped_queryset(api_context(self.request))

    def scoped_queryset(self, ctx):
        groups = _groups(ctx)
        chosen = self.request.query_params.get("transactionType", "")
        if chosen and chosen not in TransactionType.values:
            raise ApiError(400, "INVALID_QUERY", "transactionType: not a transaction type.")
        return groups.filter(transaction_type=chosen) if chosen else groups

    @extend_schema(request=PropertyGroupInputSerializer, responses={201: dict})
    def post(self, request):
        ctx = api_context(request)
        admin = admin_of(ctx)
        body = validated(PropertyGroupInputSerializer, request.data)
        try:
            group = property_config.create_property_group(
                tenant=ctx.tenant, actor=admin, transaction_type=body["transactionType"],
                group_id=body["groupId"], fields=body["fields"],
            )  # fmt: skip
        except RequestInvalid as refused:
            raise _body_paths(refused.problems) from None
        return _group_answer(request, ctx, group, status=status.HTTP_201_CREATED)


class OrderPropertyGroupDetail(APIView):
    """GET: one group. PUT: its fields, all of them, in order. DELETE: stop asking it (orders
    placed keep their answers)."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        group = get_object_or_404(_groups(api_context(request)), pk=pk)
        shown = PropertyGroupSerializer(group, context={"request": request}).data
        return Response({"orderProperty": shown})

    @extend_schema(request=PropertyFieldsInputSerializer, responses={200: dict})
    def put(self, request, pk: int):
        ctx = api_context(request)
        group = get_object_or_404(_groups(ctx), pk=pk)
        body = validated(PropertyFieldsInputSerializer, request.data)
        try:
            property_config.replace_property_fields(
                group=group, actor=admin_of(ctx), fields=body["fields"]
            )
        except RequestInvalid as refused:
            raise _body_paths(refused.problems) from None
        return _group_answer(request, ctx, group)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        ctx = api_context(request)
        group = get_object_or_404(_groups(ctx), pk=pk)
        properties.delete_property_group(group=group, actor=admin_of(ctx))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Notification switches ---------------------------------------------------------------------


class NotificationSettingsInputSerializer(serializers.Serializer):
    enabled = serializers.ListField(
        child=serializers.ChoiceField(choices=Notification.Event.choices), allow_empty=True
    )
    # Left out: stays as it is.
    emailLinkDecisionsWithoutSignIn = serializers.BooleanField(required=False)


def _settings(request, tenant) -> dict:
    off = set(
        NotificationSetting.objects.filter(tenant=tenant, enabled=False).values_list(
            "event", flat=True
        )
    )
    return {
        "_meta": {"href": absolute_url(request, "notification-settings")},
        "enabled": [event for event in Notification.Event.values if event not in off],
        "events": [
            {"event": value, "label": label, "enabled": value not in off}
            for value, label in Notification.Event.choices
        ],
        "emailLinkDecisionsWithoutSignIn": tenant.email_link_decisions_without_sign_in,
    }


class NotificationSettings(APIView):
    """GET: which notifications the tenant sends, and whether the approval e-mails' links decide
    without signing in. PUT: `{"enabled": [events], "emailLinkDecisionsWithoutSignIn": bool}`,
    the events not listed switched off (the switch left out stays as it is)."""

    @extend_schema(responses={200: dict}, operation_id="notification_settings_retrieve")
    def get(self, request):
        ctx = api_context(request)
        admin_of(ctx)
        return Response({"notificationSettings": _settings(request, ctx.tenant)})

    @extend_schema(request=NotificationSettingsInputSerializer, responses={200: dict})
    def put(self, request):
        ctx = api_context(request)
        admin = admin_of(ctx)
        body = validated(NotificationSettingsInputSerializer, request.data)
        try:
            with transaction.atomic():
                notifications.set_notification_settings(
                    tenant=ctx.tenant, actor=admin, enabled=body["enabled"]
                )
                if "emailLinkDecisionsWithoutSignIn" in body:
                    notifications.set_email_link_decisions(
                        tenant=ctx.tenant, actor=admin,
                        without_sign_in=body["emailLinkDecisionsWithoutSignIn"],
                    )  # fmt: skip
        except RequestInvalid as refused:
            raise at_paths(refused.problems, {"events": "enabled"}) from None
        shown = _settings(request, ctx.tenant)
        return Response({"status": "SUCCESS", "notificationSettings": shown})
