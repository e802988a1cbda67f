"""Real processes for fault tests: a private redis-server, gunicorn, Celery workers and beat.

Each runs on the test run's PostgreSQL database (so it sees what `transaction=True` tests commit)
and logs to a file that is printed when a test fails. A redis-server of a test's own listens on a
free port of its own: stopping it or restarting it empty never touches the shared broker.
Nothing here skips: a missing `redis-server` binary is a failure.

Framework-neutral (bench/soak.py runs it outside pytest): a failure raises HarnessFailure, an
AssertionError, which pytest reports as a failed test and a script as an error.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
T = TypeVar("T")


class HarnessFailure(AssertionError):
    """A process did not start or answer, or a wait ran past its deadline."""


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(page_html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF_INPUT.search(page_html)
    if found is None:
        raise HarnessFailure("no CSRF token on the page")
    return found.group(1)


def signed_in_session(
    base_url: str, username: str, password: str, timeout: float = 10
) -> tuple[requests.Session, requests.Response]:
    """A browser's session on a real server: the sign-in form, its CSRF token, the POST. The
    session and the sign-in's answer (302 when it worked; not followed)."""
    session = requests.Session()
    form = session.get(f"{base_url}/login/", timeout=timeout)
    if form.status_code != 200:
        raise HarnessFailure(f"sign-in page: {form.status_code}")
    answer = session.post(
        f"{base_url}/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Referer": f"{base_url}/login/"},
        timeout=timeout,
        allow_redirects=False,
    )
    return session, answer


def wait_until(
    predicate: Callable[[], T], timeout: float = 30, what: str = "", poll: float = 0.05
) -> T:
    """Poll `predicate` until it returns something truthy (returned), or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise HarnessFailure(
                f"Not within {timeout:g}s: {what or predicate.__doc__ or predicate}"
            )
        time.sleep(poll)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the test database this pytest process uses."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def service_env(**extra: str) -> dict[str, str]:
    """The environment of a server or worker process on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",  # plain http on loopback
        "SECRET_KEY": "fault-test-secret-key-not-for-production-use-0123456789abcdef",
        # Closed after each request or task, so the test database can be flushed and dropped.
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
        **extra,
    }


class Process:
    """A subprocess with its output in a log file; always ended by `stop()`."""

    name = "process"

    def __init__(self, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.command, self.env = command, env
        self.log_path = log_dir / f"{self.name}-{id(self)}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Process:
        with self.log_path.open("ab") as log:
            # A session of its own: kill() ends it with every child (a worker's pool processes).
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the process and its children: no cleanup, whatever they hold is left as it
        is (unacknowledged messages, open transactions, half-sent mail)."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class RedisServer(Process):
    """A redis-server of the test's own (no persistence): `restart()` brings it back empty."""

    name = "redis"

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise HarnessFailure(
                "redis-server not found: fault tests need it (apt-get install redis)."
            )
        self.port = port or free_port()
        command = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                   "--appendonly", "no", "--dir", str(log_dir)]  # fmt: skip
        super().__init__(command, dict(os.environ), log_dir)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        super().start()
        wait_until(self.answers, 10, f"redis-server on port {self.port} answers")
        return self

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def restart(self) -> None:
        """Stop (every message it held is gone) and start again on the same port, empty."""
        self.kill()
        self.start()


class Gunicorn(Process):
    """The production web server (gunicorn.conf.py) on a free port."""

    name = "gunicorn"

    # Four sync workers: four requests at once, as many as clients race against each other.
    def __init__(self, env: dict[str, str], log_dir: Path, workers: int = 4) -> None:
        self.port = free_port()
        # --preload: the app is imported once, not once per worker (startup 9 s -> 4 s here).
        command = [str(BIN / "gunicorn"), "portal.wsgi", "-c", "gunicorn.conf.py", "--preload",
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]  # fmt: skip
        super().__init__(command, env, log_dir)

    def start(self) -> Gunicorn:
        super().start()
        wait_until(self._serving, 30, f"gunicorn answers on port {self.port}")
        return self

    def _serving(self) -> bool:
        if not self.alive():
            raise HarnessFailure(f"gunicorn exited before serving:\n{self.log()}")
        try:
            return self.request("GET", "/api/v1/ping", timeout=1)[0] == 200
        except OSError:
            return False

    def request(
        self, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 10
    ) -> tuple[int, dict | str]:
        """One HTTP request; the JSON body decoded when there is one."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            conn.putrequest(method, path)
            for name, value in {
                **({"Content-Type": "application/json"} if payload else {}),
                **({"Content-Length": str(len(payload))} if payload else {}),
                **(headers or {}),
            }.items():
                conn.putheader(name, value)  # verbatim: `client_id` keeps its underscore
            conn.endheaders(payload)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text
        finally:
            conn.close()


class CeleryWorker(Process):
    """A `celery worker` process; `launcher` may name a module that installs a fault hook first
    (tests/faults/hooked_worker.py)."""

    name = "worker"

    def __init__(
        self,
        env: dict[str, str],
        log_dir: Path,
        *,
        hostname: str = "worker",
        concurrency: int = 1,
        pool: str = "prefork",
        launcher: str = "celery",
    ) -> None:
        # The node name the worker answers to (remote control: `inspect().stats()` etc.); %h in
        # Celery's -n stands for this same host name.
        self.nodename = f"{hostname}-{free_port()}@{socket.gethostname()}"
        arguments = ["-A", "portal", "worker", "--pool", pool, "--concurrency", str(concurrency),
                     "-n", self.nodename, "--loglevel", "INFO",
                     "--without-mingle", "--without-gossip"]  # fmt: skip
        if launcher == "celery":
            command = [str(BIN / "celery"), *arguments]
        else:  # a module run with the worker's arguments (tests/faults/hooked_worker.py)
            command = [str(BIN / "python"), "-m", launcher, *arguments]
        super().__init__(command, env, log_dir)


class CeleryBeat(Process):
    name = "beat"

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        command = [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel", "INFO"]
        super().__init__(command, env, log_dir)
