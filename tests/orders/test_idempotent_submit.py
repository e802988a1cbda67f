"""externalOrderNumber makes submit idempotent within a tenant, even under concurrent submits."""

import threading

import pytest
from django.db import connection

from orders.models import Order, OrderHistory, OrderItem, OrderSegment
from tests.conftest import seed_order_request
from tests.demo_data import api_id, galaxy_charger, galaxy_rugged_case, line_of, vehicle_charger

RACERS = 20
OMITTED = object()


def sams_request(**overrides) -> dict:
    """Sam's own valid order: his Galaxy S24 line and a charger that fits it."""
    return seed_order_request(
        serviceId=api_id(line_of("sam")),
        shoppingCart={"accessoryIds": [api_id(galaxy_charger())]},
        **overrides,
    )


def just_the_vehicle_charger() -> dict:
    """A cart of one of the seed's two accessories: a changed body under the same number."""
    return {"accessoryIds": [api_id(vehicle_charger())]}


def test_resubmitting_the_same_external_order_number_returns_the_stored_order(peter_api):
    # Given an order peter submitted
    first = peter_api.post("orders", seed_order_request(externalOrderNumber="MM-1"))
    assert first.status_code == 200, first.json()

    # When he submits the same externalOrderNumber again
    again = peter_api.post("orders", seed_order_request(externalOrderNumber="MM-1"))

    # Then he gets the very same order back, and only one is stored
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    assert Order.objects.count() == 1
    assert OrderHistory.objects.filter(event="submit").count() == 1


def test_resubmit_is_recognised_after_whitespace_is_trimmed(peter_api):
    first = peter_api.post("orders", seed_order_request(externalOrderNumber="MM-2"))
    again = peter_api.post("orders", seed_order_request(externalOrderNumber="  MM-2 "))

    assert again.json()["order"]["orderId"] == first.json()["order"]["orderId"]
    assert Order.objects.count() == 1


def assert_reused(response, order_id: str) -> dict:
    assert response.status_code == 422, response.json()
    body = response.json()
    assert set(body) == {"status", "errorCode", "id", "message"}, body
    assert body["status"] == 422
    assert body["errorCode"] == "EXTERNAL_ORDER_NUMBER_REUSED"
    assert body["id"]
    assert f"order {order_id}" in body["message"], body
    return body


def test_the_same_body_again_is_a_retry_and_returns_the_same_order(peter_api):
    body = seed_order_request(externalOrderNumber="MM-SAME")
    first = peter_api.post("orders", body)

    # The same request, its keys in another order: the same canonical request.
    reordered = {"orderRequest": dict(reversed(list(body["orderRequest"].items())))}
    again = peter_api.post("orders", reordered)

    assert again.status_code == 200, again.json()
    assert again.json()["order"]["orderId"] == first.json()["order"]["orderId"]
    assert Order.objects.count() == 1


def test_a_changed_cart_under_a_used_number_is_refused_naming_the_order(peter_api):
    # Given peter's order MM-CART of two accessories
    first = peter_api.post("orders", seed_order_request(externalOrderNumber="MM-CART"))
    order_id = first.json()["order"]["orderId"]

    # When he reuses the number for a new cart of one accessory
    changed = peter_api.post(
        "orders",
        seed_order_request(externalOrderNumber="MM-CART", shoppingCart=just_the_vehicle_charger()),
    )

    # Then he is told, naming the stored order, and nothing is stored
    assert_reused(changed, order_id)
    assert Order.objects.count() == 1
    assert OrderItem.objects.count() == 2
    assert OrderHistory.objects.filter(event="submit").count() == 1


def test_a_changed_ship_to_under_a_used_number_is_refused_too(peter_api):
    first = peter_api.post("orders", seed_order_request(externalOrderNumber="MM-SHIP"))
    body = seed_order_request(externalOrderNumber="MM-SHIP")
    body["orderRequest"]["shipTo"]["name"] = "Peter R. Edwards"

    assert_reused(peter_api.post("orders", body), first.json()["order"]["orderId"])
    assert Order.objects.count() == 1


def test_a_changed_body_in_confirm_mode_gets_the_same_422(peter_api):
    first = peter_api.post("orders", seed_order_request(externalOrderNumber="MM-CONF"))
    order_id = first.json()["order"]["orderId"]
    changed = seed_order_request(
        externalOrderNumber="MM-CONF", shoppingCart=just_the_vehicle_charger()
    )

    response = peter_api.post("orders?confirm=true", changed)

    assert_reused(response, order_id)
    assert Order.objects.count() == 1


def test_the_same_body_in_confirm_mode_is_still_confirmed(peter_api):
    body = seed_order_request(externalOrderNumber="MM-CONF2")
    peter_api.post("orders", body)

    response = peter_api.post("orders?confirm=true", body)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "SUCCESS" and "orderConfirmation" in response.json()
    assert Order.objects.count() == 1


def test_an_order_stored_without_a_digest_takes_any_body_as_the_same(peter_api):
    # Orders submitted before the digest was kept (and the pages' orders) have none.
    first = peter_api.post("orders", seed_order_request(externalOrderNumber="MM-OLD"))
    Order.objects.update(request_digest="")

    again = peter_api.post(
        "orders",
        seed_order_request(externalOrderNumber="MM-OLD", shoppingCart=just_the_vehicle_charger()),
    )

    assert again.status_code == 200, again.json()
    assert again.json()["order"]["orderId"] == first.json()["order"]["orderId"]
    assert Order.objects.count() == 1


def test_the_digest_is_stored_only_with_a_number(peter_api):
    peter_api.post("orders", seed_order_request(externalOrderNumber="MM-DIG"))
    peter_api.post("orders", seed_order_request(externalOrderNumber=None))

    numbered = Order.objects.get(external_order_number="MM-DIG")
    unnumbered = Order.objects.get(external_order_number__isnull=True)
    assert len(numbered.request_digest) == 64
    assert unnumbered.request_digest == ""


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_different_bodies_under_one_number_store_one_order(api_for, peter):
    # Half the clients send one cart, half another, all at once under one number.
    clients = [api_for(peter) for _ in range(RACERS)]
    bodies = [
        seed_order_request(externalOrderNumber="RACE-MIX"),
        seed_order_request(externalOrderNumber="RACE-MIX", shoppingCart=just_the_vehicle_charger()),
    ]
    barrier = threading.Barrier(RACERS, timeout=30)
    results: list = [None] * RACERS

    def submit(index, client):
        try:
            barrier.wait()
            response = client.post("orders", bodies[index % 2])
            results[index] = (index % 2, response.status_code, response.json())
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=item) for item in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(result, tuple) for result in results), results
    order = Order.objects.get(external_order_number="RACE-MIX")
    winner = 0 if OrderItem.objects.filter(segment__order=order).count() == 2 else 1
    for body_index, status, body in results:
        if body_index == winner:
            assert status == 200 and body["order"]["orderId"] == str(order.pk), body
        else:
            assert status == 422 and body["errorCode"] == "EXTERNAL_ORDER_NUMBER_REUSED", body
    assert Order.objects.count() == 1


def test_another_employee_reusing_the_number_gets_409_and_no_order(peter_api, api_for, sam):
    # Given peter's order MM-3
    peters = peter_api.post("orders", seed_order_request(externalOrderNumber="MM-3")).json()
    peters_id = peters["order"]["orderId"]

    # When sam, who may not see peter's order, submits his own order under the same number
    response = api_for(sam).post("orders", sams_request(externalOrderNumber="MM-3"))

    # Then he gets a conflict in the MobProc error body, learns nothing of peter's order,
    # and no order of his is stored
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == 409
    assert body["errorCode"] == "EXTERNAL_ORDER_NUMBER_TAKEN"
    assert body["id"] and body["message"]
    assert "order" not in body and peters_id not in body["message"]
    assert Order.objects.count() == 1
    assert not Order.objects.filter(requested_by=sam).exists()


def test_same_number_in_another_tenant_is_a_separate_order(peter_api, api_for, gina):
    # Given peter's order MM-4 in acme
    peter_api.post("orders", seed_order_request(externalOrderNumber="MM-4"))

    # When gina of globex uses the same number for her own order
    response = api_for(gina).post(
        "orders",
        seed_order_request(
            externalOrderNumber="MM-4",
            serviceId=api_id(line_of(gina)),
            shoppingCart={"accessoryIds": [api_id(galaxy_rugged_case())]},
        ),
    )

    # Then the numbers do not collide across tenants
    assert response.status_code == 200, response.json()
    assert Order.objects.filter(external_order_number="MM-4").count() == 2


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(OMITTED, id="omitted"),
        pytest.param(None, id="null"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
    ],
)
def test_orders_without_external_order_number_are_never_deduplicated(peter_api, number):
    # Given a request with no externalOrderNumber (absent, null or blank)
    body = seed_order_request()
    if number is OMITTED:
        del body["orderRequest"]["externalOrderNumber"]
    else:
        body["orderRequest"]["externalOrderNumber"] = number

    # When it is submitted twice
    first = peter_api.post("orders", body)
    second = peter_api.post("orders", body)

    # Then two orders are stored
    assert first.status_code == second.status_code == 200
    assert first.json()["order"]["orderId"] != second.json()["order"]["orderId"]
    assert first.json()["order"]["externalOrderNumber"] is None
    assert Order.objects.count() == 2


def race(clients, body) -> list:
    """Post `body` from every client at once, each in its own thread and DB connection.
    Returns each thread's (status, json) or the exception it raised."""
    barrier = threading.Barrier(len(clients), timeout=30)
    results: list = [None] * len(clients)

    def submit(index, client):
        try:
            barrier.wait()
            response = client.post("orders", body)
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # reported by the assertions below, not lost in the thread
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(index, client))
        for index, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submit hung"
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_number_store_exactly_one_order(api_for, peter):
    # Given twenty clients of peter's, each with its own token
    clients = [api_for(peter) for _ in range(RACERS)]

    for round_number, number in enumerate(["RACE-1", "RACE-2", "RACE-3"], start=1):
        # When all of them submit the same order at the same moment
        results = race(clients, seed_order_request(externalOrderNumber=number))

        # Then every one of them gets the same stored order
        assert all(isinstance(result, tuple) for result in results), results
        assert {status for status, _body in results} == {200}, results
        order_ids = {body["order"]["orderId"] for _status, body in results}
        assert len(order_ids) == 1
        # And exactly one order, one set of segments and items and one submit entry exist
        order = Order.objects.get(external_order_number=number)
        assert str(order.pk) in order_ids
        assert Order.objects.count() == round_number
        assert OrderSegment.objects.filter(order=order).count() == 1
        assert OrderItem.objects.filter(segment__order=order).count() == 2
        assert OrderHistory.objects.filter(order=order, event="submit").count() == 1
