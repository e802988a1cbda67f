"""GET /approvals: the orders awaiting the caller's decision; and who may see an order they
approve."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order
from portal.models import Delegation
from tests.approvals.conftest import CHEAP_CART, assert_mobproc_error, place_order, routed
from tests.demo_data import api_id, galaxy_charger, line_of

pytestmark = pytest.mark.usefixtures("vendors_unreached")

# Reading the inbox page costs this many statements at most, however many orders it lists.
INBOX_MAX_QUERIES = 8


def inbox(client, **params) -> dict:
    response = client.get("approvals", params)
    assert response.status_code == 200, response.json()
    return response.json()["orders"]


def sams_order() -> dict:
    """The parts of sam's own order: his Galaxy S24 line and a charger that fits it."""
    return {
        "serviceId": api_id(line_of("sam")),
        "shoppingCart": {"accessoryIds": [api_id(galaxy_charger())]},
    }


def ids(collection: dict) -> list[int]:
    return [int(item["orderId"]) for item in collection["items"]]


@pytest.fixture
def order(peter) -> Order:
    """Peter's 44.98 USD order, waiting for maria (step 1), then IT."""
    return routed(place_order(peter))


def test_order_awaiting_the_manager_is_in_her_inbox(order, api_for, maria, peter):
    listed = inbox(api_for(maria))

    assert ids(listed) == [order.pk]
    item = listed["items"][0]
    assert item["status"] == "AWAITING_APPROVAL"
    assert item["pendingApprovalLevel"] == 1
    assert [a["id"] for a in item["approver"]] == [str(maria.pk)]
    assert item["requestedBy"]["id"] == str(peter.pk)
    assert item["costSummary"], item
    assert item["_meta"]["href"].endswith(f"/api/v1/orders/{order.pk}")


def test_approved_step_leaves_her_inbox_and_reaches_it(order, api_for, decide, maria, ian, ada):
    decide(api_for(maria), order, "APPROVE")

    assert ids(inbox(api_for(maria))) == []
    for approver in (ian, ada):
        listed = inbox(api_for(approver))
        assert ids(listed) == [order.pk]
        assert listed["items"][0]["pendingApprovalLevel"] == 2
        assert {a["id"] for a in listed["items"][0]["approver"]} == {str(ian.pk), str(ada.pk)}


def test_decided_order_leaves_every_inbox(peter, api_for, decide, maria):
    cheap = routed(place_order(peter, shoppingCart=CHEAP_CART))
    decide(api_for(maria), cheap, "REJECT", reason="Not now")

    assert ids(inbox(api_for(maria))) == []


def test_requesters_inbox_never_shows_their_own_order(order, api_for, peter):
    # Even when peter is (wrongly) listed among the step's approvers
    from orders.services import set_approvers

    set_approvers(order, [peter], level=1)

    assert ids(inbox(api_for(peter))) == []


def test_employees_with_nothing_to_decide_have_an_empty_inbox(order, api_for, sam, ian, gina):
    for employee in (sam, ian, gina):
        assert ids(inbox(api_for(employee))) == []


def test_delegate_sees_what_awaits_whom_they_stand_in_for(order, api_for, maria, sam):
    today = timezone.localdate()
    Delegation.objects.create(
        tenant=maria.tenant, employee=maria, delegate=sam, starts_on=today, ends_on=today
    )

    assert ids(inbox(api_for(sam))) == [order.pk]


def test_expired_delegation_shows_nothing(order, api_for, maria, sam):
    yesterday = timezone.localdate() - timedelta(days=1)
    Delegation.objects.create(
        tenant=maria.tenant, employee=maria, delegate=sam, starts_on=yesterday, ends_on=yesterday
    )

    assert ids(inbox(api_for(sam))) == []


def test_a_delegate_opens_the_order_they_decide_while_the_delegation_lasts(
    order, api_for, maria, sam
):
    today = timezone.localdate()
    sams = api_for(sam)
    assert sams.get(f"orders/{order.pk}").status_code == 404

    delegation = Delegation.objects.create(
        tenant=maria.tenant, employee=maria, delegate=sam, starts_on=today, ends_on=today
    )
    assert sams.get(f"orders/{order.pk}").json()["order"]["orderId"] == str(order.pk)

    delegation.starts_on = delegation.ends_on = today - timedelta(days=1)
    delegation.save()
    assert sams.get(f"orders/{order.pk}").status_code == 404


def test_inbox_has_the_same_items_as_the_eligible_to_approve_order_filter(
    peter, sam, api_for, maria
):
    routed(place_order(peter))
    routed(place_order(sam, **sams_order()))
    routed(place_order(peter, shoppingCart=CHEAP_CART))
    client = api_for(maria)

    listed = inbox(client)
    filtered = client.get(
        "orders", {"eligibleToApproveEmployeeId": str(maria.pk), "includeApprovers": "true"}
    )

    assert filtered.status_code == 200, filtered.json()
    assert len(listed["items"]) == 3
    assert sorted(ids(listed)) == sorted(ids(filtered.json()["orders"]))
    by_id = {item["orderId"]: item for item in filtered.json()["orders"]["items"]}
    for item in listed["items"]:
        assert item == by_id[item["orderId"]]


def test_inbox_is_paginated_with_meta(peter, api_for, maria):
    orders = [routed(place_order(peter)).pk for _ in range(3)]

    first = inbox(api_for(maria), limit=2)
    second = inbox(api_for(maria), limit=2, offset=2)

    assert first["_meta"]["totalCount"] == 3
    assert (first["_meta"]["limit"], first["_meta"]["offset"]) == (2, 0)
    assert "hrefNext" in first["_meta"] and "hrefPrevious" not in first["_meta"]
    assert "hrefPrevious" in second["_meta"] and "hrefNext" not in second["_meta"]
    # Oldest first, every order exactly once
    assert ids(first) + ids(second) == orders


def count_inbox_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        listed = inbox(client)
    return len(listed["items"]), len(queries)


def test_inbox_reads_in_a_constant_number_of_queries(
    peter, sam, api_for, maria, django_assert_max_num_queries
):
    client = api_for(maria)
    routed(place_order(peter))
    inbox(client)  # the first call validates the token, later ones find it kept
    one = count_inbox_queries(client)

    for _ in range(5):
        routed(place_order(peter))
        routed(place_order(sam, **sams_order()))
    ten = count_inbox_queries(client)

    assert (one[0], ten[0]) == (1, 11)
    assert ten[1] == one[1]
    with django_assert_max_num_queries(INBOX_MAX_QUERIES):
        inbox(client)


# --- Seeing the order one approves --------------------------------------------------------------


def test_approver_can_read_the_order_and_its_approval_record(order, api_for, maria):
    client = api_for(maria)

    detail = client.get(f"orders/{order.pk}")
    record = client.get(f"orders/{order.pk}/approval")

    assert detail.status_code == 200, detail.json()
    assert detail.json()["order"]["orderId"] == str(order.pk)
    assert record.status_code == 200
    assert record.json()["approval"]["steps"][0]["approvers"][0]["id"] == str(maria.pk)


def test_approver_still_sees_the_order_after_deciding(order, api_for, decide, maria):
    decide(api_for(maria), order, "APPROVE")

    assert api_for(maria).get(f"orders/{order.pk}").status_code == 200


def test_colleague_who_is_no_approver_cannot_read_the_order(order, api_for, sam):
    assert_mobproc_error(api_for(sam).get(f"orders/{order.pk}"), 404, "NOT_FOUND")
