"""The outbox's bookkeeping: pending until the task has run, due again when it has not.

What happens with a real broker that stops or restarts and real workers that die is in
tests/faults/; here the rules of the rows themselves, with tasks run in-process.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import services as approval_services
from portal import outbox
from portal.models import OutboxMessage
from tests.approvals.conftest import place_order

pytestmark = pytest.mark.usefixtures("demo")


def routing_message(order) -> OutboxMessage:
    return OutboxMessage.objects.get(task_name=approval_services.ROUTE_TASK, args=[order.pk])


def test_a_task_that_ran_to_the_end_is_done(peter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(peter)

    message = routing_message(order)
    assert message.done_at is not None
    assert message.attempts == 1
    assert message.published_at is not None


def test_published_is_not_done_it_comes_due_again(peter, django_capture_on_commit_callbacks):
    # Given a message published (a worker took it) that never finished
    with django_capture_on_commit_callbacks(execute=False):
        order = place_order(peter)
    message = routing_message(order)
    before = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        published_at=before, attempts=1, due_at=before - timedelta(seconds=1)
    )

    # When the sweep runs
    assert outbox.publish_due() == 1

    # Then it was published again (and ran: done), with the next redrive backed off
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.done_at is not None
    assert message.due_at >= before + outbox.redrive_after() * 2


def test_the_sweep_leaves_alone_what_is_done_or_not_due(peter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        done = routing_message(place_order(peter))
    with django_capture_on_commit_callbacks(execute=False):
        not_due = routing_message(place_order(peter))
    OutboxMessage.objects.filter(pk=done.pk).update(due_at=timezone.now() - timedelta(hours=1))

    assert outbox.publish_due() == 0

    not_due.refresh_from_db()
    assert (not_due.attempts, not_due.done_at) == (0, None)


def test_a_failed_publication_is_due_at_once(
    peter, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    task = outbox.app.tasks[approval_services.ROUTE_TASK]
    monkeypatch.setattr(task, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(peter)

    message = routing_message(order)
    assert message.published_at is None and message.done_at is None
    assert message.due_at <= timezone.now()
    assert "broker down" in message.last_error


def test_messages_done_a_week_ago_are_forgotten(peter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        recent = routing_message(place_order(peter))
        old = routing_message(place_order(peter))
    OutboxMessage.objects.filter(pk=old.pk).update(
        done_at=timezone.now() - outbox.KEEP_DONE - timedelta(minutes=1)
    )

    outbox.publish_due()

    assert list(OutboxMessage.objects.filter(pk__in=[recent.pk, old.pk])) == [recent]


def test_a_copy_of_a_task_already_done_does_nothing(peter, django_capture_on_commit_callbacks):
    # Given an order whose routing message is marked done (another copy of it did the work)
    with django_capture_on_commit_callbacks(execute=False):
        order = place_order(peter)
    message = routing_message(order)
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=timezone.now())

    # When a copy of that message runs
    task = outbox.app.tasks[approval_services.ROUTE_TASK]
    task.apply(args=[order.pk], task_id=f"{outbox.TASK_ID_PREFIX}{message.pk}")

    # Then it does nothing: the order is not routed again
    order.refresh_from_db()
    assert order.status == order.Status.ORDER_SUBMITTED
