"""Reads of orders shared by pages and API: visibility, prefetching, filters."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from orders.models import Order, OrderHistory, OrderItem, OrderSegment, Shipment
from portal.models import Employee


def orders_visible_to(employee: Employee) -> QuerySet[Order]:
    """Orders of the employee's tenant they may see: their own (as requester or account holder);
    a tenant admin sees all of them."""
    orders = Order.objects.filter(tenant_id=employee.tenant_id)
    if not employee.is_tenant_admin:
        orders = orders.filter(Q(requested_by=employee) | Q(account_holder=employee))
    return orders


def with_summary(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Everything an order's summary shows, in a fixed number of queries."""
    return orders.select_related(
        "tenant",
        "requested_by__department",
        "account_holder__department",
        "service",
        "region",
    )


def with_details(
    orders: QuerySet[Order],
    *,
    segments: bool = True,
    history: bool = False,
    shipments: bool = False,
) -> QuerySet[Order]:
    """Prefetch segments with their items (and history, shipments): one query each however
    many orders, segments and items there are."""
    orders = with_summary(orders)
    if segments or shipments:
        segment_qs = OrderSegment.objects.select_related("vendor").prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.select_related("manufacturer"))
        )
        if shipments:
            segment_qs = segment_qs.prefetch_related("shipments")
        orders = orders.prefetch_related(Prefetch("segments", queryset=segment_qs))
    if history:
        orders = orders.prefetch_related(
            Prefetch(
                "history",
                queryset=OrderHistory.objects.select_related("actor", "on_behalf_of"),
            )
        )
    return orders


def history_of(order: Order) -> QuerySet[OrderHistory]:
    return OrderHistory.objects.filter(order=order).select_related("actor", "on_behalf_of")


def shipments_of(order: Order) -> QuerySet[Shipment]:
    return Shipment.objects.filter(segment__order=order).select_related("segment")
