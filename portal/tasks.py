from celery import shared_task

from portal import outbox


@shared_task(name="portal.publish_outbox", ignore_result=True)
def publish_outbox() -> int:
    """Beat: publish the pending work that is due (see portal.outbox)."""
    return outbox.publish_due()
