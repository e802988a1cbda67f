"""The Celery application. Configured from Django settings (CELERY_*), tasks found per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("procure")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
