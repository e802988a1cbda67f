"""Seed 002 end to end: confirm and submit return the seed's example responses for the demo data."""

import json
import re
from pathlib import Path

import pytest

from orders.models import Order
from tests.conftest import seed_order_request

SEED_NAME = "002_ce2a5cbf4e381ed5.txt"
# The seeds live beside the repository (../shared/seeds); a copy travels with the tests so that
# a clone anywhere runs them, and is checked against the original wherever that is present.
SHARED_SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / SEED_NAME
COPIED_SEED = Path(__file__).resolve().parent / "seeds" / SEED_NAME
SEED = SHARED_SEED if SHARED_SEED.exists() else COPIED_SEED
SEED_BASE = "https://tngo-mobproc.cloudhub.io/mobproc/v1"
OUR_BASE = "http://testserver/api/v1"


def seed_examples() -> list[dict]:
    """The JSON examples of seed 002: request (step 1), confirmation (4), order (5)."""
    text = SEED.read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"```\n(.*?)```", text, re.S)]


def with_our_base(value):
    if isinstance(value, dict):
        return {key: with_our_base(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_our_base(item) for item in value]
    if isinstance(value, str):
        return value.replace(SEED_BASE, OUR_BASE)
    return value


@pytest.fixture(scope="module")
def examples():
    if not SEED.exists():
        pytest.fail(f"seed 002 not found at {SHARED_SEED} nor {COPIED_SEED}")
    return seed_examples()


def test_the_copied_seed_is_the_shared_one():
    # Beside the shared seeds (as in CI), the copy must not have drifted from them
    if SHARED_SEED.exists():
        assert COPIED_SEED.read_bytes() == SHARED_SEED.read_bytes()
    assert COPIED_SEED.exists()


def test_seed_request_body_is_the_one_the_tests_send(examples):
    assert examples[0] == seed_order_request()


def test_confirm_returns_the_seed_confirmation_and_stores_nothing(peter_api, examples):
    response = peter_api.post("orders?confirm=true", examples[0])

    assert response.status_code == 200, response.json()
    assert response.json() == with_our_base(examples[1])
    assert not Order.objects.exists()


def test_submit_returns_an_order_like_the_seed_step_5(peter_api, examples):
    response = peter_api.post("orders", examples[0])

    assert response.status_code == 200, response.json()
    body = response.json()
    order = Order.objects.get()
    segment = order.segments.get()
    expected = with_our_base(examples[2])
    expected_order = expected["order"]
    # What the server assigns (ids, time) is ours; every other key and value is the seed's.
    expected_order["orderId"] = str(order.pk)
    expected_order["_meta"]["href"] = f"{OUR_BASE}/orders/{order.pk}"
    expected_order["dateSubmitted"] = body["order"]["dateSubmitted"]
    expected_segment = expected_order["orderSegments"]["items"][0]
    expected_segment["orderSegmentId"] = str(segment.pk)
    expected_segment["_meta"] = {
        "hrefHistory": f"{OUR_BASE}/orders/{order.pk}/history?orderSegment={segment.pk}",
        "hrefShipments": f"{OUR_BASE}/orders/{order.pk}/shipments?orderSegment={segment.pk}",
    }
    for ours, seeds in zip(
        body["order"]["orderSegments"]["items"][0]["accessories"],
        expected_segment["accessories"],
        strict=True,
    ):
        # The seed's order shows a shorter image path than its own catalog; we keep the catalog's.
        seeds["imageUrl"] = ours["imageUrl"]
    our_order = dict(body["order"])
    # Extra summary fields we add beyond the seed's example.
    assert our_order.pop("costSummary") == [
        {"amount": 44.98, "currencyCode": "USD", "recurrence": "ONETIME"},
        {"amount": 0.0, "currencyCode": "USD", "recurrence": "MONTHLY"},
    ]
    our_order.pop("dateTimeUpdated")
    assert our_order.pop("updated") == body["order"]["dateTimeUpdated"]  # MobProc 1.1.0
    assert {**body, "order": our_order} == expected
    assert order.status == Order.Status.ORDER_SUBMITTED
    assert [h.event for h in order.history.all()] == ["submit"]
