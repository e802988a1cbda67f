"""List endpoints, pages and the dashboard at 1,000 and at 1,000,000 orders: flat or not.

    .venv/bin/python bench/scale.py [--orders 1000 --orders 1000000] [--tenants 100] [--runs 20]

For each --orders size it recreates its own database (procure_scale; DATABASE_URL overrides),
migrates it, loads the demo and bulk-loads that many orders over --tenants tenants (copies of
acme) with set-based SQL (INSERT ... SELECT over generate_series), with their segments, items,
history, approval runs, steps, decisions and approvers, then VACUUM ANALYZE. It measures
in-process (the Django test client: a signed-in session for the pages, an OAuth bearer token for
the API) the median time, SQL time and query count of each list request, EXPLAINs every SELECT
the request ran and reports sequential scans of the big tables. It prints one table with both
sizes and their ratio and writes bench/results/scale.json. Redis database 6 (flushed); REDIS_URL
overrides. bench/README.md says what is loaded and measured.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "scale.json"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/procure_scale")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(16))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT))

# The tables a list must never read in full: EXPLAIN reports a Seq Scan on any of them.
BIG_TABLES = (
    "orders_order",
    "orders_orderhistory",
    "orders_orderapprover",
    "orders_ordersegment",
    "orders_orderitem",
    "approvals_approvalrun",
    "approvals_runstep",
    "approvals_runseat",
    "approvals_decision",
)

# How often each demo person orders, relative to their colleagues (victor orders nothing: as the
# top of the reporting line he has no manager, so his orders would all escalate to the admins).
ORDER_WEIGHTS = {"peter": 4, "sam": 3, "maria": 1, "ian": 1, "ada": 1, "gina": 8, "hank": 1,
                 "greta": 1}  # fmt: skip


# --- Database -------------------------------------------------------------------------------


def database_name() -> str:
    return urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")


def recreate_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    url = urlsplit(os.environ["DATABASE_URL"])
    admin = url._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{database_name()}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{database_name()}"')


def flush_redis() -> None:
    url = urlsplit(os.environ["REDIS_URL"])
    number = url.path.lstrip("/") or "0"
    command = ["redis-cli", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 6379)]
    subprocess.run([*command, "-n", number, "FLUSHDB"], check=True, capture_output=True)


# --- Loading --------------------------------------------------------------------------------


def run_sql(label: str, statement: str, params: dict | None = None) -> int:
    """One set-based step, timed; returns the rows it touched."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement, params or {})
        rows = cursor.rowcount
    touched = f"{rows:>12,} rows" if rows >= 0 else " " * 17
    print(f"  {label:<44}{touched} {time.perf_counter() - started:>8.1f} s", flush=True)
    return rows


def load(orders: int, tenants: int, demo_share: float | None) -> dict:
    """The demo, then `orders` orders over `tenants` tenants with everything that hangs off
    them; returns the row counts and how long it took."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    with connection.cursor() as cursor:
        # The load is consistent by construction: skip the foreign-key triggers (deferred to
        # commit they would queue tens of millions of checks) and the commit flushes.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '512MB'")
    clone_tenants(tenants - 2)
    span_days = plan_tenants(orders, demo_share)
    plan_people()
    plan_shapes()
    plan_orders(span_days)
    insert_orders()
    finish_load()
    seconds = time.perf_counter() - started
    counts = table_counts()
    print(f"  loaded in {seconds:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return {"load_seconds": round(seconds, 1), "rows": counts}


def clone_tenants(clones: int) -> None:
    """Tenants scale-001... as copies of acme: departments, people and their reporting line,
    the IT group, workflows and their steps, lines and the devices on them."""
    acme = "(SELECT id FROM portal_tenant WHERE slug = 'acme')"
    clone = "t.slug LIKE 'scale-%%'"
    run_sql("tenants", """
        INSERT INTO portal_tenant (slug, name, upgrade_eligibility_months,
                                   email_link_decisions_without_sign_in)
        SELECT 'scale-' || lpad(g::text, 3, '0'), 'Scale Tenant ' || g,
               a.upgrade_eligibility_months, a.email_link_decisions_without_sign_in
        FROM portal_tenant a CROSS JOIN generate_series(1, %(clones)s) g WHERE a.slug = 'acme'
    """, {"clones": clones})  # fmt: skip
    run_sql("departments", f"""
        INSERT INTO portal_department (tenant_id, name)
        SELECT t.id, d.name FROM portal_tenant t JOIN portal_department d ON d.tenant_id = {acme}
        WHERE {clone}
    """)  # fmt: skip
    run_sql("employees", f"""
        INSERT INTO portal_employee (company_employee_id, first_name, last_name, email,
                                     office_phone, status, is_tenant_admin, department_id,
                                     user_id, tenant_id, updated_at)
        SELECT lower(e.first_name || '.' || e.last_name || '.' || t.slug), e.first_name,
               e.last_name, lower(e.first_name || '.' || e.last_name || '@' || t.slug || '.com'),
               e.office_phone, e.status, e.is_tenant_admin, nd.id, NULL, t.id, e.updated_at
        FROM portal_tenant t
        JOIN portal_employee e ON e.tenant_id = {acme}
        LEFT JOIN portal_department od ON od.id = e.department_id
        LEFT JOIN portal_department nd ON nd.tenant_id = t.id AND nd.name = od.name
        WHERE {clone}
    """)  # fmt: skip
    # Every employee of every tenant with the demo person they are (a copy of).
    run_sql("people map", f"""
        CREATE UNLOGGED TABLE scale_person AS
        SELECT e.tenant_id, e.id AS employee_id, src.id AS source_id
        FROM portal_employee e
        JOIN portal_tenant t ON t.id = e.tenant_id
        JOIN portal_employee src
          ON src.tenant_id = CASE WHEN {clone} THEN {acme} ELSE e.tenant_id END
         AND src.first_name = e.first_name AND src.last_name = e.last_name
    """)  # fmt: skip
    run_sql("hierarchies", f"""
        INSERT INTO portal_hierarchy (tenant_id, name, is_default)
        SELECT t.id, h.name, h.is_default
        FROM portal_tenant t JOIN portal_hierarchy h ON h.tenant_id = {acme} WHERE {clone}
    """)  # fmt: skip
    run_sql("reporting lines", f"""
        INSERT INTO portal_reportingline (hierarchy_id, employee_id, manager_id)
        SELECT nh.id, pe.employee_id, pm.employee_id
        FROM portal_reportingline rl
        JOIN portal_hierarchy h ON h.id = rl.hierarchy_id AND h.tenant_id = {acme}
        JOIN scale_person pe ON pe.source_id = rl.employee_id AND pe.tenant_id <> {acme}
        JOIN scale_person pm ON pm.source_id = rl.manager_id AND pm.tenant_id = pe.tenant_id
        JOIN portal_hierarchy nh ON nh.tenant_id = pe.tenant_id AND nh.name = h.name
    """)  # fmt: skip
    run_sql("approver groups", f"""
        INSERT INTO portal_employeegroup (tenant_id, name)
        SELECT t.id, g.name
        FROM portal_tenant t JOIN portal_employeegroup g ON g.tenant_id = {acme} WHERE {clone}
    """)  # fmt: skip
    run_sql("group members", f"""
        INSERT INTO portal_employeegroup_members (employeegroup_id, employee_id)
        SELECT ng.id, p.employee_id
        FROM portal_employeegroup_members m
        JOIN portal_employeegroup g ON g.id = m.employeegroup_id AND g.tenant_id = {acme}
        JOIN scale_person p ON p.source_id = m.employee_id AND p.tenant_id <> {acme}
        JOIN portal_employeegroup ng ON ng.tenant_id = p.tenant_id AND ng.name = g.name
    """)  # fmt: skip
    run_sql("workflows", f"""
        INSERT INTO approvals_approvalworkflow (tenant_id, name, priority, is_active,
            transaction_types, onetime_cost_above, monthly_cost_above,
            reason_required_to_reject, reason_required_to_approve, created_at, updated_at)
        SELECT t.id, w.name, w.priority, w.is_active, w.transaction_types, w.onetime_cost_above,
               w.monthly_cost_above, w.reason_required_to_reject, w.reason_required_to_approve,
               w.created_at, w.updated_at
        FROM portal_tenant t JOIN approvals_approvalworkflow w ON w.tenant_id = {acme}
        WHERE {clone}
    """)  # fmt: skip
    run_sql("workflow steps", f"""
        INSERT INTO approvals_approvalstep (workflow_id, position, rule, required, reject_when,
            reminder_delay_minutes, escalation_delay_minutes)
        SELECT nw.id, s.position, s.rule, s.required, s.reject_when, s.reminder_delay_minutes,
               s.escalation_delay_minutes
        FROM approvals_approvalstep s
        JOIN approvals_approvalworkflow w ON w.id = s.workflow_id AND w.tenant_id = {acme}
        JOIN approvals_approvalworkflow nw ON nw.name = w.name AND nw.tenant_id <> {acme}
        JOIN portal_tenant t ON t.id = nw.tenant_id AND {clone}
    """)  # fmt: skip
    run_sql("workflow step sources", f"""
        INSERT INTO approvals_approvalstepsource (step_id, position, kind, manager_levels,
            hierarchy_id, group_id, employee_id)
        SELECT ns.id, src.position, src.kind, src.manager_levels, NULL, ng.id, NULL
        FROM approvals_approvalstepsource src
        JOIN approvals_approvalstep s ON s.id = src.step_id
        JOIN approvals_approvalworkflow w ON w.id = s.workflow_id AND w.tenant_id = {acme}
        JOIN approvals_approvalworkflow nw ON nw.name = w.name AND nw.tenant_id <> {acme}
        JOIN portal_tenant t ON t.id = nw.tenant_id AND {clone}
        JOIN approvals_approvalstep ns ON ns.workflow_id = nw.id AND ns.position = s.position
        LEFT JOIN portal_employeegroup og ON og.id = src.group_id
        LEFT JOIN portal_employeegroup ng ON ng.tenant_id = nw.tenant_id AND ng.name = og.name
    """)  # fmt: skip
    # Catalog ids are MobProc's, not the database's: the copies get ids of their own, far above.
    run_sql("lines map", f"""
        CREATE UNLOGGED TABLE scale_line AS
        SELECT 5000000000 + row_number() OVER (ORDER BY p.tenant_id, s.id) AS id,
               s.id AS source_id, p.tenant_id, p.employee_id AS holder_id
        FROM catalog_serviceasset s
        JOIN scale_person p ON p.source_id = s.account_holder_id AND p.tenant_id <> {acme}
        JOIN portal_tenant t ON t.id = p.tenant_id AND {clone}
    """)  # fmt: skip
    run_sql("lines", """
        INSERT INTO catalog_serviceasset (id, service_number, status, activated_at,
            contract_start, contract_end, last_device_upgrade, account_holder_id, plan_id,
            tenant_id, vendor_id, updated_at)
        SELECT l.id, s.service_number, s.status, s.activated_at, s.contract_start, s.contract_end,
               s.last_device_upgrade, l.holder_id, s.plan_id, l.tenant_id, s.vendor_id,
               s.updated_at
        FROM scale_line l JOIN catalog_serviceasset s ON s.id = l.source_id
    """)  # fmt: skip
    run_sql("devices on the lines", """
        INSERT INTO catalog_deviceasset (id, serial_number_type, serial_number, sim_id,
            mac_address, company_asset_id, access_method, device_id, holder_id, tenant_id,
            service_id, manufacturer_id, other_make_model, updated_at)
        SELECT l.id, d.serial_number_type, d.serial_number, d.sim_id, d.mac_address,
               d.company_asset_id, d.access_method, d.device_id, l.holder_id, l.tenant_id, l.id,
               d.manufacturer_id, d.other_make_model, d.updated_at
        FROM scale_line l JOIN catalog_deviceasset d ON d.service_id = l.source_id
    """)  # fmt: skip


def plan_tenants(orders: int, demo_share: float | None) -> float:
    """How many orders each tenant gets: an even share, but acme, the demo tenant that is
    measured, at least DEMO_ORDERS (its lists fill a page at 1,000 orders), or `demo_share` of
    them when given (a tenant bigger than the others); the others split the rest evenly.
    Returns the days the orders span: acme orders ACME_ORDERS_PER_DAY a day, the others at
    their own pace over the same days, up to now."""
    from django.db import connection

    from portal.models import Tenant

    ids = dict(Tenant.objects.values_list("pk", "slug"))
    acme = next(pk for pk, slug in ids.items() if slug == "acme")
    others = sorted(pk for pk in ids if pk != acme)
    if demo_share is None:
        share = max(round(orders / len(ids)), min(orders, DEMO_ORDERS))
    else:
        share = round(orders * demo_share)
    share = share if others else orders
    rest, extra = divmod(orders - share, len(others)) if others else (0, 0)
    rows = [(acme, "acme", share)] + [
        (pk, "globex" if ids[pk] == "globex" else "acme", rest + (index < extra))
        for index, pk in enumerate(others)
    ]
    run_sql("tenant shares", """
        CREATE UNLOGGED TABLE scale_tenant (tenant_id bigint PRIMARY KEY, family text,
                                            orders bigint, slots int)
    """)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO scale_tenant VALUES (%s, %s, %s, 0)", rows)
    return share / ACME_ORDERS_PER_DAY


@dataclass
class Slot:
    """One share of a tenant's orders: who orders, on which line, and who approves."""

    tenant_id: int
    requester_id: int
    requester_name: str
    service_id: int | None
    level1: list[int]
    level1_names: str
    escalated: bool
    level2: list[int]
    level2_names: str
    group_id: int | None


def plan_people() -> None:
    """scale_slot: each tenant's requesters, weighted by ORDER_WEIGHTS, with their line and the
    approvers of each step as routing would resolve them (the manager, else the tenant admins;
    the IT group; never the requester)."""
    from django.db import connection

    from catalog.models import ServiceAsset
    from portal.demo import PEOPLE
    from portal.models import Employee, EmployeeGroup, ReportingLine

    demo_usernames = {person.id: person.username for people in PEOPLE.values() for person in people}
    with connection.cursor() as cursor:
        cursor.execute("SELECT employee_id, source_id FROM scale_person")
        username_of = {employee: demo_usernames[source] for employee, source in cursor.fetchall()}
    employees = {e.pk: e for e in Employee.objects.all()}
    managers = dict(
        ReportingLine.objects.filter(hierarchy__is_default=True).values_list(
            "employee_id", "manager_id"
        )
    )
    lines = dict(ServiceAsset.objects.values_list("account_holder_id", "pk"))
    groups = {group.tenant_id: group for group in EmployeeGroup.objects.prefetch_related("members")}
    by_tenant: dict[int, list[Employee]] = {}
    for employee in employees.values():
        by_tenant.setdefault(employee.tenant_id, []).append(employee)

    slots: list[Slot] = []
    for tenant_id, people in sorted(by_tenant.items()):
        admins = [e.pk for e in people if e.is_tenant_admin]
        group = groups.get(tenant_id)
        members = sorted(m.pk for m in group.members.all()) if group else []
        for employee in sorted(people, key=lambda e: e.pk):
            for _ in range(ORDER_WEIGHTS.get(username_of[employee.pk], 0)):
                manager = managers.get(employee.pk)
                level1 = [manager] if manager else [a for a in admins if a != employee.pk]
                level2 = [m for m in members if m != employee.pk]
                slots.append(
                    Slot(
                        tenant_id=tenant_id,
                        requester_id=employee.pk,
                        requester_name=employee.full_name,
                        service_id=lines.get(employee.pk),
                        level1=level1,
                        level1_names=", ".join(employees[pk].full_name for pk in level1),
                        escalated=manager is None,
                        level2=level2,
                        level2_names=", ".join(employees[pk].full_name for pk in level2),
                        group_id=group.pk if group else None,
                    )
                )
    assert all(len(s.level1) in (1, 2) and len(s.level2) <= 2 for s in slots), "id scheme"
    run_sql("requesters", """
        CREATE UNLOGGED TABLE scale_slot (tenant_id bigint, slot int, requester_id bigint,
            requester_name text, service_id bigint, level1 bigint[], level1_names text,
            escalated boolean, level2 bigint[], level2_names text, group_id bigint,
            PRIMARY KEY (tenant_id, slot))
    """)  # fmt: skip
    numbered: dict[int, int] = {}
    rows = []
    for s in slots:
        number = numbered[s.tenant_id] = numbered.get(s.tenant_id, -1) + 1
        rows.append((s.tenant_id, number, s.requester_id, s.requester_name, s.service_id,
                     s.level1, s.level1_names, s.escalated, s.level2, s.level2_names,
                     s.group_id))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO scale_slot VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
        )
        cursor.execute("""
            UPDATE scale_tenant t SET slots = s.n
            FROM (SELECT tenant_id, count(*) AS n FROM scale_slot GROUP BY tenant_id) s
            WHERE s.tenant_id = t.tenant_id
        """)  # fmt: skip


# What each kind of order holds, per tenant family: (transaction type, variant, items as
# (kind, catalog table, catalog id)), the workflow that routes it and whether a parcel ships.
SHAPES = {
    "acme": [
        ("ORDER_ACCESSORIES", 1, [("ACCESSORY", 3628935898)], "Accessories", True),
        ("ORDER_ACCESSORIES", 2, [("ACCESSORY", 3628935898), ("ACCESSORY", 3628939021)],
         "Accessories over 40 USD", True),
        ("UPGRADE", 1, [("DEVICE", 5103)], "Upgrades", True),
        ("NEW_ACTIVATION", 1, [("DEVICE", 5103), ("PLAN", 6101), ("FEATURE", 7101)],
         "New lines and ports", True),
        ("UPDATE_FEATURES", 1, [("FEATURE", 7102)], "Features costing more", False),
        ("SUSPEND", 1, [], "Suspensions", False),
    ],
    "globex": [
        ("ORDER_ACCESSORIES", 1, [("ACCESSORY", 3628950001)], "Manager approval", True),
        ("ORDER_ACCESSORIES", 2, [("ACCESSORY", 3628950001), ("ACCESSORY", 3628950002)],
         "Manager approval", True),
        ("UPGRADE", 1, [("DEVICE", 5104)], "Manager approval", True),
        ("NEW_ACTIVATION", 1, [("DEVICE", 5104), ("PLAN", 6201), ("FEATURE", 7201)],
         "Manager approval", True),
        ("UPDATE_FEATURES", 1, [("FEATURE", 7201)], "Manager approval", False),
        ("SUSPEND", 1, [], "Manager approval", False),
    ],
}  # fmt: skip


def plan_shapes() -> None:
    """scale_shape (one row per kind of order) and scale_item (its items, named and priced from
    the catalog as submit copies them)."""
    from django.db import connection

    from approvals.models import ApprovalStep, ApprovalWorkflow
    from catalog.models import Accessory, Device, Feature, Plan
    from portal.models import Tenant

    catalog = {"ACCESSORY": Accessory, "DEVICE": Device, "PLAN": Plan, "FEATURE": Feature}
    tenants = {t.slug: t for t in Tenant.objects.filter(slug__in=["acme", "globex"])}
    shapes, items = [], []
    for family, kinds in SHAPES.items():
        for transaction_type, variant, contents, workflow_name, ships in kinds:
            workflow = ApprovalWorkflow.objects.get(tenant=tenants[family], name=workflow_name)
            steps = list(ApprovalStep.objects.filter(workflow=workflow).order_by("position"))
            onetime = monthly = 0
            for position, (kind, pk) in enumerate(contents):
                row = catalog[kind].objects.get(pk=pk)
                maker = getattr(row, "manufacturer_id", None)
                if row.price_recurrence == "MONTHLY":
                    monthly += row.price_amount
                else:
                    onetime += row.price_amount
                items.append((family, transaction_type, variant, position, kind,
                              getattr(row, "name", None) or f"{row.manufacturer_id} {row.model}",
                              getattr(row, "image_url", ""), maker, row.price_amount,
                              row.price_recurrence, pk))  # fmt: skip
            shapes.append((family, transaction_type, variant, len(contents), len(steps),
                           [s.describe() for s in steps], workflow_name, ships, onetime,
                           monthly))  # fmt: skip
    run_sql("order shapes", """
        CREATE UNLOGGED TABLE scale_shape (family text, transaction_type text, variant int,
            n_items int, n_steps int, descriptions text[], workflow_name text, ships boolean,
            cost_onetime numeric, cost_monthly numeric)
    """)  # fmt: skip
    run_sql("order items", """
        CREATE UNLOGGED TABLE scale_item (family text, transaction_type text, variant int,
            position int, kind text, name text, image_url text, manufacturer_id text,
            price_amount numeric, price_recurrence text, catalog_id bigint)
    """)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO scale_shape VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", shapes
        )
        cursor.executemany(
            "INSERT INTO scale_item VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", items
        )


# The demo tenant's pace: 1,000 orders make a young deployment (a day of orders, most still on
# their way), 1,000,000 a mature one (three years of history). What is on its way is the same at
# both sizes, as it is in life: the orders of the last IN_FLIGHT_DAYS.
ACME_ORDERS_PER_DAY = 100
IN_FLIGHT_DAYS = 3
DEMO_ORDERS = 100
# Status mixes (cumulative thresholds of a uniform draw): of the recent orders half wait for a
# decision and some are on their way; older ones are done.
RECENT_STATUS_MIX = [
    (0.50, "AWAITING_APPROVAL"),
    (0.52, "ORDER_SUBMITTED"),
    (0.58, "APPROVED"),
    (0.68, "IN_FULFILLMENT"),
    (0.78, "SHIPPED"),
    (0.84, "REJECTED"),
    (0.89, "CANCELLED"),
    (0.90, "FAILED"),
    (1.00, "COMPLETE"),
]
OLD_STATUS_MIX = [
    (0.07, "REJECTED"),
    (0.12, "CANCELLED"),
    (0.14, "FAILED"),
    (1.00, "COMPLETE"),
]
TYPE_MIX = [
    (0.60, "ORDER_ACCESSORIES"),
    (0.75, "UPGRADE"),
    (0.85, "NEW_ACTIVATION"),
    (0.95, "UPDATE_FEATURES"),
    (1.00, "SUSPEND"),
]
CARE_TYPES = ("UPGRADE", "UPDATE_FEATURES", "SUSPEND")


def _case(column: str, mix: list[tuple[float, str]]) -> str:
    arms = " ".join(f"WHEN {column} < {limit} THEN '{value}'" for limit, value in mix[:-1])
    return f"CASE {arms} ELSE '{mix[-1][1]}' END"


def plan_orders(span_days: float) -> None:
    """scale_plan: one row per order with everything its rows are made of. Each tenant's orders
    are spread evenly over `span_days` up to now, numbered in submit order across tenants as
    the database would number them; draws come from a hash of the id (scale_u), so a load is
    the same every time."""
    run_sql("draws", """
        CREATE FUNCTION scale_u(id bigint, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
        $$ SELECT (hashint8extended(id, k) & 2147483647)::float8 / 2147483648.0 $$
    """)  # fmt: skip
    care = ", ".join(f"'{t}'" for t in CARE_TYPES)
    recent, old = _case("u_status", RECENT_STATUS_MIX), _case("u_status", OLD_STATUS_MIX)
    run_sql("orders planned", f"""
        CREATE UNLOGGED TABLE scale_plan AS
        WITH spread AS (
            SELECT t.tenant_id, t.family, t.slots, k,
                   (t.orders - 1 - k + scale_u(t.tenant_id, k::int)) * %(span)s / t.orders
                       AS age_days
            FROM scale_tenant t CROSS JOIN LATERAL generate_series(0, t.orders - 1) k
        ), numbered AS (
            SELECT row_number() OVER (ORDER BY age_days DESC, tenant_id, k) AS id, s.*
            FROM spread s
        ), drawn AS (
            SELECT n.id, n.tenant_id, n.family, n.age_days < %(in_flight)s AS recent,
                   interval '30 minutes' + n.age_days * interval '1 day' AS age,
                   scale_u(n.id, 1) AS u_status, scale_u(n.id, 2) AS u_type,
                   scale_u(n.id, 4) AS u_items, scale_u(n.id, 5) AS u_wait1,
                   scale_u(n.id, 6) AS u_wait2, scale_u(n.id, 7) AS u_level,
                   scale_u(n.id, 9) AS u_channel,
                   floor(scale_u(n.id, 8) * n.slots)::int AS slot
            FROM numbered n
        ), typed AS (
            SELECT d.*, CASE WHEN d.recent THEN {recent} ELSE {old} END AS drawn_status,
                   s.requester_id, s.requester_name, s.level1, s.level1_names, s.escalated,
                   s.level2, s.level2_names, s.group_id, s.service_id AS line_id,
                   -- Care orders are about the requester's line: without one, accessories.
                   CASE WHEN s.service_id IS NULL AND {_case("d.u_type", TYPE_MIX)} IN ({care})
                        THEN 'ORDER_ACCESSORIES' ELSE {_case("d.u_type", TYPE_MIX)} END
                       AS transaction_type
            FROM drawn d JOIN scale_slot s ON s.tenant_id = d.tenant_id AND s.slot = d.slot
        ), shaped AS (
            SELECT ty.*, sh.variant, sh.n_items, sh.n_steps, sh.descriptions, sh.workflow_name,
                   sh.ships, sh.cost_onetime, sh.cost_monthly,
                   CASE WHEN ty.transaction_type <> 'NEW_ACTIVATION' THEN ty.line_id END
                       AS service_id,
                   -- Nothing ships on a care order without a parcel: it is carried out.
                   CASE WHEN NOT sh.ships AND ty.drawn_status = 'SHIPPED' THEN 'IN_FULFILLMENT'
                        ELSE ty.drawn_status END AS status,
                   -- Every wait fits between the submit and now (three of them at most).
                   least(interval '72 hours', ty.age / 5) AS span,
                   now() - ty.age AS submitted_at
            FROM typed ty JOIN scale_shape sh
              ON sh.family = ty.family AND sh.transaction_type = ty.transaction_type
             AND sh.variant = CASE WHEN ty.transaction_type = 'ORDER_ACCESSORIES'
                                   THEN 1 + (ty.u_items < 0.5)::int ELSE 1 END
        ), stepped AS (
            SELECT sh.*,
                   -- The step that waits (pending), was refused, or was withdrawn; past the
                   -- last one once approved; 0: not routed yet.
                   CASE WHEN sh.status = 'ORDER_SUBMITTED' THEN 0
                        WHEN sh.status IN ('AWAITING_APPROVAL', 'REJECTED', 'CANCELLED')
                        THEN CASE WHEN sh.n_steps = 2 AND sh.u_level < 0.5 THEN 2 ELSE 1 END
                        ELSE sh.n_steps + 1 END AS cur,
                   sh.submitted_at + interval '2 seconds' AS s1,
                   sh.submitted_at + interval '2 seconds' + sh.u_wait1 * sh.span AS d1,
                   sh.submitted_at + interval '2 seconds' + (sh.u_wait1 + sh.u_wait2) * sh.span
                       AS d2,
                   sh.level1[1] AS decider1,
                   sh.level2[1 + floor(sh.u_wait2 * greatest(cardinality(sh.level2), 1))::int]
                       AS decider2
            FROM shaped sh
        ), ended AS (
            SELECT st.*,
                   CASE WHEN st.status IN ('ORDER_SUBMITTED', 'AWAITING_APPROVAL') THEN NULL
                        WHEN st.cur = 1 OR (st.cur > st.n_steps AND st.n_steps = 1) THEN st.d1
                        ELSE st.d2 END AS end_at
            FROM stepped st
        ), fulfilled AS (
            SELECT e.*,
                   CASE WHEN e.status IN ('IN_FULFILLMENT', 'SHIPPED', 'COMPLETE', 'FAILED')
                        THEN e.end_at + interval '10 minutes' END AS sent_at,
                   CASE WHEN e.status IN ('SHIPPED', 'COMPLETE')
                        THEN e.end_at + interval '10 minutes' + e.span / 2 END AS shipped_at,
                   CASE WHEN e.status = 'COMPLETE'
                        THEN e.end_at + interval '10 minutes' + e.span END AS done_at,
                   CASE WHEN e.u_channel < 0.6 THEN 'PAGE' WHEN e.u_channel < 0.9 THEN 'API'
                        ELSE 'EMAIL_LINK' END AS channel
            FROM ended e
        )
        SELECT f.*, CASE
            WHEN f.status = 'ORDER_SUBMITTED' THEN f.submitted_at
            WHEN f.status = 'AWAITING_APPROVAL' THEN CASE WHEN f.cur = 2 THEN f.d1 ELSE f.s1 END
            WHEN f.status = 'COMPLETE' THEN f.done_at
            WHEN f.status = 'SHIPPED' THEN f.shipped_at
            WHEN f.status IN ('IN_FULFILLMENT', 'FAILED') THEN f.sent_at
            ELSE f.end_at END AS updated_at
        FROM fulfilled f
    """, {"span": span_days, "in_flight": IN_FLIGHT_DAYS})  # fmt: skip


# The stored JSON of an order: seed 002's properties, and where it ships.
PROPERTIES = json.dumps([{"groupId": "MISCELLANEOUS", "fields": [
    {"id": "CONTACT_NUMBER", "label": "Contact Phone Number", "type": "TEXT",
     "text": "2035559999"}]}])  # fmt: skip
ADDRESS = json.dumps([
    {"id": "LINE_1", "label": "Address Line1", "value": "35 Executive Blvd"},
    {"id": "CITY", "label": "City", "value": "Orange"},
    {"id": "STATE", "label": "State", "value": "CT"},
    {"id": "POSTAL_CODE", "label": "Zip Code", "value": "06477"},
])  # fmt: skip
VENDORS = {"acme": 98, "globex": 99}  # Verizon, AT&T


def insert_orders() -> None:
    """The orders and every row that hangs off them, one INSERT ... SELECT per table. Ids are
    derived from the order id (segment = order, run = order, step = 2 * order + position - 1,
    decision = its step, item / approver = 4 * order + k, history = 20 * order + k)."""
    vendor = f"CASE p.family WHEN 'globex' THEN {VENDORS['globex']} ELSE {VENDORS['acme']} END"
    run_sql("orders", """
        INSERT INTO orders_order (id, external_order_number, request_digest, transaction_type,
            status, client_id, properties, ship_to, cost_onetime, cost_monthly, currency,
            submitted_at, updated_at, account_holder_id, placed_by_id, region_id,
            requested_by_id, service_id, tenant_id, details, service_number)
        SELECT p.id, NULL, '', p.transaction_type, p.status,
               CASE p.channel WHEN 'API' THEN 'demo-client' ELSE '' END,
               CASE WHEN p.transaction_type = 'ORDER_ACCESSORIES'
                    THEN %(properties)s::jsonb ELSE '[]'::jsonb END,
               CASE WHEN p.ships THEN jsonb_build_object('name', p.requester_name,
                    'regionId', 70144640, 'address', %(address)s::jsonb, 'expedite', false) END,
               p.cost_onetime, p.cost_monthly, 'USD', p.submitted_at, p.updated_at,
               p.requester_id, NULL, 70144640, p.requester_id, p.service_id, p.tenant_id,
               '{}'::jsonb, ''
        FROM scale_plan p
    """, {"properties": PROPERTIES, "address": ADDRESS})  # fmt: skip
    run_sql("segments", f"""
        INSERT INTO orders_ordersegment (id, order_id, vendor_id, status, vendor_reference,
            vendor_attempts, vendor_response, sent_at, next_check_at)
        SELECT p.id, p.id, {vendor}, p.status,
               CASE WHEN p.sent_at IS NOT NULL THEN 'VZ-' || p.id ELSE '' END,
               (p.sent_at IS NOT NULL)::int, '{{}}'::jsonb, p.sent_at, NULL
        FROM scale_plan p
    """)  # fmt: skip
    run_sql("items", """
        INSERT INTO orders_orderitem (id, segment_id, kind, action, position, name, image_url,
            manufacturer_id, accessory_id, device_id, plan_id, feature_id, price_amount,
            price_currency, price_recurrence)
        SELECT 4 * p.id + i.position, p.id, i.kind, 'ADD', i.position, i.name, i.image_url,
               i.manufacturer_id,
               CASE i.kind WHEN 'ACCESSORY' THEN i.catalog_id END,
               CASE i.kind WHEN 'DEVICE' THEN i.catalog_id END,
               CASE i.kind WHEN 'PLAN' THEN i.catalog_id END,
               CASE i.kind WHEN 'FEATURE' THEN i.catalog_id END,
               i.price_amount, 'USD', i.price_recurrence
        FROM scale_plan p JOIN scale_item i
          ON i.family = p.family AND i.transaction_type = p.transaction_type
         AND i.variant = p.variant
    """)  # fmt: skip
    run_sql("approval runs", """
        INSERT INTO approvals_approvalrun (id, tenant_id, order_id, workflow_id, workflow_name,
            reason_required_to_reject, reason_required_to_approve, state, checks, started_at,
            ended_at)
        SELECT p.id, p.tenant_id, p.id, w.id, p.workflow_name, w.reason_required_to_reject,
               w.reason_required_to_approve,
               CASE p.status WHEN 'AWAITING_APPROVAL' THEN 'pending'
                    WHEN 'REJECTED' THEN 'rejected' WHEN 'CANCELLED' THEN 'withdrawn'
                    WHEN 'FAILED' THEN 'failed' ELSE 'approved' END,
               '{"ValidateMakerAccess_Output": true, "ValidatePayload_Output": true}'::jsonb,
               p.s1, CASE WHEN p.status = 'FAILED' THEN p.sent_at ELSE p.end_at END
        FROM scale_plan p
        JOIN approvals_approvalworkflow w ON w.tenant_id = p.tenant_id AND w.name = p.workflow_name
        WHERE p.cur > 0
    """)  # fmt: skip
    run_sql("run steps", """
        INSERT INTO approvals_runstep (id, run_id, position, rule, required, reject_when,
            reminder_delay_minutes, escalation_delay_minutes, description,
            state, escalated_to_admins, started_at, remind_at, escalate_at, reminders_sent)
        SELECT 2 * p.id + s.position - 1, p.id, s.position, 'ANY', NULL, 'ANY',
               24 * 60, 72 * 60, p.descriptions[s.position],
               CASE WHEN s.position < p.cur THEN 'approved'
                    WHEN s.position > p.cur THEN 'waiting'
                    WHEN p.status = 'AWAITING_APPROVAL' THEN 'active'
                    WHEN p.status = 'REJECTED' THEN 'rejected' ELSE 'withdrawn' END,
               s.position = 1 AND p.escalated,
               CASE WHEN s.position <= p.cur THEN s.started_at END,
               CASE WHEN s.position = p.cur AND p.status = 'AWAITING_APPROVAL'
                    THEN s.started_at + interval '24 hours' END,
               CASE WHEN s.position = p.cur AND p.status = 'AWAITING_APPROVAL'
                    THEN s.started_at + interval '72 hours' END,
               0
        FROM scale_plan p
        CROSS JOIN LATERAL (VALUES (1, p.s1), (2, p.d1)) AS s(position, started_at)
        WHERE p.cur > 0 AND s.position <= p.n_steps
    """)  # fmt: skip
    # One seat per step (the demo's workflows name one approver source a step), with the id of
    # its step; its approvers are the order's approvers of that level.
    run_sql("run seats", """
        INSERT INTO approvals_runseat (id, step_id, position, kind, manager_levels, hierarchy_id,
            group_id, employee_id, description, state)
        SELECT 2 * p.id + s.position - 1, 2 * p.id + s.position - 1, 1, s.kind, 1, NULL,
               s.group_id, NULL, p.descriptions[s.position],
               CASE WHEN s.position < p.cur THEN 'approved'
                    WHEN s.position > p.cur THEN 'waiting'
                    WHEN p.status = 'AWAITING_APPROVAL' THEN 'open'
                    WHEN p.status = 'REJECTED' THEN 'rejected' ELSE 'closed' END
        FROM scale_plan p
        CROSS JOIN LATERAL (VALUES (1, 'MANAGER', NULL::bigint), (2, 'GROUP', p.group_id))
             AS s(position, kind, group_id)
        WHERE p.cur > 0 AND s.position <= p.n_steps
    """)  # fmt: skip
    run_sql("run seat approvers", """
        INSERT INTO approvals_runseat_approvers (runseat_id, employee_id)
        SELECT 2 * p.id + a.level - 1, a.employee_id
        FROM scale_plan p
        CROSS JOIN LATERAL (
            SELECT 1 AS level, unnest(p.level1) AS employee_id WHERE p.cur >= 1
            UNION ALL
            SELECT 2, unnest(p.level2) WHERE p.n_steps = 2 AND p.cur >= 2
        ) a
        WHERE p.cur > 0
    """)  # fmt: skip
    run_sql("decisions", """
        INSERT INTO approvals_decision (id, tenant_id, step_id, seat_id, action, reason,
            communication, decided_for_id, decided_by_id, client_id, channel,
            checker_access_valid, created_at, applied_at, step_started_at)
        SELECT 2 * p.id + s.position - 1, p.tenant_id, 2 * p.id + s.position - 1,
               2 * p.id + s.position - 1,
               CASE WHEN s.position < p.cur THEN 'APPROVE' ELSE 'REJECT' END,
               CASE WHEN s.position < p.cur THEN '' ELSE 'Not in this quarter''s budget.' END,
               'Default', s.decider, s.decider,
               CASE p.channel WHEN 'PAGE' THEN 'web' WHEN 'API' THEN 'demo-client'
                    ELSE 'email-link' END,
               p.channel, true, s.decided_at, s.decided_at + interval '1 second', s.started_at
        FROM scale_plan p
        CROSS JOIN LATERAL (VALUES (1, p.decider1, p.d1, p.s1), (2, p.decider2, p.d2, p.d1))
             AS s(position, decider, decided_at, started_at)
        WHERE p.cur > 0 AND s.position <= p.n_steps
          AND (s.position < p.cur OR (s.position = p.cur AND p.status = 'REJECTED'))
    """)  # fmt: skip
    run_sql("order approvers", """
        INSERT INTO orders_orderapprover (id, order_id, employee_id, level, pending)
        SELECT 4 * p.id + a.k, p.id, a.employee_id, a.level, a.pending
        FROM scale_plan p
        CROSS JOIN LATERAL (
            SELECT i - 1 AS k, p.level1[i] AS employee_id, 1 AS level,
                   p.status = 'AWAITING_APPROVAL' AND p.cur = 1 AS pending
            FROM generate_subscripts(p.level1, 1) i WHERE p.cur >= 1
            UNION ALL
            SELECT i + 1, p.level2[i], 2, p.status = 'AWAITING_APPROVAL' AND p.cur = 2
            FROM generate_subscripts(p.level2, 1) i WHERE p.n_steps = 2 AND p.cur >= 2
        ) a
    """)  # fmt: skip
    insert_history()


def insert_history() -> None:
    """The order's history as the services write it: submit, routing, each step started and
    approved, the outcome, and the vendor's moves (the segment rows)."""
    shipped = "p.status IN ('SHIPPED', 'COMPLETE') AND p.ships"
    run_sql("order history", f"""
        INSERT INTO orders_orderhistory (id, order_id, segment_id, event, from_status,
            to_status, actor_id, on_behalf_of_id, note, created_at)
        SELECT 20 * p.id + h.k, p.id, CASE WHEN h.on_segment THEN p.id END, h.event,
               h.from_status, h.to_status, h.actor_id, NULL, h.note, least(h.at, now())
        FROM scale_plan p
        CROSS JOIN LATERAL (VALUES
            (0, 'submit', '', 'ORDER_SUBMITTED', p.requester_id, '', p.submitted_at, false,
             true),
            (1, 'await_approval', 'ORDER_SUBMITTED', 'AWAITING_APPROVAL', NULL::bigint,
             'Approval workflow: ' || p.workflow_name || '.', p.s1, false, p.cur > 0),
            (2, 'approval_step_started', '', '', NULL,
             'Step 1: ' || p.descriptions[1]
             || CASE WHEN p.escalated
                     THEN ' (nobody resolved: escalated to the tenant admins)' ELSE '' END
             || '. Waiting for ' || p.level1_names || '.', p.s1, false, p.cur > 0),
            (3, 'approval_step_approved', '', '', p.decider1, 'Step 1 approved.', p.d1, false,
             p.n_steps = 2 AND p.cur > 1),
            (4, 'approval_step_started', '', '', NULL,
             'Step 2: ' || p.descriptions[2] || '. Waiting for ' || p.level2_names || '.',
             p.d1, false, p.n_steps = 2 AND p.cur > 1),
            (5, 'approve', 'AWAITING_APPROVAL', 'APPROVED',
             CASE WHEN p.n_steps = 2 THEN p.decider2 ELSE p.decider1 END, '', p.end_at, false,
             p.status IN ('APPROVED', 'IN_FULFILLMENT', 'SHIPPED', 'COMPLETE', 'FAILED')),
            (6, 'reject', 'AWAITING_APPROVAL', 'REJECTED',
             CASE WHEN p.cur = 2 THEN p.decider2 ELSE p.decider1 END,
             'Not in this quarter''s budget.', p.end_at, false, p.status = 'REJECTED'),
            (7, 'cancel', 'AWAITING_APPROVAL', 'CANCELLED', p.requester_id, 'No longer needed.',
             p.end_at, false, p.status = 'CANCELLED'),
            (8, 'approval_withdrawn', '', '', p.requester_id,
             'The order was cancelled: the approval is withdrawn.', p.end_at, false,
             p.status = 'CANCELLED'),
            (9, 'send_to_vendors', 'APPROVED', 'IN_FULFILLMENT', NULL, '', p.sent_at, false,
             p.status IN ('IN_FULFILLMENT', 'SHIPPED', 'COMPLETE')),
            (10, 'sent_to_vendor', 'APPROVED', 'IN_FULFILLMENT', NULL, 'Reference VZ-' || p.id,
             p.sent_at, true, p.status IN ('IN_FULFILLMENT', 'SHIPPED', 'COMPLETE')),
            (11, 'vendor_failed', 'APPROVED', 'FAILED', NULL, 'The carrier refused the order.',
             p.sent_at, true, p.status = 'FAILED'),
            (12, 'fail', 'APPROVED', 'FAILED', NULL, '', p.sent_at, false, p.status = 'FAILED'),
            (13, 'shipped', 'IN_FULFILLMENT', 'SHIPPED', NULL, 'UPS tracking 1Z' || p.id,
             p.shipped_at, true, {shipped}),
            (14, 'ship', 'IN_FULFILLMENT', 'SHIPPED', NULL, '', p.shipped_at, false, {shipped}),
            (15, 'delivered', 'SHIPPED', 'COMPLETE', NULL, '', p.done_at, true,
             p.status = 'COMPLETE' AND p.ships),
            (16, 'carried_out', 'IN_FULFILLMENT', 'COMPLETE', NULL, '', p.done_at, true,
             p.status = 'COMPLETE' AND NOT p.ships),
            (17, 'complete', CASE WHEN p.ships THEN 'SHIPPED' ELSE 'IN_FULFILLMENT' END,
             'COMPLETE', NULL, '', p.done_at, false, p.status = 'COMPLETE')
        ) AS h(k, event, from_status, to_status, actor_id, note, at, on_segment, applies)
        WHERE h.applies
    """)  # fmt: skip


def finish_load() -> None:
    """Drop the plan, move the id sequences past the loaded rows, then VACUUM ANALYZE: the
    statistics and visibility map autovacuum would have after such a load."""
    from django.db import connection

    for table in ("scale_plan", "scale_slot", "scale_shape", "scale_item", "scale_tenant",
                  "scale_person", "scale_line"):  # fmt: skip
        run_sql(f"drop {table}", f"DROP TABLE {table}")
    run_sql("drop draws", "DROP FUNCTION scale_u(bigint, int)")
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
    run_sql("vacuum analyze", "VACUUM ANALYZE")


def table_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    return counts


# --- Measuring ------------------------------------------------------------------------------


@dataclass
class Request:
    name: str
    who: str  # demo username
    kind: str  # "api" or "page"
    path: str


class SqlTimer:
    """connection.execute_wrapper: the time spent in the database, and what was asked."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries.append((sql, params))


def clients() -> dict:
    """An API client (bearer token and MobProc headers) and a signed-in page client per person."""
    from django.test import Client
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, set_token_value

    from portal.models import Employee, OAuthApplication

    application = OAuthApplication.objects.get(client_id="demo-client")
    made = {}
    for username in ("peter", "maria", "ada"):
        employee = Employee.objects.select_related("user").get(user__username=username)
        raw = secrets.token_urlsafe(30)
        access = AccessToken(user=employee.user, application=application, scope="read write",
                             expires=timezone.now() + timedelta(hours=4))  # fmt: skip
        set_token_value(access, raw)
        access.save()
        api = Client(
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_X_TNGO_TENANT="acme",
            HTTP_CLIENT_ID="demo-client",
        )
        page = Client()
        page.force_login(employee.user)
        made[username] = {"api": api, "page": page, "employee": employee}
    return made


def deep_offset(count: int, size: int) -> int:
    """The offset of the last full page: as deep as a list goes, with as many rows as page 1."""
    return max(count - size, 0)


def deep_page(count: int, size: int) -> int:
    """The number of the last full page of a page list."""
    return max(count // size, 1)


def requests_to_measure(people: dict) -> list[Request]:
    """The list requests, page 1 and a deep one (the last full page), as each kind of reader."""
    from django.db.models import Q

    from approvals.models import Decision
    from orders import selectors
    from orders.models import Order

    peter, maria, ada = (people[name]["employee"] for name in ("peter", "maria", "ada"))

    def visible(employee) -> int:
        return selectors.orders_visible_to(employee).count()

    own = Order.objects.filter(Q(requested_by=peter) | Q(account_holder=peter), tenant=peter.tenant)
    decided = Decision.objects.filter(Q(decided_by=maria) | Q(decided_for=maria)).count()
    api = "/api/v1/orders?limit=25"
    return [
        Request("API orders, requester", "peter", "api", api),
        Request("API orders, requester, deep page", "peter", "api",
                f"{api}&offset={deep_offset(visible(peter), 25)}"),
        Request("API orders, approver", "maria", "api", api),
        Request("API orders, approver, deep page", "maria", "api",
                f"{api}&offset={deep_offset(visible(maria), 25)}"),
        Request("API orders, tenant admin", "ada", "api", api),
        Request("API orders, tenant admin, deep page", "ada", "api",
                f"{api}&offset={deep_offset(visible(ada), 25)}"),
        Request("API approvals (inbox), approver", "maria", "api", "/api/v1/approvals"),
        Request("inbox page, waiting tab", "maria", "page", "/approvals/"),
        Request("inbox page, decided tab", "maria", "page", "/approvals/?tab=decided"),
        Request("inbox page, decided tab, deep page", "maria", "page",
                f"/approvals/?tab=decided&page={deep_page(decided, 20)}"),
        Request("my orders page", "peter", "page", "/orders/"),
        Request("my orders page, deep page", "peter", "page",
                f"/orders/?page={deep_page(own.count(), 25)}"),
        Request("dashboard (tenant admin)", "ada", "page", "/manage/"),
    ]  # fmt: skip


def measure(people: dict, requests: list[Request], runs: int, warmup: int = 3) -> dict:
    from django.db import connection

    results = {}
    for request in requests:
        client = people[request.who][request.kind]
        for _ in range(warmup):
            assert client.get(request.path).status_code == 200, request
        times, sql_times, counts = [], [], []
        timer = SqlTimer()
        for _ in range(runs):
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = client.get(request.path)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (request, response.status_code)
            sql_times.append(timer.seconds)
            counts.append(len(timer.queries))
        results[request.name] = {
            "path": request.path,
            "as": request.who,
            "rows": rows_shown(request, response),
            "median_ms": round(statistics.median(times) * 1000, 2),
            "sql_ms": round(statistics.median(sql_times) * 1000, 2),
            "queries": max(counts),
            "seq_scans": sequential_scans(timer.queries),
        }
        shown = results[request.name]
        print(f"  {request.name:<40}{shown['median_ms']:>9.1f} ms{shown['sql_ms']:>9.1f} ms SQL"
              f"{shown['queries']:>4} queries {shown['rows']:>6} rows", flush=True)  # fmt: skip
    return results


def rows_shown(request: Request, response) -> int:
    """How many rows the answer lists (so that a partial page is seen as one)."""
    if request.kind == "api":
        body = response.json()
        return len(next(iter(body.values()))["items"])
    # The pages' list rows are the table rows naming an order.
    return len(re.findall(r"<tr [^>]*data-order=", response.content.decode()))


def sequential_scans(queries: list[tuple[str, object]]) -> list[dict]:
    """EXPLAIN (FORMAT JSON) every SELECT of the request: the big tables read in full."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for sql, params in queries:
            if not sql.lstrip("( \n").upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for table in scanned_in_full(plan[0]["Plan"]):
                found.append({"table": table, "sql": sql[:300]})
    return found


def scanned_in_full(node: dict):
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
        yield node["Relation Name"]
    for child in node.get("Plans", []):
        yield from scanned_in_full(child)


def list_sizes(people: dict) -> dict:
    """How long the measured lists are at this size."""
    from django.db.models import Q

    from approvals.models import Decision
    from orders import selectors

    peter, maria, ada = (people[name]["employee"] for name in ("peter", "maria", "ada"))
    return {
        "requester's orders": selectors.orders_visible_to(peter).count(),
        "approver's orders": selectors.orders_visible_to(maria).count(),
        "tenant admin's orders": selectors.orders_visible_to(ada).count(),
        "waiting for the approver": selectors.awaiting_decision_by(maria).count(),
        "decided by the approver": Decision.objects.filter(
            Q(decided_by=maria) | Q(decided_for=maria)
        ).count(),
    }


# --- Report ---------------------------------------------------------------------------------


def report(sizes: dict[int, dict]) -> None:
    """The table: each request's median time and SQL time at each size (rows shown and queries
    run at the largest), and the ratio of the largest to the smallest; then the scans."""
    ordered = sorted(sizes)
    small, large = ordered[0], ordered[-1]
    header = f"{'request':<40}{'rows':>5}{'queries':>8}"
    for size in ordered:
        header += f"{f'ms @{size:,}':>15}{'SQL ms':>8}"
    print("\n" + header + f"{'ratio':>7}")
    for name, largest in sizes[large]["requests"].items():
        line = f"{name:<40}{largest['rows']:>5}{largest['queries']:>8}"
        for size in ordered:
            figures = sizes[size]["requests"][name]
            line += f"{figures['median_ms']:>15.1f}{figures['sql_ms']:>8.1f}"
        ratio = largest["median_ms"] / sizes[small]["requests"][name]["median_ms"]
        print(line + f"{ratio:>7.2f}")
    for size in ordered:
        scans: dict[str, set[str]] = {}
        for name, figures in sizes[size]["requests"].items():
            for scan in figures["seq_scans"]:
                scans.setdefault(scan["table"], set()).add(name)
        verdict = "; ".join(f"{table} ({len(names)} requests)" for table, names in scans.items())
        print(f"sequential scans of big tables at {size:,} orders: {verdict or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--orders",
        type=int,
        action="append",
        help="orders to load, once per size (default: 1000 and 1000000)",
    )
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--demo-share",
        type=float,
        help="the demo tenant's share of the orders (default: as the others', 100 at least)",
    )
    parser.add_argument(
        "--measure-only", action="store_true", help="measure the database as it is: no load"
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    options = parser.parse_args()
    sizes_wanted = options.orders or [1000, 1_000_000]

    import django
    from django.conf import settings

    # whitenoise looks for collected static files at start-up; in-process pages need none.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    # The pages need no collected static files in-process (the manifest lookup is a dict read).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from portal.celery import app

    app.conf.task_always_eager = False  # nothing is queued by a read; never run a task here

    results: dict[int, dict] = {}
    for size in sizes_wanted:
        flush_redis()
        if options.measure_only:
            from django.core.management import call_command
            from django.db import connection

            from orders.models import Order

            call_command("migrate", verbosity=0)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            size = Order.objects.count()
            print(f"\n{database_name()}: measuring {size:,} orders as loaded", flush=True)
            loaded = {"load_seconds": None, "rows": table_counts()}
        else:
            print(f"\n{database_name()}: {size:,} orders over {options.tenants} tenants",
                  flush=True)  # fmt: skip
            recreate_database()
            loaded = load(size, options.tenants, options.demo_share)
        people = clients()
        lists = list_sizes(people)
        print("  lists: " + ", ".join(f"{k} {v:,}" for k, v in lists.items()), flush=True)
        measured = measure(people, requests_to_measure(people), options.runs)
        results[size] = {**loaded, "lists": lists, "requests": measured}
    report(results)
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps({"tenants": options.tenants, "runs": options.runs,
                                   "demo_share": options.demo_share,
                                   "load_average": os.getloadavg(),
                                   "sizes": {str(k): v for k, v in results.items()}},
                                  indent=2, default=str) + "\n")  # fmt: skip
    averages = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"\nload average {averages}; written: {options.json}")


if __name__ == "__main__":
    main()
