"""A worker killed (SIGKILL) in the middle of a task loses nothing: the task is redelivered to
another worker and its notification is still sent exactly once.

The workers are real `celery worker` processes on the test database and the test Redis broker.
The first one is held inside the mail backend (tests/integration/blocking_email.py) while it
sends maria's approval e-mail, so the kill lands mid-task every time: the task is unacknowledged
(acks_late), the notification row locked in an open transaction. Kombu's Redis transport gives an
unacknowledged message back to the queue once it is older than the visibility timeout (5 s here),
when a worker sweeps for such messages (at its start, and periodically).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from approvals.models import RunStep
from orders.models import Notification, Order
from tests.conftest import seed_order_request
from tests.integration.conftest import wait_until, worker_environment

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
VISIBILITY_TIMEOUT = 5
BACKEND = "tests.integration.blocking_email.EmailBackend"


@contextmanager
def celery_worker_process(name: str, mail_dir: Path, log: Path, **env: str) -> Iterator[int]:
    """A `celery worker` process (solo pool, one task at a time); yields its pid. It is always
    ended (SIGTERM, then SIGKILL) when the block exits."""
    environment = worker_environment(
        connection.settings_dict["NAME"],
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        EMAIL_BACKEND=BACKEND,
        EMAIL_FILE_PATH=str(mail_dir),
        PYTHONPATH=str(ROOT),
        **env,
    )
    command = [
        str(CELERY), "-A", "portal", "worker", "--pool", "solo", "--concurrency", "1",
        "-Q", "celery", "-n", f"{name}@%h", "--loglevel", "INFO",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def mail_files(mail_dir: Path) -> list[str]:
    """The messages the file backend wrote, one file per message sent."""
    return [path.read_text() for path in sorted(mail_dir.glob("*.log"))]


def unacked_older_than(seconds: float) -> int:
    """How many messages the broker holds unacknowledged for longer than `seconds`."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    return client.zcount("unacked_index", "-inf", time.time() - seconds)


def test_worker_killed_while_sending_loses_nothing_and_sends_once(
    no_embedded_worker, api_for, peter, maria
):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mail_dir, release, log = tmp / "mail", tmp / "release", tmp / "workers.log"
        mail_dir.mkdir()
        try:
            # Given a worker whose e-mail sending blocks
            with celery_worker_process(
                "blocked", mail_dir, log, BLOCK_MAIL_UNTIL_FILE=str(release)
            ) as first:
                # When peter submits an order: the worker routes it and starts e-mailing maria
                response = api_for(peter).post("orders", seed_order_request())
                assert response.status_code == 200, response.json()
                order = Order.objects.get(pk=response.json()["order"]["orderId"])
                wait_until(
                    lambda: (mail_dir / "entered").exists() or first.poll() is not None,
                    timeout=60,
                    what="the first worker is sending maria's e-mail",
                )
                assert first.poll() is None, "the first worker died on its own"
                notification = Notification.objects.get(
                    order=order, event=Notification.Event.APPROVAL_REQUESTED
                )
                assert notification.email == maria.email
                assert notification.status == Notification.Status.PENDING

                # ...and is killed right there
                os.kill(first.pid, signal.SIGKILL)
                first.wait(timeout=10)
            assert mail_files(mail_dir) == []
            release.touch()  # nothing blocks any more (the dead worker cannot send anyway)

            # When the unacknowledged task is past the visibility timeout and a new worker starts
            wait_until(
                lambda: unacked_older_than(VISIBILITY_TIMEOUT),
                timeout=VISIBILITY_TIMEOUT + 10,
                what="the killed worker's task is past the visibility timeout",
            )
            with celery_worker_process("second", mail_dir, log) as second:
                # Then the task runs again there, and the notification is sent
                wait_until(
                    lambda: (
                        Notification.objects.filter(
                            pk=notification.pk, status=Notification.Status.SENT
                        ).exists()
                        or second.poll() is not None
                    ),
                    timeout=60,
                    what="the redelivered task sends the notification",
                )
                assert second.poll() is None, "the second worker died"
                wait_until(lambda: not unacked_older_than(0), what="the task is acknowledged")
        except BaseException:
            print(f"--- worker output ---\n{log.read_text(errors='replace')}")
            raise

        # Exactly one e-mail went out, to maria; the interrupted attempt left no trace
        (sent,) = mail_files(mail_dir)
        assert f"To: {maria.email}" in sent
        assert f"Approval needed: order #{order.pk}" in sent
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT
        assert notification.attempts == 1  # the killed attempt rolled back with its transaction
        # And the order is where the routing left it: waiting for maria, nobody else asked
        assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_APPROVAL
        step = RunStep.objects.get(run__order=order, position=1)
        assert step.state == RunStep.State.ACTIVE
        assert list(step.approvers.all()) == [maria]
        assert Notification.objects.filter(order=order).count() == 1
