"""CSV exports of the analytics page, for tenant admins: the period's orders, its decisions and
the page's figures. Streamed row by row from a server-side cursor (iterator()), so that a big
tenant's export is never held in memory; the rows are approvals.analytics' selectors'."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse
from django.utils import timezone

from approvals import analytics
from approvals.manage.analytics import period_of
from portal.web.downloads import csv_download
from portal.web.pages import tenant_admin_required

CHUNK = 2000


def _period_or_400(request):
    form, period = period_of(request)
    if period is None:
        message = " ".join(form.errors.get("period", ["Choose a period."]))
        return None, HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return period, None


def _when(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


ORDER_HEADER = [
    "order_id",
    "order_number",
    "submitted_at",
    "status",
    "transaction_type",
    "requester",
    "department",
    "cost_onetime",
    "cost_monthly",
    "currency",
    "workflow",
    "approved_at",
    "rejected_at",
]


@tenant_admin_required
def orders_csv(request):
    period, refused = _period_or_400(request)
    if refused:
        return refused
    orders = analytics.orders_submitted(request.employee.tenant, period)
    rows = (
        [
            order.pk,
            order.external_order_number or "",
            _when(order.submitted_at),
            order.status,
            order.transaction_type,
            order.requested_by.full_name,
            order.requested_by.department.name if order.requested_by.department else "",
            order.cost_onetime,
            order.cost_monthly,
            order.currency,
            _workflow_of(order),
            _when(order.approved_at),
            _when(order.rejected_at),
        ]
        for order in orders.iterator(chunk_size=CHUNK)
    )
    return csv_download("orders", ORDER_HEADER, rows)


def _workflow_of(order) -> str:
    # No run (no rule matched): the reverse one-to-one raises an AttributeError subclass.
    run = getattr(order, "approval_run", None)
    return run.workflow_name if run else ""


DECISION_HEADER = [
    "order_id",
    "order_number",
    "step",
    "step_description",
    "action",
    "decided_for",
    "decided_by",
    "channel",
    "reason",
    "decided_at",
    "time_to_decision_seconds",
    "time_to_decision",
]


@tenant_admin_required
def decisions_csv(request):
    period, refused = _period_or_400(request)
    if refused:
        return refused
    decisions = analytics.decisions_made(request.employee.tenant, period)
    rows = (
        [
            decision.step.run.order_id,
            decision.step.run.order.external_order_number or "",
            decision.step.position,
            decision.step.description,
            decision.action,
            decision.decided_for.full_name,
            decision.decided_by.full_name,
            decision.channel,
            decision.reason,
            _when(decision.created_at),
            round(decision.wait),
            analytics.duration(decision.wait),
        ]
        for decision in decisions.iterator(chunk_size=CHUNK)
    )
    return csv_download("decisions", DECISION_HEADER, rows)


FIGURE_HEADER = [
    "section",
    "name",
    "decisions",
    "decided_by_others",
    "median_seconds",
    "p90_seconds",
    "median",
    "p90",
    "approved",
    "rejected",
    "withdrawn",
    "failed",
    "pending",
    "approval_rate",
    "rejection_rate",
]


def _seconds(value: float | None):
    return "" if value is None else round(value)


def _rate(value: float | None):
    return "" if value is None else round(value, 4)


def _figure_rows(figures: analytics.Figures) -> Iterator[list]:
    """One row per line of the page's tables, the table named in the first column."""
    sections = [
        ("overall", [figures.overall] if figures.overall.count else []),
        ("by_approver", figures.by_approver),
        ("by_step", figures.by_step),
        ("by_rule", figures.by_rule),
        ("slowest_approvers", figures.slowest),
    ]
    for section, rows in sections:
        for row in rows:
            yield [
                section, row.label, row.count, row.decided_by_others,
                _seconds(row.median), _seconds(row.p90), row.median_text, row.p90_text,
            ] + [""] * 7  # fmt: skip
    outcomes = figures.outcomes
    for section, rows in [
        ("outcomes_overall", [outcomes.overall] if outcomes.by_rule else []),
        ("outcomes_by_rule", outcomes.by_rule),
    ]:
        for row in rows:
            yield [section, row.label] + [""] * 6 + [
                row.approved, row.rejected, row.withdrawn, row.failed, row.pending,
                _rate(row.approval_rate), _rate(row.rejection_rate),
            ]  # fmt: skip


@tenant_admin_required
def figures_csv(request):
    period, refused = _period_or_400(request)
    if refused:
        return refused
    figures = analytics.figures(request.employee.tenant, period)
    return csv_download("analytics", FIGURE_HEADER, _figure_rows(figures))
