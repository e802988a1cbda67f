from celery import shared_task

from portal import outbox


@shared_task(name="portal.publish_outbox", ignore_result=True)
def publish_outbox() -> int:
    """Publish outbox messages the broker missed; run by beat (see portal.celery)."""
    return outbox.publish_pending()
