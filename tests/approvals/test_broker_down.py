"""A decision is never lost and never hangs a request when the broker is down: it is stored with
an outbox row, answered at once, and applied when the sweep finds the broker back. Applying or
routing twice (a redelivered task) changes nothing the second time."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from kombu.exceptions import OperationalError

from approvals import services, tasks
from approvals.models import ApprovalRun, Decision, RunStep
from orders.models import Notification, Order
from portal import outbox
from portal.models import OutboxMessage
from tests.approvals.conftest import (
    approver_names,
    place_order,
    routed,
    snapshot,
    status_of,
    step,
)
from tests.conftest import seed_order_request

pytestmark = pytest.mark.usefixtures("vendors_unreached")

DEAD_BROKER = "redis://127.0.0.1:1/0"
# The bound: a decision is answered within this long even with no broker.
ANSWER_WITHIN_SECONDS = 2.0


def _forget_connections(app) -> None:
    """Drop the app's cached broker connection and producer pools (celery/app/base.py `_pool`,
    celery/app/amqp.py `_producer_pool`), so the next publish connects to conf.broker_url."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_unreachable(app):
    """Point the Celery app at an address where nothing listens; restore everything after."""
    previous = app.conf.broker_url
    app.conf.broker_url = DEAD_BROKER
    _forget_connections(app)
    try:
        yield
    finally:
        app.conf.broker_url = previous
        _forget_connections(app)


@contextmanager
def tasks_in_process(app):
    """The broker is back, and a worker runs what it receives: here, in-process."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def unpublished(task_name: str, *args) -> OutboxMessage:
    return OutboxMessage.objects.get(task_name=task_name, args=list(args), published_at=None)


def age_past_sweep_grace(message: OutboxMessage) -> None:
    """Make a message look as old as one the on-commit publication missed long ago."""
    old = message.created_at - outbox.SWEEP_GRACE - timedelta(seconds=1)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=old)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_decision_while_the_broker_is_down_is_queued_at_once_and_applied_when_it_is_back(
    celery_in_process, peter_api, api_for, maria, ian
):
    app = celery_in_process
    assert app.conf.task_always_eager is False  # publishing really goes to a broker
    maria_api = api_for(maria)

    with broker_unreachable(app):
        # Given peter's order, submitted and routed while the broker is unreachable
        submitted = peter_api.post("orders", seed_order_request())
        assert submitted.status_code == 200, submitted.json()
        order = Order.objects.get(pk=submitted.json()["order"]["orderId"])
        assert unpublished(services.ROUTE_TASK, order.pk).attempts == 1
        services.route_order(order.pk)
        assert status_of(order) == Order.Status.AWAITING_APPROVAL

        # When maria approves
        started = time.monotonic()
        response = maria_api.post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
        elapsed = time.monotonic() - started

        # Then she is answered promptly: the decision is stored, its message kept for later
        assert response.status_code == 200, response.json()
        assert response.json() == {"status": "APPROVAL_QUEUED"}
        assert elapsed < ANSWER_WITHIN_SECONDS, f"answered after {elapsed:.2f}s"
        decision = Decision.objects.get(step__run__order=order)
        assert (decision.decided_by, decision.applied_at) == (maria, None)
        message = unpublished(services.APPLY_TASK, decision.pk)
        assert message.attempts == 1 and message.last_error
        assert status_of(order) == Order.Status.AWAITING_APPROVAL
        assert step(order, 1).state == RunStep.State.ACTIVE

        # And a sweep while the broker is still down keeps the message for later
        age_past_sweep_grace(message)
        assert outbox.publish_pending() == 0
        assert unpublished(services.APPLY_TASK, decision.pk).attempts == 2

    # When the broker is back and the periodic sweep runs
    with tasks_in_process(app):
        published = outbox.publish_pending()

    # Then the decision is applied: step 1 approved, the IT step started
    assert published == 1
    assert OutboxMessage.objects.get(pk=message.pk).published_at is not None
    decision.refresh_from_db()
    assert decision.applied_at is not None
    assert step(order, 1).state == RunStep.State.APPROVED
    assert step(order, 2).state == RunStep.State.ACTIVE
    assert approver_names(order, 2) == ["Ada Park", "Ian Tran"]
    assert status_of(order) == Order.Status.AWAITING_APPROVAL


@pytest.mark.integration
def test_broker_comes_back_after_the_outage(celery_in_process):
    """broker_unreachable leaves the app connecting to the real broker again afterwards."""
    app = celery_in_process
    real = app.conf.broker_url
    with (
        broker_unreachable(app),
        app.pool.acquire(block=True, timeout=2) as dead,
        pytest.raises(OperationalError),
    ):
        dead.ensure_connection(max_retries=0)

    assert app.conf.broker_url == real
    with app.pool.acquire(block=True, timeout=2) as connection:
        connection.ensure_connection(max_retries=0)
        assert connection.connected


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
    assert step(order, 2).state == RunStep.State.WAITING
    assert ApprovalRun.objects.get(order=order).state == ApprovalRun.State.PENDING


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
