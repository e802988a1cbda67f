"""Reads of orders shared by pages and API (orders.selectors)."""

from __future__ import annotations

from django.utils import timezone

from approvals import services as approvals
from approvals.models import Decision
from orders import drafts, selectors, services
from orders.models import Order
from orders.requests import parse_order_request
from portal import services as people
from tests.approvals.conftest import place_order, routed
from tests.conftest import seed_order_request
from tests.demo_data import api_id, line_of, united_states


def place(employee, **overrides) -> Order:
    body = seed_order_request(externalOrderNumber=None, **overrides)
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = services.submit_order(draft=draft)
    return order


def ship_to(line_1: str) -> dict:
    return {
        "name": "Peter Edwards",
        "regionId": api_id(united_states()),
        "address": [
            {"id": "LINE_1", "value": line_1},
            {"id": "CITY", "value": "Orange"},
            {"id": "STATE", "value": "CT"},
            {"id": "POSTAL_CODE", "value": "06477"},
        ],
    }


def test_last_ship_to_is_where_the_employees_latest_order_went(peter):
    place(peter, shipTo=ship_to("1 First St"))
    place(peter, shipTo=ship_to("2 Second St"))
    Order.objects.update(status=Order.Status.COMPLETE)

    last = selectors.last_ship_to(peter)

    assert last["name"] == "Peter Edwards" and last["regionId"] == united_states().pk
    assert {"id": "LINE_1", "label": "Address Line1", "value": "2 Second St"} in last["address"]


def test_last_ship_to_skips_orders_that_shipped_nothing(peter):
    place(peter, shipTo=ship_to("1 First St"))
    Order.objects.update(status=Order.Status.COMPLETE)
    choice = {"id": "REASON", "type": "CHOICE", "choice": {"id": "LEAVE"}}
    suspension = {
        "transactionType": "SUSPEND",
        "serviceId": api_id(line_of(peter)),
        "properties": [{"groupId": "SUSPENSION", "fields": [choice]}],
    }
    request = parse_order_request({"orderRequest": suspension}, tenant=peter.tenant, actor=peter)
    services.submit_order(
        draft=drafts.draft_order(tenant=peter.tenant, actor=peter, request=request)
    )

    assert selectors.last_ship_to(peter)["address"][0]["value"] == "1 First St"


def test_last_ship_to_is_none_without_an_order_and_never_a_colleagues(peter, sam):
    assert selectors.last_ship_to(sam) is None
    place(peter)

    assert selectors.last_ship_to(sam) is None


def place_three_one_decided(peter, maria) -> None:
    """Three of peter's orders: two waiting for maria, one she approved (at IT now)."""
    for _ in range(2):
        routed(place_order(peter))
    decided = routed(place_order(peter))
    approvals.decide(approvals.DecisionRequest(order=decided, actor=maria, action="APPROVE"))
    approvals.apply_decision(Decision.objects.get(step__run__order=decided).pk)


def name_delegate_today(employee, delegate) -> None:
    today = timezone.localdate()
    people.add_delegation(
        employee=employee, delegate=delegate, starts_on=today, ends_on=today, actor=employee
    )


def test_the_list_and_count_forms_of_visibility_agree_with_it(peter, sam, maria, ian, ada):
    # Orders requested, held, waiting for an approver, decided by one, and seen by a delegate:
    # the list form (order_list_visible_to) and the count (count_visible_to) are orders_visible_to
    # written for speed, and must see exactly what it sees.

    place_three_one_decided(peter, maria)
    name_delegate_today(maria, sam)

    for employee in (peter, sam, maria, ian, ada):
        visible = set(selectors.orders_visible_to(employee).values_list("pk", flat=True))
        listed = set(selectors.order_list_visible_to(employee).values_list("pk", flat=True))
        assert listed == visible, employee
        assert selectors.count_visible_to(employee) == len(visible), employee
        newest_first = list(selectors.order_list_visible_to(employee).values_list("pk", flat=True))
        for offset, limit in [(0, 25), (0, 1), (1, 2), (2, 5), (9, 5)]:
            assert (
                selectors.visible_order_ids(employee, offset, limit)
                == (newest_first[offset : offset + limit])
            ), (employee, offset, limit)
    assert selectors.count_visible_to(sam) > 0  # maria's delegate sees what she approves


def test_the_awaiting_count_and_pages_are_what_awaits_each_approver(peter, sam, maria, ian, ada):
    place_three_one_decided(peter, maria)
    assert selectors.count_awaiting_decision_by(sam) == 0

    name_delegate_today(maria, sam)

    for employee in (peter, sam, maria, ian, ada):
        awaiting = selectors.awaiting_decision_by(employee).order_by(*selectors.INBOX_ORDER)
        assert selectors.count_awaiting_decision_by(employee) == awaiting.count(), employee
        ids = list(awaiting.values_list("pk", flat=True))
        for offset, limit in [(0, 25), (0, 1), (1, 1)]:
            assert selectors.awaiting_ids(employee, offset, limit) == ids[offset : offset + limit]
    assert selectors.count_awaiting_decision_by(maria) == 2
    assert selectors.count_awaiting_decision_by(sam) == 2  # as maria's delegate, today
    assert selectors.count_awaiting_decision_by(ian) == 1  # the approved one, at IT now
