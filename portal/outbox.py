"""Queue Celery tasks durably: a row in the caller's transaction, published after commit.

`delay()` on a dead broker can block or fail (Celery #4296); a decision or an order must never
be lost or hang a request because of that. `enqueue` stores the message with the business rows
and publishes it once they are committed, with bounded timeouts; what fails to publish stays in
the table for the periodic sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.celery import app
from portal.models import OutboxMessage

logger = logging.getLogger(__name__)

# Messages younger than this are left to their own on-commit publication by the sweep.
SWEEP_GRACE = timedelta(seconds=10)


def enqueue(task_name: str, *args) -> OutboxMessage:
    """Store a task message in the current transaction; publish it once that commits."""
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args))
    transaction.on_commit(partial(publish, message.pk))
    return message


def publish(message_id: int) -> bool:
    """Publish one stored message if still unpublished; True when it was sent."""
    message = OutboxMessage.objects.filter(pk=message_id, published_at__isnull=True).first()
    if message is None:
        return False
    try:
        app.tasks[message.task_name].apply_async(args=message.args, retry=False)
    except Exception as exc:  # the broker is down or unreachable: the sweep retries later
        logger.warning("outbox %s: could not publish %s: %s", message.pk, message, exc)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:1000]
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        published_at=timezone.now(), attempts=F("attempts") + 1
    )
    return True


def publish_pending(limit: int = 500) -> int:
    """Publish what on-commit publication missed (broker down, process died). Returns the count."""
    due = OutboxMessage.objects.filter(
        published_at__isnull=True, created_at__lte=timezone.now() - SWEEP_GRACE
    ).values_list("pk", flat=True)[:limit]
    return sum(publish(pk) for pk in due)
