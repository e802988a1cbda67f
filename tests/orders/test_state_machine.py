"""The order life cycle (SPEC "Order life cycle"): django-fsm on Order.status, history per step."""

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from orders import drafts, services
from orders.models import Order, OrderHistory, OrderStatus
from orders.requests import parse_order_request
from tests.conftest import seed_order_request

S = OrderStatus

# (transition, source, target): every arrow of SPEC's diagram.
LIFE_CYCLE = [
    ("await_approval", S.ORDER_SUBMITTED, S.AWAITING_APPROVAL),
    ("approve", S.ORDER_SUBMITTED, S.APPROVED),  # routing found no rule
    ("approve", S.AWAITING_APPROVAL, S.APPROVED),  # last approval step
    ("reject", S.AWAITING_APPROVAL, S.REJECTED),
    ("send_to_vendors", S.APPROVED, S.IN_FULFILLMENT),
    ("ship", S.IN_FULFILLMENT, S.SHIPPED),
    ("complete", S.SHIPPED, S.COMPLETE),
    ("complete", S.IN_FULFILLMENT, S.COMPLETE),  # a care order: nothing to ship
    ("fail", S.APPROVED, S.FAILED),
    ("fail", S.IN_FULFILLMENT, S.FAILED),
    ("cancel", S.ORDER_SUBMITTED, S.CANCELLED),
    ("cancel", S.AWAITING_APPROVAL, S.CANCELLED),
]
TRANSITIONS = sorted({name for name, _source, _target in LIFE_CYCLE})
ALLOWED = {(name, source) for name, source, _target in LIFE_CYCLE}
NOT_ALLOWED = [
    (name, status) for name in TRANSITIONS for status in S if (name, status) not in ALLOWED
]
# Statuses in which segments have not reached a vendor yet: they follow the order's status.
FOLLOWED_BY_SEGMENTS = [S.AWAITING_APPROVAL, S.APPROVED, S.REJECTED, S.CANCELLED]


@pytest.fixture
def order(peter) -> Order:
    """Peter's submitted order with one segment (seed 002's two Verizon accessories)."""
    body = seed_order_request(externalOrderNumber=None)
    request = parse_order_request(body, tenant=peter.tenant, actor=peter)
    draft = drafts.draft_order(tenant=peter.tenant, actor=peter, request=request)
    submitted, _created = services.submit_order(draft=draft)
    return submitted


def put_in(order: Order, status: str) -> Order:
    """Place the order in a status directly (bypassing the protected field) for a test setup."""
    Order.objects.filter(pk=order.pk).update(status=status)
    return Order.objects.get(pk=order.pk)


def transition(order: Order, name: str, *, actor, note: str = "") -> OrderHistory:
    """Apply a transition as the services do: on a row locked in a transaction."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        return services.transition_order(locked, name, actor=actor, note=note)


def test_the_model_graph_is_exactly_specs_life_cycle():
    # An arrow added to (or missing from) the model without a row here fails this test.
    graph = {(t.name, t.source, t.target) for t in Order().get_all_status_transitions()}
    assert graph == set(LIFE_CYCLE)
    assert {target for _n, _s, target in LIFE_CYCLE} | {S.ORDER_SUBMITTED} == set(S)


@pytest.mark.parametrize(
    ("name", "source", "target"),
    LIFE_CYCLE,
    ids=[f"{name}-from-{source}" for name, source, _target in LIFE_CYCLE],
)
def test_transition_from_its_source_moves_the_order_and_writes_history(
    order, ada, name, source, target
):
    # Given an order in the transition's source status
    put_in(order, source)

    # When the transition is applied
    entry = transition(order, name, actor=ada, note="because")

    # Then the order has the target status and one history row records the step
    assert Order.objects.get(pk=order.pk).status == target
    stored = OrderHistory.objects.exclude(event="submit").get(order=order)
    assert stored == entry
    assert (stored.event, stored.from_status, stored.to_status) == (name, source, target)
    assert (stored.actor, stored.note) == (ada, "because")


@pytest.mark.parametrize(
    ("name", "status"), NOT_ALLOWED, ids=[f"{n}-from-{s}" for n, s in NOT_ALLOWED]
)
def test_transition_from_a_wrong_status_is_refused_and_changes_nothing(order, ada, name, status):
    # Given an order in a status the transition does not start from
    put_in(order, status)
    history_before = list(OrderHistory.objects.filter(order=order).values_list("pk", flat=True))

    # When the transition is attempted
    with pytest.raises(TransitionNotAllowed):
        transition(order, name, actor=ada)

    # Then status and history are unchanged
    assert Order.objects.get(pk=order.pk).status == status
    assert list(OrderHistory.objects.filter(order=order).values_list("pk", flat=True)) == (
        history_before
    )


def test_status_cannot_be_assigned_directly(order):
    with pytest.raises(AttributeError):
        order.status = S.APPROVED

    assert Order.objects.get(pk=order.pk).status == S.ORDER_SUBMITTED


def test_a_stale_copy_cannot_transition_a_row_that_moved_meanwhile(order, ada):
    # Given two copies of the same order, and one of them cancelled
    stale = Order.objects.get(pk=order.pk)
    transition(order, "cancel", actor=ada)

    # When the stale copy (still ORDER_SUBMITTED in memory) is approved
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        services.transition_order(stale, "approve", actor=ada)

    # Then the cancellation stands and no approval was recorded
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    assert not OrderHistory.objects.filter(order=order, event="approve").exists()


@pytest.mark.parametrize(
    "path",
    [
        ["await_approval"],
        ["await_approval", "approve"],
        ["await_approval", "reject"],
        ["approve"],
        ["cancel"],
        ["await_approval", "cancel"],
    ],
    ids="-".join,
)
def test_segments_follow_the_order_until_it_reaches_the_vendors(order, ada, path):
    for name in path:
        transition(order, name, actor=ada)

    status = Order.objects.get(pk=order.pk).status
    assert status in FOLLOWED_BY_SEGMENTS
    assert set(order.segments.values_list("status", flat=True)) == {status}


def test_segments_keep_their_own_status_once_with_the_vendors(order, ada):
    # Given an approved order: its segments are APPROVED too
    transition(order, "approve", actor=ada)

    # When it goes to the vendors and ships
    transition(order, "send_to_vendors", actor=ada)
    transition(order, "ship", actor=ada)

    # Then the segments' statuses are the vendors' business, not copied from the order
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED
    assert set(order.segments.values_list("status", flat=True)) == {S.APPROVED}


def test_a_full_life_writes_one_history_row_per_step(order, ada):
    for name in ["await_approval", "approve", "send_to_vendors", "ship", "complete"]:
        transition(order, name, actor=ada)

    assert list(
        OrderHistory.objects.filter(order=order).values_list("event", "from_status", "to_status")
    ) == [
        ("submit", "", "ORDER_SUBMITTED"),
        ("await_approval", "ORDER_SUBMITTED", "AWAITING_APPROVAL"),
        ("approve", "AWAITING_APPROVAL", "APPROVED"),
        ("send_to_vendors", "APPROVED", "IN_FULFILLMENT"),
        ("ship", "IN_FULFILLMENT", "SHIPPED"),
        ("complete", "SHIPPED", "COMPLETE"),
    ]
