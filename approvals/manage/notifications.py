"""Which notifications are sent, and whether approval e-mails' links decide without signing in.
The rules live in orders.notifications; these views parse and render."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from orders import notifications
from orders.models import Notification, NotificationSetting
from portal.web.pages import tenant_admin_required

logger = logging.getLogger(__name__)


Event = Notification.Event


# Who hears about what: the page says it beside each switch.
EVENT_AUDIENCE = {
    Event.APPROVAL_REQUESTED: "Approvers, when an order reaches their step.",
    Event.APPROVAL_REMINDER: "Approvers, when a step waits past its reminder delay.",
    Event.APPROVAL_ESCALATED: "Their managers (or the tenant admins), when a step waits past "
    "its escalation delay.",
    Event.ORDER_APPROVED: "The requester, when the last step approves.",
    Event.ORDER_REJECTED: "The requester, with the reason, when an approver rejects.",
    Event.ORDER_SHIPPED: "The requester, with tracking numbers, when everything has shipped.",
    Event.ORDER_COMPLETED: "The requester, when the order is delivered and complete.",
    Event.ORDER_FAILED: "The requester, when a carrier refuses the order for good.",
    Event.DELEGATE_NAMED: "A delegate, when someone names them to decide in their place.",
}


@tenant_admin_required
def notification_settings(request):
    """Which notifications the tenant sends, and whether the approval e-mails' decision links
    work without signing in (off by default: only the approver, signed in, decides by link)."""
    tenant = request.employee.tenant
    if request.method == "POST":
        enabled = [event for event in request.POST.getlist("enabled") if event in Event.values]
        without_sign_in = request.POST.get("email_link_decisions_without_sign_in") == "on"
        with transaction.atomic():
            notifications.set_notification_settings(
                tenant=tenant, actor=request.employee, enabled=enabled
            )
            notifications.set_email_link_decisions(
                tenant=tenant, actor=request.employee, without_sign_in=without_sign_in
            )
        messages.success(request, "Saved which notifications are sent.")
        return redirect("manage:notifications")
    off = set(
        NotificationSetting.objects.filter(tenant=tenant, enabled=False).values_list(
            "event", flat=True
        )
    )
    events = [
        {"value": value, "label": label, "audience": EVENT_AUDIENCE.get(value, ""),
         "enabled": value not in off}
        for value, label in Event.choices
    ]  # fmt: skip
    context = {
        "events": events,
        "email_link_decisions_without_sign_in": tenant.email_link_decisions_without_sign_in,
    }
    return render(request, "orders/manage/notification_settings.html", context)
