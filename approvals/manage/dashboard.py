"""The tenant admin dashboard: orders by status, approvals waiting, median time to a decision
per week. The approval figures are approvals.analytics' (the analytics page shows more)."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from approvals import analytics
from approvals.manage.charts import Bar, bar_chart
from approvals.models import ApprovalWorkflow
from catalog.models import Accessory
from orders.models import Notification, NotificationSetting, Order
from portal.models import Employee, EmployeeGroup
from portal.web.pages import tenant_admin_required

CHART_WEEKS = 8
LONGEST_WAITING = 5


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
    levels = analytics.waiting_by_step(tenant)
    longest = analytics.oldest_waiting(tenant, limit=LONGEST_WAITING, approvers=False)
    weeks = analytics.decision_weeks(tenant, weeks=CHART_WEEKS)
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


def _chart(weeks: list[dict]) -> dict:
    return bar_chart(
        [
            Bar(
                label=f"{week['week'].day} {week['week']:%b}",
                value=week["median"],
                text=week["wait"],
                current=week["current"],
                count=week["count"],
            )
            for week in weeks
        ]
    )
