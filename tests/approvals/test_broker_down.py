"""Applying or routing twice (a redelivered or republished task) changes nothing the second time.

What happens when the broker really is down, restarts empty, or a worker dies: tests/faults/."""

from __future__ import annotations

import pytest

from approvals import tasks
from approvals.models import ApprovalRun, Decision, RunStep
from orders.models import Notification, Order
from portal.models import OutboxMessage
from tests.approvals.conftest import (
    approver_names,
    place_order,
    routed,
    snapshot,
    status_of,
    step,
)

pytestmark = pytest.mark.usefixtures("vendors_unreached")

# --- Redelivered tasks --------------------------------------------------------------------------


@pytest.fixture
def stored_decision(peter, api_for, maria, django_capture_on_commit_callbacks) -> Decision:
    """maria's approval of peter's order, stored but not applied yet (its task not run)."""
    order = routed(place_order(peter))
    with django_capture_on_commit_callbacks(execute=False):
        response = api_for(maria).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
    assert response.json() == {"status": "APPROVAL_QUEUED"}
    return Decision.objects.select_related("step__run__order").get(step__run__order=order)


def side_effects(order: Order) -> dict:
    return {
        **snapshot(order),
        "approvers": approver_names(order, 2),
        "notifications": Notification.objects.filter(order=order).count(),
        "outbox": OutboxMessage.objects.count(),
    }


def test_applying_a_decision_twice_changes_nothing_the_second_time(
    stored_decision, django_capture_on_commit_callbacks
):
    order = stored_decision.step.run.order
    with django_capture_on_commit_callbacks(execute=True):
        tasks.apply_decision.delay(stored_decision.pk)
    assert step(order, 2).state == RunStep.State.ACTIVE
    after_first = side_effects(order)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.apply_decision.delay(stored_decision.pk)

    assert side_effects(order) == after_first


def test_decision_on_an_order_cancelled_meanwhile_is_not_applied(
    stored_decision, peter_api, django_capture_on_commit_callbacks
):
    order = stored_decision.step.run.order
    assert peter_api.post(f"orders/{order.pk}/cancel").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        tasks.apply_decision.delay(stored_decision.pk)

    assert status_of(order) == Order.Status.CANCELLED
    # The cancellation withdrew the run and its active step; the late decision moved nothing.
    assert step(order, 1).state == RunStep.State.WITHDRAWN
    assert step(order, 2).state == RunStep.State.WAITING
    assert ApprovalRun.objects.get(order=order).state == ApprovalRun.State.WITHDRAWN


def test_routing_an_order_twice_creates_one_run(peter, django_capture_on_commit_callbacks):
    order = place_order(peter)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.route_order.delay(order.pk)
    after_first = {
        **snapshot(order),
        "notifications": Notification.objects.filter(order=order).count(),
    }

    with django_capture_on_commit_callbacks(execute=True):
        tasks.route_order.delay(order.pk)

    assert ApprovalRun.objects.filter(order=order).count() == 1
    assert {
        **snapshot(order),
        "notifications": Notification.objects.filter(order=order).count(),
    } == after_first
