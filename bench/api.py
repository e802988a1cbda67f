"""The API under load: gunicorn as shipped beside a bare Django/DRF app, under the same wrk.

    .venv/bin/python bench/api.py [--rounds 3] [--duration 10] [--warmup 2] [--connections 16]

Needs wrk (apt-get install wrk), PostgreSQL and Redis at their local default addresses. Uses its
own database (procure_bench, recreated) and Redis database 5 (flushed). Serves Procure and the
bare app (bench/bare.py) with gunicorn and gunicorn.conf.py as shipped (sync workers, 2 x cores
+ 1), with one Celery worker applying the decisions, and in each of --rounds rounds drives every
endpoint in turn, floors included, with `wrk -t2 -c<connections>`: --warmup seconds unmeasured,
then --duration seconds measured. For each it prints the medians over the rounds of requests/s,
p50/p95/p99 latency and the CPU ms per request of the serving workers (and of PostgreSQL), the
CPU ratio to its floor (the bare one-row read; for a decision, the bare guarded write), how
evenly the workers shared the work (the least busy worker's share of the CPU against an even
share, the lowest of the rounds), and at the end each worker's resident memory. Writes
bench/results/api.json (--json).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from floors import CREATE_TABLE
from goals import (
    BALANCE_GOAL,
    DECISION_P99_GOAL_MS,
    ROW_FLOOR,
    RSS_GOAL_MB,
    WRITE_FLOOR,
    goal_of,
)

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "procure_bench"
RESULTS = ROOT / "bench" / "results" / "api.json"
WRITE_PARENTS = 10_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
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
        # The bare write's table (bench/bare.py): a parent row for each write to update.
        cursor.execute(CREATE_TABLE)
        cursor.execute(
            "INSERT INTO bench_write (parent, action) "
            "SELECT 0, 'parent' FROM generate_series(1, %s)",
            [WRITE_PARENTS],
        )
        cursor.execute("ANALYZE")
    return {"peter": token(peter), "maria": token(maria), "order_ids": ids}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def started(command: list[str], env: dict, port: int | None = None) -> subprocess.Popen:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if port is None:
        return process
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{command[0]} did not start listening on {port}")


def gunicorn(app: str, port: int, env: dict, *extra: str) -> subprocess.Popen:
    """gunicorn with the shipped configuration (gunicorn.conf.py), access log off, once its
    master listens (its workers may still be starting: see answering)."""
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        app,
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        *extra,
        "--bind",
        f"127.0.0.1:{port}",
    ]
    return started(command, env, port)


def answering(url: str, workers: int) -> None:
    """Wait until the server has answered `url` five times per worker, so that its workers have
    booted (imports done, database connections open) before anything is measured."""
    deadline = time.monotonic() + 60
    answered = 0
    while answered < 5 * workers:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                answered += response.status == 200
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- Processes' CPU and memory, from /proc -----------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the fields after the command's name


def cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _pids(keep) -> list[int]:
    """The ids of the running processes for which keep(pid) holds."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and keep(int(entry.name)):
                pids.append(int(entry.name))
        except OSError:  # it ended while being looked at
            continue
    return sorted(pids)


def children(parent: int) -> list[int]:
    return _pids(lambda pid: (fields := _stat(pid)) is not None and int(fields[1]) == parent)


def postgres_pids() -> list[int]:
    return _pids(lambda pid: Path(f"/proc/{pid}/comm").read_text().strip() == "postgres")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- wrk ---------------------------------------------------------------------------------------

# Appended to every run's script: wrk hands done() the whole latency distribution.
DONE_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d\\n", summary.requests,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Endpoint:
    name: str
    floor: str | None  # the name of the floor it is read against; None: it is a floor
    url: str  # after the server's base address
    headers: dict
    script: str = ""  # Lua, before DONE_SCRIPT
    # A decision's: the orders it decides, each once (`consumed` so far, over every run).
    order_ids: list[int] | None = None
    consumed: int = 0

    def run(self, base: str, seconds: int, connections: int) -> dict:
        script = self.script
        if self.order_ids is not None:
            script = APPROVAL_SCRIPT % (",".join(map(str, self.order_ids)), self.consumed)
        figures = wrk(
            base + self.url,
            seconds=seconds,
            connections=connections,
            headers=self.headers,
            script=script,
        )
        self.consumed += figures["requests"]
        return figures


def wrk(url: str, *, seconds: int, connections: int, headers: dict, script: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + DONE_SCRIPT)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", lua.name, url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests, p50, p95, p99, non_2xx, socket_errors = map(
        int, re.search(r"^BENCH (.*)$", out, re.MULTILINE).group(1).split()
    )
    return {
        "rps": rps,
        "requests": requests,
        "p50_ms": p50 / 1000,
        "p95_ms": p95 / 1000,
        "p99_ms": p99 / 1000,
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
    }


def measured_run(endpoint: Endpoint, base: str, server: subprocess.Popen, options) -> dict:
    """One warm-up and one measured wrk run of the endpoint, with the CPU the serving workers
    and PostgreSQL spent on it."""
    if options.warmup:
        endpoint.run(base, options.warmup, options.connections)
    workers = children(server.pid)
    before = {pid: cpu_seconds(pid) for pid in workers}
    database_before = {pid: cpu_seconds(pid) for pid in postgres_pids()}
    figures = endpoint.run(base, options.duration, options.connections)
    spent = {pid: cpu_seconds(pid) - before[pid] for pid in workers}
    # The backends alive at the end, from their CPU at the start (0 for one started since): a
    # backend that ended during the run is not counted.
    database_spent = sum(
        cpu_seconds(pid) - database_before.get(pid, 0.0) for pid in postgres_pids()
    )
    total = sum(spent.values())
    answered = max(figures["requests"], 1)
    figures["cpu_ms"] = total * 1000 / answered
    figures["postgres_cpu_ms"] = database_spent * 1000 / answered
    # 1.0: every worker did an even share; 0.5: the least busy did half of one.
    figures["balance"] = min(spent.values()) * len(spent) / total if total else 0.0
    return figures


APPROVAL_SCRIPT = """
local ids = {%s}
local counter = 0
local threads = {}
function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end
request = function()
  local index = (%d + counter * 2 + offset) %% #ids + 1
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
    body = {
        "orderRequest": {"transactionType": transaction_type, **CONFIRMED_ORDERS[transaction_type]}
    }
    return CONFIRM_SCRIPT % json.dumps(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="measured seconds per run")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seconds before each")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--orders", type=int, default=6000, help="orders awaiting approval")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    options = parser.parse_args()

    print("preparing database procure_bench ...", flush=True)
    recreate_database()
    subprocess.run(["redis-cli", "-n", "5", "FLUSHDB"], check=True, capture_output=True)
    preparing = time.monotonic()
    data = prepare(options.orders)
    print(f"  {options.orders:,} orders placed and routed in {time.monotonic() - preparing:.0f} s")
    # What placing them queued (their notifications, mostly) is not what is measured: done, so
    # that the worker starts with nothing but what the measured requests give it.
    from django.utils import timezone

    from portal.models import OutboxMessage

    OutboxMessage.objects.filter(done_at__isnull=True).update(done_at=timezone.now())
    subprocess.run(["redis-cli", "-n", "5", "FLUSHDB"], check=True, capture_output=True)
    env = {
        **os.environ,
        "CONN_MAX_AGE": "60",
        "GUNICORN_ACCESSLOG": "",
        "BENCH_WRITE_PARENTS": str(WRITE_PARENTS),
        # One client sends thousands of requests a minute here: the rate limit is still counted
        # on every request (its cost is measured), never reached.
        "API_RATE_LIMIT": "100000000/min",
    }
    maria = {
        "Authorization": f"Bearer {data['maria']}",
        "X-TNGO-TENANT": "acme",
        "client_id": "demo-client",
        "Content-Type": "application/json",
    }
    peter = {**maria, "Authorization": f"Bearer {data['peter']}"}
    order_id = data["order_ids"][0]
    decisions = Endpoint(
        "POST /orders/{id}/approval",
        WRITE_FLOOR,
        "/api/v1/orders",
        maria,
        order_ids=data["order_ids"],
    )
    endpoints = [
        Endpoint(ROW_FLOOR, None, "/row", {}),
        Endpoint(WRITE_FLOOR, None, "/write", {}, script='wrk.method = "POST"\n'),
        Endpoint("GET /ping", ROW_FLOOR, "/api/v1/ping", {}),
        Endpoint("GET /me", ROW_FLOOR, "/api/v1/me", peter),
        Endpoint("GET /orders/{id}", ROW_FLOOR, f"/api/v1/orders/{order_id}", peter),
        Endpoint(
            "GET /orders?limit=25&includeOrderSegments=true",
            ROW_FLOOR,
            "/api/v1/orders?limit=25&includeOrderSegments=true",
            peter,
        ),
        Endpoint("GET /approvals (maria)", ROW_FLOOR, "/api/v1/approvals", maria),
        *(
            Endpoint(
                f"confirm, {kind}",
                ROW_FLOOR,
                "/api/v1/orders?confirm=true",
                peter,
                script=confirm_script(kind),
            )
            for kind in CONFIRMED_ORDERS
        ),
        decisions,
    ]

    bare_port, port = free_port(), free_port()
    processes = [
        bare := gunicorn("bare:application", bare_port, env, "--chdir", str(ROOT / "bench")),
        server := gunicorn("portal.wsgi", port, env),
        started(
            [str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "--loglevel", "WARNING"], env
        ),
    ]
    runs: dict[str, list[dict]] = {endpoint.name: [] for endpoint in endpoints}
    try:
        answering(f"http://127.0.0.1:{bare_port}/row", len(children(bare.pid)))
        answering(f"http://127.0.0.1:{port}/api/v1/ping", len(children(server.pid)))
        for number in range(1, options.rounds + 1):
            print(f"round {number} of {options.rounds}", flush=True)
            for endpoint in endpoints:
                floor = endpoint.floor is None
                base = f"http://127.0.0.1:{bare_port if floor else port}"
                figures = measured_run(endpoint, base, bare if floor else server, options)
                runs[endpoint.name].append(figures)
                print(
                    f"  {endpoint.name:<48}{figures['rps']:>8.0f} req/s "
                    f"{figures['cpu_ms']:>7.2f} CPU ms",
                    flush=True,
                )
        memory = {
            "procure": [rss_mb(pid) for pid in children(server.pid)],
            "bare": [rss_mb(pid) for pid in children(bare.pid)],
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()

    results = {name: summarise(figures) for name, figures in runs.items()}
    for endpoint in endpoints:
        figures = results[endpoint.name]
        if endpoint.floor:
            floor = results[endpoint.floor]
            figures["floor"] = endpoint.floor
            figures["ratio"] = floor["cpu_ms"] / figures["cpu_ms"]
            figures["rps_ratio"] = figures["rps"] / floor["rps"]
            figures["goal"] = goal_of(endpoint.name)
    print(
        f"\n{'endpoint':<48}{'req/s':>7}{'p50':>7}{'p95':>7}{'p99':>7}{'CPU ms':>8}"
        f"{'PG ms':>7}{'ratio':>7}{'goal':>6}{'even':>6}{'non-2xx':>8}"
    )
    for name, f in results.items():
        ratio = f"{f['ratio']:>7.2f}{f['goal']:>6.2f}" if "ratio" in f else " " * 13
        print(
            f"{name:<48}{f['rps']:>7.0f}{f['p50_ms']:>7.1f}{f['p95_ms']:>7.1f}"
            f"{f['p99_ms']:>7.1f}{f['cpu_ms']:>8.2f}{f['postgres_cpu_ms']:>7.2f}{ratio}"
            f"{f['balance']:>6.2f}{f['non_2xx']:>8}"
        )
    print(
        "latencies in ms; CPU ms per request (the serving workers', PostgreSQL's); ratio: the "
        "floor's CPU per request over the endpoint's; even: the least busy worker's share of "
        "the CPU against an even share, the lowest of the rounds"
    )
    for name, sizes in memory.items():
        print(f"{name} workers' resident memory (MB): {', '.join(f'{m:.0f}' for m in sizes)}")
    from approvals.models import Decision

    stored = Decision.objects.count()
    print(
        f"decisions stored: {stored} (orders awaiting one at the start: {len(data['order_ids'])}"
        f"; {decisions.consumed} decision requests sent)"
    )
    load = os.getloadavg()
    print(f"load average: {' '.join(f'{x:.2f}' for x in load)}")
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(
        json.dumps(
            {
                "rounds": options.rounds,
                "duration": options.duration,
                "warmup": options.warmup,
                "connections": options.connections,
                "load_average": load,
                "requests": results,
                "worker_rss_mb": memory,
                "decisions_stored": stored,
                "decisions_sent": decisions.consumed,
                "decision_p99_goal_ms": DECISION_P99_GOAL_MS,
                "worker_rss_goal_mb": RSS_GOAL_MB,
                "balance_goal": BALANCE_GOAL,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"figures written to {options.json}")
    subprocess.run(["redis-cli", "-n", "5", "FLUSHDB"], check=True, capture_output=True)


def summarise(runs: list[dict]) -> dict:
    """The median of each figure over the rounds; the evenness and the errors, the worst."""
    medians = ("rps", "p50_ms", "p95_ms", "p99_ms", "cpu_ms", "postgres_cpu_ms")
    figures = {key: statistics.median(run[key] for run in runs) for key in medians}
    figures["balance"] = min(run["balance"] for run in runs)
    figures["non_2xx"] = sum(run["non_2xx"] + run["socket_errors"] for run in runs)
    figures["rounds"] = runs
    return figures


if __name__ == "__main__":
    main()
