"""The admin API of hierarchies: the tenant's named hierarchies (one the default: the
reporting line) and who reports to whom in each. The rules are portal.hierarchies'."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import hierarchies
from portal.api.context import ApiContext
from portal.api.inputs import IdField, at_paths, of_tenant, validated
from portal.api.people import PersonField, admin_of
from portal.api.serializers import HrefSerializer, StringIdField, absolute_url
from portal.api.views import ScopedQuerysetMixin, api_context
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Employee, Hierarchy, ReportingLine


class HierarchySerializer(HrefSerializer, serializers.ModelSerializer):
    href_view = "hierarchy-detail"

    id = StringIdField()
    isDefault = serializers.BooleanField(source="is_default")
    lineCount = serializers.IntegerField(source="line_count", read_only=True)

    class Meta:
        model = Hierarchy
        fields = ["id", "name", "isDefault", "lineCount"]

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        lines = absolute_url(self.context["request"], "hierarchy-lines", pk=instance.pk)
        return {**data, "_meta": {**data["_meta"], "hrefLines": lines}}


class HierarchyInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    isDefault = serializers.BooleanField(required=False)


HIERARCHY_PATHS = {"is_default": "isDefault"}


def _hierarchies(ctx: ApiContext):
    admin_of(ctx)
    return (
        Hierarchy.objects.filter(tenant=ctx.tenant)
        .annotate(line_count=Count("lines"))
        .order_by("-is_default", "name", "pk")
    )


def _answer(request, ctx, hierarchy: Hierarchy, **kwargs) -> Response:
    hierarchy = _hierarchies(ctx).get(pk=hierarchy.pk)
    shown = HierarchySerializer(hierarchy, context={"request": request}).data
    return Response({"status": "SUCCESS", "hierarchy": shown}, **kwargs)


def _save(request, ctx, hierarchy: Hierarchy | None) -> Hierarchy:
    body = validated(HierarchyInputSerializer, request.data)
    try:
        return hierarchies.save_hierarchy(
            tenant=ctx.tenant, actor=admin_of(ctx), name=body.get("name"),
            is_default=body.get("isDefault"), hierarchy=hierarchy,
        )  # fmt: skip
    except RequestInvalid as refused:
        raise at_paths(refused.problems, HIERARCHY_PATHS) from None


class HierarchyList(ScopedQuerysetMixin, generics.ListAPIView):
    """GET: the tenant's hierarchies, the default first. POST: a new one
    (`{"name", "isDefault"}`; a tenant's first is its default)."""

    serializer_class = HierarchySerializer
    collection_name = "hierarchies"

    def scoped_queryset(self, ctx):
        return _hierarchies(ctx)

    @extend_schema(request=HierarchyInputSerializer, responses={201: HierarchySerializer})
    def post(self, request):
        ctx = api_context(request)
        admin_of(ctx)
        return _answer(request, ctx, _save(request, ctx, None), status=201)


class HierarchyDetail(APIView):
    """GET: one hierarchy. PATCH: rename it, or make it the default. DELETE: refused (409
    HIERARCHY_IS_DEFAULT) for the default; approval steps that named it follow the reporting
    line from then on."""

    @extend_schema(responses={200: HierarchySerializer})
    def get(self, request, pk: int):
        hierarchy = get_object_or_404(_hierarchies(api_context(request)), pk=pk)
        shown = HierarchySerializer(hierarchy, context={"request": request}).data
        return Response({"hierarchy": shown})

    @extend_schema(request=HierarchyInputSerializer, responses={200: HierarchySerializer})
    def patch(self, request, pk: int):
        ctx = api_context(request)
        hierarchy = get_object_or_404(_hierarchies(ctx), pk=pk)
        return _answer(request, ctx, _save(request, ctx, hierarchy))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        ctx = api_context(request)
        hierarchy = get_object_or_404(_hierarchies(ctx), pk=pk)
        hierarchies.delete_hierarchy(hierarchy=hierarchy, actor=admin_of(ctx))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Reporting lines ---------------------------------------------------------------------------


class LineSerializer(serializers.ModelSerializer):
    employeeId = serializers.CharField(source="employee_id", read_only=True)
    managerId = serializers.CharField(source="manager_id", read_only=True)
    employee = PersonField()
    manager = PersonField()

    class Meta:
        model = ReportingLine
        fields = ["employeeId", "managerId", "employee", "manager"]


class LineInputSerializer(serializers.Serializer):
    employeeId = IdField(name="Employee", lookup=of_tenant(Employee))
    managerId = IdField(name="Employee", lookup=of_tenant(Employee), allow_null=True)


class HierarchyLines(ScopedQuerysetMixin, generics.ListAPIView):
    """GET: who reports to whom in the hierarchy. PUT: all of its lines at once
    (`[{"employeeId", "managerId"}]`; whoever is left out has no manager in it), with
    set_manager's rules: nobody manages themselves, an active colleague, no loops."""

    serializer_class = LineSerializer
    collection_name = "lines"

    def _hierarchy(self, ctx) -> Hierarchy:
        return get_object_or_404(_hierarchies(ctx), pk=self.kwargs["pk"])

    def scoped_queryset(self, ctx):
        return (
            ReportingLine.objects.filter(hierarchy=self._hierarchy(ctx))
            .select_related("employee", "manager")
            .order_by("employee__last_name", "employee__first_name", "pk")
        )

    @extend_schema(
        request=LineInputSerializer(many=True), responses={200: LineSerializer(many=True)}
    )
    def put(self, request, pk: int):
        ctx = api_context(request)
        hierarchy = self._hierarchy(ctx)
        if not isinstance(request.data, list):
            raise RequestInvalid(
                [FieldProblem("", "INVALID_TYPE", "Send a list of {employeeId, managerId}.")]
            )
        body = LineInputSerializer(data=request.data, many=True, context={"tenant": ctx.tenant})
        body.is_valid(raise_exception=True)
        lines, paths, problems = {}, {}, []
        for index, line in enumerate(body.validated_data):
            employee = line["employeeId"]
            if employee in lines:
                problems.append(
                    FieldProblem(f"[{index}].employeeId", "DUPLICATE", "Listed more than once.")
                )
            lines[employee] = line["managerId"]
            paths[f"lines.{employee.pk}"] = f"[{index}].managerId"
        if problems:
            raise RequestInvalid(problems)
        try:
            hierarchies.set_reporting_lines(hierarchy=hierarchy, actor=admin_of(ctx), lines=lines)
        except RequestInvalid as refused:
            raise at_paths(refused.problems, paths) from None
        return self.list(request)
