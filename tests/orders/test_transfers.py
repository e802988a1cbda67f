"""The transfers of release 1.3.6 end to end through the API: XFER_SERVICE_OUT (peter's company
line becomes his own), XFER_SERVICE_IN (his own Verizon line becomes a company line) and
XFER_SERVICE_IN_AND_PORT (his own AT&T line is ported to a company Verizon plan on a new
phone); what confirm shows (every key path of the tutorials' examples), what the carrier does
and what the completed order changes; each rule that refuses one; a workflow naming a transfer.
"""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import ApprovalWorkflow
from catalog.models import DeviceAsset, ServiceAsset
from orders import services
from orders.models import Order, OrderSegment
from tests.demo_data import (
    api_id,
    att,
    business_10gb,
    business_unlimited,
    galaxy_charger,
    galaxy_s24,
    hotspot,
    iphone_15,
    line_of,
    united_states,
    vehicle_charger,
    verizon,
)
from tests.factories import DeviceFactory, PlanFactory, VendorFactory
from tests.orders.test_transaction_types import (
    DELAY,
    confirmed,
    events,
    group,
    lines_of,
    order_body,
    problems,
    ship_to,
    status_of,
    text,
    waiting_for,
)
from tests.orders.tutorial_docs import copies_unlike_the_shared_pages, key_paths, tutorial_examples

NUMBER = "2035557676"  # peter's company line, on Verizon, on his Cookie Plus
OWN_NUMBER = "2035551111"  # peter's own line, not the company's (the tutorials' number)
TYPES = ["XFER_SERVICE_OUT", "XFER_SERVICE_IN", "XFER_SERVICE_IN_AND_PORT"]
# The bring pages' queries, session, user, employee and navigation counts included: a list of
# carriers or devices, and the form (with the carrier's info blocks and acknowledgements, and
# the plans' included features, one prefetch).
BRING_LIST_MAX_QUERIES, BRING_FORM_MAX_QUERIES = 8, 18


def out_properties(**changes) -> list[dict]:
    answers = {
        "CONTACT_NUMBER": "2035558888",
        "ADDITIONAL_INSTRUCTIONS": "Please confirm with account holder",
        "PERSONAL_EMAIL": "peter.edwards@example.com",
        "SERVICE_NUMBER": NUMBER,
        **changes,
    }
    return group("MISCELLANEOUS", *(text(k, v) for k, v in answers.items() if v is not None))


def in_properties(**changes) -> list[dict]:
    answers = {
        "CARRIER_ACCT_NUMBER": "12345",
        "CONTACT_NUMBER": "2035558888",
        "NAME_ON_INVOICE": "Peter Edwards",
        "ADDITIONAL_INSTRUCTIONS": "Please confirm transfer with account holder",
        "PERSONAL_EMAIL": "peter.edwards@example.com",
        "SERVICE_NUMBER": OWN_NUMBER,
        "PIN_PASSWORD": "654321",
        **changes,
    }
    return group("MISCELLANEOUS", *(text(k, v) for k, v in answers.items() if v is not None))


ACKNOWLEDGED = [
    {"id": "SHARED_PLAN", "boolean": True},
    {"id": "LIABILITY_TRANSFER", "boolean": True},
]


def bodies() -> dict[str, dict]:
    """A valid request of each transfer for peter, shaped as its tutorial's example."""
    return {
        "XFER_SERVICE_OUT": {
            "serviceId": api_id(line_of("peter")),
            "properties": out_properties(),
        },
        # His own Verizon line, onto the company's Business Unlimited, on a Galaxy S24 with a
        # charger.
        "XFER_SERVICE_IN": {
            "currentVendorId": api_id(verizon()),
            "regionId": api_id(united_states()),
            "postalCode": "06484",
            "shoppingCart": {
                "deviceId": api_id(galaxy_s24()),  # 699.00
                "planId": api_id(business_unlimited()),  # 45.00 a month
                "accessoryIds": [api_id(galaxy_charger())],  # 24.99
            },
            "properties": in_properties(),
            "shipTo": {**ship_to(), "expedite": False},
            "acknowledgements": ACKNOWLEDGED,
        },
        # His own AT&T line, ported to Verizon's Business 10 GB on an iPhone 15.
        "XFER_SERVICE_IN_AND_PORT": {
            "currentVendorId": api_id(att()),
            "regionId": api_id(united_states()),
            "postalCode": "06484",
            "shoppingCart": {
                "deviceId": api_id(iphone_15()),  # 729.00
                "planId": api_id(business_10gb()),  # 30.00 a month
                "quantity": 1,
            },
            "properties": in_properties(),
            "shipTo": {**ship_to(), "expedite": False},
            "acknowledgements": [
                {"id": "SHARED_PLAN", "type": "BOOLEAN", "boolean": True},
                {"id": "TERMINATION_FEE", "type": "BOOLEAN", "boolean": True},
            ],
        },
    }


def body(transaction_type: str, number: str | None = None, **changes) -> dict:
    request = {
        "externalOrderNumber": number or f"XF-{transaction_type}",
        "transactionType": transaction_type,
        **copy.deepcopy(bodies()[transaction_type]),
    }
    for key, value in changes.items():
        if value is None:
            request.pop(key, None)
        else:
            request[key] = value
    return {"orderRequest": request}


def costs(data: dict) -> dict[str, float]:
    return {c["recurrence"]: c["amount"] for c in data["costSummary"]}


@pytest.fixture(autouse=True)
def carrier_settings(settings):
    settings.SIMULATED_CARRIER_SHIP_DELAY = DELAY
    settings.SIMULATED_CARRIER_MODES = {}


@pytest.fixture
def submit(peter_api, django_capture_on_commit_callbacks):
    """submit(body) -> the Order peter submitted through the API, routed in-process."""

    def post(request_body) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            response = peter_api.post("orders", request_body)
        assert response.status_code == 200, response.json()
        return Order.objects.get(pk=response.json()["order"]["orderId"])

    return post


@pytest.fixture
def approve(api_for, django_capture_on_commit_callbacks):
    def post(order: Order, approver) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_for(approver).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
        assert response.status_code == 200, response.json()

    return post


@pytest.fixture
def carrier_checks(django_capture_on_commit_callbacks):
    """carrier_checks(order, seconds): the carrier is asked, as if `seconds` after it got the
    order (one delay: shipped or changed; two: delivered)."""

    def check(order: Order, seconds: float) -> None:
        for segment in OrderSegment.objects.filter(order=order):
            OrderSegment.objects.filter(pk=segment.pk).update(
                sent_at=timezone.now() - timedelta(seconds=seconds)
            )
            with django_capture_on_commit_callbacks(execute=True):
                services.collect_progress(segment.pk)

    return check


def through_approval(order: Order, approve) -> None:
    """Whoever each step waits for approves it (the demo has no workflow for transfers; a
    tenant's cost rule may still ask)."""
    while status_of(order) == Order.Status.AWAITING_APPROVAL:
        approver = order.approvers.filter(pending=True).select_related("employee").first()
        approve(order, approver.employee)


# --- End to end, one test per type ---------------------------------------------------------------


def test_transfer_out_makes_the_line_peters_own_and_it_leaves_the_company(
    peter_api, submit, approve, carrier_checks
):
    # Given peter's active company line: it offers the transfer out
    assert "XFER_SERVICE_OUT" in lines_of(peter_api)[NUMBER]["orderActions"]

    # When he confirms moving it to his own account
    confirmation = confirmed(peter_api, body("XFER_SERVICE_OUT"))

    # Then it shows the line, its device and his answers, costs nothing and stores nothing
    assert confirmation["transactionType"] == "XFER_SERVICE_OUT"
    assert confirmation["service"]["serviceNumber"] == NUMBER
    assert confirmation["device"]["serialNumber"]["value"] == "4289183847832"
    assert confirmation["acknowledgements"] == []
    fields = {f["id"]: f for f in confirmation["properties"][0]["fields"]}
    assert fields["PERSONAL_EMAIL"]["label"] == "Personal E-mail Address"
    assert costs(confirmation) == {"ONETIME": 0.0, "MONTHLY": 0.0}
    assert "shipTo" not in confirmation
    assert Order.objects.count() == 0

    # When he submits it, it goes to the line's carrier, who makes the change
    order = submit(body("XFER_SERVICE_OUT"))
    through_approval(order, approve)
    assert status_of(order) == Order.Status.IN_FULFILLMENT
    assert lines_of(peter_api)[NUMBER]["status"] == "ACTIVE"  # not before the carrier acts
    carrier_checks(order, DELAY + 1)

    # Then the order is complete and the line is no longer one of the company's
    assert status_of(order) == Order.Status.COMPLETE
    assert "carried_out" in events(order)
    line = ServiceAsset.objects.get(pk=line_of("peter").pk)
    assert line.status == ServiceAsset.Status.TRANSFERRED
    assert line.order_actions == []
    assert DeviceAsset.objects.filter(service=line).count() == 0
    shown = peter_api.get(f"orders/{order.pk}").json()["order"]
    assert (shown["status"], shown["serviceNumber"]) == ("COMPLETE", NUMBER)


def test_transfer_in_makes_peters_own_line_a_company_line_on_the_plan(
    peter_api, submit, approve, carrier_checks
):
    # When peter confirms bringing his own Verizon line into the company
    confirmation = confirmed(peter_api, body("XFER_SERVICE_IN"))

    # Then it names the carrier it comes from, the phone, plan, charger and what he accepted
    assert confirmation["currentVendor"] == {
        "id": api_id(verizon()),
        "logoUrl": verizon().logo_url,
        "name": "Verizon Wireless",
    }
    assert confirmation["shoppingCart"]["plan"]["id"] == api_id(business_unlimited())
    assert [a["id"] for a in confirmation["shoppingCart"]["accessories"]] == [
        api_id(galaxy_charger())
    ]
    assert confirmation["shoppingCart"]["device"]["id"] == api_id(galaxy_s24())
    assert costs(confirmation) == {"ONETIME": 723.99, "MONTHLY": 45.0}
    assert [a["id"] for a in confirmation["acknowledgements"]] == [
        "SHARED_PLAN",
        "LIABILITY_TRANSFER",
    ]
    assert confirmation["postalCode"] == "06484"
    assert confirmation["serviceNumber"] == OWN_NUMBER
    assert Order.objects.count() == 0

    # When he submits it and the carrier delivers the phone and the charger
    order = submit(body("XFER_SERVICE_IN"))
    through_approval(order, approve)
    carrier_checks(order, DELAY + 1)
    carrier_checks(order, 2 * DELAY + 1)

    # Then the number is a company line of his, on the plan, on the new phone
    assert status_of(order) == Order.Status.COMPLETE
    line = lines_of(peter_api)[OWN_NUMBER]
    assert line["status"] == "ACTIVE"
    assert line["plan"]["id"] == api_id(business_unlimited())
    assert line["device"]["model"] == "Galaxy S24"
    assert ServiceAsset.objects.get(service_number=OWN_NUMBER).account_holder.user.username == (
        "peter"
    )
    shown = peter_api.get(f"orders/{order.pk}").json()["order"]
    assert shown["serviceNumber"] == OWN_NUMBER
    assert shown["currentVendor"]["name"] == "Verizon Wireless"


def test_transfer_in_and_port_brings_the_number_to_verizon_on_a_new_phone(
    peter_api, submit, approve, carrier_checks
):
    confirmation = confirmed(peter_api, body("XFER_SERVICE_IN_AND_PORT"))

    assert confirmation["currentVendor"]["name"] == "AT&T Wireless"
    cart = confirmation["shoppingCart"]
    assert (cart["device"]["id"], cart["plan"]["id"]) == (
        api_id(iphone_15()),
        api_id(business_10gb()),
    )
    assert costs(confirmation) == {"ONETIME": 729.0, "MONTHLY": 30.0}

    order = submit(body("XFER_SERVICE_IN_AND_PORT"))
    through_approval(order, approve)
    carrier_checks(order, DELAY + 1)
    assert status_of(order) == Order.Status.SHIPPED
    carrier_checks(order, 2 * DELAY + 1)

    assert status_of(order) == Order.Status.COMPLETE
    line = lines_of(peter_api)[OWN_NUMBER]
    assert line["status"] == "ACTIVE"
    assert line["plan"]["id"] == api_id(business_10gb())
    assert line["device"]["model"] == "iPhone 15"
    segment = peter_api.get(f"orders/{order.pk}").json()["order"]["orderSegments"]["items"][0]
    assert segment["device"]["name"].endswith("iPhone 15")


def test_a_number_transferred_out_may_be_transferred_in_again(
    peter_api, submit, approve, carrier_checks
):
    # Given peter's line, transferred out
    order = submit(body("XFER_SERVICE_OUT"))
    through_approval(order, approve)
    carrier_checks(order, DELAY + 1)
    assert status_of(order) == Order.Status.COMPLETE

    # When he brings the same number back in
    again = body("XFER_SERVICE_IN", properties=in_properties(SERVICE_NUMBER=NUMBER))
    back = submit(again)
    through_approval(back, approve)
    carrier_checks(back, DELAY + 1)
    carrier_checks(back, 2 * DELAY + 1)

    # Then it is a company line again, beside the record of the one that left
    assert status_of(back) == Order.Status.COMPLETE
    statuses = sorted(
        ServiceAsset.objects.filter(service_number=NUMBER).values_list("status", flat=True)
    )
    assert statuses == ["ACTIVE", "TRANSFERRED"]


# --- Approval routing ----------------------------------------------------------------------------


def test_a_workflow_naming_transfers_out_routes_them_to_the_manager(
    api_for, ada, demo, peter_api, submit, approve, maria, carrier_checks
):
    # Given acme's admin asks the manager to approve transfers out
    ApprovalWorkflow.objects.filter(tenant=demo.acme).delete()
    created = api_for(ada).post(
        "approval-workflows",
        {
            "name": "Transfers out",
            "conditions": {"transactionTypes": ["XFER_SERVICE_OUT"]},
            "steps": [{"kind": "MANAGER"}],
        },
    )
    assert created.status_code == 201, created.json()

    # When peter asks to take his line, it waits for maria
    order = submit(body("XFER_SERVICE_OUT"))
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert waiting_for(order) == ["Maria Lopez"]

    # And a transfer in, not named, goes through at once
    transfer_in = submit(body("XFER_SERVICE_IN"))
    assert status_of(transfer_in) == Order.Status.IN_FULFILLMENT

    # When maria approves, the carrier makes the change
    approve(order, maria)
    carrier_checks(order, DELAY + 1)
    assert status_of(order) == Order.Status.COMPLETE


def test_a_workflow_may_name_every_transfer_type(api_for, ada):
    created = api_for(ada).post(
        "approval-workflows",
        {
            "name": "Transfers",
            "conditions": {"transactionTypes": TYPES},
            "steps": [{"kind": "MANAGER"}],
        },
    )

    assert created.status_code == 201, created.json()
    assert created.json()["workflow"]["conditions"]["transactionTypes"] == TYPES


# --- Rules: each refusal at its field, with its code; nothing stored -----------------------------


def set_status(status: str) -> None:
    ServiceAsset.objects.filter(pk=line_of("peter").pk).update(status=status)


def test_a_suspended_line_cannot_be_transferred_out(peter_api):
    set_status(ServiceAsset.Status.SUSPENDED)

    response = peter_api.post("orders?confirm=true", body("XFER_SERVICE_OUT"))

    assert problems(response) == [("orderRequest.serviceId", "SERVICE_NOT_ELIGIBLE")]
    assert (
        "only active lines are transferred to their holder"
        in response.json()["errors"][0]["message"]
    )


def test_someone_elses_line_does_not_exist_for_peter(peter_api):
    marias = api_id(line_of("maria"))

    response = peter_api.post("orders?confirm=true", body("XFER_SERVICE_OUT", serviceId=marias))

    assert problems(response) == [("orderRequest.serviceId", "NOT_FOUND")]


def test_the_personal_email_is_required_to_transfer_out(peter_api):
    response = peter_api.post(
        "orders?confirm=true",
        body("XFER_SERVICE_OUT", properties=out_properties(PERSONAL_EMAIL=None)),
    )

    assert problems(response) == [
        ("orderRequest.properties.MISCELLANEOUS.PERSONAL_EMAIL", "REQUIRED")
    ]


def test_nothing_ships_on_a_transfer_out(peter_api):
    response = peter_api.post("orders?confirm=true", body("XFER_SERVICE_OUT", shipTo=ship_to()))

    assert problems(response) == [("orderRequest.shipTo", "NOT_APPLICABLE")]


@pytest.mark.parametrize("first", ["SUSPEND", "UPGRADE", "ORDER_ACCESSORIES", "XFER_SERVICE_OUT"])
def test_an_open_order_on_the_line_stands_in_the_way_of_a_transfer_out(peter_api, submit, first):
    if first == "ORDER_ACCESSORIES":
        rival = {
            "orderRequest": {
                "externalOrderNumber": "RIVAL",
                "transactionType": "ORDER_ACCESSORIES",
                "serviceId": api_id(line_of("peter")),
                "shoppingCart": {"accessoryIds": [api_id(vehicle_charger())]},
                "shipTo": ship_to(),
                "properties": group("MISCELLANEOUS", text("CONTACT_NUMBER", "2035558888")),
            }
        }
    elif first == "XFER_SERVICE_OUT":
        rival = body("XFER_SERVICE_OUT", "RIVAL")
    else:
        rival = order_body(first, "RIVAL")
    if first == "UPGRADE":  # due for one
        ServiceAsset.objects.filter(pk=line_of("peter").pk).update(
            last_device_upgrade=None, contract_start=None, activated_at=None
        )
    rival_order = submit(rival)

    response = peter_api.post("orders?confirm=true", body("XFER_SERVICE_OUT"))

    assert problems(response) == [("orderRequest.serviceId", "CONFLICTING_ORDER")]
    assert f"#{rival_order.pk}" in response.json()["errors"][0]["message"]


def test_a_live_company_number_cannot_be_transferred_in(peter_api):
    request = body("XFER_SERVICE_IN", properties=in_properties(SERVICE_NUMBER=f"+1 {NUMBER}"))

    response = peter_api.post("orders?confirm=true", request)

    assert problems(response) == [
        ("orderRequest.properties.MISCELLANEOUS.SERVICE_NUMBER", "NUMBER_ALREADY_ACTIVE")
    ]


def test_a_transfer_in_needs_its_number(peter_api):
    request = body("XFER_SERVICE_IN", properties=in_properties(SERVICE_NUMBER=None))

    response = peter_api.post("orders?confirm=true", request)

    assert problems(response) == [
        ("orderRequest.properties.MISCELLANEOUS.SERVICE_NUMBER", "REQUIRED")
    ]


def test_the_number_must_be_a_phone_number(peter_api):
    request = body("XFER_SERVICE_IN", properties=in_properties(SERVICE_NUMBER="call me"))

    response = peter_api.post("orders?confirm=true", request)

    assert problems(response) == [
        ("orderRequest.properties.MISCELLANEOUS.SERVICE_NUMBER", "INVALID_FORMAT")
    ]


@pytest.mark.parametrize("first", ["XFER_SERVICE_IN", "XFER_SERVICE_IN_AND_PORT"])
def test_an_open_order_bringing_the_same_number_in_stands_in_the_way(peter_api, submit, first):
    rival_order = submit(body(first, "RIVAL"))

    for second in ["XFER_SERVICE_IN", "XFER_SERVICE_IN_AND_PORT"]:
        response = peter_api.post("orders?confirm=true", body(second))

        assert problems(response) == [
            ("orderRequest.properties.MISCELLANEOUS.SERVICE_NUMBER", "CONFLICTING_ORDER")
        ], second
        assert f"#{rival_order.pk}" in response.json()["errors"][0]["message"]


def test_a_port_number_names_a_company_line_not_a_number_to_bring_in(peter_api):
    # PORT_NUMBER moves one of the company's lines to another carrier (tutorials/orders/
    # port_number): an outside number in serviceId is no line id. Bringing one in is
    # XFER_SERVICE_IN_AND_PORT.
    response = peter_api.post(
        "orders?confirm=true", order_body("PORT_NUMBER", "P-2", serviceId=OWN_NUMBER)
    )

    assert ("orderRequest.serviceId", "NOT_FOUND") in problems(response)


def test_a_deactivated_number_may_be_brought_in_again(peter_api, submit, approve, carrier_checks):
    # Given peter's company number belongs to a deactivated line
    old_line = line_of("peter")
    ServiceAsset.objects.filter(pk=old_line.pk).update(status="DEACTIVATED")

    # When he brings it in from AT&T as his own line, ported to a company plan
    request = body("XFER_SERVICE_IN_AND_PORT", properties=in_properties(SERVICE_NUMBER=NUMBER))
    order = submit(request)
    through_approval(order, approve)
    carrier_checks(order, 2 * DELAY + 1)

    # Then only live lines hold their number: it is a new active line, beside the old one
    assert status_of(order) == Order.Status.COMPLETE
    found = peter_api.get("assets/services", {"serviceNumber": NUMBER}).json()["services"]
    assert sorted((line["id"] == str(old_line.pk), line["status"]) for line in found["items"]) == [
        (False, "ACTIVE"),
        (True, "DEACTIVATED"),
    ]


def test_a_transfer_in_is_on_a_plan_of_the_lines_own_carrier(peter_api):
    request = body("XFER_SERVICE_IN", currentVendorId=api_id(att()))

    response = peter_api.post("orders?confirm=true", request)

    assert problems(response) == [("orderRequest.shoppingCart.planId", "NOT_COMPATIBLE")]
    assert "XFER_SERVICE_IN_AND_PORT" in response.json()["errors"][0]["message"]


def test_a_port_from_the_plans_own_carrier_is_a_plain_transfer_in(peter_api):
    request = body("XFER_SERVICE_IN_AND_PORT", currentVendorId=api_id(verizon()))

    response = peter_api.post("orders?confirm=true", request)

    assert problems(response) == [("orderRequest.shoppingCart.planId", "NOT_COMPATIBLE")]


def test_a_port_needs_a_new_device_and_a_pin(peter_api):
    request = body(
        "XFER_SERVICE_IN_AND_PORT",
        shoppingCart={"planId": api_id(business_10gb())},
        properties=in_properties(PIN_PASSWORD=None),
    )

    response = peter_api.post("orders?confirm=true", request)

    assert sorted(problems(response)) == [
        ("orderRequest.properties.MISCELLANEOUS.PIN_PASSWORD", "REQUIRED"),
        ("orderRequest.shoppingCart.deviceId", "REQUIRED"),
    ]


def test_what_ships_needs_a_ship_to(peter_api):
    response = peter_api.post("orders?confirm=true", body("XFER_SERVICE_IN", shipTo=None))

    assert problems(response) == [("orderRequest.shipTo", "REQUIRED")]


def test_a_transfer_in_on_peters_own_phone_ships_nothing(
    peter_api, submit, approve, carrier_checks
):
    # Given no device nor accessories: he keeps his phone
    cart = {"planId": api_id(business_unlimited()), "optionalFeatureIds": [api_id(hotspot())]}
    request = body("XFER_SERVICE_IN", shoppingCart=cart, shipTo=None)

    order = submit(request)
    through_approval(order, approve)
    carrier_checks(order, DELAY + 1)

    assert status_of(order) == Order.Status.COMPLETE
    assert "shipped" not in events(order)
    line = ServiceAsset.objects.get(service_number=OWN_NUMBER)
    assert [f.pk for f in line.features.all()] == [hotspot().pk]
    assert not DeviceAsset.objects.filter(service=line).exists()


def test_an_acknowledgement_given_twice_is_refused(peter_api):
    twice = [{"id": "SHARED_PLAN", "boolean": True}, {"id": "SHARED_PLAN", "boolean": True}]

    response = peter_api.post(
        "orders?confirm=true", body("XFER_SERVICE_IN", acknowledgements=twice)
    )

    assert problems(response) == [("orderRequest.acknowledgements[1].id", "DUPLICATE")]


# --- The tutorials' examples: every key path present ---------------------------------------------


# Paths of the tutorials' examples Procure deliberately does not answer: none now (a plan's
# included features are kept in the catalog, catalog.IncludedFeature).
NOT_KEPT: set[str] = set()


def test_the_copied_tutorials_are_the_shared_ones():
    assert copies_unlike_the_shared_pages(t.lower() for t in TYPES) == []


@pytest.mark.parametrize("transaction_type", TYPES)
def test_confirm_and_submit_answer_every_key_path_of_the_tutorials(
    peter_api, submit, transaction_type
):
    request, confirmation, order = tutorial_examples(transaction_type.lower())
    # The tutorial's request and ours name the same parts (ids are the demo's)
    ours = body(transaction_type)
    assert key_paths(request["orderRequest"]) - {"shoppingCart.accessoryIds"} <= key_paths(
        ours["orderRequest"]
    ) | {"shoppingCart.deviceId", "shoppingCart.quantity", "shipTo.address.label"}

    answer = confirmed(peter_api, ours)
    missing = key_paths(confirmation["orderConfirmation"]) - key_paths(answer) - NOT_KEPT
    assert not missing, sorted(missing)

    submitted = peter_api.post("orders", ours)
    assert submitted.status_code == 200, submitted.json()
    missing = key_paths(order["order"]) - key_paths(submitted.json()["order"])
    assert not missing, sorted(missing)
    shown = peter_api.get(f"orders/{submitted.json()['order']['orderId']}").json()["order"]
    assert key_paths(submitted.json()["order"]) <= key_paths(shown) | {
        "orderSegments.items.shipments"
    }


# --- Pages: the line page's transfer out, and bringing a personal line, through review ---------

PROP = "prop-MISCELLANEOUS-"


def to_review(client, url: str, data: dict) -> str:
    """Post a form; it must go to the review page. Returns the review page's URL."""
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert re.fullmatch(r"/review/WEB-[0-9A-F]{20}/", response["Location"])
    return response["Location"]


def submitted_on(client, review_url: str) -> Order:
    response = client.post(review_url)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/"
    return order


def test_the_line_page_offers_the_transfer_out_and_it_becomes_an_order(web):
    line = line_of("peter").pk
    html = web.get(f"/lines/{line}/").content.decode()
    assert 'data-action="XFER_SERVICE_OUT"' in html
    assert f'href="/lines/{line}/transfer-out/"' in html
    assert "Transfer to me personally" in html

    page = web.get(f"/lines/{line}/transfer-out/")
    assert page.status_code == 200
    assert "Personal E-mail Address" in page.content.decode()

    review = to_review(
        web,
        f"/lines/{line}/transfer-out/",
        {f"{PROP}CONTACT_NUMBER": "2035558888", f"{PROP}PERSONAL_EMAIL": "peter@example.com"},
    )
    assert "Transfer line 2035557676 to you personally" in web.get(review).content.decode()
    order = submitted_on(web, review)
    assert web.get(f"/orders/{order.pk}/").status_code == 200

    assert (order.transaction_type, order.service_id) == ("XFER_SERVICE_OUT", line)
    fields = {f["id"]: f["text"] for f in order.properties[0]["fields"]}
    assert fields["PERSONAL_EMAIL"] == "peter@example.com"


def test_the_transfer_out_form_shows_each_problem_beside_its_input(web):
    line = line_of("peter").pk

    response = web.post(
        f"/lines/{line}/transfer-out/",
        {f"{PROP}CONTACT_NUMBER": "2035558888", f"{PROP}PERSONAL_EMAIL": "not an address"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    start = html.index('data-field="properties.MISCELLANEOUS.PERSONAL_EMAIL"')
    assert "field-error" in html[start : html.index("</div>\n</div>", start) + 20]
    assert not Order.objects.exists()


def test_a_transferred_line_says_it_is_no_longer_the_companys(web):
    set_status(ServiceAsset.Status.TRANSFERRED)

    html = web.get(f"/lines/{line_of('peter').pk}/").content.decode()

    assert "transferred to Peter Edwards personally" in html
    assert 'data-action="' not in html
    assert 'href="/lines/bring/"' in html


def in_form(**changes) -> dict:
    data = {
        f"{PROP}CARRIER_ACCT_NUMBER": "12345",
        f"{PROP}CONTACT_NUMBER": "2035558888",
        f"{PROP}NAME_ON_INVOICE": "Peter Edwards",
        f"{PROP}SERVICE_NUMBER": OWN_NUMBER,
        f"{PROP}PIN_PASSWORD": "654321",
        "plan": str(business_unlimited().pk),
        "line-region": str(united_states().pk),
        "postal-code": "06484",
        # What Verizon asks to acknowledge of a transfer in (with or without a port).
        "ack-SHARED_PLAN": "on",
        "ack-LIABILITY_TRANSFER": "on",
        "ack-TERMINATION_FEE": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_bringing_a_verizon_line_on_his_own_phone_is_a_transfer_in(web):
    # From home, the way to bring a personal line
    assert 'href="/lines/bring/"' in web.get("/").content.decode()
    start = web.get("/lines/bring/")
    assert start.status_code == 200 and "Which carrier is the line with now?" in (
        start.content.decode()
    )
    carrier = verizon().pk
    devices = web.get(f"/lines/bring/?carrier={carrier}").content.decode()
    assert "Keep my own phone" in devices
    form = web.get(f"/lines/bring/?carrier={carrier}&device=own")
    assert form.status_code == 200
    assert "Ship to" not in form.content.decode()  # nothing ships on his own phone

    review = to_review(web, f"/lines/bring/?carrier={carrier}&device=own", in_form())
    shown = web.get(review)
    assert shown.status_code == 200
    assert f"Bring your own line {OWN_NUMBER} to us" in shown.content.decode()
    order = submitted_on(web, review)
    assert web.get(f"/orders/{order.pk}/").status_code == 200

    assert order.transaction_type == "XFER_SERVICE_IN"
    assert order.service_number == OWN_NUMBER
    assert order.details["currentVendor"]["name"] == "Verizon Wireless"


def test_bringing_an_att_line_ports_it_onto_a_new_phone(web):
    carrier = att().pk
    devices = web.get(f"/lines/bring/?carrier={carrier}").content.decode()
    assert "Keep my own phone" not in devices  # another carrier: a new device
    url = f"/lines/bring/?carrier={carrier}&device={iphone_15().pk}"
    ship = {
        "ship-name": "Peter Edwards",
        "addr-LINE_1": "35 Executive Blvd",
        "addr-CITY": "Orange",
        "addr-STATE": "CT",
        "addr-POSTAL_CODE": "06477",
        "region": str(united_states().pk),
    }

    review = to_review(web, url, in_form(plan=str(business_10gb().pk), **ship))
    assert "with a port" in web.get(review).content.decode()
    order = submitted_on(web, review)
    assert web.get(f"/orders/{order.pk}/").status_code == 200

    assert order.transaction_type == "XFER_SERVICE_IN_AND_PORT"
    assert order.details["currentVendor"]["name"] == "AT&T Wireless"
    assert order.ship_to["name"] == "Peter Edwards"


def test_the_bring_form_shows_the_rules_problems_beside_their_inputs(web):
    url = f"/lines/bring/?carrier={verizon().pk}&device=own"

    response = web.post(url, in_form(**{f"{PROP}SERVICE_NUMBER": NUMBER, "plan": None}))

    assert response.status_code == 400
    html = response.content.decode()
    number = html[html.index('data-field="properties.MISCELLANEOUS.SERVICE_NUMBER"') :]
    assert "already an active line" in number[: number.index("</div>\n</div>") + 20]
    assert "Choose a plan." in html
    assert not Order.objects.exists()


def test_the_bring_pages_run_a_fixed_number_of_queries(web, demo, django_assert_max_num_queries):
    # Given more carriers, Verizon devices and plans than the demo has
    VendorFactory.create_batch(3)
    DeviceFactory.create_batch(4, vendor=verizon(), offered_to=[demo.acme])
    PlanFactory.create_batch(3, vendor=verizon(), offered_to=[demo.acme])

    # The carriers and devices are read once each, however many there are
    for url, most in [
        ("/lines/bring/", BRING_LIST_MAX_QUERIES),
        (f"/lines/bring/?carrier={att().pk}", BRING_LIST_MAX_QUERIES),
        (f"/lines/bring/?carrier={verizon().pk}", BRING_LIST_MAX_QUERIES),
        (f"/lines/bring/?carrier={verizon().pk}&device=own", BRING_FORM_MAX_QUERIES),
        (f"/lines/bring/?carrier={att().pk}&device={iphone_15().pk}", BRING_FORM_MAX_QUERIES),
    ]:
        with django_assert_max_num_queries(most):
            assert web.get(url).status_code == 200, url
