"""A tenant admin's journey in real Chromium: the dashboard, a new two-step approval rule built,
checked, previewed and saved, and the next order following it; then the other admin pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from approvals import services as approval_services
from approvals.models import ApprovalRun, ApprovalWorkflow, Decision, RunStep
from orders.models import Order
from portal.models import Employee
from tests.approvals.conftest import place_order, routed
from tests.conftest import seed_order_request
from tests.demo_data import accessory

pytestmark = pytest.mark.django_db(transaction=True)


def person(username: str) -> Employee:
    return Employee.objects.select_related("tenant").get(user__username=username)


def some_history() -> None:
    """Eight weeks of orders: decided after various waits, one rejected, two still waiting."""
    peter, maria = person("peter"), person("maria")
    waits = [(7, 5), (6, 9), (5, 3), (4, 20), (3, 2), (2, 7), (1, 4), (0, 1)]  # (weeks, hours)
    for weeks_ago, hours in waits:
        order = routed(place_order(peter))
        approval_services.decide(
            approval_services.DecisionRequest(
                order=order, actor=maria, action="APPROVE", reason="Fine by me."
            )
        )
        decision = Decision.objects.get(step__run__order=order)
        decided_at = timezone.now() - timedelta(weeks=weeks_ago)
        started_at = decided_at - timedelta(hours=hours)
        Decision.objects.filter(pk=decision.pk).update(
            created_at=decided_at, step_started_at=started_at
        )
        RunStep.objects.filter(pk=decision.step_id).update(started_at=started_at)
    rejected = routed(place_order(peter))
    approval_services.decide(
        approval_services.DecisionRequest(
            order=rejected, actor=maria, action="REJECT", reason="We have spares."
        )
    )
    routed(place_order(peter))
    waiting = routed(place_order(peter))
    RunStep.objects.filter(run__order=waiting).update(started_at=timezone.now() - timedelta(days=2))


def test_admin_builds_previews_and_saves_a_two_step_rule_that_the_next_order_follows(
    open_page, live_server, screenshot, api_for
):
    some_history()
    page = open_page("ada")

    # The dashboard
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Manage").click()
    page.wait_for_url(f"{live_server.url}/manage/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage Acme Corporation")
    expect(page.get_by_test_id("waiting-total")).to_contain_text("waiting")
    expect(page.get_by_test_id("decision-chart").locator("rect")).to_have_count(8)
    screenshot(page, "dashboard")

    # A new rule, first sent with no steps and a malformed amount
    page.locator(".subnav").get_by_role("link", name="Workflows").click()
    page.get_by_role("link", name="New rule").click()
    page.wait_for_url(f"{live_server.url}/manage/workflows/new/")
    page.fill("#id_name", "IT accessories over 10 USD")
    page.fill("#id_priority", "1")
    page.locator("label.chip-check", has_text="Order accessories").click()
    page.fill("#id_onetime_cost_above", "ten")
    page.get_by_test_id("save-workflow").click()

    expect(page.get_by_test_id("form-problems")).to_be_visible()
    expect(page.get_by_test_id("steps-error")).to_have_text(
        "Add at least one step: say who must approve."
    )
    onetime = page.locator(".field", has=page.locator("#id_onetime_cost_above"))
    expect(onetime.locator(".field-error")).to_have_text("A valid number is required.")
    expect(page.locator("#id_name")).to_have_value("IT accessories over 10 USD")
    assert ApprovalWorkflow.objects.filter(name="IT accessories over 10 USD").count() == 0

    # Put right: one-time cost above 10, Victor Hughes then the IT group
    page.fill("#id_onetime_cost_above", "10")
    page.select_option("#id_step-0-kind", "EMPLOYEE")
    expect(page.locator("#id_step-0-group")).to_be_hidden()  # only what the kind needs
    page.select_option("#id_step-0-employee", label="Victor Hughes")
    expect(page.locator("#id_step-1-kind")).to_be_hidden()
    page.get_by_role("button", name="+ Add a step").click()
    page.select_option("#id_step-1-kind", "GROUP")
    page.select_option("#id_step-1-group", label="IT")
    page.fill("#id_step-1-reminder_delay_minutes", "1440")
    page.fill("#id_step-1-escalation_delay_minutes", "4320")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "workflow_editor")

    # Preview it on Peter's 44.98 USD order: nothing is stored
    page.select_option("#id_example-requester", label="Peter Edwards")
    page.fill("#id_example-onetime", "44.98")
    page.get_by_test_id("preview-workflow").click()

    result = page.get_by_test_id("preview-result")
    expect(result).to_contain_text("This rule matches the example order.")
    expect(page.get_by_test_id("preview-step-1").locator(".people")).to_have_text("VHVictor Hughes")
    step_2 = page.get_by_test_id("preview-step-2")
    expect(step_2).to_contain_text("Approver group IT")
    expect(step_2.locator(".people li")).to_have_text(["APAda Park", "ITIan Tran"])
    expect(page.locator("#id_step-1-group")).to_have_value(str(
        Employee.objects.get(user__username="ian").employee_groups.get().pk
    ))  # fmt: skip
    assert ApprovalWorkflow.objects.filter(name="IT accessories over 10 USD").count() == 0
    screenshot(page, "workflow_preview")

    # Save it: it heads the list
    page.get_by_test_id("save-workflow").click()
    page.wait_for_url(re.compile(r".*/manage/workflows/#workflow-\d+$"))
    expect(page.locator(".messages")).to_contain_text("Saved the rule “IT accessories over 10 USD”")
    first = page.locator("ol.rules > li").first
    expect(first.locator("h2")).to_have_text("IT accessories over 10 USD")
    expect(first.locator(".steps-inline .pill")).to_have_text(
        ["1 Victor Hughes", "2 Approver group IT · reminder after 24 h, escalation after 72 h"]
    )
    screenshot(page, "workflows")

    # The next order follows it
    peter = person("peter")
    response = api_for(peter).post("orders", seed_order_request())
    assert response.status_code == 200, response.json()
    order = Order.objects.get(external_order_number="MM123456A")
    run = ApprovalRun.objects.get(order=order)
    assert run.workflow_name == "IT accessories over 10 USD"
    first_step = run.steps.get(position=1)
    assert [a.user.username for a in first_step.approvers] == ["victor"]
    assert order.status == Order.Status.AWAITING_APPROVAL


def test_admin_tours_the_other_pages(open_page, live_server, screenshot):
    page = open_page("ada")
    base = f"{live_server.url}/manage"

    page.goto(f"{base}/workflows/preview/")
    page.select_option("#id_requester", label="Peter Edwards")
    page.fill("#id_onetime", "44.98")
    page.get_by_role("button", name="Preview approvers").click()
    expect(page.get_by_test_id("preview-step-1")).to_contain_text("Maria Lopez")
    screenshot(page, "preview")

    page.goto(f"{base}/groups/")
    expect(page.get_by_test_id("group-list")).to_contain_text("Ian Tran")
    screenshot(page, "approver_groups")

    page.goto(f"{base}/properties/?type=ORDER_ACCESSORIES")
    expect(page.get_by_test_id("property-field-CONTACT_NUMBER")).to_be_visible()
    screenshot(page, "order_properties")
    page.get_by_test_id("property-field-REASON").get_by_role("link", name="Edit").click()
    expect(page.locator("fieldset[data-for-type=TEXT]")).to_be_hidden()
    page.locator("input[name=choice-1-other]").check()
    page.get_by_role("button", name="Save field").click()
    expect(page.get_by_test_id("choices-error")).to_have_text(
        "Only one choice may ask for other text."
    )
    screenshot(page, "property_field")

    page.goto(f"{base}/employees/")
    expect(page.get_by_test_id("employee-list")).to_contain_text("Peter Edwards")
    screenshot(page, "people")
    page.get_by_role("link", name="Maria Lopez").first.click()
    page.select_option("select[name^=manager_]", label="Peter Edwards")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".field-error")).to_have_text(
        "Peter Edwards reports to Maria Lopez: that would be a loop."
    )
    screenshot(page, "employee")

    page.goto(f"{base}/catalog/")
    pouch_input = f"#accessories-{accessory('LG Cookie Plus Leather Pouch').pk}"
    pouch = page.locator(pouch_input)
    expect(pouch).to_be_checked()
    pouch.uncheck()
    page.get_by_test_id("save-catalog").click()  # the page's one Save, for every section
    expect(page.locator(".messages")).to_contain_text("Saved what you offer.")
    expect(page.locator(pouch_input)).not_to_be_checked()
    screenshot(page, "catalog_availability")

    page.goto(f"{base}/notifications/")
    page.locator("#event-ORDER_SHIPPED").uncheck()
    page.get_by_role("button", name="Save notifications").click()
    expect(page.locator("#event-ORDER_SHIPPED")).not_to_be_checked()
    expect(page.locator("#event-ORDER_APPROVED")).to_be_checked()
    screenshot(page, "notifications")


def test_manage_pages_fit_a_phone(open_page, live_server, screenshot):
    page = open_page("ada", viewport={"width": 390, "height": 844})

    for path, name in [("", "dashboard_phone"), ("workflows/", "workflows_phone")]:
        page.goto(f"{live_server.url}/manage/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path or 'dashboard'} scrolls sideways ({width}px)"
        screenshot(page, name)


def test_the_editor_works_without_javascript(browser, live_server, world):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "ada")
        page.fill("#id_password", "procure-demo")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/manage/workflows/new/")

        # Every step row and every input shows; blank rows are ignored
        expect(page.locator("[data-step-row]")).to_have_count(5)
        page.fill("#id_name", "Plans")
        page.select_option("#id_step-0-kind", "MANAGER")
        page.fill("#id_step-0-manager_levels", "2")
        page.select_option("#id_step-2-kind", "GROUP")
        page.select_option("#id_step-2-group", label="IT")
        page.get_by_role("button", name="Save rule").click()
        page.wait_for_url(re.compile(r".*/manage/workflows/#workflow-\d+$"))

        saved = ApprovalWorkflow.objects.get(name="Plans")
        assert list(
            saved.steps.values_list("position", "sources__kind", "sources__manager_levels")
        ) == [
            (1, "MANAGER", 2),
            (2, "GROUP", 1),
        ]
        # Reordering is a plain form too: the new rule (last) moves above the one before it
        with page.expect_navigation():
            page.get_by_role("button", name="Move Plans up").click()
        names = list(
            ApprovalWorkflow.objects.filter(tenant=saved.tenant)
            .order_by("priority")
            .values_list("name", flat=True)
        )
        assert names[-2:] == ["Plans", "Features costing more"]
    finally:
        context.close()
