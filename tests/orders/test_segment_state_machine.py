"""The segment life cycle: django-fsm on OrderSegment.status. Until the order reaches the vendors
a segment makes its order's transitions; then its vendor moves it (orders.services)."""

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from orders import drafts, services
from orders.models import Order, OrderHistory, OrderSegment, OrderStatus
from orders.requests import parse_order_request
from tests.conftest import seed_order_request

S = OrderStatus

# (transition, source, target): every move the services make.
SEGMENT_LIFE_CYCLE = [
    # following the order (orders.services.transition_order)
    ("await_approval", S.ORDER_SUBMITTED, S.AWAITING_APPROVAL),
    ("approve", S.ORDER_SUBMITTED, S.APPROVED),
    ("approve", S.AWAITING_APPROVAL, S.APPROVED),
    ("reject", S.ORDER_SUBMITTED, S.REJECTED),
    ("reject", S.AWAITING_APPROVAL, S.REJECTED),
    ("cancel", S.ORDER_SUBMITTED, S.CANCELLED),
    ("cancel", S.AWAITING_APPROVAL, S.CANCELLED),
    # with the vendor (submit_segment, _fail_segment, collect_progress)
    ("acknowledge", S.APPROVED, S.IN_FULFILLMENT),
    ("fail", S.APPROVED, S.FAILED),
    ("ship", S.IN_FULFILLMENT, S.SHIPPED),
    ("deliver", S.SHIPPED, S.COMPLETE),
    ("carry_out", S.IN_FULFILLMENT, S.COMPLETE),  # a care order: nothing to ship
]
TRANSITIONS = sorted({name for name, _source, _target in SEGMENT_LIFE_CYCLE})
ALLOWED = {(name, source) for name, source, _target in SEGMENT_LIFE_CYCLE}
NOT_ALLOWED = [
    (name, status) for name in TRANSITIONS for status in S if (name, status) not in ALLOWED
]


@pytest.fixture
def order(peter) -> Order:
    """Peter's submitted order with one segment (seed 002's two Verizon accessories)."""
    body = seed_order_request(externalOrderNumber=None)
    request = parse_order_request(body, tenant=peter.tenant, actor=peter)
    draft = drafts.draft_order(tenant=peter.tenant, actor=peter, request=request)
    submitted, _created = services.submit_order(draft=draft)
    return submitted


def put_in(row, status: str):
    """Place an order or a segment in a status directly (bypassing the protected field)."""
    type(row).objects.filter(pk=row.pk).update(status=status)
    return type(row).objects.get(pk=row.pk)


def status_of(row) -> str:
    return type(row).objects.values_list("status", flat=True).get(pk=row.pk)


def test_the_segment_graph_is_exactly_the_moves_the_services_make():
    graph = {(t.name, t.source, t.target) for t in OrderSegment().get_all_status_transitions()}
    assert graph == set(SEGMENT_LIFE_CYCLE)


@pytest.mark.parametrize(
    ("name", "source", "target"),
    SEGMENT_LIFE_CYCLE,
    ids=[f"{name}-from-{source}" for name, source, _target in SEGMENT_LIFE_CYCLE],
)
def test_segment_transition_from_its_source_moves_the_segment(order, name, source, target):
    segment = put_in(order.segments.get(), source)

    getattr(segment, name)()
    segment.save()

    assert status_of(segment) == target


@pytest.mark.parametrize(
    ("name", "status"), NOT_ALLOWED, ids=[f"{n}-from-{s}" for n, s in NOT_ALLOWED]
)
def test_segment_transition_from_a_wrong_status_is_refused(order, name, status):
    segment = put_in(order.segments.get(), status)

    with pytest.raises(TransitionNotAllowed):
        getattr(segment, name)()

    assert segment.status == status
    assert status_of(segment) == status


def test_segment_status_cannot_be_assigned_directly(order):
    segment = order.segments.get()

    with pytest.raises(AttributeError):
        segment.status = S.SHIPPED

    assert status_of(segment) == S.ORDER_SUBMITTED


def test_a_stale_segment_copy_cannot_save_over_a_segment_that_moved(order):
    # Given two copies of an approved segment, and one of them acknowledged by the vendor
    segment = put_in(order.segments.get(), S.APPROVED)
    stale = OrderSegment.objects.get(pk=segment.pk)
    segment.acknowledge()
    segment.save()

    # When the stale copy (still APPROVED in memory) is failed
    stale.fail()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()

    # Then the acknowledgement stands
    assert status_of(segment) == S.IN_FULFILLMENT


def test_an_order_transition_its_segments_cannot_follow_is_refused_and_changes_nothing(order, ada):
    # Given an order awaiting approval whose segment (wrongly) reached its vendor already
    put_in(order, S.AWAITING_APPROVAL)
    segment = put_in(order.segments.get(), S.IN_FULFILLMENT)
    history_before = OrderHistory.objects.filter(order=order).count()

    # When the order is cancelled
    with pytest.raises(TransitionNotAllowed), transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        services.transition_order(locked, "cancel", actor=ada)

    # Then neither the order nor its segment moved, and no history was written
    assert status_of(order) == S.AWAITING_APPROVAL
    assert status_of(segment) == S.IN_FULFILLMENT
    assert OrderHistory.objects.filter(order=order).count() == history_before


def test_a_failure_reported_after_the_vendor_acknowledged_changes_nothing(order):
    # Given a segment its vendor acknowledged (a redelivered copy of the submit task got in)
    put_in(order, S.IN_FULFILLMENT)
    segment = put_in(order.segments.get(), S.IN_FULFILLMENT)
    history_before = OrderHistory.objects.filter(order=order).count()

    # When a late copy gives up on the vendor
    services._fail_segment(segment.pk, "Carrier temporarily unavailable", {"status": 503})

    # Then the segment stays with its vendor and the order is not failed
    assert status_of(segment) == S.IN_FULFILLMENT
    assert status_of(order) == S.IN_FULFILLMENT
    assert OrderHistory.objects.filter(order=order).count() == history_before


def test_the_vendors_moves_write_one_history_row_each(order, ada, settings, monkeypatch):
    # Given an approved order handed to the vendors, with a carrier that ships and delivers
    # at once
    settings.SIMULATED_CARRIER_SHIP_DELAY = 0
    settings.SIMULATED_CARRIER_MODES = {}
    monkeypatch.setattr(services, "_check_progress_later", lambda pk, when: None)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        services.transition_order(locked, "approve", actor=ada)
    services.send_to_vendors(order.pk)
    segment = order.segments.get()

    # When the segment is sent and the vendor is asked how it is doing
    services.submit_segment(segment.pk)
    services.collect_progress(segment.pk)

    # Then each move of the segment has its history row, from and to its statuses
    rows = OrderHistory.objects.filter(order=order, segment=segment)
    assert list(rows.values_list("event", "from_status", "to_status")) == [
        ("sent_to_vendor", "APPROVED", "IN_FULFILLMENT"),
        ("shipped", "IN_FULFILLMENT", "SHIPPED"),
        ("delivered", "SHIPPED", "COMPLETE"),
    ]
    assert status_of(segment) == S.COMPLETE
    assert status_of(order) == S.COMPLETE
