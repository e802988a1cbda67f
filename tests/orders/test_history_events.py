"""History events are one enum, OrderHistory.Event: stored values unchanged, every writer uses it,
the timeline reads its labels from it and the API shows its values."""

import ast
from pathlib import Path

import pytest

from orders import drafts, services
from orders.models import Order, OrderHistory, OrderSegment
from orders.requests import parse_order_request
from tests.conftest import browser_for, seed_order_request

ROOT = Path(__file__).resolve().parents[2]
E = OrderHistory.Event

# The values stored in OrderHistory.event and shown by the API: a rename is a data migration.
STORED_VALUES = {
    "submit", "await_approval", "approve", "reject", "cancel", "send_to_vendors", "ship",
    "complete", "fail", "sent_to_vendor", "vendor_failed", "shipped", "delivered",
    "carried_out", "approval_step_started", "approval_step_approved", "approval_reminder",
    "approval_escalated", "approval_withdrawn",
}  # fmt: skip


@pytest.fixture
def order(peter) -> Order:
    body = seed_order_request(externalOrderNumber=None)
    request = parse_order_request(body, tenant=peter.tenant, actor=peter)
    draft = drafts.draft_order(tenant=peter.tenant, actor=peter, request=request)
    submitted, _created = services.submit_order(draft=draft)
    return submitted


def test_the_stored_event_values_are_unchanged():
    assert set(E.values) == STORED_VALUES


def test_every_order_transition_is_an_event_of_its_own_name():
    # transition_order records an order transition under the transition's name
    names = {t.name for t in Order().get_all_status_transitions()}
    assert names <= set(E.values)


def record_history_calls_with_a_literal_event():
    for app in ("portal", "catalog", "orders", "approvals"):
        for path in sorted((ROOT / app).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name != "record_history":
                    continue
                for keyword in node.keywords:
                    if keyword.arg == "event" and isinstance(keyword.value, ast.Constant):
                        yield f"{path.relative_to(ROOT)}:{node.lineno} {keyword.value.value!r}"


def test_history_is_written_with_the_enum_never_a_free_string():
    assert list(record_history_calls_with_a_literal_event()) == []


def test_the_timeline_titles_each_event_with_its_label(order, peter):
    # Given one history row of every event (segment events on the order's segment)
    segment = OrderSegment.objects.select_related("vendor").get(order=order)
    on_segment = {E.SENT_TO_VENDOR, E.VENDOR_FAILED, E.SHIPPED, E.DELIVERED, E.CARRIED_OUT}
    for event in E:
        if event != E.SUBMIT:  # the order's own submit row is there already
            services.record_history(
                order, event=event, actor=None, segment=segment if event in on_segment else None
            )

    # When its requester opens the order page
    response = browser_for(peter).get(f"/orders/{order.pk}/")

    # Then each event is titled with its label (a segment's, with its vendor's name)
    titles = [entry.title for entry in response.context["timeline"] if entry.history_id]
    assert titles == [
        f"{event.label} ({segment.vendor.name})" if event in on_segment else event.label
        for event in E
    ]


def test_an_event_the_enum_does_not_know_shows_its_own_name(order, peter):
    services.record_history(order, event="vendor_ack", actor=None)

    response = browser_for(peter).get(f"/orders/{order.pk}/")

    assert response.context["timeline"][-1].title == "Vendor ack"


def test_the_api_history_shows_the_stored_event_values(order, api_for, peter):
    services.cancel_order(order=order, actor=peter, reason="Ordered twice")

    response = api_for(peter).get(f"orders/{order.pk}/history")

    events = [item["event"] for item in response.json()["history"]["items"]]
    assert events == ["submit", "cancel"]
