"""Managers in real Chromium: the approvals inbox, deciding (one order, several, as a delegate)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from approvals.models import Decision
from orders.models import Order
from tests.conftest import seed_order_request

pytestmark = pytest.mark.django_db(transaction=True)

REASON_REQUIRED = "A reason is required to reject this order."


def submit_seed_order(api) -> Order:
    """Peter's seed 002 order through the API; with committed transactions, routing runs at once
    (tasks are eager) and step 1 waits for maria."""
    response = api.post("orders", seed_order_request(externalOrderNumber=None))
    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=response.json()["order"]["orderId"])
    assert order.status == Order.Status.AWAITING_APPROVAL
    return order


def inbox_row(page, order: Order):
    return page.locator(f'[data-testid=inbox-row][data-order="{order.pk}"]')


def test_manager_rejects_without_a_reason_then_approves_and_it_reaches_fulfilment(
    open_page, live_server, api_for, peter, screenshot
):
    order = submit_seed_order(api_for(peter))

    # Maria sees one order waiting, in the navigation and in her inbox
    maria = open_page("maria")
    expect(maria.get_by_test_id("inbox-count")).to_have_text("1")
    maria.get_by_role("link", name=re.compile("^Approvals")).click()
    row = inbox_row(maria, order)
    expect(row).to_contain_text("Peter Edwards")
    expect(row).to_contain_text("44.98 USD")
    expect(row).to_contain_text("Step 1 of 2")
    screenshot(maria, "inbox")

    # She rejects without a reason and is told one is needed, beside the reason box
    row.get_by_role("button", name="Reject").click()
    expect(row.locator(".field-error")).to_have_text(REASON_REQUIRED)
    expect(maria.locator(".messages")).to_contain_text(f"Order #{order.pk} was not rejected.")
    screenshot(maria, "inbox_reason_required")
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_APPROVAL

    # Then approves, with a reason; the order leaves her inbox and is under "Decided by me"
    row.get_by_label(f"Reason for order #{order.pk}").fill("Needed for the client visits")
    row.get_by_role("button", name="Approve").click()
    expect(maria.locator(".messages")).to_contain_text("Approval recorded")
    expect(inbox_row(maria, order)).to_have_count(0)
    expect(maria.get_by_test_id("inbox-count")).to_have_count(0)
    maria.locator("nav.inbox-tabs").get_by_role("link", name=re.compile("Decided by me")).click()
    decided = maria.locator(f'[data-testid=decided-row][data-order="{order.pk}"]')
    expect(decided).to_contain_text("Approved")
    expect(decided).to_contain_text("Needed for the client visits")
    screenshot(maria, "inbox_decided")

    # Ian (IT) decides step 2 on the order page
    ian = open_page("ian")
    expect(ian.get_by_test_id("inbox-count")).to_have_text("1")
    ian.goto(f"{live_server.url}/orders/{order.pk}/")
    panel = ian.locator(".decision-panel")
    expect(panel).to_contain_text("Step 2 of 2")
    panel.get_by_label("Reason").fill("Standard accessories")
    screenshot(ian, "decide")
    panel.get_by_role("button", name="Approve").click()
    expect(ian.locator(".messages")).to_contain_text("Approval recorded")
    expect(ian.get_by_test_id("inbox-count")).to_have_count(0)

    # Peter sees his order past approval (the simulated carrier ships only after 30 s)
    assert Order.objects.get(pk=order.pk).status in (
        Order.Status.APPROVED,
        Order.Status.IN_FULFILLMENT,
    )
    peter_page = open_page("peter")
    peter_page.goto(f"{live_server.url}/orders/{order.pk}/")
    expect(peter_page.locator("h1 .badge")).to_have_text(re.compile("Approved|In fulfilment"))
    timeline = peter_page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Needed for the client visits")
    expect(timeline).to_contain_text("Standard accessories")


def test_the_inbox_reads_well_on_a_phone(open_page, live_server, api_for, peter, screenshot):
    submit_seed_order(api_for(peter))
    submit_seed_order(api_for(peter))

    page = open_page("maria", viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/approvals/")

    rows = page.get_by_test_id("inbox-row")
    expect(rows).to_have_count(2)
    # Each order is a card as wide as the screen: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(rows.first.get_by_role("button", name="Approve")).to_be_visible()
    screenshot(page, "inbox_phone")


def test_approve_selected_decides_each_order(open_page, live_server, api_for, peter, screenshot):
    api = api_for(peter)
    first, second = submit_seed_order(api), submit_seed_order(api)

    page = open_page("maria")
    page.goto(f"{live_server.url}/approvals/")
    page.get_by_label(f"Select order #{first.pk}").check()
    page.get_by_label(f"Select order #{second.pk}").check()
    page.get_by_role("button", name="Approve selected").click()

    expect(page.get_by_test_id("bulk-summary")).to_contain_text("2 of 2 approvals recorded.")
    for order in (first, second):
        result = page.locator(f'[data-testid=bulk-result][data-order="{order.pk}"]')
        expect(result).to_contain_text("Approval recorded")
    screenshot(page, "bulk_result")
    assert Decision.objects.filter(step__run__order__in=[first, second]).count() == 2
    # Both moved on to step 2 (IT): nothing waits for maria any more
    page.get_by_role("link", name="Back to approvals").click()
    expect(page.get_by_test_id("inbox-row")).to_have_count(0)


def test_select_all_then_reject_selected_without_a_reason_reports_each(
    open_page, live_server, api_for, peter
):
    api = api_for(peter)
    orders = [submit_seed_order(api), submit_seed_order(api)]

    page = open_page("maria")
    page.goto(f"{live_server.url}/approvals/")
    page.get_by_label("Select all").check()  # procure.js ticks every row
    page.once("dialog", lambda dialog: dialog.accept())  # "Reject every selected order?"
    page.get_by_role("button", name="Reject selected").click()

    results = page.get_by_test_id("bulk-result")
    expect(results).to_have_count(2)
    for result in results.all():
        expect(result).to_contain_text("Reason required")
    # The retry form asks for the missing reason for exactly those orders
    page.get_by_label(re.compile("^Reason for orders")).fill("Over the team budget")
    page.get_by_role("button", name="Reject with this reason").click()
    expect(page.get_by_test_id("bulk-summary")).to_contain_text("2 of 2 rejections recorded.")
    assert {Order.objects.get(pk=o.pk).status for o in orders} == {Order.Status.REJECTED}


def test_a_delegate_decides_for_the_manager(open_page, live_server, api_for, peter, screenshot):
    order = submit_seed_order(api_for(peter))

    # Maria names Sam her delegate for today
    maria = open_page("maria")
    maria.goto(f"{live_server.url}/approvals/")
    maria.get_by_test_id("delegation-link").click()
    maria.get_by_label("Delegate", exact=True).select_option(label="Sam Okafor · Development")
    today = maria.get_by_label("From").input_value()
    maria.get_by_label("Until (inclusive)").fill(today)
    maria.get_by_role("button", name="Name delegate").click()
    expect(maria.locator(".messages")).to_contain_text("Sam Okafor decides your approvals")
    expect(maria.get_by_test_id("my-delegations")).to_contain_text("Sam Okafor")
    screenshot(maria, "delegation")

    # Sam sees whose approvals he stands in for, and maria's waiting order
    sam = open_page("sam")
    expect(sam.get_by_test_id("inbox-count")).to_have_text("1")
    sam.goto(f"{live_server.url}/approvals/delegation/")
    expect(sam.get_by_test_id("delegated-to-me")).to_contain_text("Maria Lopez")
    sam.goto(f"{live_server.url}/approvals/")
    expect(sam.get_by_test_id("standing-in")).to_contain_text("Maria Lopez")
    row = inbox_row(sam, order)
    expect(row).to_contain_text("for Maria Lopez")
    row.get_by_role("button", name="Approve").click()
    expect(sam.locator(".messages")).to_contain_text("Approval recorded")

    decision = Decision.objects.select_related("decided_by", "decided_for").get(
        step__run__order=order
    )
    assert (decision.decided_by.full_name, decision.decided_for.full_name) == (
        "Sam Okafor",
        "Maria Lopez",
    )
    # Maria finds it under "Decided by me", marked as decided by her delegate
    maria.goto(f"{live_server.url}/approvals/?tab=decided")
    decided = maria.locator(f'[data-testid=decided-row][data-order="{order.pk}"]')
    expect(decided).to_contain_text("by Sam Okafor, your delegate")

    # And withdraws the delegation: Sam no longer sees her orders
    maria.goto(f"{live_server.url}/approvals/delegation/")
    maria.once("dialog", lambda dialog: dialog.accept())
    maria.get_by_role("button", name="Withdraw").click()
    expect(maria.locator(".messages")).to_contain_text("Sam Okafor no longer decides for you.")


def test_deciding_works_without_javascript(browser, live_server, world, api_for, peter):
    api = api_for(peter)
    first, second = submit_seed_order(api), submit_seed_order(api)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "maria")
        page.fill("#id_password", "procure-demo")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/approvals/")

        # One order from its row (a form of its own), then the other through the bulk form,
        # whose checkboxes sit in the table (the HTML `form` attribute, no script needed)
        inbox_row(page, first).get_by_role("button", name="Reject").click()
        expect(inbox_row(page, first).locator(".field-error")).to_have_text(REASON_REQUIRED)
        page.get_by_label(f"Select order #{second.pk}").check()
        page.get_by_role("button", name="Approve selected").click()

        expect(page.get_by_test_id("bulk-summary")).to_contain_text("1 of 1 approval recorded.")
        assert Decision.objects.get().step.run.order_id == second.pk
    finally:
        context.close()
