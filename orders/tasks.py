"""Order tasks: notifications and vendor fulfilment. Each takes ids, loads its rows (and so its
tenant) from the database, and is idempotent."""

from __future__ import annotations

import logging

from celery import shared_task

from orders import fulfilment, notifications, services
from orders.models import Notification

logger = logging.getLogger(__name__)


@shared_task(
    name=notifications.SEND_TASK, bind=True, max_retries=5, retry_backoff=True, ignore_result=True
)
def send_notification(self, notification_id: int) -> None:
    """Send one recorded notification (once, however often this runs)."""
    try:
        notifications.send(notification_id)
    except Notification.DoesNotExist:
        return
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            Notification.objects.filter(pk=notification_id).exclude(
                status=Notification.Status.SENT
            ).update(status=Notification.Status.FAILED, result=f"Gave up: {exc}"[:1000])
            logger.error("notification %s failed for good: %s", notification_id, exc)
            return
        raise self.retry(exc=exc) from exc


@shared_task(name=services.SEND_TO_VENDORS_TASK, ignore_result=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=5)  # fmt: skip
def send_to_vendors(order_id: int) -> None:
    """An approved order goes to its vendors, one submit task per segment."""
    services.send_to_vendors(order_id)


@shared_task(
    name=services.SUBMIT_SEGMENT_TASK,
    ignore_result=True,
    autoretry_for=(fulfilment.TransientVendorError,),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=False,
    max_retries=services.MAX_VENDOR_ATTEMPTS,
)
def submit_segment(segment_id: int) -> None:
    """Send a segment to its vendor; transient vendor failures retry with backoff."""
    services.submit_segment(segment_id)


@shared_task(name="orders.collect_progress", ignore_result=True)
def collect_progress(segment_id: int) -> None:
    """Ask the vendor how a sent segment is doing (shipped, delivered)."""
    services.collect_progress(segment_id)


@shared_task(name="orders.collect_due_progress", ignore_result=True)
def collect_due_progress() -> int:
    """Beat: check every segment whose vendor said to ask again by now."""
    due = services.segments_due_for_check()
    for segment_id in due:
        collect_progress.delay(segment_id)
    return len(due)
