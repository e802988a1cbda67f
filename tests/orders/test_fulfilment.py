"""Fulfilment through the simulated carrier (services and tasks run in-process; time is moved by
editing the segment's send time, never waited for)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import services as approval_services
from approvals.models import ApprovalRun, Decision
from orders import fulfilment, services, tasks
from orders.models import Notification, Order, OrderHistory, OrderSegment, Shipment
from tests.approvals.conftest import CHEAP_CART, place_order

DELAY = 30  # SIMULATED_CARRIER_SHIP_DELAY, seconds


@pytest.fixture(autouse=True)
def carrier(settings):
    settings.SIMULATED_CARRIER_SHIP_DELAY = DELAY
    settings.SIMULATED_CARRIER_MODES = {}
    return settings


@pytest.fixture
def checks_scheduled(monkeypatch) -> list[tuple[int, object]]:
    """The follow-up checks the services ask for (segment id, when); not run here."""
    scheduled: list[tuple[int, object]] = []
    monkeypatch.setattr(
        services, "_check_progress_later", lambda pk, when: scheduled.append((pk, when))
    )
    return scheduled


@pytest.fixture
def retries_run_inline(celery_in_process):
    """Eager retries run at once, one after the other, as a worker would run them after their
    countdowns (with eager exceptions propagating, the first Retry would end the call)."""
    conf = celery_in_process.conf
    previous, conf.task_eager_propagates = conf.task_eager_propagates, False
    yield
    conf.task_eager_propagates = previous


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(function, *args): call it, then what it queued for after the commit (the tasks
    it publishes run in-process, as a worker would run them)."""

    def call(function, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args)

    return call


@pytest.fixture
def sent_to_vendor(committed):
    """sent_to_vendor(order): the order handed to its vendor, whose carrier acknowledged its
    one segment (the submit task runs in-process); returns the segment."""

    def send(order: Order) -> OrderSegment:
        committed(services.send_to_vendors, order.pk)
        return segment_of(order)

    return send


@pytest.fixture
def approved_order(peter, maria):
    """approved_order() -> peter's one-step order (22.49 USD, Verizon), approved by maria; the
    tasks its approval queues have not run."""

    def make() -> Order:
        order = place_order(peter, shoppingCart=CHEAP_CART)
        approval_services.route_order(order.pk)
        approval_services.decide(
            approval_services.DecisionRequest(order=order, actor=maria, action="APPROVE")
        )
        approval_services.apply_decision(Decision.objects.get(step__run__order=order).pk)
        order.refresh_from_db()
        assert order.status == Order.Status.APPROVED
        return order

    return make


def segment_of(order: Order) -> OrderSegment:
    return OrderSegment.objects.get(order=order)


def status_of(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def time_passes(segment: OrderSegment, seconds: float) -> None:
    """As if the segment had been sent `seconds` ago."""
    OrderSegment.objects.filter(pk=segment.pk).update(
        sent_at=timezone.now() - timedelta(seconds=seconds),
        next_check_at=timezone.now() - timedelta(seconds=seconds - DELAY),
    )


def state(order: Order) -> dict:
    segment = segment_of(order)
    return {
        "order": status_of(order),
        "segment": segment.status,
        "shipments": list(Shipment.objects.filter(segment=segment).values_list("pk", flat=True)),
        "history": OrderHistory.objects.filter(order=order).count(),
        "notifications": list(
            Notification.objects.filter(order=order).values_list("event", flat=True)
        ),
    }


def test_approved_order_goes_to_its_vendor_and_is_acknowledged(
    approved_order, checks_scheduled, sent_to_vendor
):
    order = approved_order()

    segment = sent_to_vendor(order)

    assert status_of(order) == Order.Status.IN_FULFILLMENT
    assert segment.status == Order.Status.IN_FULFILLMENT
    assert segment.vendor_reference == f"SIM-98-{segment.pk}"
    assert segment.vendor_response["status"] == 201
    assert segment.vendor_attempts == 1
    assert segment.sent_at is not None
    # The carrier said when to ask again: after its ship delay
    expected = segment.sent_at + timedelta(seconds=DELAY)
    assert abs(segment.next_check_at - expected) < timedelta(seconds=2)
    assert checks_scheduled == [(segment.pk, segment.next_check_at)]
    assert OrderHistory.objects.filter(order=order, segment=segment).get().event == (
        "sent_to_vendor"
    )


def test_sending_to_vendors_again_or_submitting_again_changes_nothing(
    approved_order, checks_scheduled, sent_to_vendor
):
    order = approved_order()
    segment = sent_to_vendor(order)
    before = state(order)

    services.send_to_vendors(order.pk)
    services.submit_segment(segment.pk)

    assert state(order) == before
    assert segment_of(order).vendor_attempts == 1
    assert len(checks_scheduled) == 1


def test_progress_before_the_ship_delay_changes_nothing(
    approved_order, checks_scheduled, sent_to_vendor, committed
):
    order = approved_order()
    segment = sent_to_vendor(order)
    time_passes(segment, DELAY - 5)
    before = state(order)

    committed(services.collect_progress, segment.pk)

    assert state(order) == before
    # It asks again when the carrier ships
    assert checks_scheduled[-1] == (segment.pk, segment_of(order).next_check_at)
    assert segment_of(order).next_check_at > timezone.now()


def test_after_the_ship_delay_the_segment_ships_with_a_tracking_number(
    approved_order, checks_scheduled, sent_to_vendor, committed
):
    order = approved_order()
    segment = sent_to_vendor(order)
    time_passes(segment, DELAY + 1)

    committed(services.collect_progress, segment.pk)

    assert status_of(order) == Order.Status.SHIPPED
    segment = segment_of(order)
    assert segment.status == Order.Status.SHIPPED
    (shipment,) = Shipment.objects.filter(segment=segment)
    assert shipment.carrier == "Verizon Wireless Logistics"
    assert shipment.tracking_number.startswith("1Z") and len(shipment.tracking_number) == 18
    assert shipment.delivered_at is None
    (shipped,) = Notification.objects.filter(order=order, event=Notification.Event.ORDER_SHIPPED)
    assert shipped.context == {"tracking": [shipment.tracking_number]}
    # Delivery is due one more delay later
    assert segment.next_check_at > timezone.now()

    # And asking again before then changes nothing
    before = state(order)
    committed(services.collect_progress, segment.pk)
    assert state(order) == before


def test_after_twice_the_delay_the_order_is_complete(
    approved_order, checks_scheduled, sent_to_vendor, committed
):
    order = approved_order()
    segment = sent_to_vendor(order)
    time_passes(segment, DELAY + 1)
    committed(services.collect_progress, segment.pk)
    time_passes(segment, 2 * DELAY + 1)

    committed(services.collect_progress, segment.pk)

    assert status_of(order) == Order.Status.COMPLETE
    segment = segment_of(order)
    assert segment.status == Order.Status.COMPLETE
    assert segment.next_check_at is None
    (shipment,) = Shipment.objects.filter(segment=segment)
    assert shipment.delivered_at is not None
    assert list(
        Notification.objects.filter(order=order, recipient=order.requested_by)
        .exclude(event=Notification.Event.ORDER_APPROVED)
        .values_list("event", flat=True)
    ) == [Notification.Event.ORDER_SHIPPED, Notification.Event.ORDER_COMPLETED]
    assert list(
        OrderHistory.objects.filter(order=order, segment=None).values_list("event", flat=True)
    )[-3:] == ["send_to_vendors", "ship", "complete"]
    # Nothing is left to check
    assert services.segments_due_for_check() == []
    before = state(order)
    committed(services.collect_progress, segment.pk)
    assert state(order) == before


def test_permanent_vendor_failure_fails_segment_order_and_run(
    approved_order, carrier, checks_scheduled, django_capture_on_commit_callbacks
):
    carrier.SIMULATED_CARRIER_MODES = {"98": "FAIL"}
    order = approved_order()
    services.send_to_vendors(order.pk)
    segment = segment_of(order)

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_segment(segment.pk)  # no exception: nothing to retry

    segment = segment_of(order)
    assert (status_of(order), segment.status) == (Order.Status.FAILED, Order.Status.FAILED)
    assert segment.vendor_response == {
        "status": 422,
        "error": "ACCOUNT_NOT_ELIGIBLE",
        "vendor": "Verizon Wireless",
        "message": "Order refused by the carrier",
    }
    run = ApprovalRun.objects.get(order=order)
    assert run.state == ApprovalRun.State.FAILED
    assert run.ended_at is not None
    assert run.checks["FulfilmentCall_Output"] == {str(segment.pk): segment.vendor_response}
    assert Notification.objects.filter(order=order, event=Notification.Event.ORDER_FAILED).exists()
    assert checks_scheduled == []
    assert not Shipment.objects.filter(segment=segment).exists()


def test_transient_failure_raises_twice_then_the_carrier_acknowledges(
    approved_order, carrier, checks_scheduled
):
    carrier.SIMULATED_CARRIER_MODES = {"98": "FAIL_TRANSIENTLY"}
    order = approved_order()
    services.send_to_vendors(order.pk)
    segment = segment_of(order)

    for attempt in (1, 2):
        with pytest.raises(fulfilment.TransientVendorError):
            services.submit_segment(segment.pk)
        segment = segment_of(order)
        assert segment.status == Order.Status.APPROVED
        assert segment.vendor_attempts == attempt
        assert segment.vendor_response == {
            "status": 503,
            "error": "SERVICE_UNAVAILABLE",
            "attempt": attempt,
        }
        assert status_of(order) == Order.Status.IN_FULFILLMENT

    services.submit_segment(segment.pk)

    segment = segment_of(order)
    assert segment.status == Order.Status.IN_FULFILLMENT
    assert segment.vendor_attempts == 3
    assert segment.vendor_reference == f"SIM-98-{segment.pk}"


def test_the_task_retries_transient_failures_until_acknowledged(
    approved_order, carrier, checks_scheduled, retries_run_inline
):
    carrier.SIMULATED_CARRIER_MODES = {"98": "FAIL_TRANSIENTLY"}
    order = approved_order()
    services.send_to_vendors(order.pk)
    segment = segment_of(order)

    result = tasks.submit_segment.apply(args=[segment.pk])

    assert result.successful()
    segment = segment_of(order)
    assert segment.status == Order.Status.IN_FULFILLMENT
    assert segment.vendor_attempts == 3


def test_vendor_failing_transiently_for_too_long_fails_for_good(
    approved_order,
    carrier,
    checks_scheduled,
    monkeypatch,
    retries_run_inline,
    django_capture_on_commit_callbacks,
):
    carrier.SIMULATED_CARRIER_MODES = {"98": "FAIL_TRANSIENTLY"}
    monkeypatch.setattr(fulfilment.SimulatedCarrier, "TRANSIENT_FAILURES", 1000)
    order = approved_order()
    services.send_to_vendors(order.pk)
    segment = segment_of(order)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.submit_segment.apply(args=[segment.pk])

    segment = segment_of(order)
    assert segment.vendor_attempts == services.MAX_VENDOR_ATTEMPTS
    assert (segment.status, status_of(order)) == (Order.Status.FAILED, Order.Status.FAILED)
    assert segment.vendor_response["error"] == "SERVICE_UNAVAILABLE"
    assert (
        f"gave up after {services.MAX_VENDOR_ATTEMPTS} calls" in segment.vendor_response["message"]
    )
    run = ApprovalRun.objects.get(order=order)
    assert run.state == ApprovalRun.State.FAILED
    assert run.checks["FulfilmentCall_Output"] == {str(segment.pk): segment.vendor_response}


def test_segments_due_for_check_are_only_those_whose_time_has_come(
    approved_order, checks_scheduled, sent_to_vendor
):
    due, later, failed = (sent_to_vendor(approved_order()) for _ in range(3))
    now = timezone.now()
    OrderSegment.objects.filter(pk=due.pk).update(next_check_at=now - timedelta(seconds=1))
    OrderSegment.objects.filter(pk=later.pk).update(next_check_at=now + timedelta(seconds=60))
    OrderSegment.objects.filter(pk=failed.pk).update(
        next_check_at=now - timedelta(seconds=1), status=Order.Status.FAILED
    )

    assert services.segments_due_for_check() == [due.pk]


def test_beat_sweep_queues_a_progress_check_per_due_segment(
    approved_order, checks_scheduled, monkeypatch, sent_to_vendor
):
    first, second, later = (sent_to_vendor(approved_order()) for _ in range(3))
    for segment in (first, second):
        time_passes(segment, DELAY + 1)
    queued: list[int] = []
    monkeypatch.setattr(tasks.collect_progress, "delay", queued.append)

    assert tasks.collect_due_progress.apply().result == 2

    assert sorted(queued) == sorted([first.pk, second.pk])
    assert later.pk not in queued


def test_beat_sweep_ships_what_is_due(approved_order, checks_scheduled, sent_to_vendor):
    due, later = (sent_to_vendor(approved_order()) for _ in range(2))
    time_passes(due, DELAY + 1)

    tasks.collect_due_progress.apply()

    assert (segment_of(due.order).status, segment_of(later.order).status) == (
        Order.Status.SHIPPED,
        Order.Status.IN_FULFILLMENT,
    )
