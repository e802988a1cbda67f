"""Orders API: thin views that select, call orders.services and render."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.models import TransactionType
from orders import drafts, properties, selectors, services
from orders.api.representations import (
    HISTORY_COLUMNS,
    SHIPMENT_COLUMNS,
    history_item,
    order_representation,
    order_representations,
    order_rows,
    shipment_item,
    visible_order_row,
)
from orders.api.serializers import (
    HistorySerializer,
    OrderSerializer,
    ShipmentSerializer,
    confirmation_representation,
)
from orders.models import Order, OrderStatus
from orders.requests import external_order_number, parse_order_request
from portal import selectors as people
from portal.api.exceptions import ApiError
from portal.api.filters import UpdatedSortMixin, query_flag
from portal.api.schema import ResourceDetailSchema
from portal.api.views import ScopedQuerysetMixin, api_context
from portal.ids import is_id
from portal.pagination import page_ids

INCLUDE_FLAGS = [
    OpenApiParameter(name, bool, description=description)
    for name, description in [
        ("includeApprovers", "Add pendingApprovalLevel and approver"),
        ("includeOrderSegments", "Add orderSegments"),
        ("includeOrderHistory", "Add orderHistory"),
        ("includeOrderShipments", "Add the segments' shipments"),
    ]
]
SEGMENT_PARAMETER = OpenApiParameter("orderSegment", int, description="Only this segment's rows")


def included_parts(request, *, segments: bool = False) -> dict:
    """The parts of an order the include flags ask for (order_representations' keywords);
    `segments`: shown whatever the flag says (which is still refused when malformed)."""
    return {
        "segments": query_flag(request, "includeOrderSegments") or segments,
        "history": query_flag(request, "includeOrderHistory"),
        "shipments": query_flag(request, "includeOrderShipments"),
        "approvers": query_flag(request, "includeApprovers"),
    }


class OrderFilter(UpdatedSortMixin, filters.FilterSet):
    """`dateTimeUpdated`: changed at or after that time; the UPDATED_DATE sort (MobProc
    1.1.0, portal.api.filters.UpdatedSortMixin)."""

    status = filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    transactionType = filters.ChoiceFilter(
        field_name="transaction_type", choices=TransactionType.choices
    )
    dateTimeUpdated = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only those changed at or after this time (ISO 8601)",
    )
    employee = filters.NumberFilter(method="filter_employee")
    companyEmployeeId = filters.CharFilter(method="filter_company_employee_id")
    eligibleToApproveEmployeeId = filters.NumberFilter(method="filter_eligible_to_approve")
    eligibleToApproveCompanyEmployeeId = filters.CharFilter(method="filter_eligible_to_approve")

    class Meta:
        model = Order
        fields: list = []

    def filter_employee(self, queryset, name, value):
        return queryset.filter(Q(requested_by_id=value) | Q(account_holder_id=value))

    def filter_company_employee_id(self, queryset, name, value):
        return queryset.filter(
            Q(requested_by__company_employee_id=value)
            | Q(account_holder__company_employee_id=value)
        )

    def filter_eligible_to_approve(self, queryset, name, value):
        tenant = api_context(self.request).tenant
        lookup = "pk" if name == "eligibleToApproveEmployeeId" else "company_employee_id"
        approver = people.employee_in_tenant(tenant, **{lookup: value})
        if approver is None:
            return queryset.none()
        return selectors.awaiting_decision_by(approver, queryset)


class OrderBodySerializer(serializers.Serializer):
    """Documents the request body; validation is orders.requests.parse_order_request."""

    orderRequest = serializers.DictField()


@extend_schema_view(get=extend_schema(parameters=INCLUDE_FLAGS))
class OrderCollection(ScopedQuerysetMixin, generics.ListAPIView):
    """GET: the orders the caller may see. POST: validate (?confirm=true) or submit an order."""

    serializer_class = OrderSerializer
    collection_name = "orders"
    filterset_class = OrderFilter
    # A deep offset reads its 25 rows, not every row it skips (portal.pagination).
    deferred_join = True

    def scoped_queryset(self, ctx):
        return selectors.order_list_visible_to(ctx.actor)

    def _unfiltered(self) -> bool:
        """Neither filtered nor sorted: the visible orders, newest first."""
        return not any(name in self.request.query_params for name in OrderFilter.base_filters)

    def count_rows(self, orders) -> int:
        """totalCount: unfiltered (no queryset), counted branch by branch
        (selectors.count_visible_to); a filter narrows the visible orders themselves, counted
        as they are."""
        if orders is None:
            return selectors.count_visible_to(api_context(self.request).actor)
        return orders.count()

    def page_ids(self, orders, offset: int, limit: int) -> list[int]:
        if orders is None:
            return selectors.visible_order_ids(api_context(self.request).actor, offset, limit)
        return page_ids(orders, offset, limit)

    def page_rows(self, ids: list[int]) -> list[dict]:
        """The page's orders, represented (the visibility filter picked their ids: not applied
        again), in the order of the ids (the list's own, or the one ?sort= asked for)."""
        return represented_in_order(self.request, ids, **self.parts)

    def list(self, request, *args, **kwargs):
        # Read (and refused when malformed) before counting: an empty page checks them too.
        self.parts = included_parts(request)
        # Unfiltered, the count and the page's ids are prepared reads (selectors): building
        # the queryset and the filter set they would not use was a quarter of its CPU.
        orders = None if self._unfiltered() else self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(page)

    @extend_schema(
        request=OrderBodySerializer,
        parameters=[OpenApiParameter("confirm", bool, description="Validate and expand only")],
        responses={200: dict},
    )
    def post(self, request):
        ctx = api_context(request)
        confirm = query_flag(request, "confirm")
        payload = request.data.get("orderRequest") if isinstance(request.data, dict) else None
        digest = services.request_digest(payload)
        # A retried submit (the same request again) gets the stored order back, even once the
        # order has changed the line so that the same request would no longer validate; a
        # different request under a stored number is refused (422), confirm mode included, so
        # that a confirmation never promises what the submit would refuse.
        stored = services.stored_order(
            tenant=ctx.tenant,
            requester=ctx.actor,
            external_order_number=external_order_number(payload),
            request_digest=digest,
        )
        if stored is not None and not confirm:
            return self._submitted(stored)
        order_request = parse_order_request(request.data, tenant=ctx.tenant, actor=ctx.actor)
        draft = drafts.draft_order(tenant=ctx.tenant, actor=ctx.actor, request=order_request)
        if confirm:
            context = self.get_serializer_context()
            return Response(
                {
                    "orderConfirmation": confirmation_representation(draft, context),
                    "status": "SUCCESS",
                }
            )
        # One transaction around submit and rendering: the answer shows the order as submitted
        # even when tasks run eagerly (routing is queued on commit).
        with transaction.atomic():
            order, _created = services.submit_order(
                draft=draft, placed_by=ctx.caller, client_id=ctx.client_id,
                request_digest=digest, hierarchy=ctx.hierarchy,
            )  # fmt: skip
            return self._submitted(order)

    def _submitted(self, order: Order) -> Response:
        parts = included_parts(self.request, segments=True)
        data = order_representation(order, self.request, **parts)
        return Response({"order": data, "status": "SUCCESS"})


def represented_in_order(request, ids: list[int], **parts) -> list[dict]:
    """The orders of `ids` (of the caller's tenant, each one the caller may see: the caller
    has checked), represented, in the order of `ids`."""
    rows = order_rows(api_context(request).tenant.pk, ids)
    by_id = order_representations(rows, request, **parts)
    return [by_id[pk] for pk in ids if pk in by_id]


def visible_order(request, pk: int) -> Order:
    """The order if the acting employee may see it; 404 otherwise (another tenant's too)."""
    return get_object_or_404(selectors.orders_visible_to(api_context(request).actor), pk=pk)


@extend_schema_view(get=extend_schema(parameters=INCLUDE_FLAGS))
class OrderDetail(ScopedQuerysetMixin, generics.RetrieveAPIView):
    serializer_class = OrderSerializer
    resource_name = "order"
    schema = ResourceDetailSchema()

    def scoped_queryset(self, ctx):
        return selectors.orders_visible_to(ctx.actor)

    def retrieve(self, request, *args, **kwargs):
        parts = included_parts(request, segments=True)
        row = visible_order_row(api_context(request).actor, self.kwargs["pk"])
        if row is None:
            raise Http404
        (data,) = order_representations([row], request, **parts).values()
        return Response({self.resource_name: data})


@extend_schema_view(get=extend_schema(parameters=[SEGMENT_PARAMETER]))
class SegmentScopedList(ScopedQuerysetMixin, generics.ListAPIView):
    """Rows of one order, optionally of one of its segments (?orderSegment=)."""

    def segment_filter(self, order: Order) -> dict:
        raw = self.request.query_params.get("orderSegment", "").strip()
        if not raw:
            return {}
        if not is_id(raw) or not order.segments.filter(pk=int(raw)).exists():
            raise ApiError(404, "SEGMENT_NOT_FOUND", f"Order {order.pk} has no segment {raw}.")
        return {"segment_id": int(raw)}

    def list(self, request, *args, **kwargs):
        rows = self.paginate_queryset(self.get_queryset().values(*self.columns))
        return self.get_paginated_response([self.represent(row) for row in rows])


class OrderHistoryList(SegmentScopedList):
    serializer_class = HistorySerializer
    collection_name = "history"
    columns, represent = HISTORY_COLUMNS, staticmethod(history_item)

    def scoped_queryset(self, ctx):
        order = visible_order(self.request, self.kwargs["pk"])
        return selectors.history_of(order).filter(**self.segment_filter(order))


class OrderShipmentList(SegmentScopedList):
    serializer_class = ShipmentSerializer
    collection_name = "shipments"
    columns, represent = SHIPMENT_COLUMNS, staticmethod(shipment_item)

    def scoped_queryset(self, ctx):
        order = visible_order(self.request, self.kwargs["pk"])
        return selectors.shipments_of(order).filter(**self.segment_filter(order))


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    communicationWorkflow = serializers.ChoiceField(
        choices=["Default", "None"], required=False, default="Default"
    )


class OrderCancel(APIView):
    """Withdraw an order before it reaches the vendors; 422 from any later state."""

    @extend_schema(request=CancelSerializer, responses={200: OrderSerializer})
    def post(self, request, pk: int):
        ctx = api_context(request)
        order = visible_order(request, pk)
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.cancel_order(
            order=order, actor=ctx.actor, caller=ctx.caller, reason=body.validated_data["reason"]
        )
        return Response({"order": order_representation(order, request), "status": "SUCCESS"})


class PropertyListSerializer(serializers.Serializer):
    transactionType = serializers.ChoiceField(choices=TransactionType.choices)
    service = serializers.IntegerField(required=False, min_value=1)
    orderExcludesDevice = serializers.BooleanField(
        required=False,
        default=False,
        help_text="An UPGRADE without a new device: leave out the device-specific properties",
    )
    orderExcludesPlan = serializers.BooleanField(
        required=False,
        default=False,
        help_text="An UPGRADE without a new plan: leave out the plan-specific properties",
    )


class OrderPropertyList(APIView):
    """The property groups a transaction type asks for, in MobProc's format."""

    @extend_schema(parameters=[PropertyListSerializer], responses={200: dict})
    def get(self, request):
        ctx = api_context(request)
        query = PropertyListSerializer(data=request.query_params)
        if not query.is_valid():
            problems = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in query.errors.items())
            raise ApiError(400, "INVALID_QUERY", problems)
        asked = query.validated_data
        service_id = asked.get("service")
        service = None
        if service_id:
            service = catalog_selectors.services_visible_to(ctx.actor).filter(pk=service_id).first()
            if service is None:
                raise ApiError(404, "SERVICE_NOT_FOUND", f"Service {service_id} does not exist.")
        groups = properties.groups_for(ctx.tenant, asked["transactionType"])
        holder = service.account_holder if service is not None else ctx.actor
        contact_number = ""
        if any(properties.asks_contact_number(f) for g in groups for f in g.fields.all()):
            contact_number = properties.known_contact_number(holder, service)
        items = [
            properties.group_representation(
                group,
                contact_number=contact_number,
                excludes_device=asked["orderExcludesDevice"],
                excludes_plan=asked["orderExcludesPlan"],
            )
            for group in groups
        ]
        meta = {
            "href": request.build_absolute_uri(),
            "limit": max(len(items), 1),
            "offset": 0,
            "totalCount": len(items),
        }
        return Response({"properties": {"_meta": meta, "items": items}})
