"""Notifications about orders: recorded once per (event, order, step, recipient), sent by a task.

Each notification is a row first (unique key), then an e-mail: a retried or redelivered task finds
the row sent and does nothing, and a switched-off event records nothing at all.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.models import Notification, NotificationSetting, Order
from portal import outbox
from portal.emails import build_email
from portal.exceptions import FieldProblem, RequestInvalid
from portal.models import Employee, Tenant
from portal.services import require_tenant_admin

logger = logging.getLogger(__name__)
Event = Notification.Event
SEND_TASK = "orders.send_notification"


def is_enabled(tenant_id: int, event: str) -> bool:
    setting = NotificationSetting.objects.filter(tenant_id=tenant_id, event=event).first()
    return setting is None or setting.enabled


def notify(
    order: Order,
    event: str,
    recipients: list[Employee],
    *,
    occasion: str = "",
    context: dict | None = None,
) -> list[Notification]:
    """Record a notification per recipient and queue its sending after commit.

    `occasion` tells apart repeated events of one order (the step, the reminder number...).
    """
    if not is_enabled(order.tenant_id, event):
        return []
    created = []
    for recipient in {r.pk: r for r in recipients}.values():
        if not recipient.email:
            continue
        notification, is_new = Notification.objects.get_or_create(
            key=f"{event}:{order.pk}:{occasion}:{recipient.pk}",
            defaults={
                "tenant_id": order.tenant_id,
                "order": order,
                "event": event,
                "recipient": recipient,
                "email": recipient.email,
                "context": context or {},
            },
        )
        if is_new:
            outbox.enqueue(SEND_TASK, notification.pk)
            created.append(notification)
    return created


def notify_requester(order: Order, event: str, **context) -> list[Notification]:
    return notify(order, event, [order.requested_by], context=context)


@transaction.atomic
def send(notification_id: int) -> bool:
    """Send one notification unless already sent; True when this call sent it.

    The row stays locked while the mail goes out: a worker killed mid-send rolls back, and the
    redelivered task sends it (once).
    """
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("order__tenant", "order__requested_by", "recipient")
        .get(pk=notification_id)
    )
    if notification.status == Notification.Status.SENT:
        return False
    order = notification.order
    message = build_email(
        f"emails/orders/{notification.event.lower()}",
        {
            "order": order,
            "recipient": notification.recipient,
            "event": notification.event,
            **notification.context,
        },
        to=[notification.email],
    )
    # The idempotency key of an e-mail: a send retried after a crash between handing the mail
    # over and recording it carries the same Message-ID, which mail systems deduplicate on.
    message.extra_headers["Message-ID"] = message_id(notification)
    notification.attempts += 1
    message.send()
    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.result = "Delivered to the mail server."
    notification.save(update_fields=["status", "sent_at", "result", "attempts"])
    logger.info("notification %s sent: %s", notification.pk, notification)
    return True


def message_id(notification: Notification) -> str:
    """The notification's stable Message-ID (one per notification, whatever the attempt)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<notification-{notification.pk}@{host}>"


@transaction.atomic
def set_notification_settings(*, tenant: Tenant, actor: Employee, enabled: Collection[str]) -> None:
    """Switch each notification event on (listed in `enabled`) or off for the tenant.

    Raises NotAllowed, or RequestInvalid for an unknown event.
    """
    require_tenant_admin(actor, tenant.pk)
    unknown = ", ".join(sorted(set(enabled) - set(Notification.Event.values)))
    if unknown:
        raise RequestInvalid([FieldProblem("events", "INVALID_VALUE", f"Unknown: {unknown}.")])
    for event in Notification.Event.values:
        NotificationSetting.objects.update_or_create(
            tenant=tenant, event=event, defaults={"enabled": event in enabled}
        )
    logger.info("notification settings of tenant %s saved by %s", tenant.pk, actor.pk)
