"""The tenant admin's approval analytics page: time to decision by approver, step and rule,
the slowest approvers, what waits longest, and how runs end, over a chosen period. The figures
are approvals.analytics'; this view parses the period, charts them and renders."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils import timezone

from approvals import analytics
from approvals.manage.charts import Bar, bar_chart
from portal.web.pages import tenant_admin_required


class PeriodForm(forms.Form):
    """The period the page (and its CSV links) look back over."""

    period = forms.TypedChoiceField(
        label="Period",
        choices=[(days, f"Last {days} days") for days in analytics.PERIODS],
        coerce=int,
        initial=analytics.DEFAULT_PERIOD,
        error_messages={"invalid_choice": "Choose one of the periods offered."},
    )


def period_of(request) -> tuple[PeriodForm, analytics.Period | None]:
    """The period the query string asks for (the default when it asks none); None, with the
    form's error, when it asks one not offered."""
    data = request.GET if "period" in request.GET else {"period": analytics.DEFAULT_PERIOD}
    form = PeriodForm(data)
    if not form.is_valid():
        # The page then shows the default period: the select says so too (its error stays).
        form.data = {"period": analytics.DEFAULT_PERIOD}
        return form, None
    return form, analytics.Period.last(form.cleaned_data["period"])


@tenant_admin_required
def analytics_page(request):
    tenant = request.employee.tenant
    form, period = period_of(request)
    if period is None:  # the error is shown on the form; the page shows the default period
        period = analytics.Period.last()
    figures = analytics.figures(tenant, period)
    now = timezone.now()
    waiting = analytics.oldest_waiting(tenant)
    context = {
        "form": form,
        "period": period,
        "figures": figures,
        "waiting": waiting,
        "now": now,
        "slowest_min": analytics.SLOWEST_MIN_DECISIONS,
        "charts": {
            "approver": _wait_chart(figures.by_approver),
            "step": _wait_chart(figures.by_step),
            "rule": _wait_chart(figures.by_rule),
            "slowest": _wait_chart(figures.slowest),
            "waiting": _waiting_chart(waiting, now),
            "outcomes": _outcomes_chart(figures.outcomes),
        },
    }
    return render(request, "approvals/manage/analytics.html", context)


def _wait_chart(rows: list[analytics.Waits]) -> dict:
    return bar_chart(
        [
            Bar(
                label=row.label,
                value=row.median,
                text=row.median_text,
                title=f"{row.label}: median {row.median_text}, 90th percentile {row.p90_text}, "
                f"over {row.count} decision{'s' if row.count != 1 else ''}",
            )
            for row in rows
        ],
        rows=True,
    )


def _waiting_chart(steps, now) -> dict:
    bars = []
    for step in steps:
        if step.started_at is None:  # an active step has started; never a 500 if one has not
            continue
        waited = (now - step.started_at).total_seconds()
        label = f"Order #{step.run.order_id}"
        text = analytics.duration(waited)
        bars.append(Bar(label=label, value=waited, text=text, title=f"{label}: waiting {text}"))
    return bar_chart(bars, rows=True)


OUTCOMES = ("approved", "rejected", "withdrawn", "failed")


def _outcomes_chart(outcomes: analytics.RunOutcomes) -> dict:
    """A full-length bar per rule (and for all of them), split by how its runs ended."""
    bars = []
    for row in [outcomes.overall, *outcomes.by_rule] if outcomes.by_rule else []:
        rate = row.approval_rate
        text = f"{rate:.0%} approved" if rate is not None else "none ended"
        counts = ", ".join(f"{getattr(row, name)} {name}" for name in OUTCOMES)
        bars.append(
            Bar(
                label=row.label,
                value=1 if row.ended else None,
                text=text,
                title=f"{row.label}: {text} of {row.ended} ended ({counts})",
                parts=tuple((name, getattr(row, name) / row.ended) for name in OUTCOMES)
                if row.ended
                else (),
            )
        )
    return bar_chart(bars, rows=True)
