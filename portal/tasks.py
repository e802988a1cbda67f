from celery import shared_task

from portal import auth, outbox


@shared_task(name="portal.publish_outbox", ignore_result=True)
def publish_outbox() -> int:
    """Beat: publish the pending work that is due (see portal.outbox)."""
    return outbox.publish_due()


@shared_task(name="portal.prune_sign_in_events", ignore_result=True)
def prune_sign_in_events() -> int:
    """Beat: forget the audit of refused sign-ins past its retention (portal.auth)."""
    return auth.prune_sign_in_events()
