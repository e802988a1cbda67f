"""The MobProc tutorial of PORT_NUMBER (tutorials/orders/port_number): one of the tenant's lines,
its number kept, moves to another carrier's device and plan. The copy here is the shared page;
its request, sent for peter's Verizon line with AT&T's iPhone and plan, is accepted, and the
confirmation and the order answer every key path of its examples; the completed order puts the
same line on the new carrier."""

from __future__ import annotations

import copy

import pytest

from catalog.models import ServiceAsset
from orders.models import Order, PropertyField, PropertyGroup
from tests.demo_data import (
    ATT,
    api_id,
    att,
    business_unlimited_elite,
    iphone_15,
    line_of,
    roaming,
)
from tests.orders import test_transaction_types as tt
from tests.orders.test_transaction_types import (
    DELAY,
    NUMBER,
    confirmed,
    events,
    lines_of,
    offer_the_port_carrier,
    order_body,
    reported_unit,
    status_of,
    waiting_for,
)
from tests.orders.tutorial_docs import copies_unlike_the_shared_pages, key_paths, tutorial_examples

# The end-to-end fixtures of the transaction type tests: submit, approve, the carrier's delays
# and its progress checks.
submit, approve, carrier_settings, carrier_checks = (
    tt.submit,
    tt.approve,
    tt.carrier_settings,
    tt.carrier_checks,
)

# Paths of the tutorial's examples Procure deliberately does not answer, each with its reason:
# none (a plan's included features and a feature's description are answered).
NOT_KEPT: set[str] = set()


@pytest.fixture(autouse=True)
def port_carrier(demo):
    """acme offers AT&T's iPhone and plan (globex's in the demo), and asks a port the
    tutorial's MISCELLANEOUS group besides its own PORT_IN (a tenant admin's choice)."""
    offer_the_port_carrier()
    request, confirmation = tutorial_examples("port_number")[:2]
    labels = {
        field["id"]: field["label"]
        for group in confirmation["orderConfirmation"]["properties"]
        for field in group["fields"]
    }
    group = PropertyGroup.objects.create(
        tenant=demo.acme, transaction_type="PORT_NUMBER", group_id="MISCELLANEOUS", position=9
    )
    for position, asked in enumerate(request["orderRequest"]["properties"][0]["fields"]):
        PropertyField.objects.create(
            group=group,
            field_id=asked["id"],
            label=labels[asked["id"]],
            type=asked["type"],
            position=position,
        )


def tutorial_request() -> dict:
    """The tutorial's request with the demo's ids: peter's line, where it is registered, AT&T's
    iPhone 15, plan and roaming, the ship-to; the demo's PORT_IN answers besides the tutorial's
    MISCELLANEOUS ones (SERVICE_NUMBER: his line's number)."""
    request = copy.deepcopy(tutorial_examples("port_number")[0]["orderRequest"])
    ours = order_body("PORT_NUMBER")["orderRequest"]
    for key in ("serviceId", "regionId", "shoppingCart"):
        request[key] = ours[key]
    request["shipTo"] = {**ours["shipTo"], "expedite": True}
    for field in request["properties"][0]["fields"]:
        if field["id"] == "SERVICE_NUMBER":
            field["text"] = NUMBER
    request["properties"] = ours["properties"] + request["properties"]
    return {"orderRequest": request}


def test_the_copied_tutorial_is_the_shared_one():
    assert copies_unlike_the_shared_pages(["port_number"]) == []


def test_confirm_and_submit_answer_every_key_path_of_the_tutorial(peter_api):
    request, confirmation, order = tutorial_examples("port_number")
    ours = tutorial_request()
    # Our request names every part the tutorial's does (ids are the demo's)
    assert key_paths(request["orderRequest"]) <= key_paths(ours["orderRequest"])

    answer = confirmed(peter_api, ours)
    missing = key_paths(confirmation["orderConfirmation"]) - key_paths(answer) - NOT_KEPT
    assert not missing, sorted(missing)
    # The line and its device as they are now; the new carrier's device and plan
    assert (answer["service"]["id"], answer["service"]["serviceNumber"]) == (
        api_id(line_of("peter")),
        NUMBER,
    )
    assert answer["service"]["_meta"]["href"].endswith(f"/assets/services/{line_of('peter').pk}")
    assert answer["device"]["model"] == "Cookie Plus"
    assert answer["shoppingCart"]["plan"]["vendor"]["name"] == ATT

    submitted = peter_api.post("orders", ours)
    assert submitted.status_code == 200, submitted.json()
    shown = submitted.json()["order"]
    missing = key_paths(order["order"]) - key_paths(shown) - NOT_KEPT
    assert not missing, sorted(missing)
    # The order carries the line's number, and goes to the new carrier only
    assert shown["serviceNumber"] == NUMBER
    assert [s["vendor"]["name"] for s in shown["orderSegments"]["items"]] == [ATT]
    again = peter_api.get(f"orders/{shown['orderId']}").json()["order"]
    assert key_paths(shown) <= key_paths(again) | {"orderSegments.items.shipments"}


def test_a_completed_port_moves_the_line_to_the_new_carrier_keeping_its_number(
    peter_api, submit, approve, carrier_checks, maria, ada
):
    line = line_of("peter")

    order = submit(tutorial_request())
    # "New lines and ports": his manager, then IT
    assert waiting_for(order) == ["Maria Lopez"]
    approve(order, maria)
    approve(order, ada)
    carrier_checks(order, DELAY + 1)
    assert status_of(order) == Order.Status.SHIPPED
    carrier_checks(order, 2 * DELAY + 1)

    assert status_of(order) == Order.Status.COMPLETE
    assert events(order)[-1] == "complete"
    # Then it is the same line, number kept, with AT&T on its plan and feature
    lines = lines_of(peter_api)
    assert list(lines) == [NUMBER]
    shown = lines[NUMBER]
    assert shown["id"] == api_id(line)
    assert shown["status"] == ServiceAsset.Status.ACTIVE
    assert shown["vendor"]["id"] == api_id(att())
    assert shown["plan"]["id"] == api_id(business_unlimited_elite())
    assert [f["id"] for f in shown["features"]] == [api_id(roaming("Business Unlimited Elite"))]
    # on the iPhone AT&T sent, registered as the unit it reported
    assert shown["device"]["model"] == "iPhone 15"
    assert shown["device"]["serialNumber"] == reported_unit(order)["serialNumber"]
    assert order.history.get(event="complete").note == (
        f"Line {NUMBER} is with {ATT} now, on the {iphone_15(ATT)}; the number is kept."
    )
