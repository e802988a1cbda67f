"""A delegate is told when a delegation names them (whom they decide for, from when to when),
and when something waits for the person they stand in for: the approval request, its reminder
and its escalation reach them too, naming for whom, with a link to the order (the Approve /
Reject links are signed for the approver alone). A delegation not in force today tells nobody
of the orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from approvals import reminders
from approvals.models import RunStep
from orders.models import Notification, NotificationSetting
from portal import services as people_services
from portal.models import Delegation
from tests.approvals.conftest import place_order, routed

pytestmark = pytest.mark.usefixtures("vendors_unreached")


def name_delegate(employee, delegate, *, starts_in_days: int = 0) -> Delegation:
    start = timezone.localdate() + timedelta(days=starts_in_days)
    return Delegation.objects.create(
        tenant=employee.tenant, employee=employee, delegate=delegate,
        starts_on=start, ends_on=start + timedelta(days=7),
    )  # fmt: skip


def mail_to(person) -> list:
    return [message for message in mail.outbox if message.to == [person.email]]


def test_the_delegate_of_an_approver_is_asked_too_with_a_link_to_the_order(
    peter, maria, sam, django_capture_on_commit_callbacks
):
    # Given maria (peter's manager, the first approver) away, with sam standing in for her
    name_delegate(maria, sam)

    # When peter's order is routed to her
    with django_capture_on_commit_callbacks(execute=True):
        order = routed(place_order(peter))

    # Then maria gets her request with her own decision links...
    (hers,) = mail_to(maria)
    assert "Approve:" in hers.body and "Reject:" in hers.body
    # ...and sam one saying for whom, with the order's page and no links signed for maria
    (his,) = mail_to(sam)
    assert f"#{order.pk}" in his.subject
    assert "For Maria Lopez, whose delegate you are" in his.body
    assert f"/orders/{order.pk}/" in his.body
    assert "Approve:" not in his.body
    (html, _mimetype) = his.alternatives[0]
    assert "Maria Lopez" in html and "Approve…" not in html


def test_a_delegation_not_in_force_today_tells_nobody(
    peter, maria, sam, django_capture_on_commit_callbacks
):
    name_delegate(maria, sam, starts_in_days=3)

    with django_capture_on_commit_callbacks(execute=True):
        routed(place_order(peter))

    assert len(mail_to(maria)) == 1
    assert mail_to(sam) == []


def test_the_reminder_reaches_the_delegate_too(
    peter, maria, sam, django_capture_on_commit_callbacks
):
    # Given an order waiting for maria past its reminder time, sam standing in for her
    with django_capture_on_commit_callbacks(execute=True):
        order = routed(place_order(peter))
    step = RunStep.objects.get(run__order=order, state=RunStep.State.ACTIVE)
    RunStep.objects.filter(pk=step.pk).update(remind_at=timezone.now() - timedelta(minutes=1))
    name_delegate(maria, sam)
    mail.outbox.clear()

    # When the reminder is sent
    with django_capture_on_commit_callbacks(execute=True):
        reminders.remind(step.pk)

    # Then both are reminded, sam as maria's delegate
    assert len(mail_to(maria)) == 1
    (his,) = mail_to(sam)
    assert his.subject.startswith("Reminder:")
    assert "For Maria Lopez, whose delegate you are" in his.body


def test_naming_a_delegate_tells_them_whom_they_decide_for_and_when(
    maria, sam, django_capture_on_commit_callbacks
):
    start = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        delegation = people_services.add_delegation(
            employee=maria, delegate=sam, starts_on=start, ends_on=start + timedelta(days=7),
            actor=maria,
        )  # fmt: skip

    (told,) = mail_to(sam)
    assert told.subject == (
        f"You decide for Maria Lopez from {start.isoformat()} to "
        f"{(start + timedelta(days=7)).isoformat()}"
    )
    assert "Maria Lopez named you delegate" in told.body and "/approvals/" in told.body
    assert "Order #" not in told.body  # about no order
    (row,) = Notification.objects.filter(event=Notification.Event.DELEGATE_NAMED)
    assert (row.recipient, row.order, row.status) == (sam, None, Notification.Status.SENT)
    assert delegation.delegate == sam
    assert mail_to(maria) == []


def test_a_tenant_that_switched_it_off_tells_no_delegate(
    maria, sam, demo, django_capture_on_commit_callbacks
):
    NotificationSetting.objects.create(
        tenant=demo.acme, event=Notification.Event.DELEGATE_NAMED, enabled=False
    )
    start = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        people_services.add_delegation(
            employee=maria, delegate=sam, starts_on=start, ends_on=start, actor=maria
        )

    assert mail_to(sam) == []
    assert not Notification.objects.filter(event=Notification.Event.DELEGATE_NAMED).exists()
