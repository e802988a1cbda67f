"""Care of a line in real Chromium: Peter suspends his line from its page, Maria approves, the
carrier makes the change, and the line page then offers only what a suspended line allows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.demo_data import line_numbered

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = "2035557676"  # Peter's line, as the pages show it


def test_peter_suspends_his_line_and_after_marias_approval_it_is_suspended(
    open_page, live_server, settings, screenshot
):
    # The simulated carrier makes a change at once (the live server runs tasks eagerly)
    settings.SIMULATED_CARRIER_SHIP_DELAY = 0
    line = line_numbered(NUMBER)
    line_url = f"{live_server.url}/lines/{line.pk}/"

    # Peter opens his line from home: active, on his LG, with everything an active line allows
    peter = open_page("peter")
    peter.get_by_role("link", name=NUMBER).click()
    expect(peter).to_have_url(line_url)
    expect(peter.get_by_test_id("line-number")).to_contain_text("Active")
    expect(peter.get_by_test_id("device")).to_contain_text("LG Cookie Plus")
    # the six care orders, a port to another carrier, a transfer out
    expect(peter.locator("[data-action]")).to_have_count(8)
    screenshot(peter, "line")

    # He chooses Suspend, picks a reason and continues to the review
    peter.locator('[data-action="SUSPEND"]').get_by_role("link", name="Suspend").click()
    expect(peter.get_by_role("heading", level=1)).to_have_text(f"Suspend line {NUMBER}")
    expect(peter.get_by_test_id("explanation")).to_contain_text("the number")
    peter.get_by_label("Why suspend the line").select_option(label="Leave of absence")
    peter.get_by_role("button", name="Continue").click()
    expect(peter.get_by_role("heading", level=1)).to_have_text("Review your order")
    review = peter.locator("main")
    expect(review).to_contain_text(f"Suspend line {NUMBER}")
    expect(review).to_contain_text("Leave of absence")
    screenshot(peter, "care_review")
    assert not Order.objects.exists()  # nothing is ordered before he submits

    # He submits: the order waits for his manager (the demo rule "Suspensions")
    peter.get_by_role("button", name="Submit order").click()
    expect(peter.locator("h1 .badge")).to_have_text("Awaiting approval")
    order = Order.objects.get()
    assert (order.transaction_type, order.service_id) == ("SUSPEND", line.pk)

    # Maria approves it in her inbox
    maria = open_page("maria")
    maria.get_by_role("link", name=re.compile("^Approvals")).click()
    row = maria.locator(f'[data-testid=inbox-row][data-order="{order.pk}"]')
    expect(row).to_contain_text("Peter Edwards")
    row.get_by_role("button", name="Approve").click()
    expect(maria.locator(".messages")).to_contain_text("Approval recorded")

    # The carrier made the change: Peter's order is complete
    peter.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(peter.locator("h1 .badge")).to_have_text("Complete")

    # His line is suspended, and only resuming or deactivating it is offered
    peter.goto(line_url)
    expect(peter.get_by_test_id("line-number")).to_contain_text("Suspended")
    actions = peter.locator("[data-action]")
    expect(actions).to_have_count(2)
    assert [a.get_attribute("data-action") for a in actions.all()] == ["UNSUSPEND", "DEACTIVATE"]
    expect(peter.get_by_test_id("recent-orders")).to_contain_text(f"#{order.pk}")


def test_the_monthly_change_follows_the_features_ticked(open_page, live_server):
    peter = open_page("peter")
    peter.goto(f"{live_server.url}/lines/{line_numbered(NUMBER).pk}/features/")
    change = peter.locator("[data-monthly-change]")
    expect(change).to_have_text("0.00 USD")

    # procure.js adds up the ticked features; the review prices the order again
    peter.get_by_label("International roaming").check()
    expect(change).to_have_text("+10.00 USD")
    peter.get_by_label("Mobile hotspot").check()
    expect(change).to_have_text("+15.00 USD")
    peter.get_by_label("International roaming").uncheck()
    expect(change).to_have_text("+5.00 USD")
    peter.get_by_role("button", name="Continue").click()

    expect(peter.get_by_role("heading", level=1)).to_have_text("Review your order")
    expect(peter.get_by_test_id("cost-monthly")).to_have_text("+5.00 USD")
    expect(peter.get_by_test_id("confirm-items")).to_contain_text("Mobile hotspot")
