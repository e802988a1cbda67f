"""The impact preview's replay (approvals.impact) at 1,000 orders: milliseconds and queries.

    .venv/bin/python bench/impact.py [--orders 1000] [--runs 20] [--change draft|delete|priorities]
                                     [--recreate]

Its own database (`procure_bench_impact`; DATABASE_URL overrides), made the first time (created,
migrated, the demo loaded, then --orders orders of acme's people spread over the last 90 days)
and reused afterwards while it holds them (--recreate makes it again). The orders are stored
rows as routing reads them (who ordered, what type, one-time and monthly cost, currency), no
runs: a replay reads nothing else. Who orders: peter 4, sam 3, maria, ian and ada 1 in 10;
what: accessories 60 % (a third of them over 40 USD), upgrades, new lines, feature changes,
suspensions and unsuspensions; one order in 20 in EUR.

Then, as acme's tenant admin (ada), it replays a change --runs times after 3 warm-ups, in this
process (no server, no HTTP: the replay's own cost): `draft`, a new rule tried first (accessories
over 100 USD: the manager two levels up, then the IT group); `delete`, deleting "Accessories";
`priorities`, "Accessories" moved before "Accessories over 40 USD". It prints the median and the
slowest ms, the queries per replay and the time spent in PostgreSQL, what the replay found, and
writes bench/results/impact.json (bench/report.py reads `orders` and `median_ms`). Redis
database 8 (REDIS_URL overrides); the replay itself does not use it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "impact.json"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/procure_bench_impact")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT))

from bench.scale import SqlTimer, database_name, recreate_database  # noqa: E402

MARK = "IMPACT-"  # the bench's orders' externalOrderNumber prefix: how it knows its own rows
DAYS = 90
WHO = [("peter", 4), ("sam", 3), ("maria", 1), ("ian", 1), ("ada", 1)]
# (transaction type, share in 20, one-time range, monthly range)
SHAPES = [
    ("ORDER_ACCESSORIES", 8, (5, 40), (0, 0)),
    ("ORDER_ACCESSORIES", 4, (40, 400), (0, 0)),
    ("UPGRADE", 2, (0, 900), (0, 15)),
    ("NEW_ACTIVATION", 2, (50, 1200), (20, 80)),
    ("UPDATE_FEATURES", 2, (0, 0), (0, 25)),
    ("SUSPEND", 1, (0, 0), (0, 0)),
    ("UNSUSPEND", 1, (0, 0), (0, 0)),
]


def database_ready(orders: int) -> bool:
    """The database exists, is migrated and holds the bench's orders."""
    import psycopg

    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    try:
        with psycopg.connect(url) as db:
            row = db.execute(
                "SELECT count(*) FROM orders_order WHERE external_order_number LIKE %s",
                [MARK + "%"],
            ).fetchone()
    except psycopg.Error:
        return False
    return row[0] >= orders


def _draw(number: int, low: int, high: int) -> Decimal:
    """A deterministic amount in [low, high] for the order `number` (every load the same)."""
    if high <= low:
        return Decimal(low)
    cents = (number * 7919 + 104729) % ((high - low) * 100 + 1)
    return Decimal(low) + Decimal(cents) / 100


def load(count: int) -> None:
    """Migrate, load the demo, and store `count` acme orders over the last DAYS days."""
    from django.core.management import call_command
    from django.utils import timezone

    from orders.models import Order
    from portal.models import Employee

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    people = {e.user.username: e for e in Employee.objects.select_related("user", "tenant")}
    requesters = [people[name] for name, weight in WHO for _ in range(weight)]
    shapes = [shape for shape in SHAPES for _ in range(shape[1])]
    now = timezone.now()
    orders = []
    for number in range(count):
        requester = requesters[number % len(requesters)]
        kind, _share, onetime, monthly = shapes[(number * 7) % len(shapes)]
        orders.append(
            Order(
                tenant=requester.tenant,
                external_order_number=f"{MARK}{number}",
                transaction_type=kind,
                requested_by=requester,
                account_holder=requester,
                cost_onetime=_draw(number, *onetime),
                cost_monthly=_draw(number + 1, *monthly),
                currency="EUR" if number % 20 == 19 else "USD",
            )
        )
    Order.objects.bulk_create(orders, batch_size=500)
    # submitted_at is set on insert (auto_now_add); bulk_update leaves what is given.
    for number, order in enumerate(orders):
        order.submitted_at = now - timedelta(days=DAYS) * (number + 0.5) / count
    Order.objects.bulk_update(orders, ["submitted_at"], batch_size=500)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def change_of(name: str, tenant, actor):
    """The change replayed, as the API and the editor would hand it over."""
    from approvals import impact
    from approvals.models import ApprovalWorkflow
    from approvals.workflow_input import WorkflowInputSerializer
    from portal.models import EmployeeGroup

    workflows = list(ApprovalWorkflow.objects.filter(tenant=tenant).order_by("priority", "id"))
    if name == "delete":
        return impact.WorkflowDeletion(next(wf for wf in workflows if wf.name == "Accessories"))
    if name == "priorities":
        ids = [wf.pk for wf in workflows]
        ids[0], ids[1] = ids[1], ids[0]
        return impact.PriorityOrder(ids)
    it = EmployeeGroup.objects.get(tenant=tenant, name="IT")
    body = {
        "name": "Big spenders",
        "priority": 5,
        "conditions": {"transactionTypes": ["ORDER_ACCESSORIES"], "oneTimeCostAbove": "100"},
        "steps": [
            {"kind": "MANAGER", "managerLevels": 2},
            {"kind": "GROUP", "groupId": str(it.pk)},
        ],
    }
    serializer = WorkflowInputSerializer(data=body, context={"tenant": tenant})
    serializer.is_valid(raise_exception=True)
    return impact.WorkflowDraft(serializer.validated_data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--change", choices=["draft", "delete", "priorities"], default="draft")
    parser.add_argument("--recreate", action="store_true", help="make the database again")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    options = parser.parse_args()

    fresh = options.recreate or not database_ready(options.orders)
    if fresh:
        print(f"making {database_name()} with {options.orders:,} orders...", flush=True)
        recreate_database()
    import django

    django.setup()
    from django.db import connection

    from approvals import impact
    from portal.models import Employee

    if fresh:
        started = time.perf_counter()
        load(options.orders)
        print(f"  loaded in {time.perf_counter() - started:.1f} s")
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a database kept from an older checkout
    ada = Employee.objects.select_related("tenant").get(user__username="ada")
    change = change_of(options.change, ada.tenant, ada)

    def replay():
        return impact.impact_of(change, tenant=ada.tenant, actor=ada, days=DAYS)

    for _ in range(3):  # warm-up: imports, the connection, PostgreSQL's caches
        result = replay()
    wall, sql, queries = [], [], []
    for _ in range(options.runs):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            result = replay()
            wall.append(time.perf_counter() - started)
        sql.append(timer.seconds)
        queries.append(len(timer.queries))

    figures = {
        "orders": result.orders_replayed,
        "change": options.change,
        "runs": options.runs,
        "median_ms": round(statistics.median(wall) * 1000, 1),
        "max_ms": round(max(wall) * 1000, 1),
        "sql_ms": round(statistics.median(sql) * 1000, 1),
        "queries": statistics.median(queries),
        "changed": result.changed,
        "groups": {effect: group.count for effect, group in result.groups.items()},
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(f"replay of {figures['orders']:,} orders, change {options.change!r}, {options.runs} runs")
    print(f"  median {figures['median_ms']} ms (slowest {figures['max_ms']} ms), of which SQL "
          f"{figures['sql_ms']} ms; {figures['queries']:g} queries per replay")  # fmt: skip
    print(f"  routed otherwise: {result.changed:,}; " + ", ".join(
        f"{effect} {count:,}" for effect, count in figures["groups"].items()
    ) + f"; unchanged {result.unchanged:,}")  # fmt: skip
    print(f"  load average {figures['load_average']}")
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written: {options.json}")


if __name__ == "__main__":
    main()
