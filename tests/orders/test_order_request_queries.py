"""Confirming an order of any transaction type runs a bounded number of queries: every rule is
checked with a few set queries, not one per item."""

from __future__ import annotations

import pytest

from catalog.models import ServiceAsset
from orders.models import Order
from tests.demo_data import accessory, api_id, galaxy_case, galaxy_charger, line_of, vehicle_charger
from tests.orders.test_transaction_types import BODY_TYPES, offer_the_port_carrier, order_body

# Measured: from 6 (UNSUSPEND) to 17 (UPGRADE: the line, its device and plan, the catalog
# items, what the tenant offers, open orders, properties, the expanded answer).
MAX_QUERIES = 20


@pytest.mark.parametrize("transaction_type", sorted(BODY_TYPES))
def test_confirming_any_type_runs_a_bounded_number_of_queries(
    transaction_type, peter_api, django_assert_max_num_queries
):
    if transaction_type == "UNSUSPEND":
        ServiceAsset.objects.filter(pk=line_of("peter").pk).update(
            status=ServiceAsset.Status.SUSPENDED
        )
    if transaction_type == "PORT_NUMBER":
        offer_the_port_carrier()  # acme offers no other carrier's items in the demo

    body = order_body(transaction_type)  # its ids are looked up first, outside the count

    with django_assert_max_num_queries(MAX_QUERIES):
        response = peter_api.post("orders?confirm=true", body)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "SUCCESS"
    assert not Order.objects.exists()


def test_more_accessories_in_the_cart_run_no_more_queries(peter_api, count_queries):
    # Given a new line with two accessories, and the same with seven
    one = order_body("NEW_ACTIVATION")
    many = order_body("NEW_ACTIVATION")
    cart = many["orderRequest"]["shoppingCart"]
    seven = [
        galaxy_charger(),
        galaxy_case(),
        accessory("Verizon Wireless Micro USB Data Cable"),
        accessory("Belkin Car Vent Mount"),
        accessory("Anker 737 Power Bank"),
        accessory("Samsung Galaxy Buds FE"),
        vehicle_charger(),
    ]
    cart["accessoryIds"] = [api_id(item) for item in seven]
    peter_api.get("me")  # the first call validates the token, later ones find it kept
    with count_queries() as few_items:
        assert peter_api.post("orders?confirm=true", one).status_code == 200
    with count_queries() as more_items:
        response = peter_api.post("orders?confirm=true", many)

    assert response.status_code == 200, response.json()
    assert len(more_items.captured_queries) == len(few_items.captured_queries)
