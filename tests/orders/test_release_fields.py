"""MobProc 1.1.0-1.3.6 on orders: `updated` on every order (POST answers, lists, detail) and
moving with the order; the UPDATED_DATE sort with `sortAscending` on /orders (dateTimeUpdated
is on or after: tests/orders/test_order_reads.py); on /orders/properties `orderExcludesDevice`
/ `orderExcludesPlan` (1.2.1) and the contact number prefilled as the field's `text`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from catalog.models import TransactionType
from orders import services
from orders.models import Order
from tests.conftest import seed_order_request
from tests.demo_data import api_id, line_of, vehicle_charger
from tests.orders.test_order_reads import assert_mobproc_error, listed_ids, place_order

pytestmark = pytest.mark.django_db


def test_a_submitted_order_answers_with_updated(
    peter_api, peter, django_capture_on_commit_callbacks
):
    body = seed_order_request(externalOrderNumber=None, serviceId=api_id(line_of(peter)))
    body["orderRequest"]["shoppingCart"] = {"accessoryIds": [api_id(vehicle_charger())]}
    with django_capture_on_commit_callbacks(execute=True):
        response = peter_api.post("orders", body)
    order = response.json()["order"]
    assert response.status_code == 200, order
    assert order["updated"] == order["dateTimeUpdated"]
    stored = Order.objects.get(pk=order["orderId"])  # routed since: changed again
    assert parse_datetime(order["updated"]) <= stored.updated_at
    assert stored.updated_at - parse_datetime(order["updated"]) < timedelta(minutes=1)


def test_updated_on_the_list_and_the_detail_moves_with_the_order(peter_api, peter):
    order = place_order(peter)
    Order.objects.filter(pk=order.pk).update(updated_at=datetime(2024, 6, 1, tzinfo=UTC))
    detail = peter_api.get(f"orders/{order.pk}").json()["order"]
    assert detail["updated"] == "2024-06-01T00:00:00Z"
    listed = peter_api.get("orders").json()["orders"]["items"]
    assert next(o for o in listed if int(o["orderId"]) == order.pk)["updated"] == detail["updated"]

    order.refresh_from_db()
    services.cancel_order(order=order, actor=peter, caller=peter, reason="Not needed")
    moved = peter_api.get(f"orders/{order.pk}").json()["order"]["updated"]
    assert parse_datetime(moved) > datetime(2024, 6, 1, tzinfo=UTC)


def test_sort_by_updated_date(peter_api, peter):
    first, second, third = (place_order(peter) for _ in range(3))
    base = datetime(2024, 1, 1, tzinfo=UTC)
    # Submitted first, second, third; changed last: first, then third, then second.
    for order, days in ((second, 1), (third, 2), (first, 3)):
        Order.objects.filter(pk=order.pk).update(updated_at=base + timedelta(days=days))
    newest = listed_ids(peter_api.get("orders", {"sort": "UPDATED_DATE"}))
    assert newest[:3] == [first.pk, third.pk, second.pk]
    oldest = listed_ids(peter_api.get("orders", {"sort": "UPDATED_DATE", "sortAscending": "true"}))
    assert [pk for pk in oldest if pk in {first.pk, second.pk, third.pk}] == [
        second.pk,
        third.pk,
        first.pk,
    ]


def test_sorted_pages_follow_each_other(peter_api, peter):
    orders = [place_order(peter) for _ in range(4)]
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for days, order in enumerate(orders):
        Order.objects.filter(pk=order.pk).update(updated_at=base + timedelta(days=days))
    query = {"sort": "UPDATED_DATE", "sortAscending": "true", "limit": 2}
    pages = listed_ids(peter_api.get("orders", query)) + listed_ids(
        peter_api.get("orders", {**query, "offset": 2})
    )
    assert pages == [order.pk for order in orders]


@pytest.mark.parametrize("query", [
    {"sort": "SUBMITTED_DATE"},
    {"sort": "UPDATED_DATE", "sortAscending": "sideways"},
    {"sortAscending": "2"},
])  # fmt: skip
def test_bad_sort_values_are_refused(peter_api, query):
    assert_mobproc_error(peter_api.get("orders", query), 400, "INVALID_QUERY")


def test_sorted_order_list_queries_do_not_grow_with_its_rows(
    peter_api, peter, django_assert_max_num_queries
):
    query = {"sort": "UPDATED_DATE", "dateTimeUpdated": "2000-01-01T00:00:00Z", "limit": 100}
    for _ in range(3):
        place_order(peter)
    with CaptureQueriesContext(connection) as few:
        assert len(listed_ids(peter_api.get("orders", query))) >= 3
    for _ in range(27):
        place_order(peter)
    with django_assert_max_num_queries(len(few)):
        assert len(listed_ids(peter_api.get("orders", query))) >= 30


def upgrade_field_ids(api, **query) -> list[str]:
    response = api.get("orders/properties", {"transactionType": "UPGRADE", **query})
    assert response.status_code == 200, response.json()
    return [f["id"] for g in response.json()["properties"]["items"] for f in g["fields"]]


def test_an_upgrade_asks_device_and_plan_properties(peter_api):
    asked = upgrade_field_ids(peter_api)
    assert {"REASON", "DEVICE_COLOR", "PLAN_START"} <= set(asked)


def test_order_excludes_device_leaves_out_device_properties(peter_api):
    asked = upgrade_field_ids(peter_api, orderExcludesDevice="TRUE")
    assert "DEVICE_COLOR" not in asked and {"REASON", "PLAN_START"} <= set(asked)


def test_order_excludes_plan_leaves_out_plan_properties(peter_api):
    asked = upgrade_field_ids(peter_api, orderExcludesPlan="true")
    assert "PLAN_START" not in asked and {"REASON", "DEVICE_COLOR"} <= set(asked)
    both = upgrade_field_ids(peter_api, orderExcludesPlan="true", orderExcludesDevice="true")
    assert both == ["REASON"]


@pytest.mark.parametrize("name", ["orderExcludesDevice", "orderExcludesPlan"])
def test_excludes_refuse_other_values(peter_api, name):
    query = {"transactionType": "UPGRADE", name: "perhaps"}
    assert_mobproc_error(peter_api.get("orders/properties", query), 400, "INVALID_QUERY")


def contact_field(api, **query) -> dict:
    response = api.get(
        "orders/properties", {"transactionType": TransactionType.ORDER_ACCESSORIES, **query}
    )
    fields = [f for g in response.json()["properties"]["items"] for f in g["fields"]]
    return next(f for f in fields if f["id"] == "CONTACT_NUMBER")


def test_the_contact_number_comes_prefilled(peter_api, peter):
    expected = peter.office_phone or line_of(peter).service_number
    assert expected
    assert contact_field(peter_api)["text"] == expected


def test_the_contact_number_is_the_lines_holders(api_for, ada, peter):
    peter.office_phone = "2035550100"
    peter.save()
    field = contact_field(api_for(ada), service=line_of(peter).pk)
    assert field["text"] == "2035550100"
