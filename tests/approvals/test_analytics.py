"""The tenant admin's approval analytics (/manage/analytics/) and its CSV exports: the figures
on a handful of hand-timed decisions, the period, empty states, who may open them, tenant
isolation, CSV injection, and a fixed number of queries however many decisions and approvers."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import analytics
from approvals import services as approval_services
from approvals.models import ApprovalRun, Decision, RunStep
from orders import services as order_services
from orders.models import Order
from portal.models import Delegation, Employee
from tests.approvals.conftest import place_order, routed
from tests.demo_data import api_id, galaxy_rugged_case, line_of
from tests.factories import EmployeeFactory
from tests.test_query_plans import whole_reads_of

pytestmark = pytest.mark.usefixtures("vendors_unreached")

HOUR = 3600
PAGE = "manage:analytics"
CSVS = ["manage:analytics-orders-csv", "manage:analytics-decisions-csv",
        "manage:analytics-figures-csv"]  # fmt: skip
RULE = "Accessories over 40 USD"  # the demo's rule for peter's seed order: maria, then IT


@pytest.fixture
def ada_client(ada) -> Client:
    client = Client()
    client.force_login(ada.user)
    return client


def decide_step(
    order: Order,
    approver: Employee,
    *,
    waited: timedelta,
    action: str = "APPROVE",
    reason: str = "",
    days_ago: int = 0,
) -> Decision:
    """`approver` decides the order's active step, the decision is applied, and it is made to
    have come `waited` after the step started, `days_ago` days back."""
    step = RunStep.objects.get(run__order=order, state=RunStep.State.ACTIVE)
    answer = approval_services.decide(
        approval_services.DecisionRequest(order=order, actor=approver, action=action, reason=reason)
    )
    assert answer in ("APPROVAL_QUEUED", "REJECTION_QUEUED")
    decision = Decision.objects.get(step=step)
    approval_services.apply_decision(decision.pk)
    decided_at = timezone.now() - timedelta(days=days_ago)
    Decision.objects.filter(pk=decision.pk).update(
        created_at=decided_at, step_started_at=decided_at - waited
    )
    RunStep.objects.filter(pk=step.pk).update(started_at=decided_at - waited)
    return decision


def hours(value: float | None) -> float | None:
    return None if value is None else round(value / HOUR, 4)


def figures_of(waits: list[analytics.Waits]) -> dict:
    return {w.label: (w.count, hours(w.median), hours(w.p90)) for w in waits}


@pytest.fixture
def history(demo, peter, maria, ian, sam):
    """Six of peter's orders, each under the demo's two-step rule (maria, then IT):

    A: maria 1 h, ian 30 min: approved.      B: maria 2 h, sam for ian 90 min: approved, then a
    C: maria 6 h: waits for IT (ian, ada),      carrier refused it (failed).
       its run's rule renamed since.          D: maria rejects after 4 h.
    E: cancelled before anyone decided.       H: waits for maria, for 3 days now.
    """
    a, b, c, d, e, h = (routed(place_order(peter)) for _ in range(6))
    decide_step(a, maria, waited=timedelta(hours=1))
    decide_step(a, ian, waited=timedelta(minutes=30))
    decide_step(b, maria, waited=timedelta(hours=2))
    Delegation.objects.create(
        tenant=demo.acme, employee=ian, delegate=sam, starts_on=date.today(), ends_on=date.today()
    )
    decide_step(b, sam, waited=timedelta(minutes=90))
    approval_services.record_fulfilment_failure(b.pk)
    decide_step(c, maria, waited=timedelta(hours=6))
    ApprovalRun.objects.filter(order=c).update(workflow_name="Renamed rule")
    decide_step(d, maria, waited=timedelta(hours=4), action="REJECT", reason="Too dear")
    order_services.cancel_order(order=e, actor=peter)
    RunStep.objects.filter(run__order=h, position=1).update(
        started_at=timezone.now() - timedelta(days=3)
    )
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "h": h}


# --- The figures ----------------------------------------------------------------------------


def test_time_to_decision_by_approver_step_and_rule(history, demo):
    figures = analytics.figures(demo.acme, analytics.Period.last(90))

    # (decisions, median h, 90th percentile h), percentile_cont interpolating between waits
    assert (figures.overall.count, hours(figures.overall.median), hours(figures.overall.p90)) == (
        6, 1.75, 5.0
    )  # fmt: skip
    assert figures_of(figures.by_approver) == {
        "Maria Lopez": (4, 3.0, 5.4),  # 1, 2, 4, 6 h
        "Ian Tran": (2, 1.0, 1.4),  # 30 min, 90 min
    }
    assert figures_of(figures.by_step) == {"Step 1": (4, 3.0, 5.4), "Step 2": (2, 1.0, 1.4)}
    assert figures_of(figures.by_rule) == {
        RULE: (5, 1.5, 3.2),  # 30 min, 1, 1.5, 2, 4 h
        "Renamed rule": (1, 6.0, 6.0),
    }


def test_a_decision_made_for_someone_counts_for_them_and_says_so(history, demo):
    figures = analytics.figures(demo.acme, analytics.Period.last(90))

    others = {w.label: w.decided_by_others for w in figures.by_approver}
    assert others == {"Maria Lopez": 0, "Ian Tran": 1}  # sam decided B for ian
    assert "Sam Okafor" not in others


def test_the_slowest_approvers_have_a_few_decisions_at_least(history, demo):
    figures = analytics.figures(demo.acme, analytics.Period.last(90))

    # ian's two decisions are too few to rank
    assert [(w.label, hours(w.median)) for w in figures.slowest] == [("Maria Lopez", 3.0)]


def test_the_slowest_approvers_come_slowest_first(demo, peter, maria, ian, sam):
    # maria decides step 1 of each order; the decisions are then counted for three people
    waits = {"Ian Tran": [5, 6, 7], "Maria Lopez": [1, 2, 3], "Sam Okafor": [8, 9, 10]}
    people = {"Ian Tran": ian, "Maria Lopez": maria, "Sam Okafor": sam}
    for name, hours_waited in waits.items():
        for waited in hours_waited:
            order = routed(place_order(peter))
            decision = decide_step(order, maria, waited=timedelta(hours=waited))
            Decision.objects.filter(pk=decision.pk).update(decided_for=people[name])

    slowest = analytics.slowest_approvers(demo.acme, analytics.Period.last())

    assert [(w.label, hours(w.median)) for w in slowest] == [
        ("Sam Okafor", 9.0), ("Ian Tran", 6.0), ("Maria Lopez", 2.0),
    ]  # fmt: skip


def test_how_runs_ended_by_rule_and_overall(history, demo):
    outcomes = analytics.figures(demo.acme, analytics.Period.last(90)).outcomes

    rows = {
        row.label: (row.approved, row.rejected, row.withdrawn, row.failed, row.pending)
        for row in outcomes.by_rule
    }
    # H waits under the rule; C waits under its run's name
    assert rows == {RULE: (1, 1, 1, 1, 1), "Renamed rule": (0, 0, 0, 0, 1)}
    assert outcomes.overall.ended == 4 and outcomes.overall.pending == 2
    assert (outcomes.overall.approval_rate, outcomes.overall.rejection_rate) == (0.25, 0.25)


def test_the_oldest_waiting_come_first_with_whom_they_wait_for(history, demo):
    waiting = analytics.oldest_waiting(demo.acme)

    assert [(s.run.order_id, s.position) for s in waiting] == [
        (history["h"].pk, 1),
        (history["c"].pk, 2),
    ]  # E was cancelled: it waits for nobody
    assert [sorted(a.full_name for a in s.approvers) for s in waiting] == [
        ["Maria Lopez"],
        ["Ada Park", "Ian Tran"],
    ]


def test_the_page_shows_each_figure_as_a_chart_and_a_table(history, ada_client):
    response = ada_client.get(reverse(PAGE))

    assert response.status_code == 200
    page = response.content.decode()
    for chart in ("approver", "step", "rule", "slowest", "waiting", "outcomes"):
        assert f'data-testid="chart-{chart}"' in page
    for table in ("by-approver", "by-step", "by-rule", "slowest", "oldest-waiting", "outcomes"):
        assert f'data-testid="{table}"' in page
    assert "Median <strong>1.8 h</strong>" in page
    assert "1 by someone else" in page  # sam, for ian
    assert reverse("orders:detail", args=[history["h"].pk]) in page
    assert "25%" in page  # approved and rejected, of the four that ended
    # Every chart is an image with its text alternative
    assert page.count('class="row-chart" role="img"') == 6
    assert "Maria Lopez: median 3 h, 90th percentile 5.4 h, over 4 decisions" in page


def test_the_period_chooses_what_counts(demo, peter, maria, ada_client):
    old = routed(place_order(peter))
    decide_step(old, maria, waited=timedelta(hours=10), days_ago=100, action="REJECT",
                reason="No")  # fmt: skip
    ApprovalRun.objects.filter(order=old).update(ended_at=timezone.now() - timedelta(days=100))
    recent = routed(place_order(peter))
    decide_step(recent, maria, waited=timedelta(hours=2))

    counts = {}
    for days in (30, 90, 365):
        response = ada_client.get(reverse(PAGE), {"period": days})
        figures = response.context["figures"]
        counts[days] = (figures.overall.count, figures.outcomes.overall.rejected)

    assert counts == {30: (1, 0), 90: (1, 0), 365: (2, 1)}
    assert ada_client.get(reverse(PAGE)).context["period"].days == 90


def test_a_period_not_offered_is_said_on_the_form(ada_client, demo):
    response = ada_client.get(reverse(PAGE), {"period": "7"})

    assert response.status_code == 200
    assert response.context["form"].errors["period"]
    assert response.context["period"].days == 90
    page = response.content.decode()
    assert "Choose one of the periods offered. Showing the last 90 days." in page
    assert '<option value="90" selected>' in page


def test_a_tenant_with_nothing_yet_sees_only_empty_states(ada_client, demo):
    # The demo has no orders: nothing decided, nothing waiting
    page = ada_client.get(reverse(PAGE)).content.decode()

    assert "No decisions in the last 90 days." in page
    assert "Nobody has made 3 decisions in this period yet" in page
    assert "Nothing waits for a decision." in page
    assert "No approval began or ended in the last 90 days." in page
    assert "<svg" not in page


# --- Who may see them; which tenant's ---------------------------------------------------------


@pytest.mark.parametrize("username", ["peter", "maria", "ian"])
def test_non_admins_are_refused_the_page_and_the_exports(client, demo, username):
    client.force_login(Employee.objects.get(user__username=username).user)

    answers = {name: client.get(reverse(name)).status_code for name in [PAGE, *CSVS]}

    assert set(answers.values()) == {403}, answers


def test_anonymous_visitors_are_sent_to_sign_in(client, demo):
    for name in [PAGE, *CSVS]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_another_tenants_decisions_are_never_counted(history, demo, gina, ada_client):
    hank = Employee.objects.get(user__username="hank")
    order = routed(
        place_order(
            gina,
            serviceId=api_id(line_of("gina")),
            shoppingCart={"accessoryIds": [api_id(galaxy_rugged_case())]},
            properties=[{"groupId": "MISCELLANEOUS",
                         "fields": [{"id": "CONTACT_NUMBER", "type": "TEXT",
                                     "text": "3125550100"}]}],
        )
    )  # fmt: skip
    decide_step(order, hank, waited=timedelta(days=9))

    acme = analytics.figures(demo.acme, analytics.Period.last(90))
    globex = analytics.figures(demo.globex, analytics.Period.last(90))

    assert acme.overall.count == 6 and "Hank Scorpio" not in figures_of(acme.by_approver)
    assert "Manager approval" not in figures_of(acme.by_rule)
    assert all(s.run.tenant_id == demo.acme.pk for s in analytics.oldest_waiting(demo.acme))
    assert figures_of(globex.by_approver) == {"Hank Scorpio": (1, 216.0, 216.0)}
    decisions = rows_of(ada_client.get(reverse(CSVS[1])))
    orders = rows_of(ada_client.get(reverse(CSVS[0])))
    assert str(order.pk) not in {row["order_id"] for row in decisions + orders}
    assert "Hank Scorpio" not in str(decisions)


# --- CSV exports ------------------------------------------------------------------------------


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_orders_csv(history, ada_client, peter):
    response = ada_client.get(reverse(CSVS[0]), {"period": 90})

    today = timezone.localdate().isoformat()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="procure-orders-{today}.csv"'
    rows = {int(row["order_id"]): row for row in rows_of(response)}
    a, d = rows[history["a"].pk], rows[history["d"].pk]
    assert list(a) == [
        "order_id", "order_number", "submitted_at", "status", "transaction_type", "requester",
        "department", "cost_onetime", "cost_monthly", "currency", "workflow", "approved_at",
        "rejected_at",
    ]  # fmt: skip
    assert (a["status"], a["requester"], a["department"]) == ("APPROVED", "Peter Edwards",
                                                               "Development")  # fmt: skip
    assert (a["cost_onetime"], a["currency"], a["workflow"]) == ("44.98", "USD", RULE)
    assert a["approved_at"] and not a["rejected_at"]
    assert d["status"] == "REJECTED" and d["rejected_at"] and not d["approved_at"]
    assert rows[history["c"].pk]["workflow"] == "Renamed rule"


def test_the_orders_csv_follows_the_period(demo, peter, ada_client):
    old, new = routed(place_order(peter)), routed(place_order(peter))
    Order.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))

    last_30 = {int(row["order_id"]) for row in rows_of(ada_client.get(reverse(CSVS[0]),
                                                                      {"period": 30}))}  # fmt: skip
    last_90 = {int(row["order_id"]) for row in rows_of(ada_client.get(reverse(CSVS[0]),
                                                                      {"period": 90}))}  # fmt: skip

    assert new.pk in last_30 and old.pk not in last_30
    assert {old.pk, new.pk} <= last_90


def test_the_decisions_csv(history, ada_client):
    response = ada_client.get(reverse(CSVS[1]))

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="procure-decisions-{today}.csv"'
    )
    rows = rows_of(response)
    assert len(rows) == 6
    rejected = next(row for row in rows if row["action"] == "REJECT")
    assert rejected["order_id"] == str(history["d"].pk)
    assert (rejected["step"], rejected["decided_for"], rejected["decided_by"]) == (
        "1", "Maria Lopez", "Maria Lopez"
    )  # fmt: skip
    assert (rejected["reason"], rejected["channel"]) == ("Too dear", "API")
    assert (rejected["time_to_decision_seconds"], rejected["time_to_decision"]) == ("14400", "4 h")
    for_ian = next(row for row in rows if row["decided_by"] == "Sam Okafor")
    assert (for_ian["decided_for"], for_ian["step"]) == ("Ian Tran", "2")


def test_the_decisions_csv_follows_the_period(demo, peter, maria, ada_client):
    old = routed(place_order(peter))
    decide_step(old, maria, waited=timedelta(hours=1), days_ago=50)

    assert rows_of(ada_client.get(reverse(CSVS[1]), {"period": 30})) == []
    assert [row["order_id"] for row in rows_of(ada_client.get(reverse(CSVS[1])))] == [str(old.pk)]


def test_the_figures_csv_holds_every_table_of_the_page(history, ada_client):
    response = ada_client.get(reverse(CSVS[2]), {"period": 90})

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="procure-analytics-{today}.csv"'
    )
    rows = rows_of(response)
    by = {(row["section"], row["name"]): row for row in rows}
    assert {section for section, _ in by} == {
        "overall", "by_approver", "by_step", "by_rule", "slowest_approvers",
        "outcomes_overall", "outcomes_by_rule",
    }  # fmt: skip
    maria = by["by_approver", "Maria Lopez"]
    assert (maria["decisions"], maria["median_seconds"], maria["p90_seconds"]) == (
        "4", str(3 * HOUR), str(round(5.4 * HOUR))
    )  # fmt: skip
    assert by["by_approver", "Ian Tran"]["decided_by_others"] == "1"
    rule = by["outcomes_by_rule", RULE]
    assert (rule["approved"], rule["rejected"], rule["withdrawn"], rule["failed"]) == (
        "1", "1", "1", "1"
    )  # fmt: skip
    assert (rule["approval_rate"], rule["pending"]) == ("0.25", "1")


def test_an_unknown_period_is_refused_by_the_exports(ada_client, demo):
    for name in CSVS:
        response = ada_client.get(reverse(name), {"period": "abc"})
        assert response.status_code == 400
        assert response.content.decode() == "Choose one of the periods offered."


@pytest.mark.parametrize("reason", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_cell_that_reads_as_a_formula_is_quoted(demo, peter, maria, ada_client, reason):
    order = routed(place_order(peter))
    decide_step(order, maria, waited=timedelta(hours=1), action="REJECT", reason=reason)

    (row,) = rows_of(ada_client.get(reverse(CSVS[1])))

    assert row["reason"] == "'" + reason


def test_the_dashboard_links_to_the_analytics_and_its_exports(ada_client, demo):
    page = ada_client.get(reverse("manage:dashboard")).content.decode()

    assert reverse(PAGE) in page
    for name in CSVS:
        assert reverse(name) in page


# --- As many queries for 30 decisions and 10 approvers as for 3 and 2 -------------------------


def spread_decisions(people: list[Employee], count: int) -> None:
    """`count` decided steps (one in three rejected) of peter's orders, counted for `people` in
    turn (decided by maria)."""
    peter, maria = (Employee.objects.get(user__username=name) for name in ("peter", "maria"))
    for number in range(count):
        order = routed(place_order(peter))
        reject = number % 3 == 2
        decision = decide_step(
            order, maria, waited=timedelta(minutes=10 * (number + 1)),
            action="REJECT" if reject else "APPROVE", reason="No" if reject else "",
        )  # fmt: skip
        Decision.objects.filter(pk=decision.pk).update(decided_for=people[number % len(people)])


def queries_of(client, name: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name))
        if name != PAGE:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_page_and_exports_run_a_fixed_number_of_queries(
    demo, maria, ada_client, django_assert_max_num_queries
):
    people = [maria] + [
        EmployeeFactory(tenant=demo.acme, department=maria.department) for _ in range(9)
    ]
    peter = Employee.objects.get(user__username="peter")
    spread_decisions(people[:2], 3)
    routed(place_order(peter))  # one waiting
    for name in [PAGE, *CSVS]:  # warm-up: per-process caches are not per-request
        queries_of(ada_client, name)
    few = {name: queries_of(ada_client, name) for name in [PAGE, *CSVS]}

    spread_decisions(people, 27)
    for _ in range(5):
        routed(place_order(peter))
    many = {name: queries_of(ada_client, name) for name in [PAGE, *CSVS]}

    figures = analytics.figures(demo.acme, analytics.Period.last())
    assert (figures.overall.count, len(figures.by_approver)) == (30, 10)
    assert many == few
    with django_assert_max_num_queries(20):
        ada_client.get(reverse(PAGE))


def selects_of(captured: CaptureQueriesContext) -> SimpleNamespace:
    """The queries run, the exports' server-side cursors (iterator()) as their SELECTs."""
    return SimpleNamespace(
        captured_queries=[
            {"sql": re.sub(r"^DECLARE .*? CURSOR (WITH HOLD )?FOR ", "", query["sql"])}
            for query in captured.captured_queries
        ]
    )


def test_the_page_and_exports_read_the_big_tables_through_indexes(history, ada_client):
    for name in [PAGE, *CSVS]:
        with CaptureQueriesContext(connection) as captured:
            response = ada_client.get(reverse(name))
            if name != PAGE:
                b"".join(response.streaming_content)
        selects = selects_of(captured)
        assert sum("approvals_decision" in q["sql"] or "orders_order" in q["sql"]
                   for q in selects.captured_queries) >= 1  # fmt: skip

        assert whole_reads_of(selects) == [], name
