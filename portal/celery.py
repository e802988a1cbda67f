"""The Celery application. Configured from Django settings (CELERY_*), tasks found per app."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("procure")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Celery's Django fixup closes every database connection before and after each task unless
# db_reuse_max is set: a new PostgreSQL connection per task (measured by bench/notifications.py:
# a notification costs 2.6 ms on a kept connection, 10.9 ms reconnecting). Keep connections as
# Django's request cycle does instead (CONN_MAX_AGE, health checks), checked around each task; the
# fixup then only recycles them every thousand tasks.
app.conf.update(CELERY_DB_REUSE_MAX=1000)


@task_prerun.connect
@task_postrun.connect
def _close_old_db_connections(sender=None, **kwargs) -> None:
    if not getattr(sender.request, "is_eager", False):  # eager tasks share the caller's connection
        from django.db import close_old_connections

        close_old_connections()


# The periodic jobs, all in one place (django-celery-beat stores and runs them).
app.conf.beat_schedule = {
    # Publishes what could not be published at commit time (broker down, process killed), so a
    # stored decision is applied once the broker is back.
    "publish-outbox": {"task": "portal.publish_outbox", "schedule": 15.0},
    # Asks carriers about shipped segments when they said to ask again; Redis redelivers long
    # countdowns (visibility timeout), so the due times live in the database.
    "collect-due-progress": {"task": "orders.collect_due_progress", "schedule": 10.0},
    # Sends approval reminders and escalates steps that waited too long.
    "sweep-due-approval-steps": {"task": "approvals.sweep_due_steps", "schedule": 60.0},
}
