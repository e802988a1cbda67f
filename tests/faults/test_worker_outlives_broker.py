"""A Celery worker outlives its broker: Redis killed under a running task and started again empty,
the same worker process reconnects and goes on consuming; it never exits on its own.

The worker is a real `celery worker` process (prefork, two pool processes as production's CPU
count gives) on the test database and a redis-server of the test's own. While the worker sends an
e-mail (held there by tests/integration/blocking_email.py) it also keeps a BRPOP pending for its
free pool process: the state in which losing Redis used to end it with "Unrecoverable error:
AttributeError('NoneType' object has no attribute 'hostname')" (kombu restoring the unacknowledged
message through a connection it had already detached; see CELERY_BROKER_TRANSPORT in
portal/settings.py). This process places the orders through the API client; the outbox publishes
them to the test's redis-server through a Celery app of its own (portal.celery.app is left alone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery import Celery

from orders.models import Notification, Order
from portal import outbox
from tests.conftest import seed_order_request
from tests.processes import CeleryWorker, RedisServer, service_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BLOCKING_EMAIL = "tests.integration.blocking_email.EmailBackend"
# Generous bounds; each is a deadline, never a sleep.
START_SECONDS, STEP_SECONDS = 30, 20


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def outbox_to(monkeypatch) -> Iterator[Callable[[RedisServer], Celery]]:
    """outbox_to(server) -> a Celery app of this process on that redis-server; the outbox
    (portal.outbox) publishes through it for the rest of the test."""
    apps: list[Celery] = []

    def point(server: RedisServer) -> Celery:
        app = Celery("procure-fault-test", set_as_current=False)
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.conf.update(broker_url=server.url(0), task_always_eager=False)
        app.autodiscover_tasks(force=True)  # the project's tasks, registered on this app too
        monkeypatch.setattr(outbox, "app", app)
        apps.append(app)
        return app

    yield point
    for app in apps:
        app.close()


@pytest.fixture
def worker_factory(tmp_path) -> Iterator[Callable[..., CeleryWorker]]:
    """worker_factory(env) -> a started worker; every one is stopped (and its log printed, which
    pytest shows when the test failed) at the end."""
    workers: list[CeleryWorker] = []

    def start(env: dict[str, str]) -> CeleryWorker:
        worker = CeleryWorker(env, tmp_path, hostname="outlives", concurrency=2)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
        print(f"--- worker {worker.nodename} (pid {worker.pid}) ---\n{worker.log()}")


def submit(api, number: str) -> Order:
    response = api.post("orders", seed_order_request(externalOrderNumber=number))
    assert response.status_code == 200, response.json()
    return Order.objects.get(pk=response.json()["order"]["orderId"])


def approval_request_sent(order: Order) -> bool:
    return Notification.objects.filter(
        order=order,
        event=Notification.Event.APPROVAL_REQUESTED,
        status=Notification.Status.SENT,
    ).exists()


def test_worker_reconnects_after_redis_restarts_empty_under_a_running_task(
    request, tmp_path: Path, redis_server, outbox_to, worker_factory, api_for, peter
):
    mail_dir, release = tmp_path / "mail", tmp_path / "release"
    mail_dir.mkdir()
    request.addfinalizer(release.touch)  # whatever happens, nothing stays blocked at teardown
    publisher = outbox_to(redis_server)
    worker = worker_factory(
        service_env(
            REDIS_URL=redis_server.url(0),
            EMAIL_BACKEND=BLOCKING_EMAIL,
            EMAIL_FILE_PATH=str(mail_dir),
            BLOCK_MAIL_UNTIL_FILE=str(release),
        )
    )
    pid = worker.pid
    peter_api = api_for(peter)

    def or_worker_gone(predicate: Callable[[], bool]) -> Callable[[], bool]:
        """The predicate, or true at once when the worker is exiting or gone (asserted next)."""
        return lambda: predicate() or not worker.alive() or "Unrecoverable" in worker.log()

    def assert_alive(when: str) -> None:
        log = worker.log()
        assert worker.alive() and "Unrecoverable error" not in log, f"worker gone {when}:\n{log}"
        assert worker.pid == pid

    # Given a worker in the middle of a task: e-mailing maria about peter's order, unacknowledged
    first = submit(peter_api, "OUTLIVES-1")
    wait_until(
        or_worker_gone(lambda: (mail_dir / "entered").exists()),
        START_SECONDS,
        "the worker is sending maria's approval e-mail",
    )
    assert_alive("before Redis went away")

    # When Redis is killed (everything it held is gone) and, once the worker noticed, started
    # again on the same port, empty
    redis_server.kill()
    wait_until(
        or_worker_gone(lambda: "Connection to broker lost" in worker.log()),
        STEP_SECONDS,
        "the worker notices that Redis is gone",
    )
    assert_alive("when Redis went away")
    redis_server.start()
    wait_until(
        or_worker_gone(lambda: worker.log().count("] Connected to ") >= 2),
        STEP_SECONDS,
        "the worker connects to the restarted Redis",
    )
    assert_alive("reconnecting")
    release.touch()  # the running task finishes

    # Then the same worker process takes new work published after the restart
    second = submit(peter_api, "OUTLIVES-2")
    wait_until(
        or_worker_gone(lambda: approval_request_sent(second)),
        STEP_SECONDS,
        "the worker routes the new order and e-mails maria about it",
    )
    assert_alive("taking new work")
    # and the task that was running when Redis went away did finish
    wait_until(or_worker_gone(lambda: approval_request_sent(first)), STEP_SECONDS, "first e-mail")
    assert_alive("finishing the interrupted task")

    # The worker itself says so: the same pid ran the tasks of both orders
    def stats() -> dict:
        answer = publisher.control.inspect(destination=[worker.nodename], timeout=1).stats()
        return (answer or {}).get(worker.nodename)

    worker_stats = wait_until(or_worker_gone(stats), STEP_SECONDS, "the worker answers stats")
    assert_alive("answering stats")
    assert worker_stats["pid"] == pid
    assert worker_stats["total"]["approvals.route_order"] == 2
    assert worker_stats["total"]["orders.send_notification"] == 2
    assert len(list(mail_dir.glob("*.log"))) == 2  # one e-mail per order, each sent once
    log = worker.log()
    assert "Unrecoverable error" not in log
    assert "Connection to broker lost" in log
