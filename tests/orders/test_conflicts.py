"""Open orders that stand in each other's way: a line cannot be deactivated while its suspension
is pending, nor get two feature changes at once, nor be ported while it is upgraded."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders import conflicts, services
from orders.models import Order, OrderSegment
from tests.conftest import seed_order_request
from tests.demo_data import api_id, hotspot, line_of, verizon
from tests.orders.test_transaction_types import (
    NUMBER,
    offer_the_port_carrier,
    order_body,
    problems,
    undone,
)

DELAY = 30  # SIMULATED_CARRIER_SHIP_DELAY, seconds
RACERS = 8
SERVICE_ID = "orderRequest.serviceId"


@pytest.fixture(autouse=True)
def carrier_settings(settings):
    settings.SIMULATED_CARRIER_SHIP_DELAY = DELAY
    settings.SIMULATED_CARRIER_MODES = {}
    return settings


def body_of(kind: str, external_number: str, **changes) -> dict:
    """A valid request of the type on peter's line (accessories: seed 002's)."""
    if kind == "ORDER_ACCESSORIES":
        return seed_order_request(externalOrderNumber=external_number, **changes)
    return order_body(kind, external_number, **changes)


@pytest.fixture
def submit(peter_api, django_capture_on_commit_callbacks):
    """submit(body) -> the Order peter submitted through the API, routed after the commit."""

    def post(body) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            response = peter_api.post("orders", body)
        assert response.status_code == 200, response.json()
        return Order.objects.get(pk=response.json()["order"]["orderId"])

    return post


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(function, *args): call it, then run what it queued for after the commit."""

    def call(function, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args)

    return call


def status_of(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def carrier_done(order: Order, committed) -> None:
    """As if the segments had been sent long ago: the carrier reports them done."""
    for segment in OrderSegment.objects.filter(order=order):
        OrderSegment.objects.filter(pk=segment.pk).update(
            sent_at=timezone.now() - timedelta(seconds=2 * DELAY + 1)
        )
        committed(services.collect_progress, segment.pk)


# --- Two orders on one line ---------------------------------------------------------------------


def test_deactivating_a_line_whose_suspension_is_open_is_refused_naming_that_order(
    peter_api, submit
):
    # Given peter's suspension, awaiting his manager's approval
    suspension = submit(body_of("SUSPEND", "S-1"))
    assert status_of(suspension) == Order.Status.AWAITING_APPROVAL

    # When he asks to deactivate the line, in confirm mode and for real
    body = body_of("DEACTIVATE", "D-1")
    confirming = peter_api.post("orders?confirm=true", body)
    submitting = peter_api.post("orders", body)

    # Then both are refused on serviceId, naming the open order and where it stands
    for response in (confirming, submitting):
        assert problems(response) == [(SERVICE_ID, "CONFLICTING_ORDER")]
        message = response.json()["errors"][0]["message"]
        assert f"#{suspension.pk}" in message
        assert NUMBER in message
        assert "suspend" in message and "awaiting approval" in message
    # And only the suspension is stored
    assert list(Order.objects.values_list("pk", flat=True)) == [suspension.pk]


# (first, second, conflict?) on peter's line; each first order is open (just submitted).
PAIRS = [
    ("SUSPEND", "DEACTIVATE", True),
    ("DEACTIVATE", "SUSPEND", True),
    ("UPGRADE", "SWAP_DEVICES", True),
    ("SWAP_DEVICES", "UPGRADE", True),
    ("UPDATE_FEATURES", "UPDATE_FEATURES", True),
    ("UPGRADE", "UPDATE_FEATURES", True),
    ("ORDER_ACCESSORIES", "DEACTIVATE", True),
    ("SWAP_DEVICES", "ORDER_ACCESSORIES", True),
    # Accessories rely on the device only; a suspension changes the status only
    ("ORDER_ACCESSORIES", "SUSPEND", False),
    ("SUSPEND", "ORDER_ACCESSORIES", False),
    ("ORDER_ACCESSORIES", "ORDER_ACCESSORIES", False),
    # A feature change and a device swap touch different things
    ("UPDATE_FEATURES", "SWAP_DEVICES", False),
]


def test_a_second_open_order_on_a_line_is_refused_exactly_when_the_two_conflict(
    peter_api, subtests
):
    for first, second, conflicting in PAIRS:
        with subtests.test(f"{first} then {second}"), undone():
            # Given peter's open order of the first type
            before = peter_api.post("orders", body_of(first, "FIRST"))
            assert before.status_code == 200, before.json()
            first_id = before.json()["order"]["orderId"]

            # When he submits the second under another number
            changes = {}
            if first == second == "UPDATE_FEATURES":  # another feature, still a change
                hotspot_id = api_id(hotspot())
                changes["shoppingCart"] = {"features": [{"id": hotspot_id, "action": "ADD"}]}
            response = peter_api.post("orders", body_of(second, "SECOND", **changes))

            # Then it is refused naming the first, or stored beside it
            if conflicting:
                assert problems(response) == [(SERVICE_ID, "CONFLICTING_ORDER")]
                assert f"#{first_id}" in response.json()["errors"][0]["message"]
                assert Order.objects.count() == 1
            else:
                assert response.status_code == 200, response.json()
                assert Order.objects.count() == 2


# What each type changes or relies on, spelled out from the line's point of view:
# accessories need the device as it is; an upgrade changes everything but the status.
EXPECTED_RIVALS = {
    "ORDER_ACCESSORIES": {
        "UPGRADE",
        "PORT_NUMBER",
        "DEACTIVATE",
        "SWAP_DEVICES",
        "XFER_SERVICE_OUT",
    },
    "UPGRADE": set(conflicts.ASPECTS),
    # A port puts the line on another carrier's device, plan and features, as an upgrade does.
    "PORT_NUMBER": set(conflicts.ASPECTS),
    "SUSPEND": set(conflicts.ASPECTS) - {"ORDER_ACCESSORIES"},
    "UNSUSPEND": set(conflicts.ASPECTS) - {"ORDER_ACCESSORIES"},
    "DEACTIVATE": set(conflicts.ASPECTS),
    "UPDATE_FEATURES": {
        "UPGRADE",
        "PORT_NUMBER",
        "SUSPEND",
        "UNSUSPEND",
        "DEACTIVATE",
        "UPDATE_FEATURES",
        "XFER_SERVICE_OUT",
    },
    "SWAP_DEVICES": set(conflicts.ASPECTS) - {"UPDATE_FEATURES"},
    # The line leaves the company as it is: nothing else may happen to it meanwhile.
    "XFER_SERVICE_OUT": set(conflicts.ASPECTS),
}


def test_the_conflict_matrix_is_symmetric_and_as_expected():
    # Every type about an existing line has its aspects
    assert set(conflicts.ASPECTS) == set(EXPECTED_RIVALS)

    for first, second in itertools.product(conflicts.ASPECTS, repeat=2):
        # Order does not matter: whichever came first, the other is refused
        assert conflicts.conflicts(first, second) == conflicts.conflicts(second, first)
        assert conflicts.conflicts(first, second) == (second in EXPECTED_RIVALS[first]), (
            first,
            second,
        )


@pytest.mark.parametrize("outcome", ["COMPLETE", "REJECTED", "CANCELLED", "FAILED"])
def test_once_the_first_order_is_closed_the_second_is_accepted(
    peter_api, api_for, maria, submit, committed, carrier_settings, outcome
):
    # Given peter's suspension, closed one way or another
    suspension = submit(body_of("SUSPEND", "S-1"))
    manager = api_for(maria)
    if outcome == "CANCELLED":
        response = peter_api.post(f"orders/{suspension.pk}/cancel", {"reason": "changed my mind"})
        assert response.status_code == 200, response.json()
    elif outcome == "REJECTED":
        decision = {"action": "REJECT", "reason": "not now"}
        committed(manager.post, f"orders/{suspension.pk}/approval", decision)
    else:
        if outcome == "FAILED":  # the carrier refuses the order
            carrier_settings.SIMULATED_CARRIER_MODES = {api_id(verizon()): "FAIL"}
        committed(manager.post, f"orders/{suspension.pk}/approval", {"action": "APPROVE"})
        carrier_done(suspension, committed)
    assert status_of(suspension) == outcome

    # When he then asks to deactivate the line
    response = peter_api.post("orders", body_of("DEACTIVATE", "D-1"))

    # Then nothing stands in the way any more
    assert response.status_code == 200, response.json()
    assert Order.objects.count() == 2


def test_resubmitting_the_same_external_order_number_returns_the_open_order(peter_api, submit):
    # Given peter's open suspension S-1
    suspension = submit(body_of("SUSPEND", "S-1"))

    # When his client sends the same request again (a retry after a timeout, say)
    again = peter_api.post("orders", body_of("SUSPEND", "S-1"))

    # Then it is the same order, not a rival of itself
    assert again.status_code == 200, again.json()
    assert again.json()["order"]["orderId"] == str(suspension.pk)
    assert Order.objects.count() == 1


def test_resubmitting_after_the_order_completed_still_returns_that_order(
    peter_api, api_for, maria, submit, committed
):
    # Given peter's suspension S-1, approved and carried out: the line is suspended now
    suspension = submit(body_of("SUSPEND", "S-1"))
    committed(api_for(maria).post, f"orders/{suspension.pk}/approval", {"action": "APPROVE"})
    carrier_done(suspension, committed)
    assert line_of("peter").status == "SUSPENDED"

    # When a late retry of S-1 arrives
    again = peter_api.post("orders", body_of("SUSPEND", "S-1"))

    # Then it gets the stored order, as any resubmit of the same number does
    assert again.status_code == 200, again.json()
    assert again.json()["order"]["orderId"] == str(suspension.pk)


# --- A line being ported ------------------------------------------------------------------------


def test_a_line_being_ported_gets_no_other_port_nor_upgrade_meanwhile(peter_api, submit):
    # Given peter's open port of his line to AT&T
    offer_the_port_carrier()
    port = submit(body_of("PORT_NUMBER", "P-1"))

    for kind in ("PORT_NUMBER", "UPGRADE", "UPDATE_FEATURES"):
        # When another order changing its device, plan or features comes under another number
        body = body_of(kind, f"{kind}-2")
        confirming = peter_api.post("orders?confirm=true", body)
        submitting = peter_api.post("orders", body)

        # Then it is refused naming the open port, at the line
        for response in (confirming, submitting):
            assert problems(response) == [(SERVICE_ID, "CONFLICTING_ORDER")], kind
            message = response.json()["errors"][0]["message"]
            assert f"#{port.pk}" in message and NUMBER in message and "port number" in message
    assert Order.objects.count() == 1


# --- Racing submits -----------------------------------------------------------------------------


def race(clients, bodies) -> list:
    """Post each body from its client at once, each in its own thread and DB connection.
    Returns each thread's (status, json) or the exception it raised."""
    barrier = threading.Barrier(len(clients), timeout=30)
    results: list = [None] * len(clients)

    def submit(index, client, body):
        try:
            barrier.wait()
            response = client.post("orders", body)
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # reported by the assertions below, not lost in the thread
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(index, client, body))
        for index, (client, body) in enumerate(zip(clients, bodies, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submit hung"
    return results


@pytest.mark.django_db(transaction=True)
def test_conflicting_orders_submitted_at_once_store_exactly_one(api_for, peter):
    # Given eight clients of peter's, half suspending his line and half deactivating it, each
    # under its own order number (so none is a resubmit of another)
    clients = [api_for(peter) for _ in range(RACERS)]
    bodies = [
        body_of("SUSPEND" if index % 2 else "DEACTIVATE", f"RACE-{index}")
        for index in range(RACERS)
    ]

    # When all of them submit at the same moment
    results = race(clients, bodies)

    # Then exactly one order is stored; every other client is told of the conflict (no 500)
    assert all(isinstance(result, tuple) for result in results), results
    accepted = [body for status, body in results if status == 200]
    refused = [body for status, body in results if status != 200]
    assert len(accepted) == 1, results
    (order,) = Order.objects.all()
    assert accepted[0]["order"]["orderId"] == str(order.pk)
    assert len(refused) == RACERS - 1
    for body in refused:
        assert [(e["field"], e["errorCode"]) for e in body["errors"]] == [
            (SERVICE_ID, "CONFLICTING_ORDER")
        ]
        assert f"#{order.pk}" in body["errors"][0]["message"]
