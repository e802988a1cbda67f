"""Every task of ours, run twice with the same arguments (a retried or redelivered message),
changes nothing the second time and sends nothing twice.

The registered tasks are enumerated: a new task without a case in CASES fails here, so none can
escape. Each case builds the state its task needs and returns the task's arguments; the task then
runs twice in-process, with what it queues for after its commit (other tasks, e-mails) run as a
worker would run them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from approvals import services as approval_services
from approvals.models import ApprovalRun, Decision, DecisionAudit, RunStep
from orders import notifications
from orders import services as order_services
from orders.models import Notification, Order, OrderApprover, OrderHistory, OrderSegment, Shipment
from portal import outbox
from portal.celery import app
from portal.models import Employee, OutboxMessage, SignInEvent
from tests.approvals.conftest import CHEAP_CART, place_order

OUR_PREFIXES = ("portal.", "orders.", "approvals.")
SHIP_DELAY = 30


def registered_tasks() -> set[str]:
    app.loader.import_default_modules()  # runs autodiscovery, as a worker does at start
    return {name for name in app.tasks if name.startswith(OUR_PREFIXES)}


@dataclass
class World:
    peter: Employee
    maria: Employee
    settings: object

    def routed_order(self) -> Order:
        """peter's two-step order, routed: step 1 waits for maria (tasks it queued not run)."""
        order = place_order(self.peter)
        approval_services.route_order(order.pk)
        return Order.objects.get(pk=order.pk)

    def decided_order(self) -> Decision:
        """peter's one-step order with maria's approval stored, not yet applied."""
        order = place_order(self.peter, shoppingCart=CHEAP_CART)
        approval_services.route_order(order.pk)
        approval_services.decide(
            approval_services.DecisionRequest(order=order, actor=self.maria, action="APPROVE")
        )
        return Decision.objects.get(step__run__order=order)

    def approved_order(self) -> Order:
        decision = self.decided_order()
        approval_services.apply_decision(decision.pk)
        return Order.objects.get(approval_run__steps=decision.step_id)

    def segment_with_vendor(self) -> OrderSegment:
        """A segment the carrier acknowledged, twice its ship delay ago: shipped and delivered."""
        order = self.approved_order()
        order_services.send_to_vendors(order.pk)
        segment = OrderSegment.objects.get(order=order)
        order_services.submit_segment(segment.pk)
        long_ago = timezone.now() - timedelta(seconds=2 * SHIP_DELAY + 1)
        OrderSegment.objects.filter(pk=segment.pk).update(sent_at=long_ago, next_check_at=long_ago)
        return segment

    def step_overdue(self) -> RunStep:
        """Step 1 of a routed order, past its reminder and escalation times."""
        order = self.routed_order()
        past = timezone.now() - timedelta(minutes=1)
        RunStep.objects.filter(run__order=order, position=1).update(
            remind_at=past, escalate_at=past
        )
        return RunStep.objects.get(run__order=order, position=1)


CASES: dict[str, Callable[[World], list]] = {}


def case(task_name: str):
    """Register how to build the state a task needs; the function returns the task's args."""

    def register(build: Callable[[World], list]) -> Callable[[World], list]:
        CASES[task_name] = build
        return build

    return register


@case("approvals.route_order")
def _route(world: World) -> list:
    return [place_order(world.peter).pk]


@case("approvals.apply_decision")
def _apply(world: World) -> list:
    return [world.decided_order().pk]


@case("approvals.record_fulfilment_failure")
def _fulfilment_failure(world: World) -> list:
    """A message stored before `order_failed` replaced it: the order failed, its run not
    closed yet (today the event closes it in the failure's own transaction)."""
    world.settings.SIMULATED_CARRIER_MODES = {"98": "FAIL"}
    order = world.approved_order()
    runs = ApprovalRun.objects.filter(order=order)
    run_before = runs.values("state", "ended_at", "checks").get()
    order_services.send_to_vendors(order.pk)
    order_services.submit_segment(OrderSegment.objects.get(order=order).pk)
    assert Order.objects.get(pk=order.pk).status == Order.Status.FAILED
    runs.update(**run_before)
    return [order.pk]


@case("approvals.remind")
def _remind(world: World) -> list:
    return [world.step_overdue().pk]


@case("approvals.escalate")
def _escalate(world: World) -> list:
    return [world.step_overdue().pk]


@case("approvals.sweep_due_steps")
def _sweep_steps(world: World) -> list:
    world.step_overdue()
    return []


@case("orders.send_notification")
def _send_notification(world: World) -> list:
    order = place_order(world.peter)
    (notification,) = notifications.notify_requester(order, Notification.Event.ORDER_APPROVED)
    return [notification.pk]


@case("orders.send_to_vendors")
def _send_to_vendors(world: World) -> list:
    return [world.approved_order().pk]


@case("orders.submit_segment")
def _submit_segment(world: World) -> list:
    order = world.approved_order()
    order_services.send_to_vendors(order.pk)
    return [OrderSegment.objects.get(order=order).pk]


@case("orders.collect_progress")
def _collect_progress(world: World) -> list:
    return [world.segment_with_vendor().pk]


@case("orders.collect_due_progress")
def _collect_due_progress(world: World) -> list:
    world.segment_with_vendor()
    return []


@case("portal.publish_outbox")
def _publish_outbox(world: World) -> list:
    place_order(world.peter)  # its routing message was stored, never published (no commit)
    OutboxMessage.objects.update(due_at=timezone.now() - outbox.redrive_after())
    return []


@case("portal.prune_sign_in_events")
def _prune_sign_in_events(world: World) -> list:
    old = timezone.now() - timedelta(days=world.settings.SIGN_IN_EVENT_DAYS + 1)
    SignInEvent.objects.create(kind=SignInEvent.Kind.SIGN_IN_FAILED, username="peter", at=old)
    SignInEvent.objects.create(kind=SignInEvent.Kind.SIGN_IN_FAILED, username="peter")
    return []


# --- The tests ----------------------------------------------------------------------------------


@pytest.fixture
def world(peter, maria, settings) -> World:
    settings.SIMULATED_CARRIER_SHIP_DELAY = SHIP_DELAY
    settings.SIMULATED_CARRIER_MODES = {}
    return World(peter=peter, maria=maria, settings=settings)


@pytest.fixture
def checks_scheduled(monkeypatch) -> list[tuple[int, object]]:
    """Follow-up carrier checks the tasks ask for: recorded (part of the snapshot), not run."""
    scheduled: list[tuple[int, object]] = []
    monkeypatch.setattr(
        order_services, "_check_progress_later", lambda pk, when: scheduled.append((pk, when))
    )
    return scheduled


@pytest.fixture
def run_task(django_capture_on_commit_callbacks):
    """run_task(name, args): apply the task in-process, then what it queued after its commit.
    apply() raises what the task raised (CELERY_TASK_EAGER_PROPAGATES). No .get() on its result,
    here or in any test: Celery refuses it in a process where a worker was started (the embedded
    worker of tests/integration, when a test process runs both)."""

    def run(name: str, args: list) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            app.tasks[name].apply(args=args)

    return run


def snapshot(checks_scheduled: list) -> dict:
    """Everything a task may change, and everything it may send."""
    return {
        "orders": list(Order.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "segments": list(
            OrderSegment.objects.order_by("pk").values_list(
                "pk",
                "status",
                "vendor_attempts",
                "vendor_reference",
                "vendor_response",
                "sent_at",
                "next_check_at",
            )
        ),
        "shipments": list(
            Shipment.objects.order_by("pk").values_list("pk", "tracking_number", "delivered_at")
        ),
        "history": list(OrderHistory.objects.order_by("pk").values_list("pk", "event", "note")),
        "runs": list(
            ApprovalRun.objects.order_by("pk").values_list("pk", "state", "checks", "ended_at")
        ),
        "steps": [
            (
                s.pk,
                s.state,
                s.remind_at,
                s.escalate_at,
                s.reminders_sent,
                s.escalated_to_admins,
                sorted(a.pk for a in s.approvers),
            )
            for s in RunStep.objects.order_by("pk").select_related("run__order")
        ],
        "approvers": list(
            OrderApprover.objects.order_by("pk").values_list(
                "order", "employee", "level", "pending"
            )
        ),
        "decisions": list(Decision.objects.order_by("pk").values_list("pk", "applied_at")),
        "audit": DecisionAudit.objects.count(),
        "notifications": list(
            Notification.objects.order_by("pk").values_list(
                "pk", "key", "status", "attempts", "sent_at"
            )
        ),
        "outbox": list(OutboxMessage.objects.order_by("pk").values_list("pk", "task_name", "args")),
        "outbox_unpublished": OutboxMessage.objects.filter(published_at__isnull=True).count(),
        "mails": [(tuple(m.to), m.subject) for m in mail.outbox],
        "sign_in_events": list(SignInEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "checks_scheduled": list(checks_scheduled),
    }


def test_every_registered_task_has_a_run_twice_case():
    tasks = registered_tasks()

    assert sorted(tasks - set(CASES)) == [], "add a case to CASES for each new task"
    assert sorted(set(CASES) - tasks) == [], "a case names a task that is not registered"


@pytest.mark.parametrize("name", sorted(CASES))
def test_task_run_twice_changes_nothing_the_second_time(name, world, run_task, checks_scheduled):
    # Given the state the task needs
    args = CASES[name](world)
    initial = snapshot(checks_scheduled)

    # When it runs (the first run does something: the case is not vacuous)
    run_task(name, args)
    after_first = snapshot(checks_scheduled)
    assert after_first != initial

    # Then running it again with the same arguments changes nothing and sends nothing
    run_task(name, args)
    assert snapshot(checks_scheduled) == after_first
