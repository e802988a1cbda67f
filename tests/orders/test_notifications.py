"""Notifications (tasks run eagerly here): one e-mail per event with subject, text and HTML; the
communicationWorkflow and tenant switches; each notification recorded and sent once; tenants
never mixed; nothing queued before the transaction commits."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from orders import notifications
from orders import services as order_services
from orders.models import Notification, NotificationSetting, Order
from portal.models import Employee, OutboxMessage
from tests.approvals.conftest import place_order
from tests.conftest import seed_order_request
from tests.demo_data import api_id, galaxy_rugged_case, line_of

Event = Notification.Event


def ginas_order() -> dict:
    """The parts of gina's own order (globex): her AT&T line and the rugged case that fits it."""
    return {
        "serviceId": api_id(line_of("gina")),
        "shoppingCart": {"accessoryIds": [api_id(galaxy_rugged_case())]},
    }


@pytest.fixture(autouse=True)
def vendors_unreached(monkeypatch) -> list[int]:
    """Approved orders stay APPROVED: fulfilment and its e-mails have tests of their own."""
    handed: list[int] = []
    monkeypatch.setattr(order_services, "send_to_vendors", handed.append)
    return handed


@pytest.fixture
def decide(django_capture_on_commit_callbacks):
    """decide(client, order, action, **body): POST the decision; its tasks run right after."""

    def post(client, order: Order, action: str = "APPROVE", **body):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"orders/{order.pk}/approval", {"action": action, **body})
        assert response.status_code == 200, response.json()
        return response.json()["status"]

    return post


@pytest.fixture
def hank(demo) -> Employee:
    """gina's manager, globex's approver."""
    return Employee.objects.get(user__username="hank")


def recipients_of(order: Order, event: str) -> set[str]:
    return set(
        Notification.objects.filter(order=order, event=event).values_list("email", flat=True)
    )


def mailed(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


# --- One e-mail per event ---------------------------------------------------------------------


@pytest.mark.parametrize("event", Notification.ORDER_EVENTS)
def test_every_event_has_an_email_with_subject_text_and_html(
    event, peter, django_capture_on_commit_callbacks
):
    # Given an order of peter's
    order = place_order(peter)
    links = {"approve_url": "https://procure.test/a/1/", "reject_url": "https://procure.test/r/1/"}
    context = {"step": 1, "step_description": "Requester's manager", "reason": "Too dear", **links}

    # When the event is notified and its task sends it
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(order, event, [peter], context=context)

    # Then one e-mail went to peter, with a subject naming the order, a text body and HTML
    (message,) = mail.outbox
    assert message.to == [peter.email]
    assert f"#{order.pk}" in message.subject and "\n" not in message.subject
    assert f"Order #{order.pk}" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f"#{order.pk}" in html and html.lstrip().startswith("<")
    if event.startswith("APPROVAL_"):  # approvers get the decision links in both parts
        for url in links.values():
            assert url in message.body and url in html
    if event == Event.ORDER_REJECTED:
        assert "Too dear" in message.body and "Too dear" in html
    row = Notification.objects.get(order=order)
    assert (row.event, row.status, row.attempts) == (event, Notification.Status.SENT, 1)
    assert row.sent_at is not None and row.result


@pytest.mark.parametrize("event", Notification.ORDER_EVENTS)
def test_sending_any_events_email_reads_one_row_and_writes_it_once(
    event, peter, django_assert_num_queries
):
    # Given a recorded notification of each event (the narrow read must cover every template)
    order = place_order(peter)
    context = {"step": 1, "step_description": "Requester's manager", "reason": "Too dear"}
    row = Notification.objects.create(
        tenant=order.tenant, order=order, event=event, recipient=peter, email=peter.email,
        key=f"query-count:{event}", context=context,
    )  # fmt: skip

    # When its task sends it: the row locked and read with what the e-mail shows, then marked
    # sent; no template reaches for a field left out (that would be a query per e-mail). The
    # other two are the savepoint of send()'s transaction inside the test's, and its release.
    with django_assert_num_queries(4):
        assert notifications.send(row.pk) is True

    # Then the e-mail names the order and its requester
    (message,) = mail.outbox
    assert f"Order #{order.pk}" in message.body and peter.full_name in message.body


# --- communicationWorkflow ----------------------------------------------------------------------


def test_communication_none_sends_nothing_for_that_decision(
    submitted_order, api_for, decide, peter, maria, ian, ada
):
    # Given peter's two-step order; maria was asked when it was routed
    order = submitted_order()
    assert recipients_of(order, Event.APPROVAL_REQUESTED) == {maria.email}
    before = len(mail.outbox)

    # When maria approves with communicationWorkflow "None"
    assert decide(api_for(maria), order, communicationWorkflow="None") == "APPROVAL_QUEUED"

    # Then step 2 started, but its approvers were not told
    assert order.approval_run.steps.get(position=2).state == "active"
    assert recipients_of(order, Event.APPROVAL_REQUESTED) == {maria.email}
    assert len(mail.outbox) == before

    # When ian approves with "None" too
    assert decide(api_for(ian), order, communicationWorkflow="None") == "APPROVAL_QUEUED"

    # Then the order is approved and peter was not told either
    assert Order.objects.get(pk=order.pk).status == Order.Status.APPROVED
    assert recipients_of(order, Event.ORDER_APPROVED) == set()
    assert len(mail.outbox) == before


def test_communication_default_tells_next_approvers_and_then_the_requester(
    submitted_order, api_for, decide, peter, maria, ian, ada
):
    # Given the same order, decided with communicationWorkflow "Default"
    order = submitted_order()
    decide(api_for(maria), order, communicationWorkflow="Default")

    # Then step 2's approvers are asked
    assert recipients_of(order, Event.APPROVAL_REQUESTED) == {maria.email, ian.email, ada.email}
    assert len(mailed(ian.email)) == len(mailed(ada.email)) == 1

    # And when ian approves, peter is told
    decide(api_for(ian), order)
    assert recipients_of(order, Event.ORDER_APPROVED) == {peter.email}
    (approved,) = mailed(peter.email)
    assert approved.subject == f"Your order #{order.pk} is approved"


@pytest.mark.parametrize("communication", ["None", "Default"])
def test_rejection_tells_the_requester_unless_communication_is_none(
    communication, submitted_order, api_for, decide, peter, maria
):
    order = submitted_order()

    decide(
        api_for(maria), order, "REJECT", reason="Over budget", communicationWorkflow=communication
    )

    assert Order.objects.get(pk=order.pk).status == Order.Status.REJECTED
    told = mailed(peter.email)
    if communication == "None":
        assert recipients_of(order, Event.ORDER_REJECTED) == set()
        assert told == []
    else:
        assert recipients_of(order, Event.ORDER_REJECTED) == {peter.email}
        (rejected,) = told
        assert "Over budget" in rejected.body


# --- Tenant admins' switches ------------------------------------------------------------------


def test_event_switched_off_by_a_tenant_admin_records_nothing(
    demo, submitted_order, api_for, decide, maria, gina, hank, django_capture_on_commit_callbacks
):
    # Given acme switched approval requests off (globex did not)
    NotificationSetting.objects.create(
        tenant=demo.acme, event=Event.APPROVAL_REQUESTED, enabled=False
    )

    # When an acme order and a globex order are routed
    acme_order = submitted_order()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(gina).post("orders", seed_order_request(**ginas_order()))
    globex_order = Order.objects.get(pk=response.json()["order"]["orderId"])

    # Then acme recorded and sent no approval request; globex's approver was asked
    assert acme_order.status == Order.Status.AWAITING_APPROVAL
    assert not Notification.objects.filter(order=acme_order).exists()
    assert mailed(maria.email) == []
    assert recipients_of(globex_order, Event.APPROVAL_REQUESTED) == {hank.email}
    # And acme's other events still go out
    decide(api_for(maria), acme_order, "REJECT", reason="No")
    assert Notification.objects.filter(order=acme_order).get().event == Event.ORDER_REJECTED


def test_switching_an_event_back_on_records_it_again(demo, peter):
    setting = NotificationSetting.objects.create(
        tenant=demo.acme, event=Event.ORDER_SHIPPED, enabled=False
    )
    order = place_order(peter)
    assert notifications.notify_requester(order, Event.ORDER_SHIPPED) == []

    setting.enabled = True
    setting.save()

    (notification,) = notifications.notify_requester(order, Event.ORDER_SHIPPED)
    assert notification.email == peter.email


# --- Exactly once ---------------------------------------------------------------------------------


def test_notify_twice_for_the_same_occasion_records_one_row_and_sends_one_mail(
    peter, maria, django_capture_on_commit_callbacks
):
    order = place_order(peter)

    with django_capture_on_commit_callbacks(execute=True):
        first = notifications.notify(order, Event.APPROVAL_REQUESTED, [maria], occasion="7")
        again = notifications.notify(order, Event.APPROVAL_REQUESTED, [maria, maria], occasion="7")
    with django_capture_on_commit_callbacks(execute=True):
        later = notifications.notify(order, Event.APPROVAL_REQUESTED, [maria], occasion="7")

    assert len(first) == 1 and again == [] and later == []
    assert Notification.objects.filter(order=order).count() == 1
    assert OutboxMessage.objects.filter(task_name=notifications.SEND_TASK).count() == 1
    assert len(mail.outbox) == 1
    # A new occasion (the next step, a reminder) is a new notification
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(order, Event.APPROVAL_REQUESTED, [maria], occasion="8")
    assert len(mail.outbox) == 2


def test_send_of_a_sent_notification_sends_nothing(peter, django_capture_on_commit_callbacks):
    order = place_order(peter)
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notifications.notify_requester(order, Event.ORDER_APPROVED)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT

    assert notifications.send(notification.pk) is False

    assert len(mail.outbox) == 1
    again = Notification.objects.get(pk=notification.pk)
    assert (again.attempts, again.sent_at) == (1, notification.sent_at)


def test_recipient_without_an_email_address_is_skipped(peter, maria):
    order = place_order(peter)
    Employee.objects.filter(pk=maria.pk).update(email="")
    maria.refresh_from_db()

    assert notifications.notify(order, Event.APPROVAL_REQUESTED, [maria, peter]) != []
    assert recipients_of(order, Event.APPROVAL_REQUESTED) == {peter.email}


# --- Tenants ------------------------------------------------------------------------------------


def test_two_tenants_interleaved_never_mix_recipients(
    api_for, decide, peter, maria, ian, ada, gina, hank, django_capture_on_commit_callbacks
):
    # Given acme and globex orders submitted and decided alternately
    orders = []
    for number in range(2):
        for who, extra in ((peter, {}), (gina, ginas_order())):
            body = seed_order_request(externalOrderNumber=f"MIX-{number}", **extra)
            with django_capture_on_commit_callbacks(execute=True):
                response = api_for(who).post("orders", body)
            orders.append(Order.objects.get(pk=response.json()["order"]["orderId"]))
    acme_orders = [o for o in orders if o.tenant_id == peter.tenant_id]
    globex_orders = [o for o in orders if o.tenant_id == gina.tenant_id]
    for acme_order, globex_order in zip(acme_orders, globex_orders, strict=True):
        decide(api_for(maria), acme_order)
        decide(api_for(hank), globex_order, "REJECT", reason="Not this quarter")

    # Then every notification went to an employee of the order's own tenant
    rows = Notification.objects.select_related("order", "recipient")
    assert rows.count() == 2 * 3 + 2 * 2  # acme: maria, ian, ada; globex: hank, then gina
    for row in rows:
        assert row.tenant_id == row.order.tenant_id == row.recipient.tenant_id
    # And each mailbox holds only its own tenant's orders
    acme_subjects = {f"#{o.pk} " for o in acme_orders}
    globex_subjects = {f"#{o.pk} " for o in globex_orders}
    for message in mail.outbox:
        (address,) = message.to
        mentioned = message.subject + " "
        if address.endswith("@acme.com"):
            assert any(s in mentioned for s in acme_subjects), message.subject
        else:
            assert address.endswith("@globex.com"), address
            assert any(s in mentioned for s in globex_subjects), message.subject
    assert {m.to[0] for m in mail.outbox} == {
        maria.email, ian.email, ada.email, hank.email, gina.email,
    }  # fmt: skip
    assert all("Not this quarter" in m.body for m in mailed(gina.email))


# --- After commit only --------------------------------------------------------------------------


class Abort(Exception):
    pass


def test_notifications_are_queued_only_after_commit(peter, django_capture_on_commit_callbacks):
    order = place_order(peter)

    # When a notification is recorded in a transaction that then rolls back
    with (
        django_capture_on_commit_callbacks(execute=True) as published,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        notifications.notify_requester(order, Event.ORDER_APPROVED)
        assert mail.outbox == []  # nothing goes out before the commit
        raise Abort

    # Then nothing was queued, recorded or sent
    assert published == []
    assert not Notification.objects.filter(order=order).exists()
    assert mail.outbox == []

    # When it is recorded in a transaction that commits
    with django_capture_on_commit_callbacks(execute=False) as published:
        notifications.notify_requester(order, Event.ORDER_APPROVED)
        assert mail.outbox == []

    # Then its sending is queued for the commit, not before
    assert len(published) == 1
    assert mail.outbox == []
    published[0]()
    assert [m.to for m in mail.outbox] == [[peter.email]]
