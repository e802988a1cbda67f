"""The list endpoints, the list pages and the admin dashboard read the big tables through
indexes, and run as many queries for 30 orders as for 3.

Each request's SELECTs are EXPLAINed with sequential scans switched off (SET LOCAL, in the test's
transaction): on a few rows PostgreSQL would rather read a table whole, but a plan that still
reads one of the big tables whole (or walks a whole index of one, with no condition) means that
no index can serve the query, and at a million orders it would read them all
(bench/scale.py measures that)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import services as approval_services
from approvals.models import Decision
from tests.approvals.conftest import place_order, routed
from tests.conftest import browser_for

pytestmark = pytest.mark.django_db

BIG_TABLES = {
    "orders_order",
    "orders_orderhistory",
    "orders_orderapprover",
    "orders_ordersegment",
    "orders_orderitem",
    "approvals_approvalrun",
    "approvals_runstep",
    "approvals_decision",
}
# The API's order list, page 1 and a deeper page, with and without the segments.
ORDER_LISTS = ["orders?limit=25", "orders?limit=2&offset=1", "orders?includeOrderSegments=true"]
PAGES = ["/orders/", "/orders/?page=2", "/approvals/", "/approvals/?tab=decided"]
# Bounds for the query-count checks (authentication and navigation included).
API_MAX_QUERIES = 10
PAGE_MAX_QUERIES = 16


def place_orders(peter, maria, count: int) -> None:
    """`count` orders of peter's, every other one approved by maria (waiting for IT now), the
    others waiting for her: something in every list of every reader."""
    for number in range(count):
        order = routed(place_order(peter))
        if number % 2:
            approval_services.decide(
                approval_services.DecisionRequest(order=order, actor=maria, action="APPROVE")
            )
            approval_services.apply_decision(Decision.objects.get(step__run__order=order).pk)


@pytest.fixture
def orders(peter, maria) -> None:
    place_orders(peter, maria, 3)


def whole_reads(plan: dict):
    """The big tables a plan reads whole: sequential scans, and index scans with no index
    condition (a whole index walked)."""
    table = plan.get("Relation Name")
    if table in BIG_TABLES:
        if plan["Node Type"] == "Seq Scan":
            yield f"Seq Scan on {table}"
        elif plan["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan:
            yield f"{plan['Node Type']} of all {plan['Index Name']}"
    for child in plan.get("Plans", []):
        yield from whole_reads(child)


def whole_reads_of(captured: CaptureQueriesContext) -> list[str]:
    """Each SELECT the request ran, EXPLAINed without sequential scans: what it reads whole."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip("( ").upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            found += [f"{reading}: {sql[:200]}" for reading in whole_reads(plan[0]["Plan"])]
        cursor.execute("SET LOCAL enable_seqscan = on")
    return found


def captured_get(client, path: str) -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return captured


# --- Every list query can use an index ---------------------------------------------------------


@pytest.mark.parametrize("path", ORDER_LISTS)
@pytest.mark.parametrize("who", ["peter", "maria", "ada"])
def test_the_api_order_list_reads_orders_through_indexes(orders, api_for, who, path, request):
    client = api_for(request.getfixturevalue(who))

    captured = captured_get(client, path)

    assert whole_reads_of(captured) == []


def test_the_api_inbox_reads_through_indexes(orders, api_for, maria):
    captured = captured_get(api_for(maria), "approvals")

    assert whole_reads_of(captured) == []


@pytest.mark.parametrize("path", PAGES)
def test_the_list_pages_read_through_indexes(orders, peter, maria, path):
    reader = maria if path.startswith("/approvals/") else peter

    captured = captured_get(browser_for(reader), path)

    assert whole_reads_of(captured) == []


def test_the_dashboard_reads_through_indexes(orders, ada):
    captured = captured_get(browser_for(ada), "/manage/")

    assert whole_reads_of(captured) == []


# --- Deep pages skip ids only; counts do not probe every order ---------------------------------

# What the query that skips rows (LIMIT ... OFFSET) may read: the list's own table and what its
# filter and order ask (approvers and delegations, the step-started history of the inbox), never
# the rows the page then shows with them (people, departments, lines, runs).
SKIPPING_READS = {
    "orders_order",
    "orders_orderapprover",
    "portal_delegation",
    "orders_orderhistory",
    "approvals_decision",
}
DEEP_LISTS = [
    ("peter", "api", "orders?limit=2&offset=1"),
    ("maria", "api", "orders?limit=2&offset=1"),
    ("ada", "api", "orders?limit=2&offset=1"),
    ("maria", "api", "approvals?limit=1&offset=1"),
    ("peter", "page", "/orders/?page=2"),
    ("maria", "page", "/approvals/?page=2"),
    ("maria", "page", "/approvals/?tab=decided&page=2"),
]


# How a count begins: a COUNT, or counts as scalar subqueries (orders.selectors._count).
COUNTING = ("SELECT COUNT(", "SELECT COALESCE((SELECT COUNT(")


def plan_of(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def tables_read(sql: str) -> set[str]:
    return {node["Relation Name"] for node in nodes(plan_of(sql)) if "Relation Name" in node}


@pytest.fixture
def many_orders(peter, maria, monkeypatch) -> None:
    """Orders enough for a second page of each list (the pages' sizes made small)."""
    monkeypatch.setattr("orders.web.my_orders.PAGE_SIZE", 2)
    monkeypatch.setattr("approvals.web.inbox.INBOX_PAGE_SIZE", 1)
    monkeypatch.setattr("approvals.web.inbox.DECIDED_PAGE_SIZE", 1)
    place_orders(peter, maria, 6)


@pytest.mark.parametrize(("who", "kind", "path"), DEEP_LISTS)
def test_a_deep_page_skips_ids_only_then_reads_its_own_rows(
    many_orders, peter, maria, ada, api_for, who, kind, path
):
    reader = {"peter": peter, "maria": maria, "ada": ada}[who]
    client = api_for(reader) if kind == "api" else browser_for(reader)

    captured = captured_get(client, path)

    skipping = [q["sql"] for q in captured.captured_queries if " OFFSET " in q["sql"]]
    assert len(skipping) == 1, skipping
    assert tables_read(skipping[0]) <= SKIPPING_READS, skipping[0]


@pytest.mark.parametrize("who", ["peter", "maria"])
def test_the_order_count_probes_no_approvers_per_order(orders, api_for, who, request):
    """Counted branch by branch (selectors.count_visible_to): no subquery run for each of the
    tenant's orders, as a COUNT over the visibility filter's OR did (each branch is counted
    once, an InitPlan; a SubPlan runs per row)."""
    captured = captured_get(api_for(request.getfixturevalue(who)), "orders")

    counts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(COUNTING)]
    assert len(counts) == 1
    per_row = [
        node["Subplan Name"]
        for node in nodes(plan_of(counts[0]))
        if node.get("Subplan Name", "").startswith("SubPlan")
    ]
    assert per_row == []
    assert tables_read(counts[0]) <= {"portal_tenant", "orders_order", "orders_orderapprover"}


def test_the_decided_count_reads_the_decisions_alone(orders, maria):
    captured = captured_get(browser_for(maria), "/approvals/")

    counts = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT COUNT(*)") and "approvals_decision" in q["sql"]
    ]
    assert len(counts) == 1
    assert tables_read(counts[0]) == {"approvals_decision"}


@pytest.mark.parametrize("path", ["/approvals/", "/approvals/?tab=decided"])
def test_the_inbox_counts_what_awaits_once_for_the_page_and_the_navigation(orders, maria, path):
    captured = captured_get(browser_for(maria), path)

    counts = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith(COUNTING) and "orders_orderapprover" in q["sql"]
    ]
    assert len(counts) == 1


def test_the_dashboard_aggregates_decisions_in_the_database(orders, ada):
    captured = captured_get(browser_for(ada), "/manage/")

    decisions = [q["sql"] for q in captured.captured_queries if "approvals_decision" in q["sql"]]
    assert decisions and all("GROUP BY" in sql for sql in decisions)
    # The tenant's decisions are found by their own tenant, not through every run of the tenant
    # (which, at a million orders, hash-joined a full read of the run steps).
    assert all("approvals_approvalrun" not in tables_read(sql) for sql in decisions)
    # The weekly waits are read off the decisions alone: each keeps when its step started.
    (weeks,) = [sql for sql in decisions if "DATE_TRUNC" in sql.upper()]
    assert tables_read(weeks) == {"approvals_decision"}
    statuses = next(q["sql"] for q in captured.captured_queries if '"status" AS' in q["sql"])
    assert "COUNT(*)" in statuses  # off the (tenant, status) index alone


# --- As many queries for 30 orders as for 3 ----------------------------------------------------

READERS = [
    ("peter", "api", "orders?limit=25"),
    ("peter", "api", "orders?limit=2&offset=1&includeOrderSegments=true"),
    ("maria", "api", "orders?limit=25"),
    ("ada", "api", "orders?limit=2&offset=1"),
    ("maria", "api", "approvals"),
    ("peter", "page", "/orders/"),
    ("peter", "page", "/orders/?page=2"),
    ("maria", "page", "/approvals/"),
    ("maria", "page", "/approvals/?tab=decided"),
    ("ada", "page", "/manage/"),
]


def test_lists_run_as_many_queries_for_30_orders_as_for_3(
    peter, maria, ada, api_for, django_assert_max_num_queries
):
    people = {"peter": peter, "maria": maria, "ada": ada}
    clients = {
        (name, kind): api_for(person) if kind == "api" else browser_for(person)
        for name, person in people.items()
        for kind in ("api", "page")
    }

    def counts() -> dict:
        for who, kind, path in READERS:  # warm-up: per-process caches are not per-request
            clients[who, kind].get(path)
        return {
            (who, path): len(captured_get(clients[who, kind], path).captured_queries)
            for who, kind, path in READERS
        }

    place_orders(peter, maria, 3)
    few = counts()
    place_orders(peter, maria, 27)
    many = counts()  # of 30 orders

    assert many == few
    for (who, path), count in many.items():
        bound = API_MAX_QUERIES if not path.startswith("/") else PAGE_MAX_QUERIES
        assert count <= bound, (who, path, count)
    with django_assert_max_num_queries(API_MAX_QUERIES):
        clients["maria", "api"].get("orders?limit=25&offset=20")
