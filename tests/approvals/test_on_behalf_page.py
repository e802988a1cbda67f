"""Deciding for an approver from an order's page: a tenant admin who is not an approver of the
step chooses one under "Decide for"; the decision is that approver's, made by the admin (as the
API's context headers make it), and maker-checker holds for both."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from approvals.models import Decision, DecisionAudit, RunStep
from orders.models import Order
from portal.models import Employee
from tests.approvals.conftest import place_order, routed, snapshot, status_of, step

pytestmark = pytest.mark.usefixtures("vendors_unreached")

SELECT = 'name="decide_for"'


def signed_in(employee: Employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def page(employee: Employee, order: Order):
    response = signed_in(employee).get(f"/orders/{order.pk}/")
    assert response.status_code == 200
    return response


@pytest.fixture
def post_decision(django_capture_on_commit_callbacks):
    """post_decision(employee, order, **form) -> the followed response (back on the order's
    page); the decision's application, queued on commit, runs in-process as a worker would."""

    def post(employee: Employee, order: Order, **form):
        with django_capture_on_commit_callbacks(execute=True):
            return signed_in(employee).post(
                f"/approvals/{order.pk}/decide/",
                {"next": f"/orders/{order.pk}/", **form},
                follow=True,
            )

    return post


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def order(peter) -> Order:
    """Peter's seed 002 order, routed: step 1 waits for maria, step 2 for IT (ian, ada)."""
    return routed(place_order(peter))


def options(html: str) -> list[str]:
    return re.findall(r'<option value="(\d+)">([^<]*)</option>', html)


def test_an_admin_sees_decide_for_with_the_steps_approvers(order, ada, maria):
    html = page(ada, order).content.decode()

    assert "Decide for an approver" in html and SELECT in html
    assert options(html) == [(str(maria.pk), "Maria Lopez")]


def test_an_admin_decides_for_the_approver_and_the_record_shows_both(
    order, post_decision, api_for, ada, maria
):
    # When ada approves step 1 for maria from the order's page
    response = post_decision(
        ada, order, action="APPROVE", reason="Maria is away", decide_for=maria.pk
    )

    # Then it is recorded as maria's decision, made by ada
    assert f"Approval recorded for Maria Lopez (order #{order.pk})." in texts(response)
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_by, decision.decided_for) == (ada, maria)
    assert decision.channel == Decision.Channel.PAGE
    audit = DecisionAudit.objects.get(order_id=order.pk)
    assert (audit.actor, audit.caller, audit.channel) == (maria, ada, Decision.Channel.PAGE)
    # And it was applied: step 2 (IT) is now active
    assert step(order, 1).state == RunStep.State.APPROVED
    assert step(order, 2).state == RunStep.State.ACTIVE
    # The order's page says who decided for whom
    assert "by Ada Park for Maria Lopez" in page(ada, order).content.decode()
    # And so does the run record
    record = api_for(maria).get(f"orders/{order.pk}/approval").json()["approval"]
    first = record["steps"][0]["decision"]
    assert first["decidedBy"]["name"] == "Ada Park"
    assert first["onBehalfOf"]["name"] == "Maria Lopez"


def test_an_admin_who_is_an_approver_of_the_step_decides_as_herself(
    order, post_decision, ada, maria
):
    # Given step 1 approved: step 2 waits for IT, ada among them
    post_decision(maria, order, action="APPROVE")

    html = page(ada, order).content.decode()

    assert "Your decision" in html and SELECT not in html


def test_a_maker_admin_is_not_offered_and_is_refused(post_decision, ada, peter):
    # Given ada ordered (for peter's line): victor approves step 1
    order = routed(place_order(ada))
    victor = step(order, 1).approvers[0]
    before = snapshot(order)

    # Then her order's page offers her no decision
    html = page(ada, order).content.decode()
    assert "decision-panel" not in html and SELECT not in html

    # And posting one anyway, for victor, is refused by maker-checker, clearly
    response = post_decision(ada, order, action="APPROVE", decide_for=victor.pk)
    assert f"Order #{order.pk}: The requester can never decide their own order." in texts(response)
    assert snapshot(order) == before
    audit = DecisionAudit.objects.get(order_id=order.pk)
    assert (audit.actor, audit.caller, audit.refusal_code) == (victor, ada, "MAKER_CANNOT_CHECK")


def test_deciding_for_the_requester_is_refused(order, post_decision, ada, peter):
    before = snapshot(order)

    response = post_decision(ada, order, action="APPROVE", decide_for=peter.pk)

    assert f"Order #{order.pk}: The requester can never decide their own order." in texts(response)
    assert snapshot(order) == before


def test_non_admins_never_see_the_select(order, post_decision, maria, ian):
    # The approver sees her own decision form
    html = page(maria, order).content.decode()
    assert "Your decision" in html and SELECT not in html
    # At IT's step, ian (an approver, not an admin) too
    post_decision(maria, order, action="APPROVE")
    html = page(ian, order).content.decode()
    assert "Your decision" in html and SELECT not in html


def test_a_non_admin_posting_decide_for_decides_nothing(order, post_decision, sam, maria):
    before = snapshot(order)

    response = post_decision(sam, order, action="APPROVE", decide_for=maria.pk)

    assert f"Order #{order.pk}: nothing was decided." in texts(response)
    assert snapshot(order) == before
    assert not DecisionAudit.objects.filter(order_id=order.pk).exists()


def test_the_admin_sees_the_recorded_decision_until_it_is_applied(order, ada, maria):
    # Posted without running its application (the worker has not picked it up yet)
    signed_in(ada).post(
        f"/approvals/{order.pk}/decide/", {"action": "APPROVE", "decide_for": maria.pk}
    )

    html = page(ada, order).content.decode()

    assert "Approval recorded by Ada Park for Maria Lopez; it is being applied." in html
    assert status_of(order) == Order.Status.AWAITING_APPROVAL


@pytest.mark.parametrize("chosen", ["someone", "99999999999999999999", "0"])
def test_a_bad_choice_is_shown_beside_the_select(order, post_decision, ada, chosen):
    before = snapshot(order)

    response = post_decision(ada, order, action="APPROVE", decide_for=chosen)

    assert f"Order #{order.pk}: nothing was decided." in texts(response)
    html = response.content.decode()
    assert 'id="decision-for-error-' in html and "Choose one of the step&#x27;s approvers." in html
    assert snapshot(order) == before
