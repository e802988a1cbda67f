"""CPU time and queries per request, in one process, beside a bare DRF view reading one row.

    .venv/bin/python bench/cpu.py [--runs 100] [--orders 200]

No server and no load generator: each request goes through Django's whole handler (middleware,
authentication, the view, rendering) in this process, so the figures are the application's own
cost, free of network and scheduling noise. PostgreSQL at its local default address; its own
database (`procure_bench_cpu`, recreated) and Redis database 7 (the cache: rate limits, the
authentication context). Prints, for each request, the median process CPU ms, the median
PostgreSQL time seen by the client (wall time of the queries), the queries per request and the
ratio of the bare view's CPU to the request's (1.0: as cheap as the floor).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from floors import CREATE_TABLE, guarded_write
from goals import ROW_FLOOR, WRITE_FLOOR, goal_of

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "procure_bench_cpu"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DB_NAME}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("CONN_MAX_AGE", "60")
# Pages with DEBUG off need the collected static files' manifest: collected here, once a run.
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="procure-bench-static-"))
sys.path.insert(0, str(ROOT))


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {DB_NAME}")


class QueryTimer:
    """connection.execute_wrapper: counts queries and adds up their wall time."""

    def __init__(self) -> None:
        self.count, self.seconds = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def measure(call, runs: int) -> dict:
    from django.db import connection

    for _ in range(5):  # warm-up: imports, compiled templates, connection
        call()
    cpu, sql, queries = [], [], []
    for _ in range(runs):
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            started = time.process_time()
            call()
            cpu.append(time.process_time() - started)
        sql.append(timer.seconds)
        queries.append(timer.count)
    return {
        "cpu_ms": statistics.median(cpu) * 1000,
        "sql_ms": statistics.median(sql) * 1000,
        "queries": statistics.median(queries),
    }


def profile(name: str, call, runs: int) -> None:
    """Where one request's CPU goes: cProfile over `runs` calls after a warm-up."""
    import cProfile
    import pstats

    for _ in range(5):
        call()
    profiler = cProfile.Profile(time.process_time)  # CPU, not time waiting on PostgreSQL
    profiler.enable()
    for _ in range(runs):
        call()
    profiler.disable()
    print(f"\n{name}: {runs} calls")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)


def prepare(order_count: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, set_token_value

    from approvals import services as approval_services
    from catalog.models import Accessory, Region, ServiceAsset
    from orders import drafts as order_drafts
    from orders import services as order_services
    from orders.requests import parse_order_request
    from portal.models import Employee, OAuthApplication

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    peter = Employee.objects.get(user__username="peter")
    maria = Employee.objects.get(user__username="maria")
    application = OAuthApplication.objects.get(client_id="demo-client")
    line = ServiceAsset.objects.get(account_holder=peter, service_number="2035557676")
    charger = Accessory.objects.get(name__startswith="Verizon Wireless Vehicle Charger")
    body = {
        "orderRequest": {
            "transactionType": "ORDER_ACCESSORIES",
            "serviceId": str(line.pk),
            "shoppingCart": {"accessoryIds": [str(charger.pk)]},
            "properties": [
                {
                    "groupId": "MISCELLANEOUS",
                    "fields": [{"id": "CONTACT_NUMBER", "type": "TEXT", "text": "2035559999"}],
                }
            ],
            "shipTo": {
                "name": "Peter Edwards",
                "regionId": str(Region.objects.get(name="United States").pk),
                "address": [
                    {"id": "LINE_1", "value": "35 Executive Blvd"},
                    {"id": "CITY", "value": "Orange"},
                    {"id": "STATE", "value": "CT"},
                    {"id": "POSTAL_CODE", "value": "06477"},
                ],
            },
        }
    }
    ids = []
    for number in range(order_count):
        body["orderRequest"]["externalOrderNumber"] = f"CPU-{number}"
        request = parse_order_request(body, tenant=peter.tenant, actor=peter)
        draft = order_drafts.draft_order(tenant=peter.tenant, actor=peter, request=request)
        order, _ = order_services.submit_order(draft=draft, placed_by=peter)
        approval_services.route_order(order.pk)
        ids.append(order.pk)

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

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"peter": token(peter), "maria": token(maria), "order_ids": ids, "body": body}


def bare_view():
    """The floor: a DRF view without authentication reading one row, called directly."""
    from django.db import connection
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    class OneRow(APIView):
        authentication_classes: list = []
        permission_classes: list = []
        throttle_classes: list = []

        def get(self, request):
            with connection.cursor() as cursor:
                cursor.execute("SELECT id, slug, name FROM portal_tenant ORDER BY id LIMIT 1")
                row = cursor.fetchone()
            return Response({"id": row[0], "slug": row[1], "name": row[2]})

    view, factory = OneRow.as_view(), APIRequestFactory()

    def call():
        response = view(factory.get("/row"))
        response.render()
        assert response.status_code == 200

    return call


def bare_write():
    """The floor of a decision: in one transaction, insert a row and make two guarded updates,
    then put a message on Redis once it commits (the nudge a stored decision sends)."""
    import redis
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        cursor.execute("INSERT INTO bench_write (parent, action) VALUES (0, 'parent') RETURNING id")
        (parent,) = cursor.fetchone()
    nudges = redis.Redis.from_url(settings.REDIS_URL)

    def call():
        guarded_write(connection, nudges, parent)

    return call


RESULTS = ROOT / "bench" / "results" / "cpu.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--orders", type=int, default=200, help="at least runs + 6")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    parser.add_argument(
        "--profile",
        metavar="REQUEST",
        help="instead of the table, profile the requests whose name contains this (cProfile, "
        "the 30 costliest functions by their own time)",
    )
    args = parser.parse_args()
    recreate_database()
    world = prepare(args.orders)

    from django.test import Client

    headers = {"X-TNGO-TENANT": "acme", "client_id": "demo-client"}

    def api(who: str, method: str, path: str, body=None):
        bearer = {"Authorization": f"Bearer {world[who]}"}
        client = Client(headers={**headers, **bearer}, raise_request_exception=True)

        def call():
            if method == "GET":
                response = client.get(f"/api/v1/{path}")
            else:
                response = client.post(f"/api/v1/{path}", body, content_type="application/json")
            assert response.status_code == 200, (path, response.status_code, response.content[:300])

        return call

    def decide_next():
        """Maria approves the next of peter's orders: every call decides another one."""
        client = Client(
            headers={**headers, "Authorization": f"Bearer {world['maria']}"},
            raise_request_exception=True,
        )
        waiting = iter(world["order_ids"][1:])

        def call():
            response = client.post(
                f"/api/v1/orders/{next(waiting)}/approval",
                {"action": "APPROVE", "reason": "bench"},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content[:300]

        return call

    def page(username: str, path: str):
        from django.contrib.auth import get_user_model

        client = Client(raise_request_exception=True)
        client.force_login(get_user_model().objects.get(username=username))

        def call():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return call

    order = world["order_ids"][0]
    confirm = {**world["body"]}
    confirm["orderRequest"] = {**confirm["orderRequest"], "externalOrderNumber": "CPU-CONFIRM"}
    requests = {
        ROW_FLOOR: bare_view(),
        WRITE_FLOOR: bare_write(),
        "GET /ping": api("peter", "GET", "ping"),
        "GET /me": api("peter", "GET", "me"),
        "GET /orders/{id}": api("peter", "GET", f"orders/{order}"),
        "GET /orders?limit=25&includeOrderSegments=true": api(
            "peter", "GET", "orders?limit=25&includeOrderSegments=true"
        ),
        "GET /approvals (maria)": api("maria", "GET", "approvals"),
        "confirm, ORDER_ACCESSORIES": api("peter", "POST", "orders?confirm=true", confirm),
        "POST /orders/{id}/approval": decide_next(),
        "page: inbox (maria)": page("maria", "/approvals/"),
        "page: my orders (peter)": page("peter", "/orders/"),
        "page: an order (peter)": page("peter", f"/orders/{order}/"),
        "page: dashboard (ada, tenant admin)": page("ada", "/manage/"),
    }
    if args.profile:
        for name, call in requests.items():
            if args.profile in name:
                profile(name, call, args.runs)
        return
    results = {name: measure(call, args.runs) for name, call in requests.items()}
    for name, figures in results.items():
        # A decision is read against the bare write; every other request against the bare read.
        floor = WRITE_FLOOR if name == "POST /orders/{id}/approval" else ROW_FLOOR
        figures["floor"] = floor
        figures["ratio"] = results[floor]["cpu_ms"] / figures["cpu_ms"]
        if name not in (ROW_FLOOR, WRITE_FLOOR):
            figures["goal"] = goal_of(name)
    print(f"{'request':<48} {'queries':>7} {'CPU ms':>8} {'SQL ms':>8} {'ratio':>6} {'goal':>6}")
    for name, figures in results.items():
        goal = f"{figures['goal']:>6.2f}" if "goal" in figures else f"{'':>6}"
        print(
            f"{name:<48} {figures['queries']:>7.0f} {figures['cpu_ms']:>8.2f} "
            f"{figures['sql_ms']:>8.2f} {figures['ratio']:>6.2f} {goal}"
        )
    load = os.getloadavg()
    print(f"load average: {' '.join(f'{x:.2f}' for x in load)}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {"runs": args.runs, "orders": args.orders, "load_average": load, "requests": results},
            indent=2,
        )
    )
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
