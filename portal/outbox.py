"""Pending work lives in the database; a broker message is only a nudge to do it.

`enqueue` stores a task as a row in the caller's transaction, with the business rows that need
it, and publishes it once they are committed (with bounded timeouts: a dead broker never hangs a
request, Celery #4296). The row stays pending until a worker has run the task to the end
(`done_at`, set from Celery's task signals below), not merely until it was published. If the
broker is down at commit time, restarts empty with messages in it, or a worker dies with the
message in hand, nobody runs the task: its row comes due and the periodic sweep (`publish_due`,
run by beat) publishes it again. Every task is idempotent, so one that did run after all changes
nothing the second time.

A message's Celery task id is `outbox-<row id>`; it stays the same across retries, which is how
the signals find the row.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from functools import partial

from celery.signals import task_failure, task_retry, task_success
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from portal.celery import app
from portal.models import OutboxMessage
from portal.prepared import Prepared

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
# Republishing backs off (x2 per publish, at most 2**5) so that a task stuck behind a long
# queue is not multiplied in it.
MAX_BACKOFF_EXPONENT = 5
KEEP_DONE = timedelta(days=7)
# After a failed publication this process leaves the broker alone for a while: a request that
# queues many messages (a bulk decision) must not wait for a connection timeout per message.
BROKER_PAUSE_SECONDS = 5.0
_broker_paused_until = 0.0
BROKER_ERRORS = (OperationalError, RedisError, OSError)


def redrive_after() -> timedelta:
    """How long a published message may take before the sweep publishes it again."""
    return timedelta(seconds=settings.OUTBOX_REDRIVE_AFTER)


def enqueue(task_name: str, *args) -> OutboxMessage:
    """Store a task in the current transaction; publish it once that commits."""
    message = OutboxMessage.objects.create(
        task_name=task_name, args=list(args), due_at=timezone.now() + redrive_after()
    )
    # The row as written: nothing can have done it before its transaction commits, so it
    # need not be read again to be published.
    transaction.on_commit(partial(_publish, message))
    return message


def publish(message_id: int) -> bool:
    """Publish one pending message; True when the broker took it."""
    message = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).first()
    return False if message is None else _publish(message)


def _publish(message: OutboxMessage) -> bool:
    global _broker_paused_until
    if time.monotonic() < _broker_paused_until:
        # The broker failed just now: due at once, for the sweep.
        OutboxMessage.objects.filter(pk=message.pk).update(due_at=timezone.now())
        return False
    try:
        app.tasks[message.task_name].apply_async(
            args=message.args, task_id=f"{TASK_ID_PREFIX}{message.pk}", retry=False
        )
    except Exception as exc:  # the broker is down or unreachable (or an eager task failed)
        logger.warning("outbox %s: could not publish %s: %s", message.pk, message, exc)
        if isinstance(exc, BROKER_ERRORS) and not app.conf.task_always_eager:
            _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        # Due at once: the next sweep tries again, so work resumes as soon as the broker does.
        OutboxMessage.objects.filter(pk=message.pk).update(
            due_at=timezone.now(), last_error=str(exc)[:1000]
        )
        return False
    now = timezone.now()
    backoff = 2 ** min(message.attempts, MAX_BACKOFF_EXPONENT)
    OutboxMessage.objects.filter(pk=message.pk).update(
        published_at=now, attempts=F("attempts") + 1, due_at=now + redrive_after() * backoff
    )
    return True


def publish_due(limit: int = 500) -> int:
    """Publish every pending message that is due (never published, lost, or held by a dead
    worker); forget messages done long ago. Returns how many were published."""
    now = timezone.now()
    due = (
        OutboxMessage.objects.filter(done_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    published = 0
    for pk in due:
        if not publish(pk):
            break  # the broker is down: the rest stay due for the next sweep
        published += 1
    old = OutboxMessage.objects.filter(done_at__lt=now - KEEP_DONE).values_list("pk", flat=True)
    OutboxMessage.objects.filter(pk__in=list(old[:limit])).delete()
    return published


def is_done(task_id: str | None) -> bool:
    """Whether the task id is an outbox message's whose work is done already."""
    message_id = _message_id(task_id)
    if message_id is None:
        return False
    return bool(_done_message(message_id))


# Asked before, and written after, every task a worker runs: prepared (portal.prepared) and
# written out once, where the ORM would compile each anew per task (a quarter of a notification
# task's CPU, measured alternating both in one process).
_done_message = Prepared(
    lambda message_id: OutboxMessage.objects.filter(pk=message_id, done_at__isnull=False).values(
        "pk"
    )
)
_MARK_DONE = (
    f"UPDATE {OutboxMessage._meta.db_table} SET done_at = %s WHERE id = %s AND done_at IS NULL"
)


# --- What workers report back (Celery signals, in the worker process) ------------------------


def _message_id(task_id: str | None) -> int | None:
    if task_id and task_id.startswith(TASK_ID_PREFIX):
        return int(task_id.removeprefix(TASK_ID_PREFIX))
    return None


@task_success.connect
def _mark_done(sender=None, **kwargs) -> None:
    """The task ran to the end: its effect is recorded, the work is done."""
    message_id = _message_id(sender.request.id)
    if message_id is not None:
        with connection.cursor() as cursor:
            done_at = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(_MARK_DONE, [done_at, message_id])


@task_retry.connect
def _mark_retrying(sender=None, request=None, reason=None, **kwargs) -> None:
    """Celery retries the task later itself: the sweep waits until well after that."""
    message_id = _message_id(getattr(request, "id", None))
    if message_id is None:
        return
    when = getattr(reason, "when", None)
    now = timezone.now()
    # Retry.when is a countdown in seconds or an ETA.
    retry_at = when if isinstance(when, datetime) else now + timedelta(seconds=float(when or 0))
    OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(
        due_at=max(retry_at, now) + redrive_after(), last_error=str(reason)[:1000]
    )


@task_failure.connect
def _mark_failed(sender=None, task_id=None, exception=None, **kwargs) -> None:
    """The task failed past its own retries: keep it pending, to be driven again later (backing
    off), so nothing waits for a person; the error is kept on the row."""
    message_id = _message_id(task_id)
    if message_id is None:
        return
    logger.error("outbox %s: task %s failed: %r", message_id, task_id, exception)
    OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(
        last_error=repr(exception)[:1000]
    )
