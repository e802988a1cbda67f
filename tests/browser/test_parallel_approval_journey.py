"""A large company's approval rule, in real Chromium: a tenant admin builds a step that needs
two of three approvers, replays it on last quarter's orders before saving it, saves it from the
impact page, and the next order needs two of the three; the audit trail shows the change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from approvals.models import ApprovalRun, RunSeat
from orders.models import Order
from portal.models import Employee
from tests.approvals.conftest import place_order, routed
from tests.conftest import seed_order_request

pytestmark = pytest.mark.django_db(transaction=True)
RULE = "Accessories: 2 of 3"


def person(username: str) -> Employee:
    return Employee.objects.select_related("tenant").get(user__username=username)


def test_admin_builds_a_two_of_three_step_previews_its_impact_and_the_next_order_needs_two(
    open_page, live_server, screenshot, api_for
):
    # Last quarter: three of peter's accessory orders, routed by today's rules (to maria)
    peter = person("peter")
    earlier = [routed(place_order(peter)) for _ in range(3)]
    page = open_page("ada")

    # A new rule tried first: Victor, the IT group and the requester's manager; two must approve
    page.goto(f"{live_server.url}/manage/workflows/new/")
    page.fill("#id_name", RULE)
    page.fill("#id_priority", "1")
    page.locator("label.chip-check", has_text="Order accessories").click()
    page.fill("#id_onetime_cost_above", "10")
    page.select_option("#id_step-0-kind", "EMPLOYEE")
    page.select_option("#id_step-0-employee", label="Victor Hughes")
    page.select_option("#id_step-0-kind_2", "GROUP")
    expect(page.locator("#id_step-0-employee_2")).to_be_hidden()  # each source shows its kind's
    page.select_option("#id_step-0-group_2", label="IT")
    page.select_option("#id_step-0-kind_3", "MANAGER")
    page.select_option("#id_step-0-rule", "AT_LEAST")
    page.fill("#id_step-0-required", "2")
    screenshot(page, "parallel_step_editor")

    # Its impact on the last 90 days' orders, before anything is saved
    page.get_by_test_id("preview-impact").click()
    page.wait_for_url(re.compile(r".*/manage/workflows/impact/$"))
    expect(page.get_by_test_id("impact-summary")).to_contain_text("3 replayed, 3 routed otherwise")
    expect(page.get_by_test_id("impact-MATCHED_ANOTHER_RULE")).to_contain_text("3 orders")
    for order in earlier:
        row = page.get_by_test_id(f"impact-order-{order.pk}")
        expect(row).to_contain_text(RULE)
        expect(row).to_contain_text("Victor Hughes")
    assert not ApprovalRun.objects.exclude(order__in=earlier).exists()  # nothing stored
    screenshot(page, "workflow_impact")

    # Saved from the impact page, as typed: it heads the list
    page.get_by_test_id("save-workflow").click()
    page.wait_for_url(re.compile(r".*/manage/workflows/#workflow-\d+$"))
    first = page.locator("ol.rules > li").first
    expect(first.locator("h2")).to_have_text(RULE)
    expect(first).to_contain_text("2 of 3: Victor Hughes, Approver group IT, Requester's manager")

    # The next order needs two of the three: Victor alone does not approve it
    response = api_for(peter).post("orders", seed_order_request())
    assert response.status_code == 200, response.json()
    order = Order.objects.get(external_order_number="MM123456A")
    run = ApprovalRun.objects.get(order=order)
    assert run.workflow_name == RULE
    seats = RunSeat.objects.filter(step__run=run).order_by("position")
    assert [s.description for s in seats] == [
        "Victor Hughes", "Approver group IT", "Requester's manager",
    ]  # fmt: skip
    victor, maria = person("victor"), person("maria")
    for approver in (victor, maria):
        answer = api_for(approver).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
        assert answer.json()["status"] == "APPROVAL_QUEUED"
        if approver == victor:
            order.refresh_from_db()
            assert order.status == Order.Status.AWAITING_APPROVAL  # one of two: still waiting
    # Two of three: approved, and on its way to the carrier
    run.refresh_from_db()
    assert run.state == ApprovalRun.State.APPROVED
    assert Order.objects.get(pk=order.pk).status == Order.Status.IN_FULFILLMENT

    # The audit trail lists the new rule, with its step in words, and who made it
    page.goto(f"{live_server.url}/manage/audit/?type=CHANGE")
    entry = page.get_by_test_id("audit-list").locator("tbody > tr", has_text=RULE).first
    expect(entry).to_contain_text("Approval workflow created")
    expect(entry).to_contain_text("Ada Park")
    expect(entry.locator("table.diff")).to_contain_text(
        "1. 2 of 3: Victor Hughes, Approver group IT, Requester's manager"
    )
    screenshot(page, "audit_trail")
