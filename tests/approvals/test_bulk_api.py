"""POST /api/v1/approvals/bulk: one decision for several orders, each decided as
POST /orders/{id}/approval decides it, one result per requested id in the request's order."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from approvals.models import Decision, DecisionAudit, RunStep
from orders.models import Order
from tests.approvals.conftest import (
    CHEAP_CART,
    assert_envelope,
    place_order,
    routed,
    snapshot,
    status_of,
    step,
)
from tests.portal.test_tenant_isolation import gina_order_request

pytestmark = pytest.mark.usefixtures("vendors_unreached")

Audit = DecisionAudit.Outcome
TOO_LONG = "x" * 2001


@pytest.fixture
def bulk(django_capture_on_commit_callbacks):
    """bulk(client, orders, action="APPROVE", **body) -> the response. Each decision's
    application (queued on commit) runs in-process, as a worker would run it."""

    def post(client, orders, action: str = "APPROVE", **body):
        ids = [str(o.pk) if isinstance(o, Order) else str(o) for o in orders]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("approvals/bulk", {"orderIds": ids, "action": action, **body})

    return post


def waiting_for_maria(peter) -> Order:
    """Peter's seed 002 order (44.98 USD), routed: step 1 waits for maria, step 2 for IT."""
    return routed(place_order(peter))


def cheap_order(peter) -> Order:
    """Peter's 22.49 USD order: maria's approval alone approves it."""
    return routed(place_order(peter, shoppingCart=CHEAP_CART))


def unknown_id() -> int:
    return (Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.fixture
def globex_order(api_for, gina, django_capture_on_commit_callbacks) -> Order:
    """An order of the other tenant, awaiting its approvers there."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(gina).post("orders", gina_order_request())
    assert response.status_code == 200, response.json()
    return Order.objects.get(pk=response.json()["order"]["orderId"])


def results(response) -> list[dict]:
    body = response.json()
    assert response.status_code == 200, body
    assert set(body) == {"results"}
    return body["results"]


def without_ids(error: dict) -> dict:
    """A MobProc error body without its occurrence id (unique per answer)."""
    return {key: value for key, value in error.items() if key != "id"}


# --- Results, one per requested id -----------------------------------------------------------


def test_each_order_gets_its_own_result_in_the_requests_order(
    bulk, api_for, peter, maria, ian, globex_order
):
    # Given one order at IT's step (maria approved it) and one still at maria's
    at_it = waiting_for_maria(peter)
    bulk(api_for(maria), [at_it])
    at_maria = waiting_for_maria(peter)
    missing = unknown_id()

    # When ian approves both, an unknown id and the other tenant's order
    response = bulk(api_for(ian), [at_maria, missing, at_it, globex_order])

    # Then each has its result, in the order asked
    at_maria_result, missing_result, at_it_result, globex_result = results(response)
    assert at_it_result == {"orderId": str(at_it.pk), "status": "APPROVAL_QUEUED"}
    assert missing_result == {"orderId": str(missing), "status": "NOT_FOUND"}
    # Another tenant's order is not found, exactly like an id that does not exist
    assert globex_result == {"orderId": str(globex_order.pk), "status": "NOT_FOUND"}
    assert at_maria_result["orderId"] == str(at_maria.pk)
    assert at_maria_result["status"] == "ERROR"
    (error,) = at_maria_result["errors"]
    assert error["errorCode"] == "NOT_AN_APPROVER" and error["status"] == 403
    # And the decision was really applied, the refused one changed nothing
    assert status_of(at_it) == Order.Status.APPROVED
    assert status_of(at_maria) == Order.Status.AWAITING_APPROVAL
    assert step(at_maria, 1).state == RunStep.State.ACTIVE
    assert status_of(globex_order) == Order.Status.AWAITING_APPROVAL
    assert not Decision.objects.filter(step__run__order=globex_order).exists()


def test_a_refusal_is_shaped_as_the_single_decision_answers_it(bulk, decide, api_for, peter, ian):
    # Given two orders waiting for maria; ian is not their approver
    alone, in_bulk = waiting_for_maria(peter), waiting_for_maria(peter)

    single = decide(api_for(ian), alone, "APPROVE")
    (result,) = results(bulk(api_for(ian), [in_bulk]))

    # Then the bulk result carries the very MobProc error the single decision answered
    assert single.status_code == 403
    assert result["status"] == "ERROR"
    (error,) = result["errors"]
    assert set(error) == set(single.json()) == {"status", "errorCode", "id", "message"}
    assert without_ids(error) == without_ids(single.json())
    assert error["id"]


def test_a_missing_reason_is_reported_as_the_single_decisions_400(
    bulk, decide, api_for, peter, maria
):
    # Given orders whose workflow requires a reason to reject
    alone, in_bulk = waiting_for_maria(peter), waiting_for_maria(peter)
    before = snapshot(in_bulk)

    single = decide(api_for(maria), alone, "REJECT")
    (result,) = results(bulk(api_for(maria), [in_bulk], "REJECT"))

    # Then the result is the 400 envelope the single decision answered, with the order's id
    errors = assert_envelope(single, "reason")
    assert result == {"orderId": str(in_bulk.pk), "status": "ERROR", "errors": errors}
    assert snapshot(in_bulk) == before


def test_one_reason_rejects_every_order(bulk, api_for, peter, maria):
    orders = [waiting_for_maria(peter), waiting_for_maria(peter)]

    response = bulk(api_for(maria), orders, "REJECT", reason="Budget freeze")

    assert [r["status"] for r in results(response)] == ["REJECTION_QUEUED"] * 2
    assert [status_of(o) for o in orders] == [Order.Status.REJECTED] * 2
    assert set(Decision.objects.values_list("reason", flat=True)) == {"Budget freeze"}


def test_an_order_decided_already_no_longer_needs_a_decision(bulk, api_for, peter, maria):
    order = cheap_order(peter)
    bulk(api_for(maria), [order])
    assert status_of(order) == Order.Status.APPROVED

    (result,) = results(bulk(api_for(maria), [order]))

    assert result == {"orderId": str(order.pk), "status": "APPROVAL_NOT_NEEDED"}
    assert Decision.objects.filter(step__run__order=order).count() == 1


def test_communication_none_sends_nothing_for_these_decisions(bulk, api_for, peter, maria):
    from django.core import mail

    order = cheap_order(peter)
    mail.outbox.clear()

    response = bulk(api_for(maria), [order], communicationWorkflow="None")

    assert results(response)[0]["status"] == "APPROVAL_QUEUED"
    assert status_of(order) == Order.Status.APPROVED
    assert not [m for m in mail.outbox if peter.email in m.to]


# --- Maker-checker, per order ------------------------------------------------------------------


def test_the_maker_is_refused_on_their_own_orders_only(bulk, api_for, peter, maria, ada):
    # Given an order ada placed (for peter's line; victor approves it) and one of peter's...
    adas = routed(place_order(ada))
    peters = cheap_order(peter)
    # ...and ada deciding as maria
    as_maria = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk))

    # When she approves both at once
    adas_result, peters_result = results(bulk(as_maria, [adas, peters]))

    # Then her own order is refused (she made it), peter's is approved: one refusal undoes nothing
    assert adas_result["status"] == "ERROR"
    assert adas_result["errors"][0]["errorCode"] == "MAKER_CANNOT_CHECK"
    assert peters_result == {"orderId": str(peters.pk), "status": "APPROVAL_QUEUED"}
    assert status_of(peters) == Order.Status.APPROVED
    assert status_of(adas) == Order.Status.AWAITING_APPROVAL
    assert not Decision.objects.filter(step__run__order=adas).exists()


def test_the_requester_cannot_approve_their_orders_in_bulk(bulk, api_for, peter):
    order = cheap_order(peter)

    (result,) = results(bulk(api_for(peter), [order]))

    assert result["errors"][0]["errorCode"] == "MAKER_CANNOT_CHECK"
    assert status_of(order) == Order.Status.AWAITING_APPROVAL


# --- Acting for someone (context headers) ------------------------------------------------------


def test_an_admin_acting_for_the_approver_decides_in_their_name(bulk, api_for, peter, maria, ada):
    orders = [cheap_order(peter), cheap_order(peter)]
    as_maria = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk))

    response = bulk(as_maria, orders)

    assert [r["status"] for r in results(response)] == ["APPROVAL_QUEUED"] * 2
    assert [status_of(o) for o in orders] == [Order.Status.APPROVED] * 2
    decisions = Decision.objects.filter(step__run__order__in=orders)
    assert {(d.decided_by, d.decided_for) for d in decisions} == {(ada, maria)}
    audits = DecisionAudit.objects.filter(order_id__in=[o.pk for o in orders])
    assert {(a.actor, a.caller) for a in audits} == {(maria, ada)}


def test_acting_for_the_requester_is_refused_by_maker_checker(bulk, api_for, peter, ada):
    order = cheap_order(peter)
    as_peter = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk))

    (result,) = results(bulk(as_peter, [order]))

    assert result["errors"][0]["errorCode"] == "MAKER_CANNOT_CHECK"
    assert status_of(order) == Order.Status.AWAITING_APPROVAL


def test_acting_for_someone_without_the_right_is_403(bulk, api_for, peter, maria, sam):
    order = cheap_order(peter)

    response = bulk(api_for(sam, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk)), [order])

    assert response.status_code == 403, response.json()
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert not DecisionAudit.objects.filter(order_id=order.pk).exists()


# --- The audit ---------------------------------------------------------------------------------


def test_every_order_decided_or_refused_is_audited_on_its_own(bulk, api_for, peter, maria, ian):
    at_it = waiting_for_maria(peter)
    bulk(api_for(maria), [at_it])
    at_maria = waiting_for_maria(peter)
    missing = unknown_id()

    bulk(api_for(ian, HTTP_X_TNGO_CONTEXT_CORRELATIONID="corr-bulk"), [at_it, at_maria, missing])

    audits = {
        a.order_id: a for a in DecisionAudit.objects.filter(actor=ian, correlation_id="corr-bulk")
    }
    assert set(audits) == {at_it.pk, at_maria.pk}  # an unknown id is nobody's order
    assert (audits[at_it.pk].outcome, audits[at_it.pk].step_position) == (Audit.APPROVAL_QUEUED, 2)
    assert audits[at_maria.pk].outcome == Audit.REFUSED
    assert audits[at_maria.pk].refusal_code == "NOT_AN_APPROVER"
    assert {a.channel for a in audits.values()} == {Decision.Channel.API}


# --- The body ----------------------------------------------------------------------------------


def test_every_problem_of_the_body_is_listed(api_for, maria):
    response = api_for(maria).post(
        "approvals/bulk", {"orderIds": "12", "reason": TOO_LONG, "communicationWorkflow": "Loud"}
    )

    errors = assert_envelope(response, "action", "orderIds", "reason", "communicationWorkflow")
    codes = {e["field"]: e["errorCode"] for e in errors}
    assert codes == {
        "action": "REQUIRED",
        "orderIds": "INVALID_TYPE",
        "reason": "TOO_LONG",
        "communicationWorkflow": "INVALID_VALUE",
    }


def test_each_bad_id_is_reported_at_its_place(api_for, maria):
    ids = [str(n) for n in range(1, 101)] + ["7", "seven", ""]

    response = api_for(maria).post("approvals/bulk", {"orderIds": ids, "action": "APPROVE"})

    errors = assert_envelope(
        response, "orderIds", "orderIds[100]", "orderIds[101]", "orderIds[102]"
    )
    codes = {e["field"]: e["errorCode"] for e in errors}
    assert codes == {
        "orderIds": "TOO_MANY",
        "orderIds[100]": "DUPLICATE",
        "orderIds[101]": "INVALID_VALUE",
        "orderIds[102]": "INVALID_VALUE",
    }
    assert not DecisionAudit.objects.exists()


@pytest.mark.parametrize("ids", [[], None], ids=["empty", "absent"])
def test_at_least_one_order_id_is_required(api_for, maria, ids):
    body = {"action": "APPROVE"} if ids is None else {"orderIds": ids, "action": "APPROVE"}

    response = api_for(maria).post("approvals/bulk", body)

    (error,) = assert_envelope(response, "orderIds")
    assert error["errorCode"] == "REQUIRED"


def test_numbers_are_taken_as_order_ids(bulk, api_for, peter, maria):
    order = cheap_order(peter)

    response = api_for(maria).post("approvals/bulk", {"orderIds": [order.pk], "action": "APPROVE"})

    assert results(response) == [{"orderId": str(order.pk), "status": "APPROVAL_QUEUED"}]


def test_the_document_says_numbers_are_order_ids_too():
    body = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    items = body["BulkDecisionBodyRequest"]["properties"]["orderIds"]["items"]
    assert {alternative["type"] for alternative in items["anyOf"]} == {"string", "integer"}


@pytest.mark.parametrize(
    "digits", ["\u00b2", "\u0661\u0662", "\uff11"], ids=["super", "arabic", "wide"]
)
def test_digits_other_than_ascii_are_no_order_id(api_for, maria, digits):
    # str.isdigit() takes them; int() refuses a superscript (it was a 500).
    response = api_for(maria).post("approvals/bulk", {"orderIds": [digits], "action": "APPROVE"})

    (error,) = assert_envelope(response, "orderIds[0]")
    assert error["errorCode"] == "INVALID_VALUE"
    assert not DecisionAudit.objects.exists()


@pytest.mark.parametrize("reason", [0, True, ["Fine"]], ids=["number", "boolean", "list"])
@pytest.mark.parametrize("path", ["approvals/bulk", "orders/{id}/approval"])
def test_a_reason_that_is_not_text_is_refused(api_for, peter, maria, path, reason):
    order = cheap_order(peter)
    body = {"action": "APPROVE", "reason": reason}
    if path == "approvals/bulk":
        body["orderIds"] = [str(order.pk)]

    response = api_for(maria).post(path.format(id=order.pk), body)

    (error,) = assert_envelope(response, "reason")
    assert error["errorCode"] == "INVALID_TYPE"
    assert not DecisionAudit.objects.filter(order_id=order.pk).exists()


def test_reading_only_tokens_cannot_decide(api_for, peter, maria):
    order = cheap_order(peter)

    response = api_for(maria, scope="read").post(
        "approvals/bulk", {"orderIds": [str(order.pk)], "action": "APPROVE"}
    )

    assert response.status_code == 403
    assert not DecisionAudit.objects.filter(order_id=order.pk).exists()


# --- Cost --------------------------------------------------------------------------------------

# A fixed number per order, none per request beyond reading the orders (the token is cached):
# each order is one decision, as POST /orders/{id}/approval makes it (lock the order with its
# run, the active step, whom the actor decides for, the step's approvers, the decision, its
# pending-work row and its audit row, in its own transaction). Measured: 1 + 10 per order;
# the bounds leave a little room for the decision's own queries to change.
PER_REQUEST, PER_ORDER = 3, 12


@pytest.mark.parametrize("count", [3, 10])
def test_queries_are_a_fixed_number_per_order(
    api_for, peter, maria, django_assert_max_num_queries, count
):
    orders = [waiting_for_maria(peter) for _ in range(count)]
    client = api_for(maria)
    client.get("me")  # the token is validated once; later requests read it from the cache

    with django_assert_max_num_queries(PER_REQUEST + PER_ORDER * count):
        response = client.post(
            "approvals/bulk",
            {"orderIds": [str(o.pk) for o in orders], "action": "APPROVE", "reason": "Fine"},
        )

    assert [r["status"] for r in results(response)] == ["APPROVAL_QUEUED"] * count
