"""The Celery application. Configured from Django settings (CELERY_*), tasks found per app."""

import os

from celery import Celery, Task
from celery.signals import beat_init, celeryd_init, task_postrun, task_prerun

from portal import checks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


class PendingWorkTask(Task):
    """Every task: one whose pending-work row (portal.outbox) is done already does nothing.

    The outbox sweep publishes again work not done in time, and while a long queue drains the
    copies of one task wait in it together; the first one to run does the work, the others end
    here with one primary-key lookup instead of running the whole (idempotent) task again.
    """

    def __call__(self, *args, **kwargs):
        from portal import outbox  # Django is set up by the time a task runs

        if outbox.is_done(self.request.id):
            return None
        # As Celery's own documentation does: the worker has pushed the request already.
        return self.run(*args, **kwargs)


app = Celery("procure", task_cls=PendingWorkTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# `celery worker` and `celery beat` refuse the settings gunicorn refuses (portal.checks).
celeryd_init.connect(checks.refuse_to_start_celery)
beat_init.connect(checks.refuse_to_start_celery)

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
