"""The MobProc `client_id` header (with an underscore) reaches the app through the servers we ship.

Django's runserver and gunicorn both drop underscored header names by default, and Django's test
client cannot show it (it builds the WSGI environ itself), so these tests start the real servers
and talk to them over real HTTP.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest
from django.db import connection

from portal.models import OAuthApplication
from tests.conftest import issue_token

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STARTUP_DEADLINE_SECONDS = 20

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env() -> dict[str, str]:
    """The test database (rows committed by transaction=True tests are visible to the server)."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{db['NAME']}",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "integration-test-secret-key-not-for-production-use-0123456789",
        # Close the server's connections after each request so the test DB can be dropped.
        "CONN_MAX_AGE": "0",
        "WEB_CONCURRENCY": "1",
        "PYTHONUNBUFFERED": "1",
    }


def get(port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 5):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        # putheader sends header names verbatim: `client_id` goes out with its underscore.
        conn.putrequest("GET", path)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_serving(process: subprocess.Popen, port: int, log: IO[bytes]) -> None:
    """Poll /api/v1/ping until it answers 200, the server dies, or the deadline passes."""
    deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            status, _ = get(port, "/api/v1/ping", timeout=1)
        except OSError as error:  # not listening yet
            last_error = error
        else:
            if status == 200:
                return
            last_error = RuntimeError(f"/api/v1/ping answered {status}")
        try:  # between polls, wait on the process itself: returns at once if it dies
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"server exited with {process.returncode} before answering:\n{read_log(log)}")
    pytest.fail(
        f"server on port {port} did not answer within {STARTUP_DEADLINE_SECONDS}s: {last_error}"
    )


def read_log(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


@contextmanager
def serving(command: list[str], port: int) -> Iterator[int]:
    """Run a server until the block ends; it is always stopped (and its DB connections closed)
    before the test finishes, so the test database can be flushed and dropped."""
    # A file, not a pipe: a server writing more than a pipe holds would block.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=server_env(), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until_serving(process, port, log)
            try:
                yield port
            except BaseException:
                print(f"--- server output ---\n{read_log(log)}")  # shown with the failure
                raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def runserver(port: int):
    return serving(
        [str(BIN / "python"), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], port
    )


def gunicorn(port: int):
    return serving(
        [
            str(BIN / "gunicorn"),
            "portal.wsgi",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        port,
    )


SERVERS = {"runserver": runserver, "gunicorn": gunicorn}


@pytest.fixture
def peter_token(demo, peter) -> str:
    return issue_token(peter, OAuthApplication.objects.get(client_id="demo-client"))


def me_headers(token: str, client_id: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "X-TNGO-TENANT": "acme",
        "client_id": client_id,
    }


@pytest.mark.parametrize("server", SERVERS)
def test_client_id_header_with_an_underscore_reaches_the_app(server, peter_token, peter):
    with SERVERS[server](free_port()) as port:
        own_status, own_body = get(port, "/api/v1/me", me_headers(peter_token, "demo-client"))
        other_status, other_body = get(port, "/api/v1/me", me_headers(peter_token, "globex-client"))
        missing_status, missing_body = get(
            port, "/api/v1/me", {"Authorization": f"Bearer {peter_token}", "X-TNGO-TENANT": "acme"}
        )

        assert own_status == 200, own_body
        me = json.loads(own_body)
        assert me["clientId"] == "demo-client"
        assert me["actor"]["id"] == str(peter.pk)
        # A wrong client_id is refused: the server read the header rather than ignoring it.
        assert other_status == 403, other_body
        assert json.loads(other_body)["errorCode"] == "INVALID_CLIENT"
        # A request without one is told that it is missing.
        assert missing_status == 400, missing_body
        assert json.loads(missing_body)["errorCode"] == "MISSING_HEADER"
