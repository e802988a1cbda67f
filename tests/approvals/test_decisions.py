"""POST /orders/{id}/approval (seed 000): who may decide, the four answers, and what a decision
does to the run and the order once applied."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import ApprovalRun, ApprovalWorkflow, Decision, RunStep
from orders import services as order_services
from orders.models import Notification, Order
from portal.models import Delegation
from tests.approvals.conftest import (
    CHEAP_CART,
    approver_names,
    assert_envelope,
    assert_mobproc_error,
    place_order,
    routed,
    run_of,
    snapshot,
    status_of,
    step,
    transitions,
)
from tests.conftest import seed_order_request

pytestmark = pytest.mark.usefixtures("vendors_unreached")


@pytest.fixture
def order(peter) -> Order:
    """Peter's seed 002 order (44.98 USD), routed: step 1 waits for maria, step 2 for IT."""
    return routed(place_order(peter))


@pytest.fixture
def cheap_order(peter) -> Order:
    """Peter's 22.49 USD order, routed to "Accessories": maria only."""
    return routed(place_order(peter, shoppingCart=CHEAP_CART))


# --- The happy paths ----------------------------------------------------------------------------


def test_two_step_workflow_manager_then_it(submitted_order, api_for, decide, peter, maria, ian):
    # Given peter's 44.98 USD order, routed to maria first
    order = submitted_order()
    assert approver_names(order, 1) == ["Maria Lopez"]

    # When maria approves
    response = decide(api_for(maria), order, "APPROVE", reason="Needed for site visits")

    # Then the approval is queued and applied: the order still awaits, now the IT group
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "APPROVAL_QUEUED"}
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert run_of(order).state == ApprovalRun.State.PENDING
    assert step(order, 1).state == RunStep.State.APPROVED
    assert step(order, 2).state == RunStep.State.ACTIVE
    assert approver_names(order, 2) == ["Ada Park", "Ian Tran"]

    # When ian (IT) approves
    response = decide(api_for(ian), order, "APPROVE")

    # Then the order is approved and the run closed
    assert response.json() == {"status": "APPROVAL_QUEUED"}
    assert status_of(order) == Order.Status.APPROVED
    record = api_for(peter).get(f"orders/{order.pk}/approval").json()["approval"]
    assert record["state"] == "approved"
    assert record["endTime"] is not None
    assert [s["state"] for s in record["steps"]] == ["approved", "approved"]
    first, second = (s["decision"] for s in record["steps"])
    assert first["action"] == "APPROVE" and first["reason"] == "Needed for site visits"
    assert first["decidedBy"] == {"id": str(maria.pk), "name": "Maria Lopez"}
    assert first["onBehalfOf"] is None and first["applied"] is True
    assert second["decidedBy"] == {"id": str(ian.pk), "name": "Ian Tran"}
    assert record["checks"]["ValidateMakerAccess_Output"] is True
    assert record["checks"]["ValidatePayload_Output"] is True
    assert record["checks"]["ValidateCheckerAccess_Output"] is True
    # And each transition wrote its history row, by whom it was made
    assert transitions(order) == [
        ("submit", "", "ORDER_SUBMITTED"),
        ("await_approval", "ORDER_SUBMITTED", "AWAITING_APPROVAL"),
        ("approval_step_started", "", ""),
        ("approval_step_approved", "", ""),
        ("approval_step_started", "", ""),
        ("approve", "AWAITING_APPROVAL", "APPROVED"),
    ]
    assert order.history.get(event="approval_step_approved").actor == maria
    assert order.history.get(event="approve").actor == ian


def test_order_under_40_usd_is_approved_by_the_manager_alone(
    submitted_order, api_for, decide, maria, vendors_unreached
):
    order = submitted_order(shoppingCart=CHEAP_CART, externalOrderNumber="X")
    assert run_of(order).workflow_name == "Accessories"

    response = decide(api_for(maria), order, "APPROVE")

    assert response.json() == {"status": "APPROVAL_QUEUED"}
    assert status_of(order) == Order.Status.APPROVED
    assert run_of(order).state == ApprovalRun.State.APPROVED
    # And the approved order goes on to its vendors
    assert vendors_unreached == [order.pk]


def test_approval_with_no_workflow_applying_is_not_needed(
    demo, submitted_order, api_for, decide, maria
):
    ApprovalWorkflow.objects.filter(tenant=demo.acme).update(is_active=False)
    order = submitted_order()
    assert status_of(order) == Order.Status.APPROVED

    response = decide(api_for(maria), order, "APPROVE")

    assert response.status_code == 200
    assert response.json() == {"status": "APPROVAL_NOT_NEEDED"}
    assert Decision.objects.count() == 0


# --- Rejection and reasons ----------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_rejection_without_a_required_reason_answers_400_and_stores_nothing(
    order, api_for, decide, maria, reason
):
    before = snapshot(order)
    body = {} if reason is None else {"reason": reason}

    response = decide(api_for(maria), order, "REJECT", **body)

    errors = assert_envelope(response, "reason")
    assert errors[0]["errorCode"] == "REQUIRED"
    assert snapshot(order) == before


def test_rejection_with_a_reason_rejects_the_order(order, api_for, decide, peter, maria):
    response = decide(api_for(maria), order, "REJECT", reason="Use the pool charger")

    assert response.status_code == 200
    assert response.json() == {"status": "REJECTION_QUEUED"}
    assert status_of(order) == Order.Status.REJECTED
    run = run_of(order)
    assert run.state == ApprovalRun.State.REJECTED and run.ended_at is not None
    assert step(order, 1).state == RunStep.State.REJECTED
    # The IT step never started
    assert step(order, 2).state == RunStep.State.WAITING
    reject = order.history.get(event="reject")
    assert (reject.from_status, reject.to_status) == ("AWAITING_APPROVAL", "REJECTED")
    assert reject.note == "Use the pool charger"
    assert reject.actor == maria
    # And peter is told why
    told = Notification.objects.get(order=order, event=Notification.Event.ORDER_REJECTED)
    assert told.recipient == peter


def test_rejection_without_reason_is_accepted_when_the_workflow_does_not_require_one(
    demo, peter, api_for, decide, maria
):
    ApprovalWorkflow.objects.filter(tenant=demo.acme).update(reason_required_to_reject=False)
    order = routed(place_order(peter))

    response = decide(api_for(maria), order, "REJECT")

    assert response.json() == {"status": "REJECTION_QUEUED"}
    assert status_of(order) == Order.Status.REJECTED


def test_approval_without_reason_answers_400_when_the_workflow_requires_one(
    demo, peter, api_for, decide, maria
):
    ApprovalWorkflow.objects.filter(tenant=demo.acme).update(reason_required_to_approve=True)
    order = routed(place_order(peter))
    before = snapshot(order)

    response = decide(api_for(maria), order, "APPROVE")

    assert_envelope(response, "reason")
    assert snapshot(order) == before
    # With a reason it goes through
    assert decide(api_for(maria), order, "APPROVE", reason="OK").json() == {
        "status": "APPROVAL_QUEUED"
    }


def test_reason_policy_is_the_one_in_force_when_the_order_was_routed(
    demo, order, api_for, decide, maria
):
    # Given the policy is relaxed after the order was routed
    ApprovalWorkflow.objects.filter(tenant=demo.acme).update(reason_required_to_reject=False)

    response = decide(api_for(maria), order, "REJECT")

    assert_envelope(response, "reason")


# --- Maker-checker ------------------------------------------------------------------------------


def test_requester_cannot_approve_own_order(order, peter_api, decide):
    before = snapshot(order)

    response = decide(peter_api, order, "APPROVE")

    assert_mobproc_error(response, 403, "MAKER_CANNOT_CHECK")
    assert snapshot(order) == before


def test_requester_cannot_approve_own_order_even_as_an_approver_of_the_step(
    order, peter, peter_api, decide
):
    # Given peter somehow is among the step's approvers (e.g. added by hand)
    order_services.set_approvers(order, [peter], level=1)
    before = snapshot(order)

    response = decide(peter_api, order, "APPROVE")

    assert_mobproc_error(response, 403, "MAKER_CANNOT_CHECK")
    assert snapshot(order) == before


def test_tenant_admin_acting_as_the_requester_cannot_approve(order, api_for, decide, ada, peter):
    client = api_for(ada, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=peter.company_employee_id)
    before = snapshot(order)

    response = decide(client, order, "APPROVE")

    assert_mobproc_error(response, 403, "MAKER_CANNOT_CHECK")
    assert snapshot(order) == before


def test_admin_who_placed_an_order_cannot_approve_it_even_acting_for_the_approver(
    ada, peter, victor, api_for, decide
):
    # Given ada ordered for peter's line; victor (her manager) decides step 1
    order = routed(place_order(ada))
    assert approver_names(order, 1) == ["Victor Hughes"]
    before = snapshot(order)

    # When ada approves, herself or acting for victor, or peter (the account holder) does
    as_herself = decide(api_for(ada), order, "APPROVE")
    as_victor = decide(api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(victor.pk)), order)
    as_holder = decide(api_for(peter), order, "APPROVE")

    # Then every attempt is refused as maker-checker, and nothing moved
    for response in (as_herself, as_victor, as_holder):
        assert_mobproc_error(response, 403, "MAKER_CANNOT_CHECK")
    assert snapshot(order) == before


# --- Who else may not decide --------------------------------------------------------------------


def test_non_approver_gets_403(order, api_for, decide, sam):
    before = snapshot(order)

    response = decide(api_for(sam), order, "APPROVE")

    assert_mobproc_error(response, 403, "NOT_AN_APPROVER")
    assert snapshot(order) == before


def test_approver_of_a_later_step_cannot_decide_before_it_starts(order, api_for, decide, ian):
    before = snapshot(order)

    response = decide(api_for(ian), order, "APPROVE")

    assert_mobproc_error(response, 403, "NOT_AN_APPROVER")
    assert snapshot(order) == before


def test_other_tenants_employee_gets_404(order, api_for, decide, gina):
    before = snapshot(order)

    response = decide(api_for(gina), order, "APPROVE")

    assert_mobproc_error(response, 404, "NOT_FOUND")
    assert snapshot(order) == before
    # The record is not shown either
    assert_mobproc_error(api_for(gina).get(f"orders/{order.pk}/approval"), 404, "NOT_FOUND")


def test_unknown_order_gets_404(api_for, decide, maria):
    response = api_for(maria).post("orders/999999999/approval", {"action": "APPROVE"})

    assert_mobproc_error(response, 404, "NOT_FOUND")
    assert Decision.objects.count() == 0


def test_non_approver_cannot_read_the_approval_record(order, api_for, sam):
    assert_mobproc_error(api_for(sam).get(f"orders/{order.pk}/approval"), 404, "NOT_FOUND")


# --- The four answers ---------------------------------------------------------------------------


def test_deciding_a_step_twice_is_not_needed_the_second_time(order, api_for, decide, maria):
    decide(api_for(maria), order, "APPROVE")
    before = snapshot(order)

    again = decide(api_for(maria), order, "REJECT", reason="Changed my mind")

    assert again.status_code == 200
    assert again.json() == {"status": "APPROVAL_NOT_NEEDED"}
    assert snapshot(order) == before


def test_deciding_an_order_already_approved_is_not_needed(cheap_order, api_for, decide, maria):
    decide(api_for(maria), cheap_order, "APPROVE")
    assert status_of(cheap_order) == Order.Status.APPROVED
    before = snapshot(cheap_order)

    again = decide(api_for(maria), cheap_order, "APPROVE")

    assert again.json() == {"status": "APPROVAL_NOT_NEEDED"}
    assert snapshot(cheap_order) == before


def test_decided_but_not_yet_applied_step_is_not_needed(
    order, api_for, maria, ada, django_capture_on_commit_callbacks
):
    # Given maria's approval is stored but its application has not run yet
    with django_capture_on_commit_callbacks(execute=False):
        first = api_for(maria).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
    assert first.json() == {"status": "APPROVAL_QUEUED"}
    assert step(order, 1).state == RunStep.State.ACTIVE

    # When ada, acting for maria, decides the same step
    client = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk))
    second = client.post(f"orders/{order.pk}/approval", {"action": "REJECT", "reason": "No"})

    # Then only the first decision counts
    assert second.json() == {"status": "APPROVAL_NOT_NEEDED"}
    assert Decision.objects.get(step__run__order=order).action == Decision.Action.APPROVE


@pytest.mark.parametrize(
    ("who", "code"), [("peter", "MAKER_CANNOT_CHECK"), ("sam", "NOT_AN_APPROVER")]
)
def test_who_may_not_decide_is_refused_after_the_order_is_decided_too(
    cheap_order, api_for, decide, maria, request, who, code
):
    # Given maria's approval has been applied
    decide(api_for(maria), cheap_order, "APPROVE")
    before = snapshot(cheap_order)

    # Then the requester and a non-approver are still refused (not told "not needed"): the
    # answer does not depend on whether someone else's decision was applied yet
    response = decide(api_for(request.getfixturevalue(who)), cheap_order, "APPROVE")

    assert_mobproc_error(response, 403, code)
    assert snapshot(cheap_order) == before


def test_order_not_yet_routed_is_not_ready_for_approval(peter_api, api_for, maria):
    # Given peter submitted, but the routing task has not run yet (its commit never came)
    submitted = peter_api.post("orders", seed_order_request())
    assert submitted.status_code == 200, submitted.json()
    order = Order.objects.get(pk=submitted.json()["order"]["orderId"])
    assert status_of(order) == Order.Status.ORDER_SUBMITTED

    response = api_for(maria).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})

    assert response.status_code == 200
    assert response.json() == {"status": "NOT_READY_FOR_APPROVAL"}
    assert status_of(order) == Order.Status.ORDER_SUBMITTED
    assert run_of(order) is None and Decision.objects.count() == 0


def test_approve_alias_answers_as_approval(order, api_for, decide, maria, sam):
    # A bad body and a non-approver are refused there as on /approval
    assert_envelope(decide(api_for(maria), order, "MAYBE", path="approve"), "action")
    assert_mobproc_error(decide(api_for(sam), order, path="approve"), 403, "NOT_AN_APPROVER")

    response = decide(api_for(maria), order, "APPROVE", path="approve")

    assert response.json() == {"status": "APPROVAL_QUEUED"}
    assert step(order, 1).state == RunStep.State.APPROVED
    again = decide(api_for(maria), order, "REJECT", path="approve", reason="x")
    assert again.json() == {"status": "APPROVAL_NOT_NEEDED"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["action"]),
        ({"reason": "fine"}, ["action"]),
        ({"action": "MAYBE"}, ["action"]),
        ({"action": "approve"}, ["action"]),
        ({"action": "APPROVE", "communicationWorkflow": "Loud"}, ["communicationWorkflow"]),
        ({"action": "APPROVE", "reason": ["a", "b"]}, ["reason"]),
        ({"action": "MAYBE", "communicationWorkflow": "Loud"}, ["action", "communicationWorkflow"]),
    ],
    ids=[
        "empty",
        "action-missing",
        "action-maybe",
        "action-lowercase",
        "communication-loud",
        "reason-list",
        "two-problems",
    ],
)
def test_bad_decision_body_answers_400_envelope(order, api_for, maria, body, fields):
    before = snapshot(order)

    response = api_for(maria).post(f"orders/{order.pk}/approval", body)

    assert_envelope(response, *fields)
    assert snapshot(order) == before


def test_decision_body_that_is_not_json_answers_400(order, api_for, maria):
    before = snapshot(order)

    response = api_for(maria).post(
        f"orders/{order.pk}/approval",
        b'{"action": APPROVE',
        format=None,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert [e["errorCode"] for e in response.json()["errors"]] == ["MALFORMED_JSON"]
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("communication", "told"), [("Default", True), ("None", False)], ids=["default", "none"]
)
def test_communication_workflow_none_sends_no_notification(
    cheap_order, api_for, decide, maria, communication, told
):
    response = decide(api_for(maria), cheap_order, "APPROVE", communicationWorkflow=communication)

    assert response.json() == {"status": "APPROVAL_QUEUED"}
    assert status_of(cheap_order) == Order.Status.APPROVED
    approved = Notification.objects.filter(
        order=cheap_order, event=Notification.Event.ORDER_APPROVED
    )
    assert approved.exists() is told
    decision = Decision.objects.get(step__run__order=cheap_order)
    assert decision.communication == communication


# --- Deciding for someone else ------------------------------------------------------------------


def delegate(employee, to, *, days: tuple[int, int] = (0, 0)) -> Delegation:
    today = timezone.localdate()
    return Delegation.objects.create(
        tenant=employee.tenant,
        employee=employee,
        delegate=to,
        starts_on=today + timedelta(days=days[0]),
        ends_on=today + timedelta(days=days[1]),
    )


def test_delegate_decides_in_the_approvers_place(order, api_for, decide, peter, maria, sam):
    # Given maria named sam her delegate for today
    delegate(maria, sam)

    response = decide(api_for(sam), order, "APPROVE", reason="Maria is away")

    # Then the decision counts for maria, and the record shows both
    assert response.json() == {"status": "APPROVAL_QUEUED"}
    assert step(order, 1).state == RunStep.State.APPROVED
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_by, decision.decided_for) == (sam, maria)
    shown = api_for(peter).get(f"orders/{order.pk}/approval").json()["approval"]
    assert shown["steps"][0]["decision"]["decidedBy"]["name"] == "Sam Okafor"
    assert shown["steps"][0]["decision"]["onBehalfOf"]["name"] == "Maria Lopez"
    entry = order.history.get(event="approval_step_approved")
    assert (entry.actor, entry.on_behalf_of) == (sam, maria)


def test_delegate_may_also_act_through_the_context_header(order, api_for, decide, maria, sam):
    delegate(maria, sam)

    response = decide(api_for(sam, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk)), order)

    assert response.json() == {"status": "APPROVAL_QUEUED"}
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_by, decision.decided_for) == (sam, maria)


@pytest.mark.parametrize("days", [(-5, -1), (1, 3)], ids=["expired", "not-yet-started"])
def test_delegation_not_in_force_gives_no_right_to_decide(order, api_for, decide, maria, sam, days):
    delegate(maria, sam, days=days)
    before = snapshot(order)

    response = decide(api_for(sam), order, "APPROVE")

    assert_mobproc_error(response, 403, "NOT_AN_APPROVER")
    assert snapshot(order) == before


def test_tenant_admin_decides_for_an_approver_and_is_recorded(
    order, api_for, decide, peter, maria, ada
):
    client = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk))

    response = decide(client, order, "APPROVE", reason="Approved by phone")

    assert response.json() == {"status": "APPROVAL_QUEUED"}
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_by, decision.decided_for) == (ada, maria)
    shown = api_for(peter).get(f"orders/{order.pk}/approval").json()["approval"]
    assert shown["steps"][0]["decision"]["decidedBy"]["name"] == "Ada Park"
    assert shown["steps"][0]["decision"]["onBehalfOf"]["name"] == "Maria Lopez"


def test_non_admin_cannot_act_for_the_approver(order, api_for, decide, maria, sam):
    before = snapshot(order)

    response = decide(api_for(sam, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk)), order)

    assert_mobproc_error(response, 403, "CONTEXT_NOT_ALLOWED")
    assert snapshot(order) == before


# What a decision reads and writes (authentication kept): the order, locked, with its
# run, the active step's seats with the step and their decisions, their approvers, whether
# anyone named the approver delegate, then the decision, its outbox row and the audit row; in a
# test's transaction, a savepoint and its release around them.
DECISION_MAX_QUERIES = 9


def test_a_decision_runs_a_fixed_number_of_queries(
    api_for, peter, maria, django_assert_max_num_queries
):
    client = api_for(maria)
    client.get("me")  # the token validated once, then kept (portal.api.token_cache)
    orders = [routed(place_order(peter)) for _ in range(3)]

    for order in orders:
        with django_assert_max_num_queries(DECISION_MAX_QUERIES):
            response = client.post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
        assert response.json() == {"status": "APPROVAL_QUEUED"}
