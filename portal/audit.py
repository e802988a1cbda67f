"""The configuration-change audit: one call per change, from the service that made it.

    from portal import audit

    audit.record_change(
        tenant=group.tenant, actor=actor, action=audit.UPDATED,
        target_type="approver group", target_id=group.pk, target_name=old_name,
        before={"name": old_name, "members": ["Ann Lee"]},
        after={"name": group.name, "members": ["Ann Lee", "Bo Ng"]},
    )

Services need no request: where the change came from (the address, the OAuth client, the
correlation id, the channel, and whoever really called when a tenant admin acts as someone
through the API's context headers) is the `origin` of the current request, set by
portal.middleware.RequestContextMiddleware for every request and completed by the API's
authentication (portal.api.context) once it knows the client and the caller. Tasks and the
shell have the default origin: channel SYSTEM, no address.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.db import models

from portal.models import AuditEvent, Employee, Tenant

CREATED = AuditEvent.Action.CREATED
UPDATED = AuditEvent.Action.UPDATED
DELETED = AuditEvent.Action.DELETED

PAGE = AuditEvent.Channel.PAGE
API = AuditEvent.Channel.API
ADMIN = AuditEvent.Channel.ADMIN
SYSTEM = AuditEvent.Channel.SYSTEM

# What a change is about (AuditEvent.target_type), in the words the audit page shows.
APPROVAL_WORKFLOW = "approval workflow"
APPROVER_GROUP = "approver group"
EMPLOYEE = "employee"
HIERARCHY = "hierarchy"
DELEGATION = "delegation"
ORDER_PROPERTY_GROUP = "order property group"
ORDER_PROPERTY = "order property"
CATALOG_OFFERING = "catalog offering"
UPGRADE_PERIOD = "upgrade period"
NOTIFICATION_SETTINGS = "notification settings"
ACKNOWLEDGEMENT = "acknowledgement"
SERVICE_ASSIGNMENT = "service assignment"
TARGET_TYPES = (
    APPROVAL_WORKFLOW,
    APPROVER_GROUP,
    EMPLOYEE,
    HIERARCHY,
    DELEGATION,
    ORDER_PROPERTY_GROUP,
    ORDER_PROPERTY,
    CATALOG_OFFERING,
    UPGRADE_PERIOD,
    NOTIFICATION_SETTINGS,
    ACKNOWLEDGEMENT,
    SERVICE_ASSIGNMENT,
)


@dataclass(frozen=True)
class Origin:
    """Where the current change comes from."""

    channel: str = SYSTEM
    ip_address: str | None = None
    client_id: str = ""
    correlation_id: str = ""
    # When a call acts as someone else (the API's context headers): who really called, and
    # whom they act as.
    caller: Employee | None = None
    acting_as: Employee | None = None

    def but(self, **changes) -> Origin:
        """A copy with some fields changed."""
        return replace(self, **changes)


# Origin is frozen: the shared default cannot be changed in place.
origin: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())  # noqa: B039


def record_change(
    *, tenant: Tenant | int, actor: Employee | None, action: str, target_type: str,
    target_id, target_name: str, before: Mapping | None, after: Mapping | None,
) -> AuditEvent | None:  # fmt: skip
    """Store one configuration change, with the origin of the current request.

    `before` / `after`: the target's fields as plain values (model instances become their
    names, dates and decimals strings, sets sorted lists). For an update only the fields whose
    value changed are kept, and an update that changed nothing records nothing (returns None):
    saving a form unchanged is no change. Call it inside the service's transaction, so that the
    row commits or rolls back with the change.
    """
    if action not in AuditEvent.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    before = _plain(dict(before)) if before is not None else None
    after = _plain(dict(after)) if after is not None else None
    if action == UPDATED:
        before, after = changed_fields(before or {}, after or {})
        if not before and not after:
            return None
    here = origin.get()
    caller = None
    acting = here.caller is not None and here.acting_as is not None and actor is not None
    # Services are handed either the person acted as or the real caller (admin rights are the
    # caller's own); the row names both, as the decision audit does.
    if acting and actor.pk in (here.caller.pk, here.acting_as.pk):
        actor, caller = here.acting_as, here.caller
    return AuditEvent.objects.create(
        tenant_id=tenant.pk if isinstance(tenant, Tenant) else tenant,
        actor=actor,
        caller=caller,
        ip_address=here.ip_address,
        client_id=here.client_id[:100],
        correlation_id=here.correlation_id[:100],
        channel=here.channel,
        action=action,
        target_type=target_type,
        target_id="" if target_id is None else str(target_id),
        target_name=(target_name or "")[:255],
        before=before,
        after=after,
    )


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """The fields of before and after whose values differ (a field on one side only counts)."""
    keys = [*before, *(key for key in after if key not in before)]
    changed = [key for key in keys if before.get(key) != after.get(key)]
    return (
        {key: before.get(key) for key in changed},
        {key: after.get(key) for key in changed},
    )


def request_origin(request, channel: str) -> Origin:
    """The origin of a request, before anything is known about its caller."""
    return Origin(
        channel=channel,
        ip_address=client_ip(request),
        # The pages' client, as decisions made on them record it (approvals.web.deciding).
        client_id="web" if channel == PAGE else "",
        correlation_id=getattr(request, "correlation_id", "") or "",
    )


def client_ip(request) -> str | None:
    """The client's address: behind the proxy (settings.AXES_CLIENT_IP_CALLABLE) the one the
    proxy added, as the sign-in limits read it; otherwise REMOTE_ADDR."""
    from django.conf import settings

    if getattr(settings, "AXES_CLIENT_IP_CALLABLE", None):
        from portal.auth import client_ip_behind_proxy  # imports axes: only once apps are ready

        return client_ip_behind_proxy(request)
    return request.META.get("REMOTE_ADDR") or None


def _plain(value):
    """value as JSON can hold it, and as the audit page shows it."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(item) for item in value), key=str)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.loads(json.dumps(value, default=str))
