"""POST /orders/{id}/cancel: the requester or a tenant admin withdraws an order in time."""

import pytest
from django.db import transaction

from orders import drafts, services
from orders.models import Order, OrderHistory
from orders.requests import parse_order_request
from tests.conftest import seed_order_request


def place_order(employee, **overrides) -> Order:
    """Submit a valid order (seed 002's, without externalOrderNumber) through the services."""
    body = seed_order_request(externalOrderNumber=None, **overrides)
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = services.submit_order(draft=draft)
    return order


def move(order: Order, *transitions: str, actor) -> Order:
    """Walk an order through life-cycle transitions as the services do (locked row)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        for name in transitions:
            services.transition_order(locked, name, actor=actor)
    return Order.objects.get(pk=order.pk)


def assert_mobproc_error(response, status: int, code: str | None = None) -> None:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"status", "errorCode", "id", "message"}
    assert body["status"] == status
    if code:
        assert body["errorCode"] == code


def history(order: Order) -> list[tuple[str, str, str]]:
    return list(
        OrderHistory.objects.filter(order=order).values_list("event", "from_status", "to_status")
    )


@pytest.fixture
def order(peter) -> Order:
    return place_order(peter)


def test_requester_cancels_a_submitted_order(peter_api, peter, order):
    # When peter cancels his submitted order, giving a reason
    response = peter_api.post(f"orders/{order.pk}/cancel", {"reason": "Ordered twice"})

    # Then it answers the cancelled order
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "SUCCESS"
    assert body["order"]["orderId"] == str(order.pk)
    assert body["order"]["status"] == "CANCELLED"
    assert [s["status"] for s in body["order"]["orderSegments"]["items"]] == ["CANCELLED"]
    # And the order, its segments and its history say so
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert set(order.segments.values_list("status", flat=True)) == {"CANCELLED"}
    entry = order.history.get(event="cancel")
    assert (entry.from_status, entry.to_status) == ("ORDER_SUBMITTED", "CANCELLED")
    assert entry.note == "Ordered twice"
    assert entry.actor == peter


def test_cancel_without_a_body_is_allowed(peter_api, order):
    response = peter_api.post(f"orders/{order.pk}/cancel")

    assert response.status_code == 200, response.json()
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


def test_requester_cancels_an_order_awaiting_approval(peter_api, ada, order):
    move(order, "await_approval", actor=ada)

    response = peter_api.post(f"orders/{order.pk}/cancel", {"reason": "No longer needed"})

    assert response.status_code == 200, response.json()
    assert history(order)[-1] == ("cancel", "AWAITING_APPROVAL", "CANCELLED")


def test_tenant_admin_cancels_an_employees_order(api_for, ada, order):
    response = api_for(ada).post(f"orders/{order.pk}/cancel", {"reason": "Budget freeze"})

    assert response.status_code == 200, response.json()
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert order.history.get(event="cancel").actor == ada


@pytest.mark.parametrize("who", ["sam", "maria"])
def test_employee_who_cannot_see_the_order_gets_404(api_for, order, who, request):
    # Given sam (a colleague) or maria (peter's manager, no approval pending for her)
    response = api_for(request.getfixturevalue(who)).post(f"orders/{order.pk}/cancel")

    assert_mobproc_error(response, 404, "NOT_FOUND")
    assert Order.objects.get(pk=order.pk).status == Order.Status.ORDER_SUBMITTED
    assert history(order) == [("submit", "", "ORDER_SUBMITTED")]


def test_other_tenants_employee_gets_404(api_for, gina, order):
    assert_mobproc_error(api_for(gina).post(f"orders/{order.pk}/cancel"), 404, "NOT_FOUND")
    assert Order.objects.get(pk=order.pk).status == Order.Status.ORDER_SUBMITTED


def test_account_holder_who_did_not_request_it_may_not_cancel(api_for, ada, peter):
    # Given an order ada placed for peter's line: peter sees it, but did not request it
    placed_by_ada = place_order(ada)
    assert placed_by_ada.account_holder == peter

    response = api_for(peter).post(f"orders/{placed_by_ada.pk}/cancel")

    assert_mobproc_error(response, 403)
    assert Order.objects.get(pk=placed_by_ada.pk).status == Order.Status.ORDER_SUBMITTED


@pytest.mark.parametrize(
    "transitions",
    [
        ("approve",),
        ("await_approval", "reject"),
        ("approve", "send_to_vendors"),
        ("approve", "fail"),
    ],
    ids=lambda t: t[-1],
)
def test_order_past_approval_cannot_be_cancelled(peter_api, ada, order, transitions):
    # Given an order that is already decided (or further along)
    moved = move(order, *transitions, actor=ada)
    before = history(order)

    # When peter tries to cancel it
    response = peter_api.post(f"orders/{order.pk}/cancel", {"reason": "Too late?"})

    # Then 422 in the MobProc body, and nothing changes
    assert_mobproc_error(response, 422, "ORDER_NOT_CANCELLABLE")
    assert Order.objects.get(pk=order.pk).status == moved.status
    assert history(order) == before


def test_cancelling_twice_answers_422(peter_api, order):
    assert peter_api.post(f"orders/{order.pk}/cancel").status_code == 200

    again = peter_api.post(f"orders/{order.pk}/cancel", {"reason": "Once more"})

    assert_mobproc_error(again, 422, "ORDER_NOT_CANCELLABLE")
    assert OrderHistory.objects.filter(order=order, event="cancel").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": ["changed", "my mind"]}, "reason"),
        ({"reason": {"text": "changed my mind"}}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"communicationWorkflow": "Loud"}, "communicationWorkflow"),
        ({"reason": True, "communicationWorkflow": "Loud"}, "reason"),
    ],
    ids=["reason-list", "reason-object", "reason-too-long", "workflow-loud", "two-problems"],
)
def test_bad_cancel_body_answers_400_envelope_and_cancels_nothing(peter_api, order, body, field):
    response = peter_api.post(f"orders/{order.pk}/cancel", body)

    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert response.json()["status"] == "ERROR"
    assert field in [error["field"] for error in errors]
    assert len(errors) == len(body)
    assert all(error["errorCode"] and error["message"] for error in errors)
    assert Order.objects.get(pk=order.pk).status == Order.Status.ORDER_SUBMITTED
    assert history(order) == [("submit", "", "ORDER_SUBMITTED")]


def test_malformed_cancel_body_answers_400_envelope(peter_api, order):
    response = peter_api.post(
        f"orders/{order.pk}/cancel", b"{reason:", format=None, content_type="application/json"
    )

    assert response.status_code == 400
    assert [e["errorCode"] for e in response.json()["errors"]] == ["MALFORMED_JSON"]
    assert Order.objects.get(pk=order.pk).status == Order.Status.ORDER_SUBMITTED


def test_cancel_of_an_unknown_order_answers_404(peter_api):
    assert_mobproc_error(peter_api.post("orders/999999999/cancel"), 404, "NOT_FOUND")
