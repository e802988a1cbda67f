"""The admin API of custom employee attributes (MobProc 1.1.0 "Custom Employee Attributes"):
the names the tenant keeps on its employees and the values each may take. The rules are
portal.people's (save_attribute, delete_attribute), the ones the /manage/attributes/ page calls;
the values themselves are set through PATCH /employees/{id}."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import people
from portal.api.context import ApiContext
from portal.api.inputs import at_paths, validated
from portal.api.people import admin_of
from portal.api.serializers import HrefSerializer, StringIdField
from portal.api.views import ScopedQuerysetMixin, api_context
from portal.exceptions import RequestInvalid
from portal.models import EmployeeAttribute


class EmployeeAttributeSerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "employee-attribute-detail"

    id = StringIdField()
    validValues = serializers.ListField(
        source="choices",
        child=serializers.CharField(),
        read_only=True,
        help_text="The values an employee's attribute may take, in order ([]: any text).",
    )

    class Meta:
        model = EmployeeAttribute
        fields = ["id", "name", "validValues"]


class EmployeeAttributeInputSerializer(serializers.Serializer):
    """What a PATCH leaves out stays as it is; blank values are dropped."""

    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    validValues = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        help_text="[] or left out on POST: any text up to 255 characters.",
    )


def _attributes(ctx: ApiContext):
    admin_of(ctx)
    return EmployeeAttribute.objects.filter(tenant=ctx.tenant).order_by("name", "pk")


def _answer(request, attribute: EmployeeAttribute, **kwargs) -> Response:
    shown = EmployeeAttributeSerializer(attribute, context={"request": request}).data
    return Response({"status": "SUCCESS", "employeeAttribute": shown}, **kwargs)


def _save(request, ctx, attribute: EmployeeAttribute | None) -> EmployeeAttribute:
    body = validated(EmployeeAttributeInputSerializer, request.data)
    name = body.get("name", attribute.name if attribute else "")
    values = body.get("validValues", attribute.choices if attribute else [])
    # The service drops blank values before it numbers them: point each of its problems back
    # at the index the caller sent.
    kept = [index for index, value in enumerate(values) if value and value.strip()]
    paths = {f"valid_values.{k}": f"validValues[{index}]" for k, index in enumerate(kept)}
    try:
        return people.save_attribute(
            tenant=ctx.tenant, actor=admin_of(ctx), name=name, valid_values=values,
            attribute=attribute,
        )  # fmt: skip
    except RequestInvalid as refused:
        raise at_paths(refused.problems, paths) from None


class EmployeeAttributeList(ScopedQuerysetMixin, generics.ListAPIView):
    """GET: the tenant's custom employee attributes, by name. POST: a new one
    (`{"name", "validValues"}`)."""

    serializer_class = EmployeeAttributeSerializer
    collection_name = "employeeAttributes"

    def scoped_queryset(self, ctx):
        return _attributes(ctx)

    @extend_schema(
        request=EmployeeAttributeInputSerializer, responses={201: EmployeeAttributeSerializer}
    )
    def post(self, request):
        ctx = api_context(request)
        admin_of(ctx)
        return _answer(request, _save(request, ctx, None), status=status.HTTP_201_CREATED)


class EmployeeAttributeDetail(APIView):
    """GET: one attribute. PATCH: rename it or change its valid values (values employees hold
    stay). DELETE: the attribute and every employee's value of it."""

    @extend_schema(responses={200: EmployeeAttributeSerializer})
    def get(self, request, pk: int):
        attribute = get_object_or_404(_attributes(api_context(request)), pk=pk)
        shown = EmployeeAttributeSerializer(attribute, context={"request": request}).data
        return Response({"employeeAttribute": shown})

    @extend_schema(
        request=EmployeeAttributeInputSerializer, responses={200: EmployeeAttributeSerializer}
    )
    def patch(self, request, pk: int):
        ctx = api_context(request)
        attribute = get_object_or_404(_attributes(ctx), pk=pk)
        return _answer(request, _save(request, ctx, attribute))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        ctx = api_context(request)
        attribute = get_object_or_404(_attributes(ctx), pk=pk)
        people.delete_attribute(attribute=attribute, actor=admin_of(ctx))
        return Response(status=status.HTTP_204_NO_CONTENT)
