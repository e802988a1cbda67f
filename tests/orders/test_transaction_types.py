"""The eight transaction types beyond ORDER_ACCESSORIES, end to end through the API: what confirm
mode shows, who must approve, what the carrier does, and what the completed order changes on the
employee's lines and devices; then every rule that refuses a request, with its code and field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from approvals.models import ApprovalWorkflow
from catalog.models import DeviceAsset, ServiceAsset, add_months
from orders import services
from orders.models import Order, OrderHistory, OrderSegment, Shipment
from portal.models import Tenant
from tests.conftest import seed_order_request
from tests.demo_data import (
    ATT,
    api_id,
    business_10gb,
    business_unlimited,
    business_unlimited_elite,
    cookie_plus,
    galaxy_charger,
    galaxy_s24,
    hotspot,
    hotspot_10gb,
    iphone_15,
    line_of,
    otterbox,
    roaming,
    united_states,
    verizon,
)

DELAY = 30  # SIMULATED_CARRIER_SHIP_DELAY, seconds: time is moved, never waited for
NUMBER = "2035557676"  # peter's line, on Verizon, plan Business Unlimited, on his Cookie Plus
ESN = "4289183847832"  # the Cookie Plus
OLD_SIM = "83924758342478392342"
MARIAS_SERIAL = "356938035643809"  # the iPhone on maria's live line
NEW_IMEI = "351234567890123"
CARE_TYPES = ["SUSPEND", "UNSUSPEND", "DEACTIVATE", "UPDATE_FEATURES", "SWAP_DEVICES"]
# The types bodies() has a valid request of (read at collection, before the database is).
BODY_TYPES = ["NEW_ACTIVATION", "UPGRADE", "PORT_NUMBER", *CARE_TYPES]
ACTIVE_ACTIONS = [
    "ORDER_ACCESSORIES",
    "UPGRADE",
    "PORT_NUMBER",
    "SUSPEND",
    "DEACTIVATE",
    "UPDATE_FEATURES",
    "SWAP_DEVICES",
    "XFER_SERVICE_OUT",
]
IT = ["Ada Park", "Ian Tran"]
OMIT = object()


def text(field_id: str, value: str) -> dict:
    return {"id": field_id, "type": "TEXT", "text": value}


def choice(field_id: str, value: str) -> dict:
    return {"id": field_id, "type": "CHOICE", "choice": {"id": value}}


def group(group_id: str, *fields: dict) -> list[dict]:
    return [{"groupId": group_id, "fields": list(fields)}]


def peters_line() -> ServiceAsset:
    return line_of("peter")


def peters_cookie() -> str:
    """The id of peter's Cookie Plus as a held device."""
    return api_id(DeviceAsset.objects.get(holder__user__username="peter", device=cookie_plus()))


def features_on_peters_line(*features) -> None:
    peters_line().features.set(features)


def feature_change(feature, action: str) -> dict:
    return {"id": api_id(feature), "action": action}


def ship_to() -> dict:
    return {
        "name": "Peter Edwards",
        "regionId": api_id(united_states()),
        "address": [
            {"id": "LINE_1", "value": "35 Executive Blvd"},
            {"id": "CITY", "value": "Orange"},
            {"id": "STATE", "value": "CT"},
            {"id": "POSTAL_CODE", "value": "06477"},
        ],
    }


PORT_IN = group(
    "PORT_IN",
    text("LOSING_CARRIER", "T-Mobile"),
    text("ACCOUNT_NUMBER", "12345678"),
    text("ACCOUNT_PIN", "1234"),
)
NEW_LINE = group("NEW_LINE", text("COST_CENTER", "CC-1042"), choice("JUSTIFICATION", "NEW_HIRE"))


def bodies() -> dict[str, dict]:
    """A valid request of each type, for peter (the parts after transactionType and the
    number)."""
    line = api_id(peters_line())
    return {
        "NEW_ACTIVATION": {
            "regionId": api_id(united_states()),
            "postalCode": "06477",
            "shoppingCart": {
                "deviceId": api_id(galaxy_s24()),  # Samsung Galaxy S24, Verizon, 699.00
                "planId": api_id(business_unlimited()),  # 45.00 a month
                "optionalFeatureIds": [api_id(roaming())],  # 10.00 a month
                "accessoryIds": [api_id(galaxy_charger())],  # 24.99, fits the S24
            },
            "shipTo": ship_to(),
            "properties": NEW_LINE,
        },
        "UPGRADE": {
            "serviceId": line,
            "existingDevice": {
                "manufacturerId": "LG",
                "modelId": api_id(cookie_plus()),
                "serialNumber": {"type": "ESN", "value": ESN},
            },
            # iPhone 15 (729.00) on Business 10 GB (30.00) with its hotspot (5.00)
            "shoppingCart": {
                "deviceId": api_id(iphone_15()),
                "planId": api_id(business_10gb()),
                "optionalFeatureIds": [api_id(hotspot_10gb())],
            },
            "shipTo": ship_to(),
        },
        # peter's Verizon line to AT&T (whose items acme offers only once
        # offer_the_port_carrier() ran): an iPhone 15 (719.00) on Business Unlimited Elite
        # (50.00) with its roaming (12.00).
        "PORT_NUMBER": {
            "serviceId": line,
            "regionId": api_id(united_states()),
            "postalCode": "06477",
            "shoppingCart": {
                "deviceId": api_id(iphone_15(ATT)),
                "planId": api_id(business_unlimited_elite()),
                "optionalFeatureIds": [api_id(roaming("Business Unlimited Elite"))],
            },
            "shipTo": ship_to(),
            "properties": PORT_IN,
        },
        "SUSPEND": {
            "serviceId": line,
            "properties": group("SUSPENSION", choice("REASON", "LEAVE")),
        },
        "UNSUSPEND": {"serviceId": line},
        "DEACTIVATE": {
            "serviceId": line,
            "properties": group("DEACTIVATION", choice("REASON", "LEAVING")),
        },
        "UPDATE_FEATURES": {
            "serviceId": line,
            "shoppingCart": {
                "features": [feature_change(roaming(), "ADD")],
                "featureRequestComment": "travel",
            },
        },
        "SWAP_DEVICES": {
            "serviceId": line,
            "existingDevice": {"serialNumber": {"type": "ESN", "value": ESN}},
            "newDevice": {
                "manufacturerId": "Apple",
                "otherMakeModelName": "iPhone 12",
                "serialNumber": {"type": "IMEI", "value": NEW_IMEI},
            },
        },
    }


def test_there_is_a_body_of_each_type(demo):
    assert sorted(bodies()) == sorted(BODY_TYPES)


def order_body(transaction_type: str, external_number: str | None = None, **changes) -> dict:
    """The valid request of a type, top-level parts replaced (OMIT: left out)."""
    request = {
        "transactionType": transaction_type,
        "externalOrderNumber": external_number or f"TT-{transaction_type}",
        **copy.deepcopy(bodies()[transaction_type]),
    }
    for key, value in changes.items():
        if value is OMIT:
            request.pop(key, None)
        else:
            request[key] = value
    return {"orderRequest": request}


def offer_the_port_carrier() -> None:
    """acme offers AT&T's iPhone 15, Business Unlimited Elite and its roaming (globex's in the
    demo): a carrier for peter's Verizon line to be ported to."""
    acme = Tenant.objects.get(slug="acme")
    for item in (iphone_15(ATT), business_unlimited_elite(), roaming("Business Unlimited Elite")):
        item.offered_to.add(acme)


def cart(transaction_type: str, **changes) -> dict:
    return {**bodies()[transaction_type]["shoppingCart"], **changes}


def serial(value: str, kind: str = "IMEI") -> dict:
    return {"type": kind, "value": value}


def new_device(**changes) -> dict:
    return {**bodies()["SWAP_DEVICES"]["newDevice"], **changes}


# --- Reading answers ----------------------------------------------------------------------------


def confirmed(client, body) -> dict:
    response = client.post("orders?confirm=true", body)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "SUCCESS"
    return response.json()["orderConfirmation"]


def costs(data: dict) -> dict[str, float]:
    summary = data["costSummary"]
    assert {c["currencyCode"] for c in summary} == {"USD"}
    return {c["recurrence"]: c["amount"] for c in summary}


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def problems(response) -> list[tuple[str, str]]:
    """(field, errorCode) of every error of a 400 envelope, checking the envelope's shape."""
    body = response.json()
    assert response.status_code == 400, body
    assert body["status"] == "ERROR"
    for error in body["errors"]:
        assert set(error) == {"errorCode", "field", "message"}
        assert error["message"].strip()
    return [(error["field"], error["errorCode"]) for error in body["errors"]]


def status_of(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def waiting_for(order: Order) -> list[str]:
    """Who may decide the order now."""
    pending = order.approvers.filter(pending=True).select_related("employee")
    return sorted(approver.employee.full_name for approver in pending)


def events(order: Order) -> list[str]:
    return list(OrderHistory.objects.filter(order=order).values_list("event", flat=True))


def line_seen_by(client) -> dict:
    """Peter's line as the API shows it to the client."""
    response = client.get(f"assets/services/{api_id(peters_line())}")
    assert response.status_code == 200, response.json()
    return response.json()["service"]


def lines_of(client) -> dict[str, dict]:
    """The caller's lines by number."""
    response = client.get("assets/services")
    assert response.status_code == 200, response.json()
    return {line["serviceNumber"]: line for line in response.json()["services"]["items"]}


def devices_of(client) -> dict[str, dict]:
    """The caller's devices by id."""
    response = client.get("assets/devices")
    assert response.status_code == 200, response.json()
    return {device["id"]: device for device in response.json()["devices"]["items"]}


def reported_unit(order: Order) -> dict:
    """The unit the carrier says it sent (serial number and SIM)."""
    (segment,) = OrderSegment.objects.filter(order=order)
    (unit,) = segment.vendor_response["devices"]
    return unit


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- Acting -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def carrier_settings(settings):
    settings.SIMULATED_CARRIER_SHIP_DELAY = DELAY
    settings.SIMULATED_CARRIER_MODES = {}


@pytest.fixture
def submit(peter_api, django_capture_on_commit_callbacks):
    """submit(body) -> the Order peter submitted through the API; routing (and, with no approval
    needed, the hand-over to the carrier) runs after the commit, in-process."""

    def post(body) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            response = peter_api.post("orders", body)
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "SUCCESS"
        return Order.objects.get(pk=response.json()["order"]["orderId"])

    return post


@pytest.fixture
def approve(api_for, django_capture_on_commit_callbacks):
    """approve(order, approver): the approver approves the order's current step through the
    API; what the decision queues (the next step, or the carrier) runs in-process."""

    def post(order: Order, approver) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_for(approver).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
        assert response.status_code == 200, response.json()

    return post


@pytest.fixture
def carrier_checks(django_capture_on_commit_callbacks):
    """carrier_checks(order, seconds): as if the order's segments had been sent `seconds` ago,
    the carrier is asked how they are doing (after one delay it ships, or makes a care change;
    after two it has delivered)."""

    def check(order: Order, seconds: float) -> None:
        for segment in OrderSegment.objects.filter(order=order):
            OrderSegment.objects.filter(pk=segment.pk).update(
                sent_at=timezone.now() - timedelta(seconds=seconds)
            )
            with django_capture_on_commit_callbacks(execute=True):
                services.collect_progress(segment.pk)

    return check


def assert_nothing_stored() -> None:
    assert Order.objects.count() == 0


# --- End to end, one test per type --------------------------------------------------------------


def test_suspend_waits_for_the_manager_then_the_carrier_suspends_the_line(
    peter_api, submit, approve, carrier_checks, maria
):
    # Given peter's active line
    body = order_body("SUSPEND")

    # When he confirms a suspension
    confirmation = confirmed(peter_api, body)

    # Then it shows the line and its device, costs nothing, ships nothing, and stores nothing
    assert costs(confirmation) == {"ONETIME": 0.0, "MONTHLY": 0.0}
    assert confirmation["service"]["serviceNumber"] == NUMBER
    assert confirmation["service"]["status"] == "ACTIVE"
    assert confirmation["device"]["serialNumber"] == serial(ESN, "ESN")
    assert confirmation["properties"][0]["fields"][0]["choice"]["label"] == "Leave of absence"
    assert "shipTo" not in confirmation
    assert confirmation["shoppingCart"] == {"accessories": [], "quantity": 0}
    assert_nothing_stored()

    # When he submits it, it waits for his manager (demo rule "Suspensions")
    order = submit(body)
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert waiting_for(order) == ["Maria Lopez"]

    # When maria approves, it goes to the line's carrier
    approve(order, maria)
    assert status_of(order) == Order.Status.IN_FULFILLMENT
    assert line_seen_by(peter_api)["status"] == "ACTIVE"  # nothing changes before the carrier acts

    # When the carrier has made the change
    carrier_checks(order, DELAY + 1)

    # Then the order is complete with nothing shipped, and the line is suspended
    assert status_of(order) == Order.Status.COMPLETE
    assert "carried_out" in events(order) and "shipped" not in events(order)
    assert not Shipment.objects.filter(segment__order=order).exists()
    line = line_seen_by(peter_api)
    assert line["status"] == "SUSPENDED"
    assert line["orderActions"] == ["UNSUSPEND", "DEACTIVATE"]
    assert line["device"]["serialNumber"] == serial(ESN, "ESN")  # still on its device


def test_unsuspend_needs_no_approval_and_makes_the_line_active_again(
    peter_api, submit, carrier_checks
):
    # Given peter's line is suspended
    ServiceAsset.objects.filter(pk=peters_line().pk).update(status=ServiceAsset.Status.SUSPENDED)
    body = order_body("UNSUSPEND")

    # When he confirms resuming it
    confirmation = confirmed(peter_api, body)

    # Then it shows the suspended line, at no cost, with nothing shipped
    assert confirmation["service"]["status"] == "SUSPENDED"
    assert costs(confirmation) == {"ONETIME": 0.0, "MONTHLY": 0.0}
    assert "shipTo" not in confirmation
    assert_nothing_stored()

    # When he submits it, no workflow applies: it is approved at once and sent to the carrier
    order = submit(body)
    assert status_of(order) == Order.Status.IN_FULFILLMENT
    assert not order.approvers.exists()
    assert events(order)[:3] == ["submit", "approve", "send_to_vendors"]
    assert peter_api.get(f"orders/{order.pk}/approval").status_code == 404  # no approval run

    # When the carrier has made the change
    carrier_checks(order, DELAY + 1)

    # Then the line is active again, with every action of an active line
    assert status_of(order) == Order.Status.COMPLETE
    assert "carried_out" in events(order)
    assert not Shipment.objects.filter(segment__order=order).exists()
    line = line_seen_by(peter_api)
    assert line["status"] == "ACTIVE"
    assert line["orderActions"] == ACTIVE_ACTIONS


def test_deactivate_waits_for_manager_and_it_then_the_line_gives_up_its_device(
    peter_api, submit, approve, carrier_checks, maria, ada, peter
):
    body = order_body("DEACTIVATE")

    confirmation = confirmed(peter_api, body)

    assert costs(confirmation) == {"ONETIME": 0.0, "MONTHLY": 0.0}
    assert confirmation["service"]["serviceNumber"] == NUMBER
    assert "shipTo" not in confirmation
    assert_nothing_stored()

    # Demo rule "Deactivations": manager, then IT
    order = submit(body)
    assert waiting_for(order) == ["Maria Lopez"]
    approve(order, maria)
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert waiting_for(order) == IT
    approve(order, ada)
    assert status_of(order) == Order.Status.IN_FULFILLMENT

    carrier_checks(order, DELAY + 1)

    assert status_of(order) == Order.Status.COMPLETE
    assert "carried_out" in events(order)
    assert not Shipment.objects.filter(segment__order=order).exists()
    line = line_seen_by(peter_api)
    assert line["status"] == "DEACTIVATED"
    assert line["orderActions"] == []
    assert line["device"] is None
    # The Cookie Plus is on no line now, but peter still holds it
    cookie = devices_of(peter_api)[peters_cookie()]
    assert cookie["serviceId"] is None
    assert cookie["holderId"] == str(peter.pk)


def test_update_features_adds_a_feature_after_the_managers_approval(
    peter_api, submit, approve, carrier_checks, maria
):
    # Given peter's line has no optional feature; he asks for international roaming
    body = order_body("UPDATE_FEATURES")

    confirmation = confirmed(peter_api, body)

    # Then the monthly bill grows by the feature's price; the change is shown with its action
    assert costs(confirmation) == {"ONETIME": 0.0, "MONTHLY": 10.0}
    features = confirmation["shoppingCart"]["features"]
    assert [(f["id"], f["action"], f["price"]["amount"]) for f in features] == [
        (api_id(roaming()), "ADD", 10.0)
    ]
    assert confirmation["shoppingCart"]["featureRequestComment"] == "travel"
    assert "plan" not in confirmation["shoppingCart"]
    assert "shipTo" not in confirmation
    assert_nothing_stored()

    # It costs more each month: demo rule "Features costing more" asks the manager
    order = submit(body)
    assert waiting_for(order) == ["Maria Lopez"]
    approve(order, maria)
    carrier_checks(order, DELAY + 1)

    assert status_of(order) == Order.Status.COMPLETE
    assert "carried_out" in events(order)
    assert not Shipment.objects.filter(segment__order=order).exists()
    line = line_seen_by(peter_api)
    assert ids(line["features"]) == [api_id(roaming())]
    assert line["plan"]["id"] == api_id(business_unlimited())


def test_removing_a_feature_lowers_the_bill_and_needs_no_approval(
    peter_api, submit, carrier_checks
):
    # Given peter's line has both optional features of its plan
    features_on_peters_line(roaming(), hotspot())
    body = order_body(
        "UPDATE_FEATURES", shoppingCart={"features": [feature_change(roaming(), "REMOVE")]}
    )

    confirmation = confirmed(peter_api, body)

    # Then the bill drops by roaming's price, and only roaming is shown as removed
    assert [(f["id"], f["action"]) for f in confirmation["shoppingCart"]["features"]] == [
        (api_id(roaming()), "REMOVE")
    ]
    assert costs(confirmation) == {"ONETIME": 0.0, "MONTHLY": -10.0}

    # A saving matches no workflow ("Features costing more" is for a monthly cost above 0)
    order = submit(body)
    assert status_of(order) == Order.Status.IN_FULFILLMENT
    assert not order.approvers.exists()
    carrier_checks(order, DELAY + 1)

    # And the hotspot stays on the line
    assert status_of(order) == Order.Status.COMPLETE
    assert ids(line_seen_by(peter_api)["features"]) == [api_id(hotspot())]


def test_adding_a_feature_keeps_the_features_the_line_has(
    peter_api, submit, approve, carrier_checks, maria
):
    # Given peter's line has the mobile hotspot (5.00 a month)
    features_on_peters_line(hotspot())

    # When he adds international roaming (10.00 a month)
    body = order_body("UPDATE_FEATURES")
    confirmation = confirmed(peter_api, body)

    # Then only that addition is shown and priced (observed: a REMOVE of the hotspot too, and
    # MONTHLY 5.0)
    assert [(f["id"], f["action"]) for f in confirmation["shoppingCart"]["features"]] == [
        (api_id(roaming()), "ADD")
    ]
    assert costs(confirmation) == {"ONETIME": 0.0, "MONTHLY": 10.0}

    # And once done the line has both (observed: the hotspot is gone)
    order = submit(body)
    approve(order, maria)
    carrier_checks(order, DELAY + 1)
    assert status_of(order) == Order.Status.COMPLETE
    assert ids(line_seen_by(peter_api)["features"]) == [api_id(roaming()), api_id(hotspot())]


def test_a_feature_costing_more_needs_approval_whatever_the_line_has(peter_api, submit):
    # Given peter's line has international roaming (10.00 a month)
    features_on_peters_line(roaming())

    # When he adds the mobile hotspot (5.00 a month)
    order = submit(
        order_body("UPDATE_FEATURES", shoppingCart={"features": [feature_change(hotspot(), "ADD")]})
    )

    # Then it costs more each month, so "Features costing more" asks his manager (observed:
    # priced -5.00, approved by nobody, and roaming would be removed on completion)
    assert order.cost_monthly == 5
    assert waiting_for(order) == ["Maria Lopez"]


@pytest.mark.parametrize("transaction_type", ["SUSPEND", "SWAP_DEVICES", "ORDER_ACCESSORIES"])
def test_an_order_not_about_features_leaves_the_monthly_bill_alone(peter_api, transaction_type):
    # Given peter's line has international roaming
    features_on_peters_line(roaming())
    if transaction_type == "ORDER_ACCESSORIES":
        body = seed_order_request()
    else:
        body = order_body(transaction_type)

    confirmation = confirmed(peter_api, body)

    # Then no feature change is listed, and the monthly bill does not change (observed: the
    # roaming feature is listed as REMOVE and MONTHLY is -10.0)
    assert "features" not in confirmation["shoppingCart"]
    assert costs(confirmation)["MONTHLY"] == 0.0


def test_swap_devices_needs_no_approval_and_moves_the_line_to_the_new_device(
    peter_api, submit, carrier_checks, peter
):
    body = order_body("SWAP_DEVICES")

    confirmation = confirmed(peter_api, body)

    # Then both devices are shown as described; nothing costs or ships
    assert costs(confirmation) == {"ONETIME": 0.0, "MONTHLY": 0.0}
    assert confirmation["existingDevice"]["serialNumber"] == serial(ESN, "ESN")
    new = confirmation["newDevice"]
    # A model the catalog lacks: the catalog's Other model, its name as the request gave it
    assert (new["manufacturerId"], new["modelId"], new["model"]["id"]) == ("Apple", None, "Other")
    assert new["otherMakeModelName"] == "iPhone 12"
    assert new["serialNumber"] == serial(NEW_IMEI)
    assert confirmation["device"]["model"] == "Cookie Plus"  # the line's device now
    assert "shipTo" not in confirmation
    assert_nothing_stored()

    # Demo rules ask nobody about swapping to a device the employee has
    order = submit(body)
    assert status_of(order) == Order.Status.IN_FULFILLMENT
    assert not order.approvers.exists()
    carrier_checks(order, DELAY + 1)

    assert status_of(order) == Order.Status.COMPLETE
    assert "carried_out" in events(order)
    assert not Shipment.objects.filter(segment__order=order).exists()
    device = line_seen_by(peter_api)["device"]
    assert (device["manufacturer"]["name"], device["model"]) == ("Apple", "iPhone 12")
    assert device["serialNumber"] == serial(NEW_IMEI)
    assert device["simId"] == OLD_SIM  # the SIM moved with the line
    held = devices_of(peter_api)
    assert held[device["id"]]["catalogDeviceId"] is None  # a model the catalog does not have
    assert held[device["id"]]["holderId"] == str(peter.pk)
    assert held[peters_cookie()]["serviceId"] is None  # the Cookie Plus is on no line now
    assert held[peters_cookie()]["holderId"] == str(peter.pk)


def test_upgrade_ships_a_new_device_and_plan_and_restarts_the_upgrade_period(
    peter_api, submit, approve, carrier_checks, maria
):
    # Given peter's line, last upgraded in 2014 (eligible again after 24 months)
    body = order_body("UPGRADE")

    confirmation = confirmed(peter_api, body)

    # Then: the iPhone once; per month the new plan and feature minus the plan left behind
    assert costs(confirmation) == {"ONETIME": 729.0, "MONTHLY": 30.0 + 5.0 - 45.0}
    shopping = confirmation["shoppingCart"]
    assert (shopping["device"]["id"], shopping["device"]["model"]) == (
        api_id(iphone_15()),
        "iPhone 15",
    )
    assert shopping["quantity"] == 1
    assert shopping["plan"]["id"] == api_id(business_10gb())
    assert ids(shopping["plan"]["optionalFeatures"]) == [api_id(hotspot_10gb())]
    assert shopping["removedPlan"]["id"] == api_id(business_unlimited())
    assert confirmation["existingDevice"]["serialNumber"] == serial(ESN, "ESN")
    assert confirmation["existingDevice"]["model"]["name"] == "Cookie Plus"
    assert confirmation["service"]["serviceNumber"] == NUMBER
    assert confirmation["shipTo"]["name"] == "Peter Edwards"
    assert_nothing_stored()

    # Demo rule "Upgrades": the manager only
    order = submit(body)
    assert waiting_for(order) == ["Maria Lopez"]
    approve(order, maria)
    assert status_of(order) == Order.Status.IN_FULFILLMENT

    # The carrier ships the device, then delivers it
    carrier_checks(order, DELAY + 1)
    assert status_of(order) == Order.Status.SHIPPED
    assert Shipment.objects.filter(segment__order=order).count() == 1
    assert line_seen_by(peter_api)["plan"]["id"] == api_id(
        business_unlimited()
    )  # nothing changes before delivery
    carrier_checks(order, 2 * DELAY + 1)

    assert status_of(order) == Order.Status.COMPLETE
    assert {"shipped", "delivered"} <= set(events(order))
    assert "carried_out" not in events(order)
    unit = reported_unit(order)
    line = line_seen_by(peter_api)
    assert (line["plan"]["id"], ids(line["features"])) == (
        api_id(business_10gb()),
        [api_id(hotspot_10gb())],
    )
    assert line["device"]["model"] == "iPhone 15"
    assert line["device"]["serialNumber"] == unit["serialNumber"]
    assert line["device"]["serialNumber"]["type"] == "IMEI"
    assert line["device"]["simId"] == unit["simId"]
    held = devices_of(peter_api)
    assert held[line["device"]["id"]]["catalogDeviceId"] == api_id(iphone_15())
    assert held[peters_cookie()]["serviceId"] is None
    # The upgrade period starts again now
    upgraded = stamp(line["contractDates"]["lastDeviceUpgrade"])
    assert abs(upgraded - timezone.now()) < timedelta(minutes=1)
    assert stamp(line["upgradeEligibilityDate"]) == add_months(upgraded, 24)
    assert "UPGRADE" in line["orderActions"]


def test_new_activation_waits_for_manager_and_it_then_a_new_line_is_active(
    peter_api, submit, approve, carrier_checks, maria, ian, peter
):
    body = order_body("NEW_ACTIVATION")

    confirmation = confirmed(peter_api, body)

    # Then: device and accessory once, plan and feature monthly; no line yet
    assert costs(confirmation) == {"ONETIME": 699.0 + 24.99, "MONTHLY": 45.0 + 10.0}
    shopping = confirmation["shoppingCart"]
    assert (shopping["device"]["id"], shopping["device"]["model"]) == (
        api_id(galaxy_s24()),
        "Galaxy S24",
    )
    assert shopping["plan"]["id"] == api_id(business_unlimited())
    assert ids(shopping["plan"]["optionalFeatures"]) == [api_id(roaming())]
    assert ids(shopping["accessories"]) == [api_id(galaxy_charger())]
    assert "removedPlan" not in shopping and "features" not in shopping
    assert (confirmation["postalCode"], confirmation["region"]["id"]) == (
        "06477",
        api_id(united_states()),
    )
    assert confirmation["shipTo"]["name"] == "Peter Edwards"
    assert "service" not in confirmation and "serviceNumber" not in confirmation
    assert_nothing_stored()

    # Demo rule "New lines and ports": manager, then IT
    order = submit(body)
    assert waiting_for(order) == ["Maria Lopez"]
    approve(order, maria)
    assert waiting_for(order) == IT
    approve(order, ian)
    assert status_of(order) == Order.Status.IN_FULFILLMENT
    # The number is the carrier's to choose: unknown until it delivers
    assert peter_api.get(f"orders/{order.pk}").json()["order"]["serviceNumber"] is None

    carrier_checks(order, DELAY + 1)
    assert status_of(order) == Order.Status.SHIPPED
    carrier_checks(order, 2 * DELAY + 1)

    assert status_of(order) == Order.Status.COMPLETE
    number = OrderSegment.objects.get(order=order).vendor_response["serviceNumber"]
    assert peter_api.get(f"orders/{order.pk}").json()["order"]["serviceNumber"] == number
    lines = lines_of(peter_api)
    assert sorted(lines) == sorted([NUMBER, number])
    line = lines[number]
    assert line["status"] == "ACTIVE"
    assert line["accountHolder"]["id"] == str(peter.pk)
    assert (line["plan"]["id"], ids(line["features"])) == (
        api_id(business_unlimited()),
        [api_id(roaming())],
    )
    assert line["vendor"]["id"] == api_id(verizon())
    unit = reported_unit(order)
    assert line["device"]["serialNumber"] == unit["serialNumber"]
    assert devices_of(peter_api)[line["device"]["id"]]["catalogDeviceId"] == api_id(galaxy_s24())


def test_port_number_confirms_the_line_on_the_new_carriers_device_and_plan(peter_api):
    offer_the_port_carrier()

    confirmation = confirmed(peter_api, order_body("PORT_NUMBER"))

    # Then the line ported is named with its number and the device it is on now
    assert confirmation["service"]["id"] == api_id(peters_line())
    assert confirmation["service"]["serviceNumber"] == NUMBER
    assert confirmation["device"]["serialNumber"] == serial(ESN, "ESN")
    # and the new carrier's device, plan and feature, costing what the new carrier bills (the
    # old plan ends with the port: nothing is taken off)
    shopping = confirmation["shoppingCart"]
    assert (shopping["device"]["id"], shopping["plan"]["id"]) == (
        api_id(iphone_15(ATT)),
        api_id(business_unlimited_elite()),
    )
    assert shopping["plan"]["vendor"]["name"] == ATT
    assert ids(shopping["plan"]["optionalFeatures"]) == [
        api_id(roaming("Business Unlimited Elite"))
    ]
    assert "features" not in shopping and "removedPlan" not in shopping
    assert costs(confirmation) == {"ONETIME": 719.0, "MONTHLY": 62.0}
    assert confirmation["region"]["id"] == api_id(united_states())
    assert confirmation["postalCode"] == "06477"
    assert_nothing_stored()


# --- Rules: each refusal with its code and field; nothing stored --------------------------------


def offer(item) -> None:
    """Offer a globex catalog item to acme too (to reach the carrier rules)."""
    item.offered_to.add(Tenant.objects.get(slug="acme"))


def line_status(status: str) -> Callable[[], object]:
    return lambda: ServiceAsset.objects.filter(pk=peters_line().pk).update(status=status)


def nothing() -> None:
    return None


def marias_device_off_her_line() -> None:
    # Her iPhone is on no line now, but still hers: peter's line may not take it over.
    DeviceAsset.objects.filter(serial_number=MARIAS_SERIAL).update(service=None)


@contextmanager
def undone():
    """What a case changes is rolled back after it: every case starts from the demo data."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass(frozen=True)
class Refusal:
    name: str
    body: dict
    expected: list[tuple[str, str]]  # (field, errorCode)
    given: Callable[[], object] = nothing


R = "orderRequest"
NA, UP, PORT = "NEW_ACTIVATION", "UPGRADE", "PORT_NUMBER"
UF, SWAP = "UPDATE_FEATURES", "SWAP_DEVICES"
REFUSAL_KINDS = [NA, UP, PORT, "status changes", UF, SWAP]


def refusals() -> dict[str, list[Refusal]]:
    """Each kind's refusals (built when a test runs: the bodies name the demo's rows)."""
    return {
        NA: [
            Refusal(
                # The AT&T S24 is globex's; its carrier also makes the plan and the charger misfits
                "device-not-offered",
                order_body(NA, shoppingCart=cart(NA, deviceId=api_id(galaxy_s24(ATT)))),
                [
                    (f"{R}.shoppingCart.deviceId", "NOT_AVAILABLE"),
                    (f"{R}.shoppingCart.planId", "NOT_COMPATIBLE"),
                    (f"{R}.shoppingCart.accessoryIds[0]", "NOT_COMPATIBLE"),
                ],
            ),
            Refusal(
                "plan-of-another-carrier",
                order_body(
                    NA,
                    shoppingCart=cart(
                        NA, planId=api_id(business_unlimited_elite()), optionalFeatureIds=[]
                    ),
                ),
                [(f"{R}.shoppingCart.planId", "NOT_COMPATIBLE")],
                given=lambda: offer(business_unlimited_elite()),
            ),
            Refusal(
                "feature-of-another-plan",
                order_body(NA, shoppingCart=cart(NA, optionalFeatureIds=[api_id(hotspot_10gb())])),
                [(f"{R}.shoppingCart.optionalFeatureIds[0]", "NOT_COMPATIBLE")],
            ),
            Refusal(
                "feature-twice",
                order_body(
                    NA,
                    shoppingCart=cart(
                        NA, optionalFeatureIds=[api_id(roaming()), api_id(roaming())]
                    ),
                ),
                [(f"{R}.shoppingCart.optionalFeatureIds[1]", "DUPLICATE")],
            ),
            Refusal(
                "accessory-does-not-fit",  # the OtterBox fits iPhones, not the Galaxy S24
                order_body(NA, shoppingCart=cart(NA, accessoryIds=[api_id(otterbox())])),
                [(f"{R}.shoppingCart.accessoryIds[0]", "NOT_COMPATIBLE")],
            ),
            Refusal("no-ship-to", order_body(NA, shipTo=OMIT), [(f"{R}.shipTo", "REQUIRED")]),
            Refusal(
                "bad-postal-code",
                order_body(NA, postalCode="ABCDE"),
                [(f"{R}.postalCode", "INVALID_FORMAT")],
            ),
            Refusal(
                "no-cost-center",
                order_body(NA, properties=group("NEW_LINE", choice("JUSTIFICATION", "NEW_HIRE"))),
                [(f"{R}.properties.NEW_LINE.COST_CENTER", "REQUIRED")],
            ),
        ],
        UP: [
            Refusal(
                "suspended-line",
                order_body(UP),
                [(f"{R}.serviceId", "SERVICE_NOT_ELIGIBLE")],
                given=line_status("SUSPENDED"),
            ),
            Refusal(
                "too-early",
                order_body(UP),
                [(f"{R}.serviceId", "NOT_ELIGIBLE_FOR_UPGRADE")],
                given=lambda: ServiceAsset.objects.filter(pk=peters_line().pk).update(
                    last_device_upgrade=timezone.now() - timedelta(days=90)
                ),
            ),
            Refusal(
                "existing-serial-mismatch",
                order_body(UP, existingDevice={"serialNumber": serial("4289183847833", "ESN")}),
                [(f"{R}.existingDevice.serialNumber", "DEVICE_MISMATCH")],
            ),
            Refusal(
                "existing-model-mismatch",
                order_body(
                    UP,
                    existingDevice={
                        "modelId": api_id(iphone_15()),
                        "serialNumber": serial(ESN, "ESN"),
                    },
                ),
                [(f"{R}.existingDevice.modelId", "DEVICE_MISMATCH")],
            ),
            Refusal(
                "serial-type-invalid",
                order_body(UP, existingDevice={"serialNumber": serial(ESN, "SIM")}),
                [(f"{R}.existingDevice.serialNumber.type", "INVALID_VALUE")],
            ),
            Refusal(
                "device-of-another-carrier",
                order_body(UP, shoppingCart=cart(UP, deviceId=api_id(galaxy_s24(ATT)))),
                [(f"{R}.shoppingCart.deviceId", "NOT_COMPATIBLE")],
                given=lambda: offer(galaxy_s24(ATT)),
            ),
            Refusal(
                "plan-of-another-carrier",
                order_body(
                    UP,
                    shoppingCart=cart(
                        UP, planId=api_id(business_unlimited_elite()), optionalFeatureIds=[]
                    ),
                ),
                [(f"{R}.shoppingCart.planId", "NOT_COMPATIBLE")],
                given=lambda: offer(business_unlimited_elite()),
            ),
        ],
        PORT: [
            Refusal(
                "suspended-line",
                order_body(PORT),
                [(f"{R}.serviceId", "SERVICE_NOT_ELIGIBLE")],
                given=lambda: (offer_the_port_carrier(), line_status("SUSPENDED")()),
            ),
            Refusal(
                "unknown-line",
                order_body(PORT, serviceId="999999999"),
                [(f"{R}.serviceId", "NOT_FOUND")],
                given=offer_the_port_carrier,
            ),
            Refusal(
                # Verizon's iPhone and plan for a Verizon line: no other carrier to port to
                "same-carrier",
                order_body(PORT, shoppingCart=cart(UP, optionalFeatureIds=[])),
                [(f"{R}.shoppingCart.planId", "SAME_CARRIER")],
                given=offer_the_port_carrier,
            ),
            Refusal(
                "device-and-plan-of-different-carriers",
                order_body(PORT, shoppingCart=cart(PORT, deviceId=api_id(iphone_15()))),
                [(f"{R}.shoppingCart.planId", "NOT_COMPATIBLE")],
                given=offer_the_port_carrier,
            ),
            Refusal(
                "device-not-offered",  # AT&T's Galaxy S24 is globex's only
                order_body(PORT, shoppingCart=cart(PORT, deviceId=api_id(galaxy_s24(ATT)))),
                [(f"{R}.shoppingCart.deviceId", "NOT_AVAILABLE")],
                given=offer_the_port_carrier,
            ),
            Refusal(
                "no-account-details",
                order_body(PORT, properties=group("PORT_IN", text("LOSING_CARRIER", "T-Mobile"))),
                [
                    (f"{R}.properties.PORT_IN.ACCOUNT_NUMBER", "REQUIRED"),
                    (f"{R}.properties.PORT_IN.ACCOUNT_PIN", "REQUIRED"),
                ],
                given=offer_the_port_carrier,
            ),
        ],
        "status changes": [
            Refusal(
                "suspend-a-suspended-line",
                order_body("SUSPEND"),
                [(f"{R}.serviceId", "SERVICE_NOT_ELIGIBLE")],
                given=line_status("SUSPENDED"),
            ),
            Refusal(
                "unsuspend-an-active-line",
                order_body("UNSUSPEND"),
                [(f"{R}.serviceId", "SERVICE_NOT_ELIGIBLE")],
            ),
            Refusal(
                "deactivate-a-deactivated-line",
                order_body("DEACTIVATE"),
                [(f"{R}.serviceId", "SERVICE_NOT_ELIGIBLE")],
                given=line_status("DEACTIVATED"),
            ),
            *[
                Refusal(
                    f"{kind.lower()}-with-a-ship-to",
                    order_body(kind, shipTo=ship_to()),
                    [(f"{R}.shipTo", "NOT_APPLICABLE")],
                    # UNSUSPEND needs a suspended line to get as far as the ship-to
                    given=line_status("SUSPENDED") if kind == "UNSUSPEND" else nothing,
                )
                for kind in CARE_TYPES
            ],
        ],
        UF: [
            Refusal(
                "feature-of-another-plan",
                order_body(UF, shoppingCart={"features": [feature_change(hotspot_10gb(), "ADD")]}),
                [(f"{R}.shoppingCart.features[0].id", "NOT_COMPATIBLE")],
            ),
            Refusal(
                "add-one-already-on",
                order_body(UF),
                [(f"{R}.shoppingCart.features[0].id", "ALREADY_ON")],
                given=lambda: features_on_peters_line(roaming()),
            ),
            Refusal(
                "remove-one-not-on",
                order_body(UF, shoppingCart={"features": [feature_change(hotspot(), "REMOVE")]}),
                [(f"{R}.shoppingCart.features[0].id", "NOT_ON")],
            ),
            Refusal(
                "same-feature-twice",
                order_body(UF, shoppingCart={"features": [feature_change(roaming(), "ADD")] * 2}),
                [(f"{R}.shoppingCart.features[1].id", "DUPLICATE")],
            ),
            Refusal(
                "no-features",
                order_body(UF, shoppingCart={"features": []}),
                [(f"{R}.shoppingCart.features", "REQUIRED")],
            ),
            Refusal(
                "unknown-action",
                order_body(UF, shoppingCart={"features": [feature_change(roaming(), "TOGGLE")]}),
                [(f"{R}.shoppingCart.features[0].action", "INVALID_VALUE")],
            ),
            Refusal(
                "suspended-line",
                order_body(UF),
                [(f"{R}.serviceId", "SERVICE_NOT_ELIGIBLE")],
                given=line_status("SUSPENDED"),
            ),
        ],
        SWAP: [
            Refusal(
                "suspended-line",
                order_body(SWAP),
                [(f"{R}.serviceId", "SERVICE_NOT_ELIGIBLE")],
                given=line_status("SUSPENDED"),
            ),
            Refusal(
                "serial-type-invalid",
                order_body(SWAP, newDevice=new_device(serialNumber=serial(NEW_IMEI, "SIM"))),
                [(f"{R}.newDevice.serialNumber.type", "INVALID_VALUE")],
            ),
            Refusal(
                "to-the-same-device",
                order_body(SWAP, newDevice=new_device(serialNumber=serial(ESN, "ESN"))),
                [(f"{R}.newDevice.serialNumber.value", "SAME_DEVICE")],
            ),
            Refusal(
                "to-a-device-on-another-line",
                order_body(SWAP, newDevice=new_device(serialNumber=serial(MARIAS_SERIAL))),
                [(f"{R}.newDevice.serialNumber.value", "DEVICE_IN_USE")],
            ),
            Refusal(
                "to-a-spare-device-someone-else-holds",
                order_body(SWAP, newDevice=new_device(serialNumber=serial(MARIAS_SERIAL))),
                [(f"{R}.newDevice.serialNumber.value", "DEVICE_IN_USE")],
                given=marias_device_off_her_line,
            ),
            Refusal(
                "new-device-without-model",
                order_body(SWAP, newDevice=new_device(otherMakeModelName="")),
                [(f"{R}.newDevice.modelId", "REQUIRED")],
            ),
            Refusal(
                "model-of-another-maker",
                order_body(
                    SWAP, newDevice=new_device(manufacturerId="LG", modelId=api_id(iphone_15()))
                ),
                [(f"{R}.newDevice.modelId", "NOT_COMPATIBLE")],
            ),
            Refusal(
                "existing-device-mismatch",
                order_body(SWAP, existingDevice={"serialNumber": serial(MARIAS_SERIAL)}),
                [(f"{R}.existingDevice.serialNumber", "DEVICE_MISMATCH")],
            ),
        ],
    }


@pytest.mark.parametrize("kind", REFUSAL_KINDS)
def test_requests_breaking_a_rule_are_refused_naming_the_field_and_store_nothing(
    peter_api, subtests, kind
):
    for case in refusals()[kind]:
        with subtests.test(case.name), undone():
            # Given the line or the catalog as the rule needs it
            case.given()

            # When peter confirms, then submits the request
            confirming = peter_api.post("orders?confirm=true", case.body)
            submitting = peter_api.post("orders", case.body)

            # Then both answer the same envelope naming exactly these problems; nothing is
            # stored
            assert sorted(problems(confirming)) == sorted(case.expected)
            assert confirming.json() == submitting.json()
            assert_nothing_stored()


def test_upgrade_too_early_says_from_when_the_line_may_be_upgraded(peter_api):
    # Given peter's last upgrade was about three months ago
    last = timezone.now() - timedelta(days=90)
    ServiceAsset.objects.filter(pk=peters_line().pk).update(last_device_upgrade=last)

    response = peter_api.post("orders?confirm=true", order_body("UPGRADE"))

    # Then the refusal names the date, 24 months after that upgrade
    assert problems(response) == [(f"{R}.serviceId", "NOT_ELIGIBLE_FOR_UPGRADE")]
    message = response.json()["errors"][0]["message"]
    eligible = add_months(last, 24)
    assert f"Eligible for an upgrade from {eligible:%b} {eligible.day}, {eligible.year}." in message
    assert "24 months" in message
    assert line_seen_by(peter_api)["orderActions"] == ACTIVE_ACTIONS  # UPGRADE is still listed


def test_a_shorter_upgrade_period_of_the_tenant_makes_the_line_eligible(peter_api, demo):
    # Given peter's last upgrade three months ago, refused under the default 24 months
    ServiceAsset.objects.filter(pk=peters_line().pk).update(
        last_device_upgrade=timezone.now() - timedelta(days=90)
    )
    assert peter_api.post("orders?confirm=true", order_body("UPGRADE")).status_code == 400

    # When acme lets lines be upgraded every two months
    Tenant.objects.filter(pk=demo.acme.pk).update(upgrade_eligibility_months=2)

    # Then the same upgrade is accepted
    confirmation = confirmed(peter_api, order_body("UPGRADE"))
    assert confirmation["shoppingCart"]["device"]["id"] == api_id(iphone_15())


def test_swap_to_an_unknown_serial_type_lists_the_types_there_are(peter_api):
    body = order_body("SWAP_DEVICES", newDevice=new_device(serialNumber=serial(NEW_IMEI, "SIM")))

    response = peter_api.post("orders", body)

    (error,) = response.json()["errors"]
    assert error["field"] == f"{R}.newDevice.serialNumber.type"
    assert error["message"] == (
        '"SIM" is not a serial number type: use one of IMEI, MEID, ESN, CAP_CODE, PIN, MSN, '
        "UNKNOWN."
    )


def test_every_problem_of_a_new_activation_is_listed_at_once(peter_api):
    # Given a request with a feature of another plan, a misfit accessory, a bad postal code,
    # no cost center and no ship-to
    body = order_body(
        "NEW_ACTIVATION",
        shoppingCart=cart(
            "NEW_ACTIVATION",
            optionalFeatureIds=[api_id(hotspot_10gb())],
            accessoryIds=[api_id(otterbox())],
        ),
        postalCode="ABCDE",
        properties=group("NEW_LINE", choice("JUSTIFICATION", "NEW_HIRE")),
        shipTo=OMIT,
    )

    for path in ("orders?confirm=true", "orders"):
        response = peter_api.post(path, body)

        assert sorted(problems(response)) == sorted(
            [
                (f"{R}.shoppingCart.optionalFeatureIds[0]", "NOT_COMPATIBLE"),
                (f"{R}.shoppingCart.accessoryIds[0]", "NOT_COMPATIBLE"),
                (f"{R}.postalCode", "INVALID_FORMAT"),
                (f"{R}.properties.NEW_LINE.COST_CENTER", "REQUIRED"),
                (f"{R}.shipTo", "REQUIRED"),
            ]
        )
    assert_nothing_stored()


def test_every_problem_of_a_swap_is_listed_at_once(peter_api):
    # Given the wrong current device, a new device in use elsewhere, and an address
    body = order_body(
        "SWAP_DEVICES",
        existingDevice={"serialNumber": serial("0000000000", "ESN")},
        newDevice=new_device(serialNumber=serial(MARIAS_SERIAL)),
        shipTo=ship_to(),
    )

    response = peter_api.post("orders", body)

    assert sorted(problems(response)) == sorted(
        [
            (f"{R}.existingDevice.serialNumber", "DEVICE_MISMATCH"),
            (f"{R}.newDevice.serialNumber.value", "DEVICE_IN_USE"),
            (f"{R}.shipTo", "NOT_APPLICABLE"),
        ]
    )
    assert_nothing_stored()


# --- Whose lines ---------------------------------------------------------------------------------


@pytest.mark.parametrize("holder", ["gina", "maria"], ids=["other-tenant", "colleague"])
def test_a_line_peter_may_not_see_does_not_exist_for_him(peter_api, subtests, holder):
    service = api_id(line_of(holder))
    for kind in [
        "UPGRADE",
        "PORT_NUMBER",
        "SUSPEND",
        "DEACTIVATE",
        "UPDATE_FEATURES",
        "SWAP_DEVICES",
    ]:
        with subtests.test(kind):
            # Given gina's line in globex, or maria's in acme
            body = order_body(kind, serviceId=service)

            response = peter_api.post("orders", body)

            # Then he is told what an unknown id gets: the line's existence does not leak
            assert (f"{R}.serviceId", "NOT_FOUND") in problems(response)
            unknown = peter_api.post("orders", order_body(kind, serviceId="99999999"))
            assert [e["message"].replace(service, "<id>") for e in response.json()["errors"]] == [
                e["message"].replace("99999999", "<id>") for e in unknown.json()["errors"]
            ]
    assert_nothing_stored()


# --- What clients are told they may order --------------------------------------------------------


def test_me_lists_all_twelve_transaction_types(peter_api):
    response = peter_api.get("me")

    assert response.status_code == 200, response.json()
    assert response.json()["transactionTypes"] == [
        "NEW_ACTIVATION",
        "UPGRADE",
        "ORDER_ACCESSORIES",
        "PORT_NUMBER",
        "SUSPEND",
        "UNSUSPEND",
        "DEACTIVATE",
        "UPDATE_FEATURES",
        "SWAP_DEVICES",
        "XFER_SERVICE_OUT",
        "XFER_SERVICE_IN",
        "XFER_SERVICE_IN_AND_PORT",
    ]


def test_a_lines_order_actions_follow_its_status(peter_api):
    for status, actions in [
        ("ACTIVE", ACTIVE_ACTIONS),
        ("SUSPENDED", ["UNSUSPEND", "DEACTIVATE"]),
        ("DEACTIVATED", []),
        ("TRANSFERRED", []),
    ]:
        ServiceAsset.objects.filter(pk=peters_line().pk).update(status=status)

        assert line_seen_by(peter_api)["orderActions"] == actions, status
        assert lines_of(peter_api)[NUMBER]["orderActions"] == actions, status


# --- Approval rules per type ---------------------------------------------------------------------


def test_a_rule_for_deactivations_only_leaves_suspensions_unapproved(
    api_for, ada, demo, peter_api, submit, carrier_checks
):
    # Given acme's only workflow, written by its admin: deactivations need the manager
    ApprovalWorkflow.objects.filter(tenant=demo.acme).delete()
    created = api_for(ada).post(
        "approval-workflows",
        {
            "name": "Deactivations only",
            "conditions": {"transactionTypes": ["DEACTIVATE"]},
            "steps": [{"kind": "MANAGER"}],
        },
    )
    assert created.status_code == 201, created.json()

    # When peter suspends his line, that is approved at once and carried out
    suspension = submit(order_body("SUSPEND"))
    assert status_of(suspension) == Order.Status.IN_FULFILLMENT
    assert not suspension.approvers.exists()
    carrier_checks(suspension, DELAY + 1)
    assert status_of(suspension) == Order.Status.COMPLETE

    # When he then deactivates the suspended line
    deactivation = submit(order_body("DEACTIVATE"))

    # Then that one waits for his manager
    assert status_of(deactivation) == Order.Status.AWAITING_APPROVAL
    assert waiting_for(deactivation) == ["Maria Lopez"]
    assert line_seen_by(peter_api)["status"] == "SUSPENDED"
