"""The audit trail page (/manage/audit/): decisions and refused attempts, and configuration
changes, newest first, filtered by a GET form; `?format=csv` downloads exactly the filtered
rows. The reading is approvals.audit's, shared with the API; these views parse and render."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from approvals import audit
from approvals.models import DecisionAudit
from portal.exceptions import RequestInvalid
from portal.models import AuditEvent
from portal.web.downloads import csv_download
from portal.web.pages import problems_by_field, tenant_admin_required

PAGE_SIZE = 50
FILTER_NAMES = ("type", "targetType", "actorId", "from", "to", "orderId")
KIND_CHOICES = [
    (audit.DECISION, "Decisions and refused attempts"),
    (audit.CHANGE, "Configuration changes"),
]
CHANNELS = dict(AuditEvent.Channel.choices)
DECISION_ACTIONS = {"APPROVE": "Approve", "REJECT": "Reject"}
OUTCOMES = {
    DecisionAudit.Outcome.APPROVAL_QUEUED: "approved",
    DecisionAudit.Outcome.REJECTION_QUEUED: "rejected",
    DecisionAudit.Outcome.APPROVAL_NOT_NEEDED: "refused: no approval needed any more",
    DecisionAudit.Outcome.NOT_READY_FOR_APPROVAL: "refused: not ready for approval",
    DecisionAudit.Outcome.REFUSED: "refused",
}
CHANGE_ACTIONS = dict(AuditEvent.Action.choices)


@tenant_admin_required
def audit_page(request):
    """The list, or its CSV (`format=csv`), of the tenant's audit trail."""
    tenant = request.employee.tenant
    try:
        filters = audit.read_filters(request.GET)
    except RequestInvalid as error:
        if request.GET.get("format") == "csv":
            message = " ".join(f"{p.field}: {p.message}" for p in error.problems)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return _render(request, tenant, errors=problems_by_field(error.problems))
    trail = audit.audit_trail(tenant, filters)
    if request.GET.get("format") == "csv":
        return _csv(trail)
    page = Paginator(trail, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, tenant, filters=filters, page=page)


def _render(request, tenant, *, filters=None, page=None, errors=None):
    typed = {name: request.GET.get(name, "").strip() for name in FILTER_NAMES}
    query = filters.as_query() if filters is not None else {}
    context = {
        "page": page,
        "rows": [_row(entry) for entry in page.object_list] if page is not None else [],
        "errors": errors or {},
        "typed": typed,
        "filtered": any(typed.values()),
        "query_string": urlencode(query),
        "csv_query": urlencode({**query, "format": "csv"}),
        "kinds": KIND_CHOICES,
        "target_types": [(value, value.capitalize()) for value in audit.TARGET_TYPES],
        "actors": [(str(e.pk), e.full_name) for e in audit.actor_choices(tenant)],
    }
    return render(request, "approvals/manage/audit.html", context)


def _row(entry: audit.AuditEntry) -> dict:
    """An entry as the page shows it: what happened in words, and the changed fields."""
    if entry.kind == audit.DECISION:
        what = f"{DECISION_ACTIONS.get(entry.action, entry.action)}: "
        what += OUTCOMES.get(entry.outcome, entry.outcome)
    else:
        what = f"{entry.target_type.capitalize()} {CHANGE_ACTIONS.get(entry.action, entry.action)}"
    return {
        "entry": entry,
        "what": what,
        "channel": CHANNELS.get(entry.channel, entry.channel or "not recorded"),
        "changes": [
            (_label(change.field), shown(change.before), shown(change.after))
            for change in entry.changes
        ],
    }


def _label(field: str) -> str:
    """A stored field name as a heading: "is_tenant_admin" -> "Is tenant admin"."""
    words = field.replace("_", " ").strip()
    if words.isupper():  # an event name: APPROVAL_REQUESTED
        words = words.lower()
    return words[:1].upper() + words[1:]


def shown(value) -> str:
    """A stored value in words: lists joined, yes/no, a dash for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return ", ".join(shown(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{_label(str(key))}: {shown(item)}" for key, item in value.items())
    return str(value)


# --- CSV -----------------------------------------------------------------------------------------

CSV_HEADER = [
    "type", "id", "date_time", "actor_id", "actor", "caller_id", "caller", "action", "outcome",
    "refusal_code", "reason", "target_type", "target_id", "target_name", "before", "after",
    "ip_address", "client_id", "correlation_id", "channel", "order_id",
]  # fmt: skip


def _csv(trail: audit.AuditTrail) -> StreamingHttpResponse:
    """The trail streamed (read in batches, never held whole), one line per entry."""
    return csv_download("audit", CSV_HEADER, (_csv_row(entry) for entry in trail))


def _csv_row(entry: audit.AuditEntry) -> list:
    def person(employee):
        return (employee.pk, employee.full_name) if employee is not None else ("", "")

    return [
        entry.kind,
        entry.id,
        timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
        *person(entry.actor),
        *person(entry.caller),
        entry.action,
        entry.outcome,
        entry.refusal_code,
        entry.reason,
        entry.target_type,
        entry.target_id,
        entry.target_name,
        json.dumps(entry.before, ensure_ascii=False) if entry.before is not None else "",
        json.dumps(entry.after, ensure_ascii=False) if entry.after is not None else "",
        entry.ip_address,
        entry.client_id,
        entry.correlation_id,
        entry.channel,
        entry.order_id,
    ]
