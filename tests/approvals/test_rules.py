"""approvals.rules: maker-checker, who may be an approver, what a reason must be; and that every
interface applies the same rule (the service, the API, the pages)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from approvals import rules
from approvals import services as approval_services
from approvals.exceptions import MakerCannotCheck
from orders import services as order_services
from portal.exceptions import RequestInvalid
from portal.models import Delegation, Employee
from tests.approvals.conftest import (
    assert_envelope,
    place_order,
    routed,
    seat,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("vendors_unreached")

TOO_LONG = "x" * (rules.MAX_REASON + 1)


@pytest.fixture
def order(peter):
    """Peter's 44.98 USD order, waiting for maria (step 1), then IT."""
    return routed(place_order(peter))


# --- Maker-checker --------------------------------------------------------------------------


def test_makers_leave_out_nobody(peter, ada):
    assert rules.makers(peter.pk, peter.pk, None) == frozenset({peter.pk})
    assert rules.makers(peter.pk, ada.pk) == frozenset({peter.pk, ada.pk})


def test_maker_checker_refuses_whoever_is_involved_and_a_maker(order, peter, maria, ada):
    makers = order.maker_ids

    assert rules.maker_checker_problem(makers, maria) is None
    assert rules.maker_checker_problem(makers, maria, None) is None
    for people in [(peter,), (maria, peter), (ada, None, peter)]:
        problem = rules.maker_checker_problem(makers, *people)
        assert isinstance(problem, MakerCannotCheck)
        assert problem.message == "The requester can never decide their own order."


def test_a_delegate_never_decides_for_a_maker(order, peter, sam):
    # Given peter (the requester) is, wrongly, an approver of step 1, and named sam his delegate
    order_services.set_approvers(order, [peter], level=1)
    seat(order, 1).approvers.add(peter)
    today = timezone.localdate()
    Delegation.objects.create(
        tenant=peter.tenant, employee=peter, delegate=sam, starts_on=today, ends_on=today
    )
    before = snapshot(order)

    # When sam decides for him
    with pytest.raises(MakerCannotCheck):
        approval_services.decide(
            approval_services.DecisionRequest(order=order, actor=sam, action="APPROVE")
        )

    # Then it is refused as maker-checker, and nothing moved
    assert snapshot(order) == before


def test_eligible_approvers_are_active_non_makers_each_once(peter, maria, ian, sam):
    Employee.objects.filter(pk=sam.pk).update(status=Employee.Status.INACTIVE)
    sam.refresh_from_db()

    eligible = rules.eligible_approvers([maria, peter, ian, sam, maria], frozenset({peter.pk}))

    assert eligible == [maria, ian]


# --- Reasons ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "approving", "codes"),
    [
        ("", True, []),
        ("", False, ["REQUIRED"]),
        ("  ", False, ["REQUIRED"]),
        ("Budget", False, []),
        ("x" * rules.MAX_REASON, False, []),
        (TOO_LONG, False, ["TOO_LONG"]),
        (TOO_LONG, True, ["TOO_LONG"]),
    ],
)
def test_reason_problems(reason, approving, codes):
    problems = rules.reason_problems(
        reason, approving=approving, required_to_approve=False, required_to_reject=True
    )

    assert [p.code for p in problems] == codes
    assert all(p.field == "reason" for p in problems)


def test_the_service_refuses_a_too_long_reason(order, maria):
    before = snapshot(order)

    with pytest.raises(RequestInvalid) as refused:
        approval_services.decide(
            approval_services.DecisionRequest(
                order=order, actor=maria, action="APPROVE", reason=TOO_LONG
            )
        )

    assert [(p.field, p.code, p.message) for p in refused.value.problems] == [
        ("reason", "TOO_LONG", rules.REASON_TOO_LONG)
    ]
    assert snapshot(order) == before


def test_the_api_refuses_a_too_long_reason_with_the_rules_message(order, api_for, maria):
    before = snapshot(order)

    response = api_for(maria).post(
        f"orders/{order.pk}/approval", {"action": "APPROVE", "reason": TOO_LONG}
    )

    (error,) = assert_envelope(response, "reason")
    assert (error["errorCode"], error["message"]) == ("TOO_LONG", rules.REASON_TOO_LONG)
    assert snapshot(order) == before


def test_the_page_refuses_a_too_long_reason_beside_the_field_and_keeps_it(order, maria):
    client = Client()
    client.force_login(maria.user)
    before = snapshot(order)

    response = client.post(
        f"/approvals/{order.pk}/decide/", {"action": "APPROVE", "reason": TOO_LONG}, follow=True
    )

    assert snapshot(order) == before
    html = response.content.decode()
    assert f"Order #{order.pk}: nothing was decided." in [
        str(m) for m in response.context["messages"]
    ]
    assert rules.REASON_TOO_LONG in html
    # What was typed is shown back whole, to be shortened, not silently cut to the limit
    (row,) = response.context["rows"]
    assert row.problems["reason"] == TOO_LONG
    assert f'maxlength="{rules.MAX_REASON}"' in html


def test_a_bulk_decision_with_a_too_long_reason_decides_nothing(order, maria):
    client = Client()
    client.force_login(maria.user)
    before = snapshot(order)

    response = client.post(
        "/approvals/bulk/", {"order": [order.pk], "action": "APPROVE", "reason": TOO_LONG},
        follow=True,
    )  # fmt: skip

    assert rules.REASON_TOO_LONG in [str(m) for m in response.context["messages"]]
    assert snapshot(order) == before
