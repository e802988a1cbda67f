"""The Celery application. Configured from Django settings (CELERY_*), tasks found per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("procure")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
