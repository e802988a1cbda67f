"""API views of the portal app: people and health (`/me`, which names what the caller may
order, is the catalog's: catalog.api.views)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import selectors
from portal.api.context import ApiContext
from portal.api.filters import EmployeeFilterMixin, UpdatedSortMixin
from portal.api.schema import ResourceDetailSchema
from portal.api.serializers import EmployeeDetailSerializer, EmployeeItemSerializer
from portal.models import Employee


def api_context(request) -> ApiContext:
    return request.auth


class ScopedQuerysetMixin:
    """Views implement `scoped_queryset(ctx)`: rows of the caller's tenant they may see.
    Schema generation (no request context) gets an empty queryset of the serializer's model."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.get_serializer_class().Meta.model.objects.none()
        return self.scoped_queryset(api_context(self.request))

    def scoped_queryset(self, ctx: ApiContext):
        raise NotImplementedError


class PingView(APIView):
    """Health check: answers without credentials and says whether the database answers."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # load balancers poll it: never throttled

    @extend_schema(parameters=[OpenApiParameter("echoText", str)], responses={200: dict}, auth=[])
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Response(
            {
                "status": "SUCCESS",
                "echoText": request.query_params.get("echoText", ""),
                "dateTime": timezone.now().isoformat().replace("+00:00", "Z"),
            }
        )


class EmployeeFilter(UpdatedSortMixin, EmployeeFilterMixin):
    """`employee` (an id) and `companyEmployeeId` (concepts/actor's employee filter), `status`,
    `department`; `dateTimeUpdatedOnOrAfter` and the UPDATED_DATE sort (MobProc 1.2.0)."""

    status = filters.ChoiceFilter(choices=Employee.Status.choices)
    department = filters.NumberFilter(field_name="department_id")
    dateTimeUpdatedOnOrAfter = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only those changed at or after this time (ISO 8601)",
    )

    class Meta:
        model = Employee
        fields: list = []


class EmployeeList(ScopedQuerysetMixin, generics.ListAPIView):
    serializer_class = EmployeeItemSerializer
    collection_name = "employees"
    filterset_class = EmployeeFilter

    def scoped_queryset(self, ctx):
        return selectors.employees_of(ctx.tenant)


class ResourceDetail(generics.RetrieveAPIView):
    """A single resource, wrapped in its singular name as MobProc does: {"order": {...}}."""

    resource_name = "item"
    schema = ResourceDetailSchema()  # the OpenAPI document wraps it too

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return Response({self.resource_name: self.get_serializer(instance).data})


class EmployeeDetail(ScopedQuerysetMixin, ResourceDetail):
    serializer_class = EmployeeDetailSerializer
    resource_name = "employee"

    def scoped_queryset(self, ctx):
        return selectors.employees_of(ctx.tenant)
