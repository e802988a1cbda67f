"""Confirming an order of any transaction type runs a bounded number of queries: every rule is
checked with a few set queries, not one per item."""

from __future__ import annotations

import pytest

from catalog.models import ServiceAsset
from orders.models import Order
from tests.orders.test_transaction_types import BODY_TYPES, order_body

# Measured: from 6 (UNSUSPEND) to 17 (UPGRADE: the line, its device and plan, the catalog
# items, what the tenant offers, open orders, properties, the expanded answer).
MAX_QUERIES = 20


@pytest.mark.parametrize("transaction_type", sorted(BODY_TYPES))
def test_confirming_any_type_runs_a_bounded_number_of_queries(
    transaction_type, peter_api, django_assert_max_num_queries
):
    if transaction_type == "UNSUSPEND":
        ServiceAsset.objects.filter(pk=38382349).update(status=ServiceAsset.Status.SUSPENDED)

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
    cart["accessoryIds"] = ["3628940008", "3628940009", "3628940003", "3628940004", "3628940010",
                            "3628940012", "3628935898"]  # fmt: skip
    with count_queries() as few_items:
        assert peter_api.post("orders?confirm=true", one).status_code == 200
    with count_queries() as more_items:
        response = peter_api.post("orders?confirm=true", many)

    assert response.status_code == 200, response.json()
    assert len(more_items.captured_queries) == len(few_items.captured_queries)
