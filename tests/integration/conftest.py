"""Integration fixtures: a real Celery worker consuming the real Redis broker.

Tests here are marked `integration` and must use `@pytest.mark.django_db(transaction=True)`:
on_commit hooks (which publish the tasks) fire only on a real commit, and a worker (another thread
or process) sees only committed rows. Nothing here skips: without a reachable Redis these tests
fail, in CI as anywhere (`make test` points REDIS_URL at a broker database of the test run's own).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import TypeVar

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from celery.worker import state as worker_state
from django.conf import settings as django_settings
from django.core import mail
from django.db import connections

from portal.celery import app
from tests.processes import wait_until  # noqa: F401  (the integration tests' waiting)

T = TypeVar("T")

POLL_SECONDS = 0.05
# The embedded worker: threads, like a production worker running two tasks at once.
WORKER_POOL, WORKER_CONCURRENCY = "threads", 2


def mails_to(address: str, subject_contains: str = "") -> list:
    """The messages of django.core.mail.outbox (locmem backend) sent to `address`."""
    return [m for m in mail.outbox if address in m.to and subject_contains in m.subject]


def broker_client() -> redis.Redis:
    """The test run's Redis broker database; a clear failure (never a skip) when unusable."""
    url = app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        pytest.fail(
            f"Integration tests need a Redis broker: set REDIS_URL (got broker {url!r}). "
            "`make test` sets it."
        )
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis broker {url} unreachable: {exc}")
    return client


def uses_transactional_db(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction", marker.args[0] if marker.args else False))


class EmbeddedWorker:
    """A real Celery worker (celery.contrib.testing.worker) in threads of this process, started
    on demand and stopped when the session ends or a test needs the broker to itself."""

    def __init__(self) -> None:
        self._stack: ExitStack | None = None
        self.controller = None

    @property
    def running(self) -> bool:
        return self._stack is not None

    def start(self) -> None:
        if self._stack is not None:
            return
        stack = ExitStack()
        # The worker's threads keep their database connections between tasks (CONN_MAX_AGE);
        # here each closes them after its task, so none holds the test database when it is
        # flushed or dropped.
        task_postrun.connect(close_thread_connections, weak=False)
        stack.callback(task_postrun.disconnect, close_thread_connections)
        self.controller = stack.enter_context(
            start_worker(
                app,
                pool=WORKER_POOL,
                concurrency=WORKER_CONCURRENCY,
                perform_ping_check=False,
                loglevel="WARNING",
                shutdown_timeout=30,
            )
        )
        self._stack = stack

    def stop(self) -> None:
        if self._stack is not None:
            stack, self._stack, self.controller = self._stack, None, None
            stack.close()

    def is_idle(self) -> bool:
        """No task running or held (reserved, or waiting for its countdown)."""
        return not worker_state.active_requests and not worker_state.reserved_requests


def close_thread_connections(sender=None, **kwargs) -> None:
    if not getattr(sender.request, "is_eager", False):
        connections.close_all()


@pytest.fixture(scope="session")
def broker() -> redis.Redis:
    """The broker database, emptied once before any worker or producer of this run uses it."""
    client = broker_client()
    client.flushdb()
    # Forget connections made before the flush: their "queue already declared" caches are stale.
    app._pool = None
    app.amqp._producer_pool = None
    return client


@pytest.fixture(scope="session")
def embedded_worker(broker) -> Iterator[EmbeddedWorker]:
    worker = EmbeddedWorker()
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def integration_rules(request) -> Iterator[None]:
    """Every test here is marked `integration`, runs with transaction=True, and publishes to the
    real broker (never eagerly)."""
    if request.node.get_closest_marker("integration") is None:
        pytest.fail("Tests under tests/integration must be marked `integration`.")
    if not uses_transactional_db(request.node):
        pytest.fail("Integration tests need @pytest.mark.django_db(transaction=True).")
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def real_worker(embedded_worker, broker, settings) -> Iterator[EmbeddedWorker]:
    """The embedded worker, on an empty queue, with a fast simulated carrier and e-mails in
    django.core.mail.outbox. `settings` changes are process-wide, so the worker sees them."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SIMULATED_CARRIER_SHIP_DELAY = 1
    settings.SIMULATED_CARRIER_MODES = {}
    app.control.purge()
    embedded_worker.start()
    yield embedded_worker
    # Let what this test started finish before its rows are flushed, then drop any leftover.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (
        embedded_worker.is_idle() and broker.llen("celery") == 0
    ):
        time.sleep(POLL_SECONDS)
    app.control.purge()


@pytest.fixture
def no_embedded_worker(embedded_worker, broker) -> EmbeddedWorker:
    """The broker to a test's own worker processes: the embedded worker is stopped (it starts
    again for the next test that asks for `real_worker`) and the queue emptied."""
    embedded_worker.stop()
    app.control.purge()
    return embedded_worker


def worker_environment(database_name: str, **extra: str) -> dict[str, str]:
    """The environment of a worker subprocess on this test run's database and broker."""
    from django.db import connection

    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{database_name}",
        "REDIS_URL": django_settings.REDIS_URL,
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
