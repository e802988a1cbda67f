"""API throughput on this machine, beside a bare Django/DRF baseline measured in the same run.

    .venv/bin/python bench/api.py [--duration 10] [--connections 16]

Needs wrk (apt-get install wrk), PostgreSQL and Redis at their local default addresses. Uses its
own database (procure_bench, recreated) and Redis database 5 (flushed). Prints requests/s and p99
latency of: the bare baseline, GET /ping, GET /orders/{id}, GET /orders (25 per page, with
segments), POST /orders/{id}/approval (each request decides a different order), and confirm mode
of a NEW_ACTIVATION and of an UPDATE_FEATURES order (POST /orders?confirm=true: every rule of the
type checked and the order priced; nothing stored).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "procure_bench"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT))


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {DB_NAME}")


def prepare(orders: int) -> dict:
    """Migrate, load the demo, create `orders` orders awaiting maria; return tokens and ids."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, set_token_value

    from approvals import services as approval_services
    from orders import drafts as order_drafts
    from orders import services as order_services
    from orders.requests import parse_order_request
    from portal.celery import app
    from portal.models import Employee, OAuthApplication

    app.conf.task_always_eager = False
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    peter = Employee.objects.get(user__username="peter")
    maria = Employee.objects.get(user__username="maria")
    application = OAuthApplication.objects.get(client_id="demo-client")

    def token(employee) -> str:
        raw = secrets.token_urlsafe(30)
        access = AccessToken(
            user=employee.user,
            application=application,
            scope="read write",
            expires=timezone.now() + timedelta(hours=2),
        )
        set_token_value(access, raw)
        access.save()
        return raw

    ids = []
    for number in range(orders):
        body = {
            "orderRequest": {
                "externalOrderNumber": f"BENCH-{number}",
                "transactionType": "ORDER_ACCESSORIES",
                "serviceId": "38382349",
                "shoppingCart": {"accessoryIds": ["3628935898"]},
                "properties": [
                    {
                        "groupId": "MISCELLANEOUS",
                        "fields": [{"id": "CONTACT_NUMBER", "type": "TEXT", "text": "2035559999"}],
                    }
                ],
                "shipTo": {
                    "name": "Peter Edwards",
                    "regionId": "70144640",
                    "address": [
                        {"id": "LINE_1", "value": "35 Executive Blvd"},
                        {"id": "CITY", "value": "Orange"},
                        {"id": "STATE", "value": "CT"},
                        {"id": "POSTAL_CODE", "value": "06477"},
                    ],
                },
            }
        }
        request = parse_order_request(body, tenant=peter.tenant, actor=peter)
        draft = order_drafts.draft_order(tenant=peter.tenant, actor=peter, request=request)
        order, _ = order_services.submit_order(draft=draft, placed_by=peter)
        approval_services.route_order(order.pk)
        ids.append(order.pk)
    # Statistics as autovacuum would have them after such a bulk load.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"peter": token(peter), "maria": token(maria), "order_ids": ids}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(args: list[str], port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), *args, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def wrk(url: str, *, duration: int, connections: int, headers: dict, script: str | None = None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    factor = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * factor, int(non_2xx.group(1)) if non_2xx else 0


APPROVAL_SCRIPT = """
local ids = {%s}
local counter = 0
local threads = {}
function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end
function init(args)
  stride = %d
end
request = function()
  local index = (counter * stride + offset) %% #ids + 1
  counter = counter + 1
  return wrk.format("POST", "/api/v1/orders/" .. ids[index] .. "/approval", nil,
    '{"action": "APPROVE", "reason": "bench"}')
end
"""


SHIP_TO = {
    "name": "Peter Edwards",
    "regionId": "70144640",
    "address": [
        {"id": "LINE_1", "value": "35 Executive Blvd"},
        {"id": "CITY", "value": "Orange"},
        {"id": "STATE", "value": "CT"},
        {"id": "POSTAL_CODE", "value": "06477"},
    ],
}
CONFIRMED_ORDERS = {
    "NEW_ACTIVATION": {
        "regionId": "70144640",
        "postalCode": "06477",
        "shoppingCart": {
            "deviceId": "5103",
            "planId": "6101",
            "optionalFeatureIds": ["7101", "7102"],
            "accessoryIds": ["3628940008", "3628940009"],
        },
        "shipTo": SHIP_TO,
        "properties": [
            {
                "groupId": "NEW_LINE",
                "fields": [
                    {"id": "COST_CENTER", "type": "TEXT", "text": "CC-1042"},
                    {"id": "JUSTIFICATION", "type": "CHOICE", "choice": {"id": "NEW_HIRE"}},
                ],
            }
        ],
    },
    "UPDATE_FEATURES": {
        "serviceId": "38382349",
        "shoppingCart": {"features": [{"id": "7101", "action": "ADD"}]},
    },
}
CONFIRM_SCRIPT = """
wrk.method = "POST"
wrk.body = [[%s]]
"""


def confirm_script(transaction_type: str) -> str:
    import json

    body = {"orderRequest": {"transactionType": transaction_type,
                             **CONFIRMED_ORDERS[transaction_type]}}  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(CONFIRM_SCRIPT % json.dumps(body))
    return script.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--orders", type=int, default=6000, help="orders awaiting approval")
    options = parser.parse_args()

    print("preparing database procure_bench ...", flush=True)
    recreate_database()
    subprocess.run(["redis-cli", "-n", "5", "FLUSHDB"], check=True, capture_output=True)
    data = prepare(options.orders)
    env = {
        **os.environ,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "1",
        "CONN_MAX_AGE": "60",
        "GUNICORN_ACCESSLOG": "",
    }
    headers = {
        "Authorization": f"Bearer {data['maria']}",
        "X-TNGO-TENANT": "acme",
        "client_id": "demo-client",
        "Content-Type": "application/json",
    }
    peter = {**headers, "Authorization": f"Bearer {data['peter']}"}
    run = {"duration": options.duration, "connections": options.connections}
    results = []

    port = free_port()
    bare = serve(["bare:application", "--chdir", "bench", "--workers", "2"], port, env)
    try:
        results.append(("bare DRF view, one row", *wrk(f"http://127.0.0.1:{port}/row",
                                                        headers={}, **run)))  # fmt: skip
    finally:
        bare.terminate()
        bare.wait()

    port = free_port()
    server = serve(["portal.wsgi", "-c", "gunicorn.conf.py"], port, env)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        order_id = data["order_ids"][0]
        results.append(("GET /ping", *wrk(f"{base}/ping", headers={}, **run)))
        results.append(
            ("GET /orders/{id}", *wrk(f"{base}/orders/{order_id}", headers=peter, **run))
        )
        results.append(
            ("GET /orders (25, segments)",
             *wrk(f"{base}/orders?limit=25&includeOrderSegments=true", headers=peter, **run))
        )  # fmt: skip
        for kind in CONFIRMED_ORDERS:
            confirmed = wrk(f"{base}/orders?confirm=true", headers=peter,
                            script=confirm_script(kind), **run)  # fmt: skip
            results.append((f"POST /orders?confirm ({kind})", *confirmed))
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(APPROVAL_SCRIPT % (",".join(map(str, data["order_ids"])), 2))
        decided = wrk(f"{base}/orders", headers=headers, script=script.name, **run)
        results.append(("POST /orders/{id}/approval", *decided))
    finally:
        server.terminate()
        server.wait()

    print(f"\n{'endpoint':<44}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>10}{'vs bare':>10}")
    floor = results[0][1]
    for name, rps, p99, errors in results:
        print(f"{name:<44}{rps:>10.0f}{p99:>10.1f}{errors:>10}{rps / floor:>10.2f}")
    from approvals.models import Decision

    print(f"\ndecisions stored: {Decision.objects.count()} of {len(data['order_ids'])} orders")
    subprocess.run(["redis-cli", "-n", "5", "FLUSHDB"], check=True, capture_output=True)


if __name__ == "__main__":
    main()
