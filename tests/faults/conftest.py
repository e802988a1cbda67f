"""Fault tests: the production processes (gunicorn, Celery workers, beat) on the test database and
a redis-server of the test's own, which the test really stops, restarts empty, or whose workers it
really SIGKILLs. Every test here is marked `integration` and uses transaction=True (the processes
see only committed rows). Nothing skips: a missing redis-server or PostgreSQL is a failure.

The sweep runs every second and drives again work unfinished 3 s after publication, so that the
tests are quick; production defaults (10 s and 30 s) bound the same recovery at about 40 s.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from orders.models import CarrierSubmission, Notification, Order, OrderSegment
from portal.models import Employee, OAuthApplication
from tests.conftest import issue_token, seed_order_request
from tests.demo_data import api_id, vehicle_charger
from tests.integration.conftest import uses_transactional_db
from tests.processes import (
    BIN,
    ROOT,
    CeleryBeat,
    CeleryWorker,
    Gunicorn,
    RedisServer,
    service_env,
    signed_in_session,
)

REDRIVE_AFTER_SECONDS = 3
# The issue's bound: work stored during an outage is done within this long once Redis is back.
RECOVERY_SECONDS = 60
BLOCKING_EMAIL = "tests.integration.blocking_email.EmailBackend"


@pytest.fixture(autouse=True)
def fault_rules(request) -> None:
    if request.node.get_closest_marker("integration") is None:
        pytest.fail("Tests under tests/faults must be marked `integration`.")
    if not uses_transactional_db(request.node):
        pytest.fail("Fault tests need @pytest.mark.django_db(transaction=True).")


class Api:
    """An employee's API client over real HTTP, through gunicorn."""

    def __init__(self, web: Gunicorn, employee: Employee) -> None:
        application = OAuthApplication.objects.get(tenant=employee.tenant)
        self.web = web
        self.charger_id = api_id(vehicle_charger())  # one accessory: the manager alone approves
        self.headers = {
            "Authorization": f"Bearer {issue_token(employee, application)}",
            "X-TNGO-TENANT": employee.tenant.slug,
            "client_id": application.client_id,
        }

    def get(self, path: str):
        return self.web.request("GET", f"/api/v1/{path}", headers=self.headers)

    def post(self, path: str, body: dict):
        return self.web.request("POST", f"/api/v1/{path}", body, headers=self.headers)

    def submit(self, number: str, **overrides) -> int:
        """Peter's kind of order by default (one accessory: his manager alone approves it)."""
        cart = {"accessoryIds": [self.charger_id]}
        body = seed_order_request(
            **{"externalOrderNumber": number, "shoppingCart": cart, **overrides}
        )
        status, answer = self.post("orders", body)
        assert status == 200, answer
        return int(answer["order"]["orderId"])

    def decide(self, order_id: int, action: str = "APPROVE") -> str:
        status, answer = self.post(f"orders/{order_id}/approval", {"action": action})
        assert status == 200, answer
        return answer["status"]


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """Collected static files: pages served with DEBUG off need the manifest, as `make serve`."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT, env={**os.environ, "STATIC_ROOT": str(root), "DEBUG": "false"}, check=True,
    )  # fmt: skip
    return root


# What Django's file e-mail backend writes after each message.
MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


class Stack:
    """The production processes of one test, all ended when it finishes."""

    def __init__(self, tmp: Path, static_root: Path) -> None:
        self.tmp = tmp
        self.static_root = static_root
        self.mail_dir = tmp / "mail"
        self.mail_dir.mkdir()
        self.redis = RedisServer(tmp)
        self.processes: list = [self.redis]

    def env(self, **extra: str) -> dict[str, str]:
        return service_env(
            REDIS_URL=self.redis.url(0),
            OUTBOX_REDRIVE_AFTER=str(REDRIVE_AFTER_SECONDS),
            OUTBOX_SWEEP_SECONDS="1",
            SIMULATED_CARRIER_SHIP_DELAY="1",
            EMAIL_BACKEND=BLOCKING_EMAIL,
            EMAIL_FILE_PATH=str(self.mail_dir),
            STATIC_ROOT=str(self.static_root),
            **extra,
        )

    def _started(self, process):
        self.processes.append(process)
        process.start()
        return process

    def web(self) -> Gunicorn:
        return self._started(Gunicorn(self.env(), self.tmp))

    def worker(self, hook: str = "", when: str = "before", **options) -> CeleryWorker:
        """A worker; with `hook`, one that stops dead there (tests/faults/hooked_worker.py)."""
        if not hook:
            return self._started(CeleryWorker(self.env(), self.tmp, **options))
        env = self.env(FAULT_HOOK=hook, FAULT_HOOK_WHEN=when, FAULT_DIR=str(self.tmp))
        launcher = "tests.faults.hooked_worker"
        return self._started(CeleryWorker(env, self.tmp, launcher=launcher, **options))

    def beat(self) -> CeleryBeat:
        return self._started(CeleryBeat(self.env(), self.tmp))

    def redis_queue_length(self) -> int:
        """Messages waiting in the broker's default queue."""
        return redis.Redis.from_url(self.redis.url(0), socket_timeout=2).llen("celery")

    @property
    def hook_reached(self) -> bool:
        return (self.tmp / "reached").exists()

    def mails(self) -> list[str]:
        """Every message sent (Django's file backend). A file holds what one backend instance
        wrote, its messages each ended by a line of 79 dashes; two instances made in the same
        second that get the same id() (the first one collected) append to the same file, so
        files are not messages."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for message in path.read_text().split(MAIL_SEPARATOR):
                if message.strip():
                    messages.append(message)
        return messages

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} {p.log_path.name} ---\n{p.log()}" for p in self.processes)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture
def stack(tmp_path, static_root, demo) -> Iterator[Stack]:
    stack = Stack(tmp_path, static_root)
    stack.redis.start()
    yield stack
    stack.stop()
    print(stack.logs())  # pytest shows it only when the test failed


def with_server_password(employee, password: str = "procure-demo") -> None:
    """The tests hash passwords with MD5 for speed; the server knows only its real hashers."""
    encoded = PBKDF2PasswordHasher().encode(password, "faulttestsalt", iterations=1000)
    type(employee.user).objects.filter(pk=employee.user_id).update(password=encoded)


def sign_in(web: Gunicorn, username: str, password: str = "procure-demo") -> requests.Session:
    """A browser session on the real server; its sign-in's answer is `session.answer`."""
    session, session.answer = signed_in_session(f"http://127.0.0.1:{web.port}", username, password)
    return session


# --- Reading what happened -----------------------------------------------------------------------


def status_of(order_id: int) -> str:
    return Order.objects.get(pk=order_id).status


def all_reached(order_ids: list[int], status: str) -> bool:
    return Order.objects.filter(pk__in=order_ids, status=status).count() == len(order_ids)


def notifications_settled() -> bool:
    """Every notification recorded so far is sent."""
    return not Notification.objects.exclude(status=Notification.Status.SENT).exists()


def one_submission_per_segment(order_ids: list[int]) -> None:
    """The carrier took each segment in once, whatever it was sent."""
    segments = OrderSegment.objects.filter(order_id__in=order_ids)
    keys = sorted(segment.idempotency_key for segment in segments)
    received = CarrierSubmission.objects.filter(idempotency_key__in=keys)
    assert sorted(received.values_list("idempotency_key", flat=True)) == keys
