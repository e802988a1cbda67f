"""Reminders and escalations of approval steps that wait too long (the beat sweep runs in-process;
time is moved, never waited for)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from approvals import tasks
from approvals.models import ApprovalWorkflow, Decision, RunStep, StepRule
from catalog.models import TransactionType
from orders.models import Notification, Order, OrderHistory
from portal.models import Employee
from tests.approvals.conftest import ESCALATE_AFTER, REMIND_AFTER, approver_names, step
from tests.factories import approval_step

# Approved orders stay APPROVED here: fulfilment has tests of its own.
pytestmark = pytest.mark.usefixtures("vendors_unreached")


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """sweep() -> how many reminders and escalations beat's sweep queued; they run in-process,
    their e-mails are sent."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.sweep_due_steps.apply().result

    return run


def mails(address: str, subject_starts: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith(subject_starts)]


def events(order: Order, event: str) -> list[str]:
    return list(
        Notification.objects.filter(order=order, event=event).values_list("email", flat=True)
    )


def history_notes(order: Order, event: str) -> list[str]:
    return list(
        OrderHistory.objects.filter(order=order, event=event).values_list("note", flat=True)
    )


def test_nothing_is_due_before_the_reminder_delay(clock, sweep, submitted_order, maria):
    # Given peter's order waiting for maria (reminder after 24 h, escalation after 72 h)
    order = submitted_order()
    assert len(mails(maria.email, "Approval needed")) == 1

    # When the sweep runs 23 hours later
    clock.advance(REMIND_AFTER - timedelta(hours=1))

    # Then nothing is due and nobody is written to
    assert sweep() == 0
    assert len(mail.outbox) == 1
    assert events(order, Notification.Event.APPROVAL_REMINDER) == []
    assert step(order, 1).reminders_sent == 0


def test_after_the_reminder_delay_the_approvers_are_reminded_once(
    clock, sweep, submitted_order, maria
):
    order = submitted_order()

    # When the sweep runs just after 24 hours, twice
    clock.advance(REMIND_AFTER + timedelta(minutes=1))
    assert sweep() == 1
    assert sweep() == 0

    # Then maria got one reminder, with the decision links
    (reminder,) = mails(maria.email, "Reminder:")
    assert reminder.subject == f"Reminder: order #{order.pk} still waits for your approval"
    assert "/approvals/decide/" in reminder.body
    assert events(order, Notification.Event.APPROVAL_REMINDER) == [maria.email]
    first = step(order, 1)
    assert (first.reminders_sent, first.remind_at) == (1, None)
    assert first.escalate_at is not None  # escalation still to come
    assert history_notes(order, "approval_reminder") == ["Reminder sent to Maria Lopez."]


def test_after_the_escalation_delay_the_managers_manager_may_decide(
    clock, sweep, submitted_order, api_for, decide, maria, victor
):
    # Given maria was reminded and still has not decided
    order = submitted_order()
    clock.advance(REMIND_AFTER + timedelta(minutes=1))
    sweep()

    # When 72 hours have passed
    clock.advance(ESCALATE_AFTER - REMIND_AFTER)
    assert sweep() == 1
    assert sweep() == 0

    # Then maria's manager victor was added to the step and told, once
    assert approver_names(order, 1) == ["Maria Lopez", "Victor Hughes"]
    (escalated,) = mails(victor.email, "Escalated to you")
    assert f"#{order.pk}" in escalated.subject
    assert "/approvals/decide/" in escalated.body
    assert events(order, Notification.Event.APPROVAL_ESCALATED) == [victor.email]
    assert len(mails(maria.email, "Reminder:")) == 1
    assert step(order, 1).escalate_at is None
    assert not step(order, 1).escalated_to_admins
    assert history_notes(order, "approval_escalated") == ["Step 1 escalated to Victor Hughes."]

    # And victor can approve it
    response = decide(api_for(victor), order, "APPROVE")
    assert response.json() == {"status": "APPROVAL_QUEUED"}
    assert step(order, 1).state == RunStep.State.APPROVED
    assert Decision.objects.get(step=step(order, 1)).decided_for == victor
    assert step(order, 2).state == RunStep.State.ACTIVE


def test_reminder_and_escalation_due_together_both_happen(
    clock, sweep, submitted_order, maria, victor
):
    submitted_order()

    clock.advance(ESCALATE_AFTER + timedelta(minutes=1))

    assert sweep() == 2
    assert len(mails(maria.email, "Reminder:")) == 1
    assert len(mails(victor.email, "Escalated to you")) == 1


def test_escalation_without_a_manager_goes_to_the_tenant_admins(
    clock, sweep, demo, submitted_order, victor, ada
):
    # Given a workflow whose step is victor, who has no manager
    workflow = ApprovalWorkflow.objects.create(
        tenant=demo.acme,
        name="Victor decides",
        priority=1,
        transaction_types=[TransactionType.ORDER_ACCESSORIES],
    )
    approval_step(
        workflow=workflow,
        position=1,
        kind=StepRule.Kind.EMPLOYEE,
        employee=victor,
        escalation_delay_minutes=72 * 60,
    )
    order = submitted_order()
    assert approver_names(order, 1) == ["Victor Hughes"]

    # When the step waited 72 hours
    clock.advance(ESCALATE_AFTER + timedelta(minutes=1))
    assert sweep() == 1  # no reminder delay on this step: only the escalation

    # Then the tenant admin ada may decide it too, and is told
    assert approver_names(order, 1) == ["Ada Park", "Victor Hughes"]
    assert step(order, 1).escalated_to_admins
    assert len(mails(ada.email, "Escalated to you")) == 1
    assert events(order, Notification.Event.APPROVAL_ESCALATED) == [ada.email]


def test_group_step_escalates_to_the_shared_manager_once(
    clock, sweep, submitted_order, api_for, decide, maria, victor
):
    # Given step 2 (IT: ian and ada, both managed by victor) started
    order = submitted_order()
    decide(api_for(maria), order, "APPROVE")
    assert approver_names(order, 2) == ["Ada Park", "Ian Tran"]

    # When it waited 72 hours
    clock.advance(ESCALATE_AFTER + timedelta(minutes=1))
    sweep()

    # Then victor is added once, named once, and told once
    assert approver_names(order, 2) == ["Ada Park", "Ian Tran", "Victor Hughes"]
    assert history_notes(order, "approval_escalated") == ["Step 2 escalated to Victor Hughes."]
    assert len(mails(victor.email, "Escalated to you")) == 1


def test_a_decided_step_is_neither_reminded_nor_escalated(
    clock, sweep, submitted_order, api_for, decide, maria
):
    order = submitted_order()
    decide(api_for(maria), order, "REJECT", reason="No budget")
    before = len(mail.outbox)

    clock.advance(ESCALATE_AFTER + timedelta(hours=1))

    assert sweep() == 0
    assert len(mail.outbox) == before
    assert not Notification.objects.filter(
        order=order,
        event__in=[Notification.Event.APPROVAL_REMINDER, Notification.Event.APPROVAL_ESCALATED],
    ).exists()


def test_escalation_skips_an_inactive_manager_as_routing_does(
    clock, sweep, submitted_order, maria, victor, ada
):
    # Given maria's manager victor has left
    order = submitted_order()
    Employee.objects.filter(pk=victor.pk).update(status=Employee.Status.INACTIVE)

    # When step 1 waited past its escalation delay
    clock.advance(ESCALATE_AFTER + timedelta(minutes=1))
    sweep()

    # Then it goes to the tenant admins, as routing would for an inactive manager, not to victor
    assert approver_names(order, 1) == ["Ada Park", "Maria Lopez"]
    assert step(order, 1).escalated_to_admins
    assert mails(victor.email, "Escalated to you") == []
    assert len(mails(ada.email, "Escalated to you")) == 1
