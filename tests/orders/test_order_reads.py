"""Reading orders: who sees what, filters, include flags, paging, history, shipments, properties."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from catalog.models import TransactionType
from orders import drafts, services
from orders.models import Order, OrderSegment, Shipment
from orders.requests import parse_order_request
from tests.conftest import seed_order_request
from tests.demo_data import (
    api_id,
    galaxy_charger,
    galaxy_rugged_case,
    line_of,
    vehicle_charger,
    verizon,
    wall_charger,
)
from tests.factories import VendorFactory

BASE = "http://testserver/api/v1"


def place_order(employee, accessories=None, **overrides) -> Order:
    """Submit a valid order through the services, as the API does: for the employee's line,
    seed 002's vehicle charger unless other accessories are named."""
    body = seed_order_request(
        externalOrderNumber=None,
        serviceId=api_id(line_of(employee)),
        shoppingCart={"accessoryIds": [api_id(a) for a in accessories or [vehicle_charger()]]},
        **overrides,
    )
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = services.submit_order(draft=draft)
    return order


def place_sams_order(sam) -> Order:
    return place_order(sam, accessories=[galaxy_charger()])


def place_ginas_order(gina) -> Order:
    return place_order(gina, accessories=[galaxy_rugged_case()])


def listed_ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [int(item["orderId"]) for item in response.json()["orders"]["items"]]


def assert_mobproc_error(response, status: int, code: str | None = None) -> None:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"status", "errorCode", "id", "message"}
    assert body["status"] == status
    if code:
        assert body["errorCode"] == code


def link(url: str) -> tuple[str, dict]:
    """An absolute link split into its base and its query parameters."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


# --- Who sees what ------------------------------------------------------------------------------


def test_employees_list_only_their_own_orders(api_for, peter, sam, gina):
    # Given two orders of peter's, one of sam's and one in globex
    peters = {place_order(peter).pk, place_order(peter).pk}
    sams = {place_sams_order(sam).pk}
    place_ginas_order(gina)

    # Then each sees only their own
    assert set(listed_ids(api_for(peter).get("orders"))) == peters
    assert set(listed_ids(api_for(sam).get("orders"))) == sams


def test_tenant_admin_lists_every_order_of_the_tenant_and_nothing_else(
    api_for, ada, peter, sam, gina
):
    acme = {place_order(peter).pk, place_sams_order(sam).pk}
    place_ginas_order(gina)

    response = api_for(ada).get("orders")

    assert set(listed_ids(response)) == acme
    assert response.json()["orders"]["_meta"]["totalCount"] == 2


def test_another_tenants_employee_sees_none_of_acmes_orders(api_for, peter, gina):
    place_order(peter)
    ginas = place_ginas_order(gina)

    assert listed_ids(api_for(gina).get("orders")) == [ginas.pk]


def test_newest_orders_come_first(peter_api, peter):
    first, second, third = (place_order(peter) for _ in range(3))

    assert listed_ids(peter_api.get("orders")) == [third.pk, second.pk, first.pk]


# --- Filters ------------------------------------------------------------------------------------


def test_filter_by_status(peter_api, peter):
    # Given one submitted and one cancelled order
    submitted, cancelled = place_order(peter), place_order(peter)
    services.cancel_order(order=cancelled, actor=peter)

    # Then status picks them, one value or several
    assert listed_ids(peter_api.get("orders", {"status": "CANCELLED"})) == [cancelled.pk]
    assert listed_ids(peter_api.get("orders", {"status": "ORDER_SUBMITTED"})) == [submitted.pk]
    assert listed_ids(peter_api.get("orders", {"status": "APPROVED"})) == []
    both = peter_api.get("orders", {"status": ["ORDER_SUBMITTED", "CANCELLED"]})
    assert set(listed_ids(both)) == {submitted.pk, cancelled.pk}


def test_filter_by_transaction_type(peter_api, peter):
    accessories, upgrade = place_order(peter), place_order(peter)
    Order.objects.filter(pk=upgrade.pk).update(transaction_type=TransactionType.UPGRADE)

    by_type = peter_api.get("orders", {"transactionType": "ORDER_ACCESSORIES"})
    assert listed_ids(by_type) == [accessories.pk]
    assert listed_ids(peter_api.get("orders", {"transactionType": "UPGRADE"})) == [upgrade.pk]


def test_filter_by_employee_and_company_employee_id(api_for, ada, peter, sam):
    peters, sams = place_order(peter), place_sams_order(sam)
    admin = api_for(ada)

    assert listed_ids(admin.get("orders", {"employee": sam.pk})) == [sams.pk]
    assert listed_ids(admin.get("orders", {"employee": peter.pk})) == [peters.pk]
    by_company_id = admin.get("orders", {"companyEmployeeId": sam.company_employee_id})
    assert listed_ids(by_company_id) == [sams.pk]
    assert listed_ids(admin.get("orders", {"companyEmployeeId": "nobody.acme"})) == []


def test_filtering_by_a_colleague_does_not_widen_what_an_employee_sees(api_for, peter, sam):
    place_sams_order(sam)

    assert listed_ids(api_for(peter).get("orders", {"employee": sam.pk})) == []


def test_filter_by_date_time_updated(peter_api, peter):
    # Given an order last updated in 2020 and one in mid-2024
    old, recent = place_order(peter), place_order(peter)
    Order.objects.filter(pk=old.pk).update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    Order.objects.filter(pk=recent.pk).update(updated_at=datetime(2024, 6, 1, tzinfo=UTC))

    # Then dateTimeUpdated keeps those updated at or after it
    response = peter_api.get("orders", {"dateTimeUpdated": "2024-01-01T00:00:00Z"})
    assert listed_ids(response) == [recent.pk]
    assert response.json()["orders"]["items"][0]["dateTimeUpdated"] == "2024-06-01T00:00:00Z"
    everything = peter_api.get("orders", {"dateTimeUpdated": "2019-12-31T00:00:00Z"})
    assert set(listed_ids(everything)) == {old.pk, recent.pk}


@pytest.mark.parametrize(
    "query",
    [
        {"status": "LOST_IN_THE_MAIL"},
        {"transactionType": "ORDER_PIZZA"},
        {"employee": "peter"},
        {"dateTimeUpdated": "yesterday"},
    ],
    ids=lambda query: next(iter(query)),
)
def test_invalid_filter_value_answers_400_mobproc_error(peter_api, peter, query):
    place_order(peter)

    assert_mobproc_error(peter_api.get("orders", query), 400, "INVALID_QUERY")


# --- Include flags ------------------------------------------------------------------------------


@pytest.fixture
def shipped_order(peter):
    """Peter's order with a segment-level history entry and a shipment."""
    order = place_order(peter, accessories=[vehicle_charger(), wall_charger()])
    segment = order.segments.get()
    services.record_history(order, event="vendor_ack", actor=None, segment=segment)
    Shipment.objects.create(
        segment=segment,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        shipped_at=datetime(2024, 6, 2, 9, 30, tzinfo=UTC),
    )
    return order


def test_list_items_leave_out_segments_history_and_shipments_by_default(peter_api, shipped_order):
    item = peter_api.get("orders").json()["orders"]["items"][0]

    assert "orderSegments" not in item
    assert "orderHistory" not in item
    assert item["_meta"]["href"] == f"{BASE}/orders/{shipped_order.pk}"


def test_include_order_segments_adds_segments_with_their_items(peter_api, shipped_order):
    item = peter_api.get("orders", {"includeOrderSegments": "true"}).json()["orders"]["items"][0]

    segments = item["orderSegments"]["items"]
    assert [s["orderSegmentId"] for s in segments] == [str(shipped_order.segments.get().pk)]
    assert [a["name"] for a in segments[0]["accessories"]] == [
        "Verizon Wireless Vehicle Charger with Dual Output (MICRDUALVPC-F)",
        "Verizon Wireless Rapid Wall Charger with 6ft Cable for Micro USB (EMICUSBDTVL-F)",
    ]
    assert "shipments" not in segments[0]
    assert "orderHistory" not in item


def test_include_order_history_adds_the_history(peter_api, shipped_order):
    item = peter_api.get("orders", {"includeOrderHistory": "true"}).json()["orders"]["items"][0]

    assert [h["event"] for h in item["orderHistory"]["items"]] == ["submit", "vendor_ack"]
    assert item["orderHistory"]["items"][0]["status"] == "ORDER_SUBMITTED"
    assert "orderSegments" not in item


def test_include_order_shipments_adds_each_segments_shipments(peter_api, shipped_order):
    item = peter_api.get("orders", {"includeOrderShipments": "1"}).json()["orders"]["items"][0]

    [segment] = item["orderSegments"]["items"]
    assert [s["trackingNumber"] for s in segment["shipments"]] == ["1Z999AA10123456784"]
    assert segment["shipments"][0]["carrier"] == "UPS"
    assert segment["shipments"][0]["dateShipped"] == "2024-06-02T09:30:00Z"


@pytest.mark.parametrize(
    "flag", ["includeOrderSegments", "includeOrderHistory", "includeOrderShipments"]
)
def test_include_flag_with_a_bad_value_answers_400(peter_api, shipped_order, flag):
    assert_mobproc_error(peter_api.get("orders", {flag: "maybe"}), 400, "INVALID_QUERY")


@pytest.mark.parametrize(
    "flag", ["includeOrderSegments", "includeOrderHistory", "includeOrderShipments"]
)
def test_include_flag_of_one_order_with_a_bad_value_answers_400(peter_api, shipped_order, flag):
    response = peter_api.get(f"orders/{shipped_order.pk}", {flag: "maybe"})

    assert_mobproc_error(response, 400, "INVALID_QUERY")


def test_one_order_with_history_and_shipments(peter_api, shipped_order):
    response = peter_api.get(
        f"orders/{shipped_order.pk}",
        {"includeOrderHistory": "true", "includeOrderShipments": "true"},
    )

    order = response.json()["order"]
    assert [h["event"] for h in order["orderHistory"]["items"]] == ["submit", "vendor_ack"]
    [segment] = order["orderSegments"]["items"]
    assert [s["trackingNumber"] for s in segment["shipments"]] == ["1Z999AA10123456784"]


# --- Paging -------------------------------------------------------------------------------------


@pytest.fixture
def five_orders(peter) -> list[int]:
    """Peter's five orders, newest first (the list's order)."""
    return [place_order(peter).pk for _ in range(5)][::-1]


def test_middle_page_has_every_position_link(peter_api, five_orders):
    response = peter_api.get("orders", {"limit": 2, "offset": 2})

    orders = response.json()["orders"]
    assert [int(i["orderId"]) for i in orders["items"]] == five_orders[2:4]
    meta = orders["_meta"]
    assert (meta["limit"], meta["offset"], meta["totalCount"]) == (2, 2, 5)
    assert link(meta["href"]) == (f"{BASE}/orders", {"limit": ["2"], "offset": ["2"]})
    assert link(meta["hrefStart"]) == (f"{BASE}/orders", {"limit": ["2"]})
    assert link(meta["hrefPrevious"]) == (f"{BASE}/orders", {"limit": ["2"]})
    assert link(meta["hrefNext"]) == (f"{BASE}/orders", {"limit": ["2"], "offset": ["4"]})
    assert link(meta["hrefEnd"]) == (f"{BASE}/orders", {"limit": ["2"], "offset": ["4"]})


def test_first_page_has_no_start_or_previous_link(peter_api, five_orders):
    meta = peter_api.get("orders", {"limit": 2}).json()["orders"]["_meta"]

    assert "hrefStart" not in meta and "hrefPrevious" not in meta
    assert link(meta["hrefNext"]) == (f"{BASE}/orders", {"limit": ["2"], "offset": ["2"]})
    assert link(meta["hrefEnd"]) == (f"{BASE}/orders", {"limit": ["2"], "offset": ["4"]})
    assert (meta["offset"], meta["totalCount"]) == (0, 5)


def test_last_page_has_no_next_or_end_link(peter_api, five_orders):
    response = peter_api.get("orders", {"limit": 2, "offset": 4})

    orders = response.json()["orders"]
    assert [int(i["orderId"]) for i in orders["items"]] == five_orders[4:]
    meta = orders["_meta"]
    assert "hrefNext" not in meta and "hrefEnd" not in meta
    assert link(meta["hrefPrevious"]) == (f"{BASE}/orders", {"limit": ["2"], "offset": ["2"]})
    assert link(meta["hrefStart"]) == (f"{BASE}/orders", {"limit": ["2"]})


def test_paging_links_keep_the_filters(peter_api, five_orders):
    meta = peter_api.get("orders", {"status": "ORDER_SUBMITTED", "limit": 2, "offset": 2}).json()[
        "orders"
    ]["_meta"]

    assert link(meta["hrefNext"])[1] == {
        "status": ["ORDER_SUBMITTED"],
        "limit": ["2"],
        "offset": ["4"],
    }


def test_following_next_links_visits_every_order_once(peter_api, five_orders):
    seen, url = [], f"{BASE}/orders?limit=2"
    while url:
        orders = peter_api.get(url.removeprefix("http://testserver")).json()["orders"]
        seen += [int(item["orderId"]) for item in orders["items"]]
        url = orders["_meta"].get("hrefNext")

    assert seen == five_orders


@pytest.mark.parametrize(
    "query", [{"limit": "abc"}, {"limit": "0"}, {"offset": "-1"}, {"offset": "x"}], ids=str
)
def test_bad_paging_parameters_answer_400(peter_api, five_orders, query):
    assert_mobproc_error(peter_api.get("orders", query), 400, "INVALID_QUERY")


# --- One order ----------------------------------------------------------------------------------


def test_own_order_is_returned_with_its_segments(peter_api, shipped_order):
    response = peter_api.get(f"orders/{shipped_order.pk}")

    assert response.status_code == 200, response.json()
    order = response.json()["order"]
    assert order["orderId"] == str(shipped_order.pk)
    assert order["_meta"]["href"] == f"{BASE}/orders/{shipped_order.pk}"
    assert order["status"] == "ORDER_SUBMITTED"
    [segment] = order["orderSegments"]["items"]
    assert segment["vendor"]["name"] == "Verizon Wireless"
    assert len(segment["accessories"]) == 2
    assert segment["_meta"]["hrefHistory"] == (
        f"{BASE}/orders/{shipped_order.pk}/history?orderSegment={segment['orderSegmentId']}"
    )


def test_colleagues_order_answers_404(api_for, sam, peter):
    sams = place_sams_order(sam)

    assert_mobproc_error(api_for(peter).get(f"orders/{sams.pk}"), 404, "NOT_FOUND")


def test_other_tenants_order_answers_404_like_an_unknown_one(api_for, peter, gina):
    peters = place_order(peter)
    gina_api = api_for(gina)

    foreign, unknown = gina_api.get(f"orders/{peters.pk}"), gina_api.get("orders/999999999")

    assert_mobproc_error(foreign, 404, "NOT_FOUND")
    assert_mobproc_error(unknown, 404, "NOT_FOUND")
    assert foreign.json()["message"] == unknown.json()["message"]


def test_tenant_admin_reads_an_employees_order(api_for, ada, peter):
    peters = place_order(peter)

    assert api_for(ada).get(f"orders/{peters.pk}").json()["order"]["orderId"] == str(peters.pk)


# --- History and shipments ----------------------------------------------------------------------


@pytest.fixture
def two_segment_order(shipped_order):
    """shipped_order plus a second vendor's segment with its own history and shipment."""
    segment = OrderSegment.objects.create(order=shipped_order, vendor=VendorFactory())
    services.record_history(shipped_order, event="vendor_ack", actor=None, segment=segment)
    Shipment.objects.create(
        segment=segment,
        carrier="FedEx",
        tracking_number="794698765432",
        shipped_at=datetime(2024, 6, 3, tzinfo=UTC),
    )
    return shipped_order


def test_history_lists_the_orders_entries(peter_api, two_segment_order):
    response = peter_api.get(f"orders/{two_segment_order.pk}/history")

    assert response.status_code == 200, response.json()
    history = response.json()["history"]
    assert [h["event"] for h in history["items"]] == ["submit", "vendor_ack", "vendor_ack"]
    assert history["_meta"]["totalCount"] == 3
    submit = history["items"][0]
    assert (submit["status"], submit["orderSegmentId"]) == ("ORDER_SUBMITTED", None)
    assert submit["actor"]["name"] == "Peter Edwards"


def test_history_of_one_segment(peter_api, two_segment_order):
    second = two_segment_order.segments.exclude(vendor=verizon()).get()

    response = peter_api.get(f"orders/{two_segment_order.pk}/history", {"orderSegment": second.pk})

    items = response.json()["history"]["items"]
    assert [(h["event"], h["orderSegmentId"]) for h in items] == [("vendor_ack", str(second.pk))]


def test_shipments_of_the_order_and_of_one_segment(peter_api, two_segment_order):
    first = two_segment_order.segments.get(vendor=verizon())
    path = f"orders/{two_segment_order.pk}/shipments"

    every = peter_api.get(path).json()["shipments"]
    one = peter_api.get(path, {"orderSegment": first.pk}).json()["shipments"]

    assert [s["trackingNumber"] for s in every["items"]] == [
        "1Z999AA10123456784",
        "794698765432",
    ]
    assert [s["trackingNumber"] for s in one["items"]] == ["1Z999AA10123456784"]
    assert one["items"][0]["orderSegmentId"] == str(first.pk)


@pytest.mark.parametrize("kind", ["history", "shipments"])
def test_unknown_segment_answers_404(peter_api, peter, two_segment_order, kind):
    # Given a segment that exists, but belongs to another order
    other = place_order(peter).segments.get()
    path = f"orders/{two_segment_order.pk}/{kind}"

    for segment in (other.pk, 999999999, "abc"):
        assert_mobproc_error(peter_api.get(path, {"orderSegment": segment}), 404)


@pytest.mark.parametrize("kind", ["history", "shipments"])
def test_history_and_shipments_of_a_colleagues_order_answer_404(api_for, peter, sam, kind):
    sams = place_sams_order(sam)

    assert_mobproc_error(api_for(peter).get(f"orders/{sams.pk}/{kind}"), 404, "NOT_FOUND")


# --- Order properties ---------------------------------------------------------------------------


def test_properties_of_a_transaction_type_in_mobproc_format(peter_api):
    response = peter_api.get("orders/properties", {"transactionType": "ORDER_ACCESSORIES"})

    assert response.status_code == 200, response.json()
    collection = response.json()["properties"]
    assert collection["_meta"]["totalCount"] == 1
    assert collection["_meta"]["href"].startswith(f"{BASE}/orders/properties?")
    [group] = collection["items"]
    assert group["groupId"] == "MISCELLANEOUS"
    fields = {field["id"]: field for field in group["fields"]}
    assert fields["CONTACT_NUMBER"]["type"] == "TEXT"
    assert fields["CONTACT_NUMBER"]["validation"] == "REQUIRED"
    assert fields["CONTACT_NUMBER"]["regEx"] == "[0-9+() -]{7,20}"
    assert fields["NEEDED_BY"]["type"] == "DATE"
    assert fields["NEEDED_BY"]["validation"] == "OPTIONAL"
    reason = fields["REASON"]
    assert reason["type"] == "CHOICE"
    assert [c["id"] for c in reason["choices"] if c["isOther"]] == ["OTHER"]
    assert all(set(c) == {"id", "label", "isOther"} for c in reason["choices"])


def test_a_transaction_type_without_properties_has_an_empty_list(peter_api):
    # The demo asks nothing for resuming a line
    response = peter_api.get("orders/properties", {"transactionType": "UNSUSPEND"})

    assert response.status_code == 200
    assert response.json()["properties"]["items"] == []


@pytest.mark.parametrize(
    "query", [{}, {"transactionType": "ORDER_PIZZA"}, {"transactionType": ""}], ids=str
)
def test_properties_need_a_valid_transaction_type(peter_api, query):
    assert_mobproc_error(peter_api.get("orders/properties", query), 400, "INVALID_QUERY")


def test_properties_for_another_tenants_service_answer_404(peter_api, gina):
    response = peter_api.get(
        "orders/properties", {"transactionType": "ORDER_ACCESSORIES", "service": line_of(gina).pk}
    )

    assert_mobproc_error(response, 404)
