"""The tenant admin dashboard: orders by status, approvals waiting, median time to a decision
per week."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Aggregate, Count, DateField, F, FloatField, Min, Q, Value
from django.db.models.functions import Cast, Extract, Greatest, TruncWeek
from django.shortcuts import render
from django.utils import timezone

from approvals.models import ApprovalRun, ApprovalWorkflow, Decision, RunStep
from catalog.models import Accessory
from orders.models import Notification, NotificationSetting, Order
from portal.models import Employee, EmployeeGroup
from portal.web.pages import tenant_admin_required

CHART_WEEKS = 8


@tenant_admin_required
def dashboard(request):
    tenant = request.employee.tenant
    counts = dict(
        Order.objects.filter(tenant=tenant)
        .values_list("status")
        # COUNT(*), not of the ids: counted off the (tenant, status) index alone.
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )
    statuses = [
        {"status": status, "label": label, "count": counts.get(status, 0)}
        for status, label in Order.Status.choices
    ]
    waiting = RunStep.objects.filter(
        run__tenant=tenant, state=RunStep.State.ACTIVE, run__state=ApprovalRun.State.PENDING
    )
    levels = list(
        waiting.values("position")
        .annotate(count=Count("id"), oldest=Min("started_at"))
        .order_by("position")
    )
    longest = waiting.select_related("run__order__requested_by").order_by("started_at", "id")[:5]
    weeks = _decision_weeks(tenant)
    off = NotificationSetting.objects.filter(tenant=tenant, enabled=False).count()
    context = {
        "statuses": statuses,
        "orders_total": sum(counts.values()),
        "waiting_total": sum(level["count"] for level in levels),
        "levels": levels,
        "longest": longest,
        "weeks": weeks,
        "chart": _chart(weeks),
        "now": timezone.now(),
        "tiles": {
            "workflows": ApprovalWorkflow.objects.filter(tenant=tenant, is_active=True).count(),
            "groups": EmployeeGroup.objects.filter(tenant=tenant).count(),
            "employees": Employee.objects.filter(tenant=tenant).active().count(),
            "accessories": Accessory.objects.offered_to(tenant).count(),
            "notifications_on": len(Notification.Event.values) - off,
            "notifications": len(Notification.Event.values),
        },
    }
    return render(request, "approvals/manage/dashboard.html", context)


def _decision_weeks(tenant) -> list[dict]:
    """The median time from a step reaching its approvers to their decision, per week (Monday
    to Sunday, the tenant's time zone), for the last CHART_WEEKS weeks, oldest first."""
    today = timezone.localdate()
    this_week = today - timedelta(days=today.weekday())
    first = this_week - timedelta(weeks=CHART_WEEKS - 1)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    waits = _waits_per_week(tenant, since)
    weeks = []
    for index in range(CHART_WEEKS):
        week = first + timedelta(weeks=index)
        count, median = waits.get(week, (0, None))
        weeks.append(
            {
                "week": week,
                "median": median,
                "wait": duration(median),
                "count": count,
                "current": week == this_week,
            }
        )
    return weeks


class PercentileDisc(Aggregate):
    """PostgreSQL's percentile_disc: the first of the ordered values at or past a fraction."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float) -> None:
        super().__init__(expression, fraction=fraction)


# Just past a half: percentile_disc then gives the upper of the two middle values of an even
# count (and the middle one of an odd count), for any count under 500 million.
UPPER_HALF = 0.5 + 1e-9


def _waits_per_week(tenant, since: datetime) -> dict[date, tuple[int, float]]:
    """Per week: how many decisions, and the median of their waits in seconds (from the step
    starting to the decision, never below 0), aggregated in PostgreSQL. The median is
    statistics.median's: the middle wait, or the mean of the two middle ones."""
    wait = Greatest(
        Cast(Extract(F("created_at") - F("step__started_at"), "epoch"), FloatField()),
        Value(0.0),
    )
    rows = (
        Decision.objects.filter(
            step__run__in=_runs_decided_since(tenant, since),
            created_at__gte=since,
            step__started_at__isnull=False,
        )
        .annotate(week=TruncWeek("created_at", output_field=DateField()))
        .order_by()
        .values("week")
        .annotate(
            count=Count("*"),
            lower=PercentileDisc(wait, fraction=0.5),
            upper=PercentileDisc(wait, fraction=UPPER_HALF),
        )
    )
    return {row["week"]: (row["count"], (row["lower"] + row["upper"]) / 2) for row in rows}


def _runs_decided_since(tenant, since: datetime):
    """The tenant's runs that can hold a decision made since `since`: pending ones, and those
    that ended since. A decision is stored only on a pending run (approvals.services.decide)
    and a run leaves pending for good, its ended_at set then: a run that ended earlier holds no
    later decision. Read off the (tenant, ended_at) index: decisions have no tenant of their
    own, and reaching it through every recent decision of every tenant read them all."""
    return ApprovalRun.objects.filter(tenant=tenant).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=since)
    )


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


# The chart is drawn on the server (inline SVG): no script, works offline and in e-mail.
CHART = {"width": 720, "height": 250, "top": 40, "bottom": 44, "side": 10}


def _chart(weeks: list[dict]) -> dict:
    values = [week["median"] for week in weeks if week["median"] is not None]
    highest = max(values, default=0)
    plot = CHART["height"] - CHART["top"] - CHART["bottom"]
    slot = (CHART["width"] - 2 * CHART["side"]) / len(weeks)
    bar_width = slot * 0.56
    bars = []
    for index, week in enumerate(weeks):
        value = week["median"]
        height = 0.0
        if value is not None:
            height = max(plot * value / highest if highest else 0, 3)
        x = CHART["side"] + index * slot + (slot - bar_width) / 2
        y = CHART["top"] + plot - height
        bars.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "width": round(bar_width, 1),
                "height": round(height, 1),
                "center": round(x + bar_width / 2, 1),
                "value_y": round(y - 8, 1) if value is not None else CHART["top"] + plot - 8,
                "value": duration(value),
                "label": f"{week['week'].day} {week['week']:%b}",
                "count": week["count"],
                "empty": value is None,
                "current": week["current"],
            }
        )
    return {
        **CHART,
        "bars": bars,
        "baseline": CHART["top"] + plot,
        "label_y": CHART["height"] - 14,
        "has_data": bool(values),
        "right": CHART["width"] - CHART["side"],
    }
