"""What we ship restarts a dead process: supervisord with portal/deploy/supervisord.conf (`make up`)
runs gunicorn, a Celery worker and beat; SIGKILL the worker and, with nobody doing anything,
supervisord starts a new one and work published after the kill gets done by it.

supervisord runs with the shipped file as it is, on the test database and a redis-server of the
test's own (REDIS_URL), gunicorn bound to a free port (BIND). Orders go in over HTTP through the
supervised gunicorn. supervisord is always stopped at the end, and every process it ran is gone.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from supervisor.xmlrpc import SupervisorTransport

from orders.models import Order
from portal.models import Employee, OAuthApplication
from tests.conftest import issue_token, seed_order_request
from tests.processes import BIN, ROOT, Process, RedisServer, free_port, service_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CONFIG = ROOT / "portal" / "deploy" / "supervisord.conf"
PROGRAMS = ("web", "worker", "beat")
# Deadlines, never sleeps: supervisord's startsecs is 5 s, a Celery worker is ready in about 3 s.
UP_SECONDS = 40


class Supervisord(Process):
    """supervisord in the foreground with the shipped configuration; its XML-RPC interface on the
    control socket in `run_dir` (PROCURE_RUN_DIR)."""

    name = "supervisord"

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.run_dir = log_dir / "run"
        self.run_dir.mkdir()
        command = [str(BIN / "supervisord"), "-c", str(CONFIG)]
        super().__init__(command, {**env, "PROCURE_RUN_DIR": str(self.run_dir)}, log_dir)
        self.seen_pids: set[int] = set()

    @property
    def rpc(self):
        transport = SupervisorTransport(None, None, f"unix://{self.run_dir}/supervisor.sock")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def info(self, program: str) -> dict:
        """supervisord's view of a program (statename, pid...); {} while it cannot answer."""
        try:
            info = self.rpc.getProcessInfo(program)
        except (OSError, xmlrpc.client.Error):
            return {}
        if info["pid"]:
            self.seen_pids.add(info["pid"])
        return info

    def running_pid(self, program: str) -> int:
        info = self.info(program)
        return info["pid"] if info.get("statename") == "RUNNING" else 0

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM: supervisord stops every program (warm shutdown of the worker) and exits. Any
        process of ours still there after that is killed, by its pid."""
        super().stop(timeout)
        for pid in self.seen_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            print(f"pid {pid} outlived supervisord; killed")


@pytest.fixture
def supervised(tmp_path) -> Iterator[tuple[Supervisord, int, Celery]]:
    """(supervisord, gunicorn's port, a Celery app of this process on the test's redis-server)."""
    redis_server = RedisServer(tmp_path).start()
    port = free_port()
    env = service_env(REDIS_URL=redis_server.url(0), BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
    supervisor = Supervisord(env, tmp_path).start()
    control = Celery("procure-supervised-test", broker=redis_server.url(0), set_as_current=False)
    try:
        yield supervisor, port, control
    finally:
        control.close()
        supervisor.stop()
        redis_server.stop()
        print(f"--- supervisord and its programs ---\n{supervisor.log()}")  # shown on failure


def post_order(port: int, employee: Employee, number: str) -> int:
    """Submit the seed order as `employee` over HTTP; the new order's id."""
    application = OAuthApplication.objects.get(tenant=employee.tenant)
    body = json.dumps(seed_order_request(externalOrderNumber=number)).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", "/api/v1/orders")
        for name, value in {
            "Authorization": f"Bearer {issue_token(employee, application)}",
            "X-TNGO-TENANT": employee.tenant.slug,
            "client_id": application.client_id,  # verbatim: gunicorn keeps the underscore
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
        }.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        answer = response.read().decode(errors="replace")
    finally:
        conn.close()
    assert response.status == 200, answer
    return int(json.loads(answer)["order"]["orderId"])


def serving(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/api/v1/ping")
        return conn.getresponse().status == 200
    except OSError:
        return False


def routed(order_id: int) -> bool:
    return Order.objects.get(pk=order_id).status == Order.Status.AWAITING_APPROVAL


def test_supervisord_restarts_a_killed_worker_and_work_resumes(supervised, peter):
    supervisor, port, control = supervised

    # Given the shipped stack up: gunicorn, a worker and one beat RUNNING, orders getting routed
    wait_until(
        lambda: all(supervisor.running_pid(p) for p in PROGRAMS) or not supervisor.alive(),
        UP_SECONDS,
        "supervisord reports web, worker and beat RUNNING",
    )
    assert supervisor.alive(), supervisor.log()
    web, beat = supervisor.running_pid("web"), supervisor.running_pid("beat")
    wait_until(lambda: serving(port), UP_SECONDS, "the supervised gunicorn answers")
    before = post_order(port, peter, "SUPERVISED-BEFORE")
    wait_until(lambda: routed(before), UP_SECONDS, "the first worker routes an order")
    killed = supervisor.running_pid("worker")

    # When the worker is SIGKILLed
    os.kill(killed, signal.SIGKILL)

    # Then supervisord starts a new worker process by itself
    restarted = wait_until(
        lambda: supervisor.running_pid("worker") not in (0, killed) and supervisor.info("worker"),
        UP_SECONDS,
        "supervisord runs a new worker",
    )
    assert restarted["statename"] == "RUNNING"
    new = restarted["pid"]
    with pytest.raises(ProcessLookupError):
        os.kill(killed, 0)  # the killed one is gone for good (reaped by supervisord)

    # And an order placed after the kill is routed, by the new worker
    after = post_order(port, peter, "SUPERVISED-AFTER")
    wait_until(lambda: routed(after), UP_SECONDS, "the new worker routes the new order")

    def new_worker_stats() -> dict | None:
        replies = control.control.inspect(timeout=1).stats() or {}
        return next((s for s in replies.values() if s["pid"] == new), None)

    stats = wait_until(new_worker_stats, UP_SECONDS, "the new worker answers stats")
    assert stats["total"]["approvals.route_order"] == 1  # the order placed after the kill
    # Nothing else was restarted; there is exactly one beat
    assert (supervisor.running_pid("web"), supervisor.running_pid("beat")) == (web, beat)
    log = supervisor.log()
    assert "exited: worker (terminated by SIGKILL" in log
    assert log.count("spawned: 'beat'") == 1 and log.count("spawned: 'web'") == 1
    assert log.count("spawned: 'worker'") == 2
