"""Approval analytics: how quickly approvers decide, what waits, how runs end. Plain selectors,
read by the tenant admin's analytics page, its CSV exports and the dashboard alike.

Every query that reads steps or decisions is here, so that a change to how a step is decided
(several approver sources on one step, each with its decision) is adapted in one place. A wait
is the time from a step reaching its approvers (RunStep.started_at) to a decision on it
(Decision.created_at). Each figure is aggregated in PostgreSQL (percentile_cont), in one query
whatever the number of orders, decisions or approvers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Aggregate,
    Count,
    DateField,
    F,
    FloatField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Extract, Greatest, TruncWeek
from django.utils import timezone

from approvals.models import ApprovalRun, Decision, RunStep
from orders.models import Order, OrderApprover, OrderHistory
from portal.models import Tenant

# The periods an admin may look back over, in days; the page opens on the default.
PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
# An approver's median says little about a couple of decisions: the slowest list needs this many.
SLOWEST_MIN_DECISIONS = 3
SLOWEST_LIMIT = 5
OLDEST_WAITING_LIMIT = 10
WEEKS = 8


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont: the value at a fraction of the ordered values, interpolated
    between the two nearest (at 0.5, statistics.median's: the middle one, or the mean of the two
    middle ones)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float) -> None:
        super().__init__(expression, fraction=fraction)


def wait_seconds():
    """A decision's wait in seconds: from its step starting to the decision, never below 0 (a
    clock step backwards must not make a decision look faster than instant)."""
    return Greatest(
        Cast(Extract(F("created_at") - F("step_started_at"), "epoch"), FloatField()),
        Value(0.0),
    )


def wait_figures():
    """The aggregates of every wait table: how many decisions, their median and 90th
    percentile."""
    wait = wait_seconds()
    return {
        "count": Count("*"),
        "median": Percentile(wait, fraction=0.5),
        "p90": Percentile(wait, fraction=0.9),
    }


def duration(seconds: float | None) -> str:
    """A wait, as people say it: 40 min, 5.5 h, 2.1 d."""
    if seconds is None:
        return "\N{EN DASH}"
    if seconds < 60:
        return "< 1 min"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h".replace(".0 ", " ")
    return f"{seconds / 86400:.1f} d".replace(".0 ", " ")


# --- The period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The last `days` days, up to now."""

    days: int
    since: datetime

    @classmethod
    def last(cls, days: int = DEFAULT_PERIOD, *, now: datetime | None = None) -> Period:
        if days not in PERIODS:
            raise ValueError(f"period must be one of {PERIODS}")
        return cls(days=days, since=(now or timezone.now()) - timedelta(days=days))


def decisions_since(tenant: Tenant, since: datetime) -> QuerySet[Decision]:
    """The tenant's decisions made since `since` (off the decision's (tenant, created_at)
    index), on steps that had started (every decided step has; the filter keeps a wait from
    being NULL)."""
    return Decision.objects.filter(
        tenant=tenant, created_at__gte=since, step_started_at__isnull=False
    )


# --- Time to decision ----------------------------------------------------------------------


@dataclass(frozen=True)
class Waits:
    """How long one approver, step or rule took to decide (seconds)."""

    label: str
    count: int
    median: float | None
    p90: float | None
    # Decisions someone else made for them (a delegate, a tenant admin acting for them).
    decided_by_others: int = 0
    key: object = None

    @property
    def median_text(self) -> str:
        return duration(self.median)

    @property
    def p90_text(self) -> str:
        return duration(self.p90)


def waits_overall(tenant: Tenant, period: Period) -> Waits:
    """Every decision of the period."""
    row = decisions_since(tenant, period.since).aggregate(**wait_figures())
    return Waits(label="All decisions", count=row["count"], median=row["median"], p90=row["p90"])


def _by_approver(tenant: Tenant, period: Period) -> QuerySet:
    return (
        decisions_since(tenant, period.since)
        .order_by()
        .values("decided_for", "decided_for__first_name", "decided_for__last_name")
        .annotate(
            **wait_figures(),
            by_others=Count("id", filter=~Q(decided_by=F("decided_for"))),
        )
    )


def _approver_waits(row: dict) -> Waits:
    name = f"{row['decided_for__first_name']} {row['decided_for__last_name']}".strip()
    return Waits(
        label=name,
        count=row["count"],
        median=row["median"],
        p90=row["p90"],
        decided_by_others=row["by_others"],
        key=row["decided_for"],
    )


def waits_by_approver(tenant: Tenant, period: Period) -> list[Waits]:
    """Per approver the decisions counted for (decided_for), by name."""
    rows = _by_approver(tenant, period).order_by(
        "decided_for__last_name", "decided_for__first_name", "decided_for"
    )
    return [_approver_waits(row) for row in rows]


def slowest_approvers(tenant: Tenant, period: Period) -> list[Waits]:
    """The approvers with the highest median wait, of those with at least
    SLOWEST_MIN_DECISIONS decisions in the period."""
    rows = (
        _by_approver(tenant, period)
        .filter(count__gte=SLOWEST_MIN_DECISIONS)
        .order_by("-median", "decided_for__last_name", "decided_for")[:SLOWEST_LIMIT]
    )
    return [_approver_waits(row) for row in rows]


def waits_by_step(tenant: Tenant, period: Period) -> list[Waits]:
    """Per step of the runs (its level: 1 the first), first step first."""
    rows = (
        decisions_since(tenant, period.since)
        .order_by()
        .values("step__position")
        .annotate(**wait_figures())
        .order_by("step__position")
    )
    return [
        Waits(
            label=f"Step {row['step__position']}",
            count=row["count"],
            median=row["median"],
            p90=row["p90"],
            key=row["step__position"],
        )
        for row in rows
    ]


def waits_by_rule(tenant: Tenant, period: Period) -> list[Waits]:
    """Per approval rule, as it was named when its run began (ApprovalRun.workflow_name)."""
    rows = (
        decisions_since(tenant, period.since)
        .order_by()
        .values("step__run__workflow_name")
        .annotate(**wait_figures())
        .order_by("step__run__workflow_name")
    )
    return [
        Waits(
            label=row["step__run__workflow_name"],
            count=row["count"],
            median=row["median"],
            p90=row["p90"],
            key=row["step__run__workflow_name"],
        )
        for row in rows
    ]


def decision_weeks(tenant: Tenant, *, weeks: int = WEEKS) -> list[dict]:
    """The median wait per week (Monday to Sunday, the tenant's time zone) for the last `weeks`
    weeks, oldest first, weeks without decisions included."""
    today = timezone.localdate()
    this_week = today - timedelta(days=today.weekday())
    first = this_week - timedelta(weeks=weeks - 1)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = (
        decisions_since(tenant, since)
        .annotate(week=TruncWeek("created_at", output_field=DateField()))
        .order_by()
        .values("week")
        .annotate(count=Count("*"), median=Percentile(wait_seconds(), fraction=0.5))
    )
    found: dict[date, dict] = {row["week"]: row for row in rows}
    result = []
    for index in range(weeks):
        week = first + timedelta(weeks=index)
        row = found.get(week, {"count": 0, "median": None})
        result.append(
            {
                "week": week,
                "median": row["median"],
                "wait": duration(row["median"]),
                "count": row["count"],
                "current": week == this_week,
            }
        )
    return result


# --- What waits now ------------------------------------------------------------------------


def steps_waiting(tenant: Tenant) -> QuerySet[RunStep]:
    """The active steps of the tenant's pending runs: what waits for a decision now."""
    return RunStep.objects.filter(
        run__tenant=tenant, state=RunStep.State.ACTIVE, run__state=ApprovalRun.State.PENDING
    )


def waiting_by_step(tenant: Tenant) -> list[dict]:
    """Per step level: how many wait, and since when the oldest."""
    return list(
        steps_waiting(tenant)
        .values("position")
        .annotate(count=Count("id"), oldest=Min("started_at"))
        .order_by("position")
    )


def oldest_waiting(
    tenant: Tenant, *, limit: int = OLDEST_WAITING_LIMIT, approvers: bool = True
) -> list[RunStep]:
    """The steps waiting longest, oldest first, with their order and its requester and, with
    `approvers`, whom each waits for (`step.approvers`, one query for them all)."""
    steps = steps_waiting(tenant).select_related("run__order__requested_by")
    if approvers:
        pending = OrderApprover.objects.filter(pending=True).select_related("employee")
        steps = steps.prefetch_related(Prefetch("run__order__approvers", queryset=pending))
    return list(steps.order_by("started_at", "id")[:limit])


# --- How runs end --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcomes:
    """How one rule's runs (or all of them) ended in the period, and how many still wait."""

    label: str
    approved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def ended(self) -> int:
        return self.approved + self.rejected + self.withdrawn + self.failed

    @property
    def approval_rate(self) -> float | None:
        """The share of the ended runs that were approved (failed ones count as not)."""
        return self.approved / self.ended if self.ended else None

    @property
    def rejection_rate(self) -> float | None:
        return self.rejected / self.ended if self.ended else None

    def __add__(self, other: Outcomes) -> Outcomes:
        return Outcomes(
            label=self.label,
            **{
                name: getattr(self, name) + getattr(other, name)
                for name in ("approved", "rejected", "withdrawn", "failed", "pending")
            },
        )


@dataclass(frozen=True)
class RunOutcomes:
    by_rule: list[Outcomes] = field(default_factory=list)
    overall: Outcomes = field(default_factory=lambda: Outcomes(label="All rules"))


def run_outcomes(tenant: Tenant, period: Period) -> RunOutcomes:
    """Per rule: its runs that ended in the period, by how (approved, rejected, withdrawn when
    the order was cancelled, failed: nobody could approve or a vendor refused it after), and
    those begun in the period that still wait; and the sum of them all."""
    states = ApprovalRun.State
    rows = (
        ApprovalRun.objects.filter(tenant=tenant)
        .filter(
            Q(ended_at__gte=period.since) | Q(ended_at__isnull=True, started_at__gte=period.since)
        )
        .order_by()
        .values("workflow_name")
        .annotate(
            **{
                name: Count("id", filter=Q(state=state))
                for name, state in (
                    ("approved", states.APPROVED),
                    ("rejected", states.REJECTED),
                    ("withdrawn", states.WITHDRAWN),
                    ("failed", states.FAILED),
                    ("pending", states.PENDING),
                )
            }
        )
        .order_by("workflow_name")
    )
    by_rule = [Outcomes(label=row.pop("workflow_name"), **row) for row in rows]
    overall = Outcomes(label="All rules")
    for outcomes in by_rule:
        overall += outcomes
    return RunOutcomes(by_rule=by_rule, overall=overall)


# --- The page's figures, together ----------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    period: Period
    overall: Waits
    by_approver: list[Waits]
    by_step: list[Waits]
    by_rule: list[Waits]
    slowest: list[Waits]
    outcomes: RunOutcomes


def figures(tenant: Tenant, period: Period) -> Figures:
    """Every figure of the analytics page (and of its CSV), a query each."""
    return Figures(
        period=period,
        overall=waits_overall(tenant, period),
        by_approver=waits_by_approver(tenant, period),
        by_step=waits_by_step(tenant, period),
        by_rule=waits_by_rule(tenant, period),
        slowest=slowest_approvers(tenant, period),
        outcomes=run_outcomes(tenant, period),
    )


# --- Rows for the CSV exports (iterated, never loaded whole) -------------------------------


def _history_at(event: str) -> Subquery:
    return Subquery(
        OrderHistory.objects.filter(order=OuterRef("pk"), event=event)
        .order_by("created_at")
        .values("created_at")[:1]
    )


def orders_submitted(tenant: Tenant, period: Period) -> QuerySet[Order]:
    """The tenant's orders submitted in the period, oldest first, with what the orders CSV
    shows: requester and department, the run's rule, when it was approved or rejected (the
    order's history: an order no rule matched is approved without a run)."""
    return (
        Order.objects.filter(tenant=tenant, submitted_at__gte=period.since)
        .select_related("requested_by__department", "approval_run")
        .annotate(
            approved_at=_history_at(OrderHistory.Event.APPROVE),
            rejected_at=_history_at(OrderHistory.Event.REJECT),
        )
        .order_by("submitted_at", "id")
    )


def decisions_made(tenant: Tenant, period: Period) -> QuerySet[Decision]:
    """The tenant's decisions of the period, oldest first, with their order and step, whom they
    counted for, who made them, and their wait in seconds (`wait`)."""
    return (
        decisions_since(tenant, period.since)
        .select_related("step__run__order", "decided_for", "decided_by")
        .annotate(wait=wait_seconds())
        .order_by("created_at", "id")
    )
