"""The order page (orders/web/my_orders.py): its items or what it changes, shipments, timeline."""

import re

import pytest
from django.utils import timezone

from catalog.models import ServiceAsset, TransactionType
from orders import drafts, services
from orders.models import Order, OrderHistory, OrderSegment, Shipment
from orders.requests import parse_order_request
from tests.conftest import browser_for, seed_order_request

TRACKING = "1Z999AA10123456784"


@pytest.fixture
def shipped_order(peter) -> Order:
    """Peter's accessories order whose segment shipped, with the history row the fulfilment
    service writes for it (its note names the carrier and the tracking number)."""
    body = seed_order_request(externalOrderNumber=None)
    request = parse_order_request(body, tenant=peter.tenant, actor=peter)
    draft = drafts.draft_order(tenant=peter.tenant, actor=peter, request=request)
    order, _created = services.submit_order(draft=draft)
    segment = order.segments.get()
    Shipment.objects.create(
        segment=segment, carrier="UPS", tracking_number=TRACKING, shipped_at=timezone.now()
    )
    services.record_history(
        order, segment=segment, event=OrderHistory.Event.SHIPPED, actor=None,
        from_status="IN_FULFILLMENT", to_status="SHIPPED", note=f"UPS, tracking {TRACKING}.",
    )  # fmt: skip
    return order


def timeline_html(html: str) -> str:
    return re.search(r'data-testid="timeline">(.*?)</ol>', html, re.S).group(1)


def test_a_shipped_entry_shows_its_tracking_number_once(shipped_order, peter):
    response = browser_for(peter).get(f"/orders/{shipped_order.pk}/")

    (shipped,) = [e for e in response.context["timeline"] if e.title.startswith("Shipped")]
    assert (shipped.detail, shipped.extra) == ("", [f"UPS tracking {TRACKING}"])
    assert timeline_html(response.content.decode()).count(TRACKING) == 1


def test_a_shipment_is_described_in_words_not_an_icon_glyph(shipped_order, peter):
    html = browser_for(peter).get(f"/orders/{shipped_order.pk}/").content.decode()

    assert "&#128666;" not in html and "\U0001f69a" not in html
    assert '<span class="shipment-state">On its way</span> · UPS · tracking' in html


def test_a_delivered_shipment_says_when(shipped_order, peter):
    Shipment.objects.filter(segment__order=shipped_order).update(
        delivered_at=timezone.now().replace(month=6, day=2)
    )

    html = browser_for(peter).get(f"/orders/{shipped_order.pk}/").content.decode()

    assert '<span class="shipment-state">Delivered Jun 2</span>' in html


def test_an_order_with_items_lists_them(shipped_order, peter):
    response = browser_for(peter).get(f"/orders/{shipped_order.pk}/")

    html = response.content.decode()
    assert response.context["item_count"] == 2
    assert "Items <span" in html and "What this order changes" not in html


@pytest.fixture
def suspension(peter) -> Order:
    """Peter's suspension of his line: a care order with one segment and nothing to buy."""
    line = ServiceAsset.objects.get(service_number="2035557676")
    order = Order.objects.create(
        tenant=peter.tenant,
        transaction_type=TransactionType.SUSPEND,
        requested_by=peter,
        account_holder=peter,
        service=line,
    )
    OrderSegment.objects.create(order=order, vendor=line.vendor)
    return order


def test_a_care_order_shows_what_it_changes_instead_of_an_empty_items_table(suspension, peter):
    response = browser_for(peter).get(f"/orders/{suspension.pk}/")

    html = response.content.decode()
    assert "Items <span" not in html and "<table" not in html.split('data-testid="timeline"')[0]
    assert "What this order changes" in html
    assert "Suspends line 2035557676: it works again only once it is unsuspended." in html
    assert f"Nothing to buy: {suspension.service.vendor.name} makes the change" in html


def test_a_device_swap_names_the_new_device(suspension, peter):
    Order.objects.filter(pk=suspension.pk).update(
        transaction_type=TransactionType.SWAP_DEVICES,
        details={"newDevice": {"manufacturerName": "Apple", "model": "iPhone 12"}},
    )

    html = browser_for(peter).get(f"/orders/{suspension.pk}/").content.decode()

    assert "Moves line 2035557676 to the Apple iPhone 12." in html
