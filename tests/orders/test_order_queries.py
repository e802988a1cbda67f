"""GET /orders and GET /orders/{id} run a fixed number of queries, however big the orders are."""

from datetime import UTC, datetime, timedelta

import pytest

from catalog.models import Accessory, TransactionType, Vendor
from orders import services
from orders.models import Order, OrderItem, OrderSegment, Shipment
from tests.conftest import seed_order_request
from tests.demo_data import att, line_of, united_states, verizon
from tests.factories import VendorFactory

# Every include flag: segments with items, history, shipments.
EVERYTHING = {
    "includeOrderSegments": "true",
    "includeOrderHistory": "true",
    "includeOrderShipments": "true",
}
# The bound the two endpoints must stay under (authentication and context included).
MAX_QUERIES = 12


def build_order(employee, vendors: list[Vendor], items_per_segment: int) -> Order:
    """An order with one segment per vendor, several items each, history and shipments,
    written with the models directly (as many rows as wanted, quickly)."""
    service = line_of(employee)
    accessories = list(Accessory.objects.filter(offered_to=employee.tenant)[:items_per_segment])
    assert len(accessories) == items_per_segment
    region = united_states()
    order = Order.objects.create(
        tenant=employee.tenant,
        transaction_type=TransactionType.ORDER_ACCESSORIES,
        requested_by=employee,
        account_holder=employee,
        service=service,
        region=region,
        properties=seed_order_request()["orderRequest"]["properties"],
        ship_to={"name": "Peter Edwards", "regionId": region.pk, "address": [], "expedite": False},
    )
    services.record_history(order, event="submit", to_status=order.status, actor=employee)
    shipped = datetime(2024, 6, 1, tzinfo=UTC)
    for vendor in vendors:
        segment = OrderSegment.objects.create(order=order, vendor=vendor)
        OrderItem.objects.bulk_create(
            OrderItem(
                segment=segment,
                kind=OrderItem.Kind.ACCESSORY,
                position=position,
                name=accessory.name,
                manufacturer=accessory.manufacturer,
                accessory=accessory,
                price_amount=accessory.price_amount,
            )
            for position, accessory in enumerate(accessories)
        )
        services.record_history(order, event="vendor_ack", actor=employee, segment=segment)
        for day in range(2):
            Shipment.objects.create(
                segment=segment,
                carrier="UPS",
                tracking_number=f"1Z{segment.pk}{day}",
                shipped_at=shipped + timedelta(days=day),
            )
    return order


@pytest.fixture
def vendors(demo) -> list[Vendor]:
    """Five vendors: Verizon and AT&T of the demo, and three more."""
    return [verizon(), att(), *VendorFactory.create_batch(3)]


def queries_for(count_queries, client, path, query=None) -> int:
    with count_queries() as captured:
        response = client.get(path, query)
    assert response.status_code == 200, response.json()
    return len(captured.captured_queries)


def test_order_list_query_count_does_not_grow_with_orders_segments_and_items(
    peter_api, peter, vendors, count_queries, django_assert_max_num_queries
):
    # Given one small order (one segment, one item)
    build_order(peter, vendors[:1], items_per_segment=1)
    peter_api.get("orders", EVERYTHING)  # warm-up: per-process caches are not per-request cost
    small = queries_for(count_queries, peter_api, "orders", EVERYTHING)

    # When there are ten orders, with five segments of six items each, history and shipments
    for _ in range(9):
        build_order(peter, vendors, items_per_segment=6)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = peter_api.get("orders", EVERYTHING)
    large = queries_for(count_queries, peter_api, "orders", EVERYTHING)

    # Then the list shows all of it, in exactly as many queries as for the small one
    items = response.json()["orders"]["items"]
    assert len(items) == 10
    assert sum(len(o["orderSegments"]["items"]) for o in items) == 1 + 9 * 5
    assert sum(len(s["accessories"]) for o in items for s in o["orderSegments"]["items"]) == (
        1 + 9 * 5 * 6
    )
    assert sum(len(o["orderHistory"]["items"]) for o in items) == 2 + 9 * 6
    assert large == small


def test_order_list_without_include_flags_has_a_fixed_query_count(
    peter_api, peter, vendors, count_queries
):
    build_order(peter, vendors[:1], items_per_segment=1)
    peter_api.get("orders")
    small = queries_for(count_queries, peter_api, "orders")

    for _ in range(9):
        build_order(peter, vendors, items_per_segment=6)
    large = queries_for(count_queries, peter_api, "orders")

    assert large == small <= MAX_QUERIES


def test_order_detail_query_count_does_not_grow_with_segments_and_items(
    peter_api, peter, vendors, count_queries, django_assert_max_num_queries
):
    # Given a small order and a big one (five segments of six items, history, shipments)
    small_order = build_order(peter, vendors[:1], items_per_segment=1)
    big_order = build_order(peter, vendors, items_per_segment=6)
    peter_api.get(f"orders/{small_order.pk}", EVERYTHING)  # warm-up

    # When each is read with every include flag
    small = queries_for(count_queries, peter_api, f"orders/{small_order.pk}", EVERYTHING)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = peter_api.get(f"orders/{big_order.pk}", EVERYTHING)
    large = queries_for(count_queries, peter_api, f"orders/{big_order.pk}", EVERYTHING)

    # Then the big one is complete and costs exactly as many queries as the small one
    segments = response.json()["order"]["orderSegments"]["items"]
    assert len(segments) == 5
    assert all(len(s["accessories"]) == 6 and len(s["shipments"]) == 2 for s in segments)
    assert large == small
