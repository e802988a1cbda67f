"""GET /audit-events: the tenant's audit trail for its admins, as the admin area's audit page
lists it (approvals.audit), paged like every MobProc list."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from approvals import audit
from orders.api.serializers import person
from portal.api.exceptions import ApiError
from portal.api.pagination import MetaPagination
from portal.api.views import api_context
from portal.exceptions import RequestInvalid
from portal.services import require_tenant_admin

_date_time = serializers.DateTimeField()

PERSON_SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
ITEM_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "D<n>: a decision, C<n>: a change."},
        "type": {"type": "string", "enum": list(audit.KINDS)},
        "dateTime": {"type": "string", "format": "date-time"},
        "actor": {**PERSON_SCHEMA, "nullable": True, "description": "Who acted (acting as)."},
        "caller": {
            **PERSON_SCHEMA,
            "nullable": True,
            "description": "Who really called, when acting for someone else.",
        },
        "action": {
            "type": "string",
            "description": "Decisions: APPROVE or REJECT; changes: CREATED, UPDATED or DELETED.",
        },
        "outcome": {
            "type": "string",
            "nullable": True,
            "description": "Decisions: APPROVAL_QUEUED, REJECTION_QUEUED, APPROVAL_NOT_NEEDED, "
            "NOT_READY_FOR_APPROVAL or REFUSED.",
        },
        "refusalCode": {"type": "string", "nullable": True},
        "reason": {"type": "string", "nullable": True},
        "target": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": list(audit.TARGET_TYPES)},
                "id": {"type": "string"},
                "name": {"type": "string", "description": "As it was named then."},
            },
        },
        "before": {
            "type": "object",
            "nullable": True,
            "description": "Changes: the changed fields as they were (all of them, deleted).",
        },
        "after": {
            "type": "object",
            "nullable": True,
            "description": "Changes: the changed fields as they became (all of them, created).",
        },
        "ipAddress": {"type": "string", "nullable": True},
        "clientId": {"type": "string", "nullable": True},
        "correlationId": {"type": "string", "nullable": True},
        "channel": {"type": "string", "nullable": True, "enum": ["PAGE", "API", "ADMIN", "SYSTEM",
                                                                 "EMAIL_LINK", None]},
        "orderId": {"type": "string", "nullable": True},
    },
}  # fmt: skip


def entry_representation(entry: audit.AuditEntry) -> dict:
    return {
        "id": entry.key,
        "type": entry.kind,
        "dateTime": _date_time.to_representation(entry.created_at),
        "actor": person(entry.actor),
        "caller": person(entry.caller),
        "action": entry.action,
        "outcome": entry.outcome or None,
        "refusalCode": entry.refusal_code or None,
        "reason": entry.reason or None,
        "target": {"type": entry.target_type, "id": entry.target_id, "name": entry.target_name},
        "before": entry.before,
        "after": entry.after,
        "ipAddress": entry.ip_address,
        "clientId": entry.client_id or None,
        "correlationId": entry.correlation_id or None,
        "channel": entry.channel or None,
        "orderId": str(entry.order_id) if entry.order_id is not None else None,
    }


class AuditEventList(APIView):
    """Decisions and refused attempts, and configuration changes, newest first (tenant admins)."""

    collection_name = "auditEvents"

    @extend_schema(
        operation_id="audit_events_list",
        parameters=[
            OpenApiParameter("type", str, enum=list(audit.KINDS), description="Only one kind."),
            OpenApiParameter("targetType", str, enum=list(audit.TARGET_TYPES)),
            OpenApiParameter("actorId", str, description="Who acted, as themselves or as another."),
            OpenApiParameter("from", str, description="From this day (YYYY-MM-DD), inclusive."),
            OpenApiParameter("to", str, description="Up to this day (YYYY-MM-DD), inclusive."),
            OpenApiParameter("orderId", str, description="Decisions on this order."),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses={200: MetaPagination().get_paginated_response_schema(ITEM_SCHEMA)},
    )
    def get(self, request):
        ctx = api_context(request)
        # Tenant admins only; acting as an admin does not make the caller one.
        require_tenant_admin(ctx.caller or ctx.actor, ctx.tenant.pk)
        try:
            filters = audit.read_filters(request.query_params)
        except RequestInvalid as error:
            message = "; ".join(f"{p.field}: {p.message}" for p in error.problems)
            raise ApiError(400, "INVALID_QUERY", message) from None
        paginator = MetaPagination()
        entries = paginator.paginate_queryset(audit.audit_trail(ctx.tenant, filters), request, self)
        return paginator.get_paginated_response([entry_representation(e) for e in entries])
