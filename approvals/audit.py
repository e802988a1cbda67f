"""The tenant's audit trail: decisions and refused attempts (approvals.DecisionAudit) and
configuration changes (portal.AuditEvent) in one list, newest first.

One reading for every interface: the admin area's audit page, its CSV download and
`GET /api/v1/audit-events` all call `read_filters` and `audit_trail`, so a filter means the same
thing everywhere and the CSV holds exactly the rows the page lists.

The list is a UNION ALL of the two tables' keys (kind, id, time), ordered and sliced in the
database; a page then reads its rows of each kind by id, with the people they name joined: a
fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import CharField, Q, QuerySet, Value
from django.utils import timezone

from approvals.models import DecisionAudit
from portal import audit as change_audit
from portal.exceptions import FieldProblem, RequestInvalid
from portal.ids import is_id
from portal.models import AuditEvent, Employee, Tenant

DECISION = "DECISION"
CHANGE = "CHANGE"
KINDS = (DECISION, CHANGE)
# The target of a decision, as the list names it beside the configuration's target types.
ORDER = "order"
TARGET_TYPES = (ORDER, *change_audit.TARGET_TYPES)

# Rows read per query while streaming the whole list (the CSV).
STREAM_BATCH = 500


@dataclass(frozen=True)
class AuditFilters:
    """What the list is narrowed to; every field empty: everything of the tenant."""

    kind: str = ""  # DECISION, CHANGE, or "" for both
    target_type: str = ""
    actor_id: int | None = None  # who acted, as themselves or as someone else
    date_from: datetime.date | None = None  # inclusive, in the portal's time zone
    date_to: datetime.date | None = None  # inclusive
    order_id: int | None = None  # decisions on this order (configuration changes have none)

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (the names read_filters reads), empty ones left out."""
        values = {
            "type": self.kind,
            "targetType": self.target_type,
            "actorId": self.actor_id,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "orderId": self.order_id,
        }
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


def read_filters(params: Mapping[str, str]) -> AuditFilters:
    """The filters of a query (page or API): type=DECISION|CHANGE, targetType, actorId,
    from / to (YYYY-MM-DD), orderId (an order number, "#" allowed). Blank counts as absent.

    Raises RequestInvalid listing every parameter that is not understood.
    """

    def text(name: str) -> str:
        return (params.get(name) or "").strip()

    problems = []
    kind = text("type").upper()
    if kind and kind not in KINDS:
        problems.append(FieldProblem("type", "INVALID_VALUE", "Choose DECISION or CHANGE."))
    target_type = text("targetType").lower()
    if target_type and target_type not in TARGET_TYPES:
        choices = ", ".join(TARGET_TYPES)
        problems.append(FieldProblem("targetType", "INVALID_VALUE", f"Choose one of: {choices}."))
    actor_id = _id(text("actorId"), "actorId", problems)
    order_id = _id(text("orderId").removeprefix("#"), "orderId", problems)
    date_from = _date(text("from"), "from", problems)
    date_to = _date(text("to"), "to", problems)
    if date_from and date_to and date_to < date_from:
        problems.append(FieldProblem("to", "INVALID_VALUE", "The end comes before the start."))
    if problems:
        raise RequestInvalid(problems)
    return AuditFilters(
        kind=kind,
        target_type=target_type,
        actor_id=actor_id,
        date_from=date_from,
        date_to=date_to,
        order_id=order_id,
    )


def _id(raw: str, name: str, problems: list[FieldProblem]) -> int | None:
    if not raw:
        return None
    if not is_id(raw):
        problems.append(FieldProblem(name, "INVALID_VALUE", "Give a number (digits only)."))
        return None
    return int(raw)


def _date(raw: str, name: str, problems: list[FieldProblem]) -> datetime.date | None:
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        problems.append(FieldProblem(name, "INVALID_VALUE", "Give a date as YYYY-MM-DD."))
        return None


@dataclass(frozen=True)
class Change:
    """One changed field, as it was and as it became."""

    field: str
    before: object
    after: object


@dataclass(frozen=True)
class AuditEntry:
    """A row of the merged list, whichever table it comes from."""

    kind: str
    id: int
    created_at: datetime.datetime
    actor: Employee | None
    caller: Employee | None
    action: str
    outcome: str  # decisions: APPROVAL_QUEUED, REFUSED...; changes: ""
    refusal_code: str
    reason: str
    target_type: str
    target_id: str
    target_name: str
    before: dict | None
    after: dict | None
    ip_address: str | None
    client_id: str
    correlation_id: str
    channel: str
    order_id: int | None
    changes: list[Change] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Unique across both tables (ids are not)."""
        return f"{self.kind[0]}{self.id}"


def audit_trail(tenant: Tenant, filters: AuditFilters | None = None) -> AuditTrail:
    """The tenant's audit trail, narrowed by the filters, newest first."""
    return AuditTrail(tenant, filters or AuditFilters())


class AuditTrail:
    """The merged list as a lazy sequence: `count()`, slices (a list of AuditEntry) and
    iteration, so Django's Paginator and DRF's limit/offset pagination page it as they page a
    queryset, and the CSV streams it in batches."""

    def __init__(self, tenant: Tenant, filters: AuditFilters) -> None:
        self.tenant = tenant
        self.filters = filters
        self._count: int | None = None

    def keys(self) -> QuerySet:
        """(kind, id, created_at) of every row, in the list's order (a UNION ALL)."""
        parts = [
            qs.annotate(kind=Value(kind, output_field=CharField())).values_list(
                "kind", "id", "created_at"
            )
            for kind, qs in self._sources()
        ]
        if not parts:
            return DecisionAudit.objects.none().values_list("action", "id", "created_at")
        keys = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
        # Total: equal times are broken by kind, then id (the CSV and the pages agree).
        return keys.order_by("-created_at", "-kind", "-id")

    def count(self) -> int:
        if self._count is None:
            self._count = sum(qs.count() for _, qs in self._sources())
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("AuditTrail takes slices only")
        return self._entries(list(self.keys()[index]))

    def __iter__(self) -> Iterator[AuditEntry]:
        """Every row, read STREAM_BATCH at a time (a server-side cursor for the keys)."""
        keys = self.keys().iterator(chunk_size=STREAM_BATCH)
        while batch := list(islice(keys, STREAM_BATCH)):
            yield from self._entries(batch)

    # --- reading ---

    def _sources(self) -> list[tuple[str, QuerySet]]:
        f = self.filters
        sources = []
        decisions_apply = f.kind in ("", DECISION) and f.target_type in ("", ORDER)
        changes_apply = f.kind in ("", CHANGE) and f.target_type != ORDER and f.order_id is None
        if decisions_apply:
            decisions = DecisionAudit.objects.filter(tenant=self.tenant)
            if f.order_id is not None:
                decisions = decisions.filter(order_id=f.order_id)
            sources.append((DECISION, self._narrowed(decisions)))
        if changes_apply:
            changes = AuditEvent.objects.filter(tenant=self.tenant)
            if f.target_type:
                changes = changes.filter(target_type=f.target_type)
            sources.append((CHANGE, self._narrowed(changes)))
        return sources

    def _narrowed(self, queryset: QuerySet) -> QuerySet:
        """The filters both tables share: who, and when."""
        f = self.filters
        if f.actor_id is not None:
            queryset = queryset.filter(Q(actor_id=f.actor_id) | Q(caller_id=f.actor_id))
        if f.date_from:
            queryset = queryset.filter(created_at__gte=_start_of(f.date_from))
        if f.date_to:
            queryset = queryset.filter(created_at__lt=_start_of(f.date_to + datetime.timedelta(1)))
        return queryset.order_by()

    def _entries(self, keys: list[tuple]) -> list[AuditEntry]:
        """The rows of these keys, in their order: one query per kind present."""
        wanted = {DECISION: [], CHANGE: []}
        for kind, pk, _ in keys:
            wanted[kind].append(pk)
        rows = {}
        if wanted[DECISION]:
            decisions = DecisionAudit.objects.filter(pk__in=wanted[DECISION])
            for row in decisions.select_related("actor", "caller"):
                rows[DECISION, row.pk] = _decision_entry(row)
        if wanted[CHANGE]:
            changes = AuditEvent.objects.filter(pk__in=wanted[CHANGE])
            for row in changes.select_related("actor", "caller"):
                rows[CHANGE, row.pk] = _change_entry(row)
        return [rows[kind, pk] for kind, pk, _ in keys if (kind, pk) in rows]


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _decision_entry(row: DecisionAudit) -> AuditEntry:
    step = f", step {row.step_position}" if row.step_position else ""
    return AuditEntry(
        kind=DECISION,
        id=row.pk,
        created_at=row.created_at,
        actor=row.actor,
        caller=row.caller,
        action=row.action,
        outcome=row.outcome,
        refusal_code=row.refusal_code,
        reason=row.reason,
        target_type=ORDER,
        target_id=str(row.order_id),
        target_name=f"Order #{row.order_id}{step}",
        before=None,
        after=None,
        ip_address=row.ip_address,
        client_id=row.client_id,
        correlation_id=row.correlation_id,
        channel=row.channel or "",
        order_id=row.order_id,
    )


def _change_entry(row: AuditEvent) -> AuditEntry:
    before, after = row.before or {}, row.after or {}
    # PostgreSQL's jsonb keeps no key order: the name first, then the fields alphabetically.
    names = sorted({*before, *after}, key=lambda name: (name != "name", name))
    return AuditEntry(
        kind=CHANGE,
        id=row.pk,
        created_at=row.created_at,
        actor=row.actor,
        caller=row.caller,
        action=row.action,
        outcome="",
        refusal_code="",
        reason="",
        target_type=row.target_type,
        target_id=row.target_id,
        target_name=row.target_name,
        before=row.before,
        after=row.after,
        ip_address=row.ip_address,
        client_id=row.client_id,
        correlation_id=row.correlation_id,
        channel=row.channel,
        order_id=None,
        changes=[Change(name, before.get(name), after.get(name)) for name in names],
    )


def actor_choices(tenant: Tenant) -> QuerySet[Employee]:
    """The people the page's "who" filter offers: the tenant's employees who appear in it."""
    acted = Q(pk__in=AuditEvent.objects.filter(tenant=tenant).values("actor_id")) | Q(
        pk__in=DecisionAudit.objects.filter(tenant=tenant).values("actor_id")
    )
    return Employee.objects.filter(acted, tenant=tenant).only("first_name", "last_name")
