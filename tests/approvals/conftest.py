"""Helpers of the approvals tests: placing and routing orders, deciding through the API, reading
what a decision left behind."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from approvals import services as approval_services
from approvals.models import ApprovalRun, ApprovalWorkflow, Decision, RunSeat, RunStep
from orders import drafts as order_drafts
from orders import services as order_services
from orders.models import Order, OrderHistory
from orders.requests import parse_order_request
from portal.models import Employee
from tests.conftest import seed_order_request

API = "/api/v1"
# One accessory, 22.49 USD: the first of seed 002's cart, its vehicle charger.
CHEAP_CART = {
    "accessoryIds": seed_order_request()["orderRequest"]["shoppingCart"]["accessoryIds"][:1]
}
# The demo's reminder and escalation delays.
REMIND_AFTER, ESCALATE_AFTER = timedelta(hours=24), timedelta(hours=72)


@pytest.fixture
def vendors_unreached(monkeypatch) -> list[int]:
    """Fulfilment has tests of its own: here an approved order is handed to the vendors (the ids
    are recorded) but stays APPROVED, so each test sees the state its decision left. Modules opt
    in with `pytestmark = pytest.mark.usefixtures("vendors_unreached")`."""
    handed: list[int] = []
    monkeypatch.setattr(order_services, "send_to_vendors", handed.append)
    return handed


def place_order(employee: Employee, **overrides) -> Order:
    """Submit an order as `employee` through the services, as the API does; not routed yet."""
    body = seed_order_request(**{"externalOrderNumber": None, **overrides})
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = order_drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = order_services.submit_order(draft=draft)
    return order


def routed(order: Order) -> Order:
    """Run the routing task's service on an order and return it fresh."""
    approval_services.route_order(order.pk)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def decide(django_capture_on_commit_callbacks):
    """decide(client, order, action="APPROVE", path="approval", **body) -> the response.

    The decision's application is queued on commit; it runs in-process here, as a worker
    would run it right after the answer."""

    def post(client, order: Order, action: str = "APPROVE", *, path="approval", **body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"orders/{order.pk}/{path}", {"action": action, **body})

    return post


def assert_mobproc_error(response, status: int, code: str | None = None) -> None:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"status", "errorCode", "id", "message"}
    assert body["status"] == status
    if code:
        assert body["errorCode"] == code, body


def assert_envelope(response, *fields: str) -> list[dict]:
    """A 400 with the order envelope naming exactly these fields (in any order)."""
    body = response.json()
    assert response.status_code == 400, body
    assert body["status"] == "ERROR"
    assert sorted(error["field"] for error in body["errors"]) == sorted(fields), body
    assert all(error["errorCode"] and error["message"] for error in body["errors"])
    return body["errors"]


def run_of(order: Order) -> ApprovalRun | None:
    return ApprovalRun.objects.filter(order_id=order.pk).first()


def step(order: Order, position: int) -> RunStep:
    return RunStep.objects.get(run__order_id=order.pk, position=position)


def seat(order: Order, position: int, source: int = 1) -> RunSeat:
    """A seat of a run's step: the step's source `source` as it runs."""
    return RunSeat.objects.get(
        step__run__order_id=order.pk, step__position=position, position=source
    )


def approver_names(order: Order, position: int) -> list[str]:
    return sorted(e.full_name for e in step(order, position).approvers)


def status_of(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def transitions(order: Order) -> list[tuple[str, str, str]]:
    """The order's history as (event, from, to), oldest first."""
    return list(
        OrderHistory.objects.filter(order_id=order.pk).values_list(
            "event", "from_status", "to_status"
        )
    )


def snapshot(order: Order) -> dict:
    """Everything a refused decision must leave as it was."""
    run = run_of(order)
    return {
        "status": status_of(order),
        "run": run.state if run else None,
        "steps": list(
            RunStep.objects.filter(run__order_id=order.pk).values_list("position", "state")
        ),
        "decisions": Decision.objects.filter(step__run__order_id=order.pk).count(),
        "history": transitions(order),
    }


def workflow(tenant, name: str) -> ApprovalWorkflow:
    return ApprovalWorkflow.objects.get(tenant=tenant, name=name)


@pytest.fixture
def victor(demo) -> Employee:
    """maria's manager, at the top of acme's reporting line."""
    return Employee.objects.select_related("tenant", "user").get(user__username="victor")


# --- Time -----------------------------------------------------------------------------------------


class Clock:
    """timezone.now() under the test's control."""

    def __init__(self) -> None:
        self.now: datetime = timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock
