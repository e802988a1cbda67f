"""Cancelling an order withdraws its approval (the `order_cancelled` event, handled in the cancel's
own transaction): the run ends `withdrawn`, nobody is asked, reminded or escalated to again, the
order leaves every inbox and count, and each interface says it was cancelled. A vendor's refusal
(`order_failed`) fails the run the same way, in the refusal's transaction."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from approvals import reminders, tasks
from approvals import services as approval_services
from approvals.models import ApprovalRun, Decision, DecisionAudit, RunStep
from orders import services as order_services
from orders.models import Notification, Order, OrderApprover, OrderHistory, OrderSegment
from portal import events
from portal.models import Employee, OutboxMessage
from tests.approvals.conftest import (
    CHEAP_CART,
    ESCALATE_AFTER,
    assert_mobproc_error,
    place_order,
    run_of,
    status_of,
    step,
    transitions,
)

pytestmark = pytest.mark.usefixtures("vendors_unreached")


# --- Helpers ------------------------------------------------------------------------------------


@pytest.fixture
def cancel(peter_api, django_capture_on_commit_callbacks):
    """cancel(order, client=peter_api, reason=..., status=200) -> the response of
    POST /orders/{id}/cancel, checked to have that status; whatever it queues for after its
    commit runs in-process, as a worker would run it."""

    def post(order: Order, client=None, reason: str = "No longer needed", status: int = 200):
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or peter_api).post(f"orders/{order.pk}/cancel", {"reason": reason})
        assert response.status_code == status, response.json()
        return response

    return post


def signed_in(employee: Employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def decision_link(address: str, action: str) -> str:
    """The path of the Approve or Reject link in the latest approval e-mail to `address`."""
    messages = [m for m in mail.outbox if m.to == [address] and "/approvals/decide/" in m.body]
    assert messages, f"no approval e-mail to {address}"
    url = re.search(rf"^{action}: +(\S+)$", messages[-1].body, re.MULTILINE).group(1)
    return urlsplit(url).path


def world(order: Order) -> dict:
    """Everything about the order that a refused or late action must leave as it is, and
    everything that could be sent about it."""
    run = run_of(order)
    return {
        "status": status_of(order),
        "segments": sorted(
            OrderSegment.objects.filter(order=order).values_list("status", flat=True)
        ),
        "run": (run.state, run.ended_at, run.checks) if run else None,
        "steps": [
            (
                s.position,
                s.state,
                s.remind_at,
                s.escalate_at,
                s.reminders_sent,
                sorted(a.pk for a in s.approvers),
            )
            for s in RunStep.objects.filter(run__order=order).select_related("run__order")
        ],
        "approvers": sorted(
            OrderApprover.objects.filter(order=order).values_list("employee", "level", "pending")
        ),
        "decisions": list(
            Decision.objects.filter(step__run__order=order).values_list("pk", "applied_at")
        ),
        "history": transitions(order),
        "notifications": list(
            Notification.objects.filter(order=order).values_list("event", "email")
        ),
        "mails": [(tuple(m.to), m.subject) for m in mail.outbox],
        "outbox": list(OutboxMessage.objects.values_list("pk", "task_name", "args")),
    }


def audits(order: Order) -> list[tuple[str, str, str, int]]:
    return list(
        DecisionAudit.objects.filter(order=order)
        .order_by("pk")
        .values_list("action", "outcome", "refusal_code", "actor_id")
    )


# --- The registry --------------------------------------------------------------------------------


def test_approvals_subscribes_to_both_order_events_once():
    # Given the apps are ready (approvals subscribed in its AppConfig.ready())
    # When approvals' ready() would run again
    events.subscribe(events.ORDER_CANCELLED, approval_services.withdraw_run)
    events.subscribe(events.ORDER_FAILED, approval_services.fail_run)

    # Then each event has exactly its one approvals handler
    assert events.handlers(events.ORDER_CANCELLED) == (approval_services.withdraw_run,)
    assert events.handlers(events.ORDER_FAILED) == (approval_services.fail_run,)


def test_unknown_events_are_refused():
    with pytest.raises(ValueError, match="order_canceled"):
        events.subscribe("order_canceled", approval_services.withdraw_run)
    with pytest.raises(ValueError, match="order_canceled"):
        events.publish("order_canceled", order=None)
    assert events.handlers(events.ORDER_CANCELLED) == (approval_services.withdraw_run,)


def test_publishing_outside_a_transaction_is_refused_before_any_handler_runs():
    # No database here: the refusal comes before any handler touches it.
    with pytest.raises(RuntimeError, match="outside a transaction"):
        events.publish(events.ORDER_CANCELLED, order=None, actor=None, reason="")


# --- Cancelling withdraws the run ----------------------------------------------------------------


def test_cancelling_an_order_awaiting_approval_withdraws_its_run(
    submitted_order, cancel, peter, maria
):
    # Given peter's order waiting for maria at step 1 (IT at step 2), her e-mail sent
    order = submitted_order()
    first = step(order, 1)
    assert (first.state, first.remind_at is not None, first.escalate_at is not None) == (
        RunStep.State.ACTIVE, True, True,
    )  # fmt: skip
    checks_before = run_of(order).checks
    before = world(order)

    # When peter cancels it
    response = cancel(order, reason="Ordered twice")

    # Then the order is cancelled
    assert response.status_code == 200, response.json()
    assert response.json()["order"]["status"] == "CANCELLED"
    # And its run withdrawn, ended now, its checks saying why (the earlier checks kept)
    run = run_of(order)
    assert run.state == ApprovalRun.State.WITHDRAWN
    assert run.ended_at is not None
    assert run.checks == {
        **checks_before,
        "AdminTask_Output": "withdrawn",
        "Withdrawal_Output": {
            "event": "order_cancelled",
            "cancelledBy": str(peter.pk),
            "reason": "Ordered twice",
        },
    }
    # And its active step withdrawn, nothing left due; maria is still named as its approver
    first = step(order, 1)
    assert (first.state, first.remind_at, first.escalate_at) == (
        RunStep.State.WITHDRAWN,
        None,
        None,
    )
    assert first.approvers == [maria]
    # And the later step never starts
    assert step(order, 2).state == RunStep.State.WAITING
    assert step(order, 2).approvers == []
    # And maria no longer has it waiting for her
    assert list(OrderApprover.objects.filter(order=order).values_list("employee", "pending")) == [
        (maria.pk, False)
    ]
    # And the history has the cancellation, then the withdrawal
    assert transitions(order)[-2:] == [
        ("cancel", "AWAITING_APPROVAL", "CANCELLED"),
        ("approval_withdrawn", "", ""),
    ]
    withdrawn = OrderHistory.objects.get(order=order, event="approval_withdrawn")
    assert withdrawn.actor is None
    # And nothing else: no decision, no audit row, no e-mail, no task
    after = world(order)
    for unchanged in ("decisions", "notifications", "mails", "outbox"):
        assert after[unchanged] == before[unchanged], unchanged
    assert audits(order) == []


def test_a_tenant_admin_cancelling_is_recorded_as_the_canceller(
    submitted_order, cancel, api_for, ada
):
    order = submitted_order()

    response = cancel(order, client=api_for(ada), reason="Budget freeze")

    assert response.status_code == 200, response.json()
    run = run_of(order)
    assert run.state == ApprovalRun.State.WITHDRAWN
    assert run.checks["Withdrawal_Output"] == {
        "event": "order_cancelled",
        "cancelledBy": str(ada.pk),
        "reason": "Budget freeze",
    }
    assert OrderHistory.objects.get(order=order, event="cancel").actor == ada


def test_the_withdrawal_is_part_of_the_cancels_transaction(submitted_order, cancel, monkeypatch):
    # Given peter's order waiting for maria, and a withdrawal that fails half-way
    order = submitted_order()
    before = world(order)

    def broken(order, *, level):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(order_services, "close_approvers", broken)

    # When peter cancels it
    response = cancel(order, status=500)

    # Then he is told it failed, and neither the cancellation nor any part of the withdrawal
    # happened
    assert response.json()["errorCode"] == "INTERNAL_ERROR"
    assert world(order) == before
    assert status_of(order) == Order.Status.AWAITING_APPROVAL
    assert run_of(order).state == ApprovalRun.State.PENDING


def test_an_order_cancelled_before_routing_has_no_run_and_routing_leaves_it(
    peter, cancel, django_capture_on_commit_callbacks
):
    # Given peter's order, submitted but not routed yet
    order = place_order(peter)

    # When he cancels it, and its routing task runs afterwards
    assert cancel(order).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        tasks.route_order.apply(args=[order.pk])

    # Then there is no run, no approver and no e-mail
    assert status_of(order) == Order.Status.CANCELLED
    assert run_of(order) is None
    assert not OrderApprover.objects.filter(order=order).exists()
    assert mail.outbox == []
    assert transitions(order) == [
        ("submit", "", "ORDER_SUBMITTED"),
        ("cancel", "ORDER_SUBMITTED", "CANCELLED"),
    ]


# --- Deciding a withdrawn order ------------------------------------------------------------------


@pytest.mark.parametrize("action", ["APPROVE", "REJECT"])
def test_its_approver_deciding_it_is_told_no_decision_is_needed(
    submitted_order, cancel, api_for, decide, maria, action
):
    # Given peter's order, cancelled while it waited for maria
    order = submitted_order()
    cancel(order)
    before = world(order)

    # When maria decides it anyway
    response = decide(api_for(maria), order, action, reason="Looked at it late")

    # Then she is told it is not needed, the attempt is audited, and nothing changes
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "APPROVAL_NOT_NEEDED"}
    assert audits(order) == [(action, "APPROVAL_NOT_NEEDED", "", maria.pk)]
    assert world(order) == before


def test_the_requester_deciding_it_still_gets_403(
    submitted_order, cancel, peter_api, decide, peter
):
    order = submitted_order()
    cancel(order)
    before = world(order)

    response = decide(peter_api, order, "APPROVE")

    assert_mobproc_error(response, 403, "MAKER_CANNOT_CHECK")
    assert audits(order) == [("APPROVE", "REFUSED", "MAKER_CANNOT_CHECK", peter.pk)]
    assert world(order) == before


def test_a_decision_stored_before_the_cancellation_is_never_applied(
    submitted_order, cancel, api_for, maria, ian, django_capture_on_commit_callbacks
):
    # Given maria's approval, stored but not applied yet (its task still queued)
    order = submitted_order()
    with django_capture_on_commit_callbacks(execute=False):
        response = api_for(maria).post(f"orders/{order.pk}/approval", {"action": "APPROVE"})
    assert response.json() == {"status": "APPROVAL_QUEUED"}
    decision = Decision.objects.get(step__run__order=order)

    # When peter cancels, and then the queued decision is applied
    cancel(order)
    before = world(order)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.apply_decision.apply(args=[decision.pk])

    # Then the IT step is never started: nobody in IT is asked to approve
    assert step(order, 2).state == RunStep.State.WAITING
    assert not [m for m in mail.outbox if m.to == [ian.email]]
    assert run_of(order).state == ApprovalRun.State.WITHDRAWN
    assert status_of(order) == Order.Status.CANCELLED
    # And only the decision's application time was written
    after = world(order)
    assert after["decisions"][0][1] is not None
    assert {**after, "decisions": None} == {**before, "decisions": None}


# --- No reminder, escalation or approval request ------------------------------------------------


def test_the_sweep_finds_nothing_due_for_a_withdrawn_order(
    clock, submitted_order, cancel, django_capture_on_commit_callbacks
):
    # Given peter's order cancelled while it waited for maria
    order = submitted_order()
    cancel(order)
    before = world(order)

    # When the reminder and escalation delays have long passed and beat's sweep runs
    clock.advance(ESCALATE_AFTER + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.sweep_due_steps.apply().result

    # Then nothing is due, nothing queued, nobody written to
    assert queued == 0
    assert reminders.steps_due() == ([], [])
    assert world(order) == before


def test_reminders_and_escalations_queued_before_the_cancellation_do_nothing(
    clock, submitted_order, cancel, api_for, peter, django_capture_on_commit_callbacks
):
    # Given peter's order whose reminder and escalation were due and queued
    order = submitted_order()
    clock.advance(ESCALATE_AFTER + timedelta(hours=1))
    first = step(order, 1)
    assert reminders.steps_due() == ([first.pk], [first.pk])

    # When peter (with a token issued now, three days on) cancels before a worker ran them,
    # and then they run
    cancel(order, client=api_for(peter))
    before = world(order)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.remind.apply(args=[first.pk])
        tasks.escalate.apply(args=[first.pk])

    # Then no one is reminded or escalated to, and nothing changes
    assert world(order) == before
    assert not OrderHistory.objects.filter(
        order=order, event__in=["approval_reminder", "approval_escalated"]
    ).exists()


# --- Inboxes and counts ---------------------------------------------------------------------------


def test_a_withdrawn_order_leaves_every_inbox_and_count(
    submitted_order, cancel, api_for, maria, ada
):
    # Given peter's order waiting for maria, in her inboxes and counts and on the dashboard
    order = submitted_order()
    maria_api, maria_pages, ada_pages = api_for(maria), signed_in(maria), signed_in(ada)

    def seen() -> dict:
        api_inbox = maria_api.get("approvals").json()["orders"]["items"]
        eligible = api_for(ada).get("orders", {"eligibleToApproveEmployeeId": maria.pk})
        page = maria_pages.get("/approvals/")
        dashboard = ada_pages.get(reverse("manage:dashboard"))
        return {
            "api_inbox": [int(o["orderId"]) for o in api_inbox],
            "eligible": [int(o["orderId"]) for o in eligible.json()["orders"]["items"]],
            "page_rows": [o.pk for o in page.context["rows"]],
            "page_count": page.context["waiting_count"],
            "nav_count": page.context["nav_inbox_count"],
            "dashboard_waiting": dashboard.context["waiting_total"],
            "dashboard_levels": [
                (lv["position"], lv["count"]) for lv in dashboard.context["levels"]
            ],
            "dashboard_longest": [s.run.order_id for s in dashboard.context["longest"]],
        }

    waiting = seen()
    assert order.pk in waiting["api_inbox"]
    assert order.pk in waiting["eligible"]
    assert order.pk in waiting["page_rows"]
    assert order.pk in waiting["dashboard_longest"]

    # When peter cancels it
    cancel(order)

    # Then it has left all of them, and each count is one less
    now = seen()
    for listing in ("api_inbox", "eligible", "page_rows", "dashboard_longest"):
        assert now[listing] == [pk for pk in waiting[listing] if pk != order.pk], listing
    for count in ("page_count", "nav_count", "dashboard_waiting"):
        assert now[count] == waiting[count] - 1, count
    levels = dict(waiting["dashboard_levels"])
    levels[1] -= 1
    assert dict(now["dashboard_levels"]) == {k: v for k, v in levels.items() if v}
    # And peter still sees his order, cancelled
    mine = api_for(order.requested_by).get(f"orders/{order.pk}")
    assert mine.json()["order"]["status"] == "CANCELLED"


# --- What each interface shows ------------------------------------------------------------------


def test_the_order_page_shows_the_cancellation_not_a_wait(submitted_order, cancel, peter, maria):
    # Given peter's order page says it waits for maria
    order = submitted_order()
    page = signed_in(peter).get(f"/orders/{order.pk}/")
    assert "<dt>Waiting for</dt><dd>Maria Lopez" in page.content.decode()

    # When he cancels it
    cancel(order)

    # Then his page and maria's show it cancelled and withdrawn, waiting for nobody
    for employee in (peter, maria):
        page = signed_in(employee).get(f"/orders/{order.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "<dt>Waiting for</dt>" not in html
        assert 'data-status="CANCELLED"' in html
        assert not page.context["can_decide"]
        titles = [entry.title for entry in page.context["timeline"]]
        assert titles[titles.index("Order cancelled") + 1] == "Approval withdrawn"
        assert "Reason: No longer needed" in html


def test_the_approval_record_says_withdrawn_with_its_end_time(submitted_order, cancel, peter_api):
    order = submitted_order()
    assert peter_api.get(f"orders/{order.pk}/approval").json()["approval"]["endTime"] is None

    cancel(order)

    response = peter_api.get(f"orders/{order.pk}/approval")
    assert response.status_code == 200, response.json()
    record = response.json()["approval"]
    assert record["state"] == "withdrawn"
    assert record["endTime"] is not None
    assert [s["state"] for s in record["steps"]] == ["withdrawn", "waiting"]
    assert [s["decision"] for s in record["steps"]] == [None, None]
    assert record["checks"]["Withdrawal_Output"]["event"] == "order_cancelled"


@pytest.mark.parametrize("action", ["Approve", "Reject"])
def test_the_email_link_of_a_cancelled_order_says_so_and_offers_no_button(
    client, submitted_order, cancel, maria, action, django_capture_on_commit_callbacks
):
    # Given maria's approval e-mail, and then peter cancels the order
    order = submitted_order()
    path = decision_link(maria.email, action)
    cancel(order)
    before = world(order)

    # When she opens the link, and even posts its form
    opened = client.get(path)
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(path, {"reason": "Fine"})

    # Then the page says the order was cancelled and offers nothing to press
    for response in (opened, posted):
        assert response.status_code == 200
        assert response.context["problem"] == "withdrawn"
        html = response.content.decode()
        assert f"Order #{order.pk} was cancelled" in html
        assert "This order was cancelled" in html
        # (the link's visitor is not signed in: no form at all, not even the sign-out one)
        assert "<form" not in html
        assert "<button" not in html
    # And nothing was decided or audited
    assert world(order) == before
    assert audits(order) == []


# --- A vendor's refusal: `order_failed` ----------------------------------------------------------


def test_a_vendor_refusal_fails_the_run_in_its_own_transaction_without_a_task(
    peter, maria, settings, django_capture_on_commit_callbacks
):
    # Given peter's one-step order approved by maria and sent to a carrier that refuses it
    settings.SIMULATED_CARRIER_MODES = {"98": "FAIL"}
    order = place_order(peter, shoppingCart=CHEAP_CART)
    approval_services.route_order(order.pk)
    approval_services.decide(
        approval_services.DecisionRequest(order=order, actor=maria, action="APPROVE")
    )
    approval_services.apply_decision(Decision.objects.get(step__run__order=order).pk)
    order_services.send_to_vendors(order.pk)
    segment = OrderSegment.objects.get(order=order)
    assert run_of(order).state == ApprovalRun.State.APPROVED
    messages_before = OutboxMessage.objects.count()

    # When the carrier refuses it (nothing queued for after the commit is run)
    with django_capture_on_commit_callbacks(execute=False):
        order_services.submit_segment(segment.pk)

    # Then the run has already failed, with the vendor's answer, and no task was queued for it
    segment.refresh_from_db()
    run = run_of(order)
    assert (status_of(order), run.state) == (Order.Status.FAILED, ApprovalRun.State.FAILED)
    assert run.ended_at is not None
    assert run.checks["FulfilmentCall_Output"] == {str(segment.pk): segment.vendor_response}
    assert not OutboxMessage.objects.filter(
        task_name="approvals.record_fulfilment_failure"
    ).exists()
    # (the requester's failure e-mail is the one message stored)
    assert OutboxMessage.objects.count() == messages_before + 1

    # And a message of the old task still in a queue changes nothing
    ended = (run.state, run.ended_at, run.checks)
    tasks.record_fulfilment_failure.apply(args=[order.pk])
    run = run_of(order)
    assert (run.state, run.ended_at, run.checks) == ended
