"""Peter orders a new line in real Chromium: a device, a plan with a feature (only the chosen
plan's features show, the cost summary follows), the company's questions and a ship-to; the
review page; submitted, the order waits for approval."""

import re

import pytest

from orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)

GALAXY, UNLIMITED, ROAMING, HOTSPOT_10GB = "5103", "6101", "7101", "7103"


def test_peter_orders_a_new_line_with_a_galaxy(open_page, live_server, screenshot):
    page = open_page("peter")

    # Step 1: the devices his company offers.
    page.goto(f"{live_server.url}/lines/new/")
    page.locator(f'[data-device="{GALAXY}"]').get_by_role("link", name=re.compile("Choose")).click()
    page.wait_for_url(re.compile(rf".*/lines/new/\?device={GALAXY}$"))
    assert page.get_by_test_id("chosen-device").inner_text() == "Samsung Galaxy S24"

    # Step 2: a plan shows its own features only; the summary follows every choice.
    roaming = page.locator(f'input[name=features][value="{ROAMING}"]')
    assert not roaming.is_visible()
    page.get_by_role("radio", name=re.compile("^Business Unlimited")).check()
    assert roaming.is_visible()
    assert not page.locator(f'input[name=features][value="{HOTSPOT_10GB}"]').is_visible()
    page.get_by_role("checkbox", name=re.compile("^International roaming")).check()
    assert page.locator("[data-cost=monthly]").inner_text() == "55.00 USD"
    assert page.locator("[data-cost=onetime]").inner_text() == "699.00 USD"

    page.fill("#id_prop-NEW_LINE-COST_CENTER", "CC-1042")
    page.select_option("#id_prop-NEW_LINE-JUSTIFICATION", "NEW_HIRE")
    page.fill("#id_postal-code", "06477")
    page.fill("#id_addr-LINE_1", "35 Executive Blvd")
    page.fill("#id_addr-CITY", "Orange")
    page.select_option("#id_addr-STATE", "CT")
    page.fill("#id_addr-POSTAL_CODE", "06477")
    page.evaluate("window.scrollTo(0, 0)")  # the cost summary is sticky: show it at the top
    screenshot(page, "new_line")

    # Review: the order fully expanded, nothing stored yet.
    page.get_by_role("button", name="Review order").click()
    page.wait_for_url(re.compile(r".*/review/WEB-[0-9A-F]+/$"))
    items = page.get_by_test_id("confirm-items").inner_text()
    assert "Samsung Galaxy S24" in items and "Business Unlimited" in items
    assert "International roaming" in items
    assert page.get_by_test_id("cost-monthly").inner_text() == "+55.00 USD"
    assert Order.objects.count() == 0

    # Submitted: routed to his manager.
    page.get_by_role("button", name="Submit order").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    order = Order.objects.get()
    assert order.transaction_type == "NEW_ACTIVATION"
    assert page.locator("h1 .badge").inner_text() == "Awaiting approval"
    assert order.status == Order.Status.AWAITING_APPROVAL
