"""The impact of a change to a tenant's approval workflows, before it is saved.

The tenant's orders of the last N days (by submission) are routed again twice, by today's rules
and by the rules as the change would leave them, and compared order by order: which would have
matched another rule, had other approvers, needed no approval, or needed one. Stores nothing.

The change is applied in a transaction that is always rolled back (as workflows.preview_draft
does), through the very services that would save it, so the replay runs the routing orders go
through (routing.matches, routing.approvers_for) and not a copy of it. Today's routing is
replayed first, in the same transaction, so both sides read the same orders the same way.

Fast by construction: the active workflows are read once per side (conditions and steps
prefetched), the orders and their requesters in two queries, and who approves a step is resolved
once per (step, requester, makers), which is all it depends on: a replay's queries grow with the
distinct requesters, never with the orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone

from approvals import routing, selectors
from approvals.models import ApprovalStep, ApprovalWorkflow
from approvals.workflows import PRIORITY_STEP, delete_workflow, save_workflow
from orders.models import Order
from portal.exceptions import FieldProblem
from portal.models import Employee, Tenant
from portal.services import require_tenant_admin

DEFAULT_DAYS = 90
MAX_DAYS = 366
LISTED = 200  # changed orders listed at most; the counts cover every order replayed


class Effect(models.TextChoices):
    """How a change would have routed an order otherwise (an order may show several)."""

    MATCHED_ANOTHER_RULE = "MATCHED_ANOTHER_RULE", "Matched another rule"
    OTHER_APPROVERS = "OTHER_APPROVERS", "Other approvers"
    NO_LONGER_NEEDS_APPROVAL = "NO_LONGER_NEEDS_APPROVAL", "No longer needs approval"
    NOW_NEEDS_APPROVAL = "NOW_NEEDS_APPROVAL", "Now needs approval"


# --- The changes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowDraft:
    """A workflow as it would be saved: validated data as workflows.save_workflow takes it, and
    the workflow it replaces (None: a new workflow)."""

    data: dict
    workflow: ApprovalWorkflow | None = None


@dataclass(frozen=True)
class WorkflowDeletion:
    workflow: ApprovalWorkflow


@dataclass(frozen=True)
class PriorityOrder:
    """The tenant's workflows in a new order, first tried first (ids)."""

    workflow_ids: list[int]


WorkflowChange = WorkflowDraft | WorkflowDeletion | PriorityOrder


def priority_problems(tenant: Tenant, workflow_ids: list[int]) -> list[FieldProblem]:
    """A new priority order names each of the tenant's workflows once: what is wrong with it
    (`priorities[i]` for an id named twice, `priorities` for the workflows left out); empty:
    it is fine. A partial list is refused rather than guessed at: it is most likely a stale
    view of the rules."""
    problems = []
    seen: set[int] = set()
    for index, pk in enumerate(workflow_ids):
        if pk in seen:
            problems.append(
                FieldProblem(f"priorities[{index}]", "DUPLICATE", f"Workflow {pk} is listed twice.")
            )
        seen.add(pk)
    missing = ApprovalWorkflow.objects.filter(tenant=tenant).exclude(pk__in=seen)
    names = [f"{wf.name} ({wf.pk})" for wf in missing.order_by("priority", "id")]
    if names:
        message = "List every workflow; missing: " + ", ".join(names) + "."
        problems.append(FieldProblem("priorities", "INCOMPLETE", message))
    return problems


def moved_order(workflow: ApprovalWorkflow, direction: str) -> list[int]:
    """The tenant's workflow ids in the order workflows.move_workflow would leave them: the
    workflow swapped with its neighbour ("up": tried earlier, "down": later); at either end,
    the order as it is."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be up or down, not {direction!r}")
    ids = list(
        ApprovalWorkflow.objects.filter(tenant_id=workflow.tenant_id)
        .order_by("priority", "id")
        .values_list("pk", flat=True)
    )
    index = ids.index(workflow.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return ids


# --- The answer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowRef:
    """A workflow as the replay saw it. id None: the new workflow previewed (never saved);
    draft: the workflow as the change would leave it."""

    id: int | None
    name: str
    draft: bool = False


@dataclass(frozen=True)
class Routed:
    """How one order is routed by one set of rules: the workflow (None: no approval needed)
    and the approvers of each of its steps, in step order."""

    workflow: WorkflowRef | None
    approvers: tuple[tuple[Employee, ...], ...] = ()


@dataclass(frozen=True)
class OrderImpact:
    order: Order
    before: Routed
    after: Routed
    effects: tuple[str, ...]  # Effect values


@dataclass(frozen=True)
class Amount:
    currency: str
    onetime: Decimal
    monthly: Decimal


@dataclass
class Group:
    """The orders of one effect: how many, and what they cost (per currency)."""

    count: int = 0
    amounts: list[Amount] = field(default_factory=list)


@dataclass(frozen=True)
class Impact:
    days: int
    since: datetime
    orders_replayed: int
    groups: dict[str, Group]  # by Effect value, every effect present
    unchanged: int
    orders: list[OrderImpact]  # the changed orders, newest first, at most `listed`
    truncated: bool  # more orders changed than are listed

    @property
    def changed(self) -> int:
        return self.orders_replayed - self.unchanged


# --- The replay -------------------------------------------------------------------------------

# What routing reads of an order (routing.OrderFacts.of_order, Order.maker_ids), and what the
# list shows of it; nothing else is loaded. The status too: django-fsm's concurrency check reads
# it as each row is built (deferred, one query per order).
ORDER_FIELDS = (
    "id",
    "status",
    "tenant_id",
    "external_order_number",
    "transaction_type",
    "cost_onetime",
    "cost_monthly",
    "currency",
    "region_id",
    "requested_by",
    "account_holder_id",
    "placed_by_id",
    "hierarchy",
    "submitted_at",
)


def impact_of(
    change: WorkflowChange, *, tenant: Tenant, actor: Employee, days: int = DEFAULT_DAYS,
    listed: int = LISTED,
) -> Impact:  # fmt: skip
    """Replay the tenant's orders of the last `days` days by today's rules and by the rules as
    `change` would leave them. Stores nothing. Raises NotTenantAdmin, and what the change's
    service raises (save_workflow: RequestInvalid when the name is taken meanwhile)."""
    require_tenant_admin(actor, tenant.pk)
    _check_tenant(change, tenant)
    since = timezone.now() - timedelta(days=days)
    approvers = _Approvers()
    new_draft = isinstance(change, WorkflowDraft) and change.workflow is None
    with transaction.atomic():
        try:
            orders = _orders(tenant, since)
            facts = [routing.OrderFacts.of_order(order) for order in orders]
            before = _replay(_active_workflows(tenant), facts, approvers)
            draft_id = _apply(change, tenant=tenant, actor=actor)
            after = _replay(
                _active_workflows(tenant), facts, approvers,
                draft_id=draft_id, new=new_draft,
            )  # fmt: skip
        finally:
            transaction.set_rollback(True)
    return _compare(orders, before, after, days=days, since=since, listed=listed)


def _check_tenant(change: WorkflowChange, tenant: Tenant) -> None:
    workflow = getattr(change, "workflow", None)
    if workflow is not None and workflow.tenant_id != tenant.pk:
        raise ValueError(f"workflow {workflow.pk} is not of tenant {tenant.pk}")


def _orders(tenant: Tenant, since: datetime) -> list[Order]:
    """The tenant's orders submitted since then, newest first; their requesters read once
    each, with the tenant already known (manager_of reads it): two queries in all."""
    orders = list(
        Order.objects.filter(tenant=tenant, submitted_at__gte=since)
        .select_related("hierarchy")
        .only(*ORDER_FIELDS)
        .order_by("-submitted_at", "-id")
    )
    requesters = Employee.objects.in_bulk({order.requested_by_id for order in orders})
    for requester in requesters.values():
        requester.tenant = tenant
    for order in orders:
        order.tenant = tenant
        order.requested_by = requesters[order.requested_by_id]
    return orders


def _active_workflows(tenant: Tenant) -> list[ApprovalWorkflow]:
    """The workflows routing tries, in its order (routing.matching_workflow's)."""
    return list(selectors.workflows_of(tenant).filter(is_active=True))


def _apply(change: WorkflowChange, *, tenant: Tenant, actor: Employee) -> int | None:
    """Make the change through the services that would store it (the caller rolls it back),
    on a copy of the workflow it is about: the services change the instance they are given,
    and the rollback would not change it back. Returns the id of the workflow a draft saved."""
    if isinstance(change, WorkflowDraft):
        edited = _copy(change.workflow) if change.workflow else None
        saved = save_workflow(tenant=tenant, actor=actor, data=change.data, workflow=edited)
        return saved.pk
    if isinstance(change, WorkflowDeletion):
        delete_workflow(workflow=_copy(change.workflow), actor=actor)
        return None
    _renumber(tenant, change.workflow_ids)
    return None


def _copy(workflow: ApprovalWorkflow) -> ApprovalWorkflow:
    return ApprovalWorkflow.objects.get(pk=workflow.pk)


def _renumber(tenant: Tenant, workflow_ids: list[int]) -> None:
    """Priorities 10, 20, 30... in the order given, as workflows.move_workflow numbers them;
    workflows not named keep their relative order after those named."""
    workflows = list(ApprovalWorkflow.objects.filter(tenant=tenant).order_by("priority", "id"))
    rank = {pk: index for index, pk in enumerate(dict.fromkeys(workflow_ids))}
    workflows.sort(key=lambda wf: rank.get(wf.pk, len(rank)))
    for position, workflow in enumerate(workflows, start=1):
        workflow.priority = position * PRIORITY_STEP
    ApprovalWorkflow.objects.bulk_update(workflows, ["priority"])


def _replay(
    workflows: list[ApprovalWorkflow], facts: list[routing.OrderFacts], approvers: _Approvers,
    *, draft_id: int | None = None, new: bool = False,
) -> list[tuple[int | None, Routed]]:  # fmt: skip
    """Each order routed by these workflows: (the matching workflow's id, how it is routed).
    The draft's (`draft_id`) is named as such, without an id when it is `new` (never saved)."""
    refs = {
        wf.pk: WorkflowRef(
            None if new and wf.pk == draft_id else wf.pk, wf.name, draft=wf.pk == draft_id
        )
        for wf in workflows
    }
    routed = []
    for order_facts in facts:
        workflow = _matching_workflow(workflows, order_facts)
        if workflow is None:
            routed.append((None, Routed(workflow=None)))
            continue
        drafted = workflow.pk == draft_id
        levels = tuple(
            approvers.of(step, order_facts, draft=drafted) for step in workflow.steps.all()
        )
        routed.append((workflow.pk, Routed(workflow=refs[workflow.pk], approvers=levels)))
    return routed


def _matching_workflow(
    workflows: list[ApprovalWorkflow], facts: routing.OrderFacts
) -> ApprovalWorkflow | None:
    """routing.matching_workflow over workflows already read (active, in priority order)."""
    return next((wf for wf in workflows if routing.matches(wf, facts)), None)


def _step_approvers(step: ApprovalStep, facts: routing.OrderFacts) -> list[Employee]:
    """Who would approve the step of this order, as routing resolves it when the step starts:
    everyone its approver sources resolve to (each source the tenant admins when nobody else
    may), each once, in source order. The replay's one way to ask."""
    approvers: dict[int, Employee] = {}
    for source in step.sources.all():
        for employee in routing.approvers_for(source, facts)[0]:
            approvers.setdefault(employee.pk, employee)
    return list(approvers.values())


class _Approvers:
    """_step_approvers memoised per (step, requester, makers), all a step's approvers depend on.

    Shared by both sides of a replay: a workflow the change leaves alone keeps its step rows,
    so its approvers are resolved once. The steps of the workflow a draft saved are keyed
    apart (`draft`), whatever save_workflow does with their rows: they may say otherwise."""

    def __init__(self) -> None:
        self._resolved: dict[tuple, tuple[Employee, ...]] = {}

    def of(
        self, step: ApprovalStep, facts: routing.OrderFacts, *, draft: bool = False
    ) -> tuple[Employee, ...]:
        hierarchy = facts.hierarchy.pk if facts.hierarchy else None
        key = (draft, step.pk, facts.requester.pk, facts.makers, hierarchy)
        if key not in self._resolved:
            self._resolved[key] = tuple(_step_approvers(step, facts))
        return self._resolved[key]


def _effects(before: tuple[int | None, Routed], after: tuple[int | None, Routed]) -> list[str]:
    (before_id, before_routed), (after_id, after_routed) = before, after
    if before_id is None and after_id is None:
        return []
    if after_id is None:
        return [Effect.NO_LONGER_NEEDS_APPROVAL]
    if before_id is None:
        return [Effect.NOW_NEEDS_APPROVAL]
    effects = []
    if before_id != after_id:
        effects.append(Effect.MATCHED_ANOTHER_RULE)
    if _approver_sets(before_routed) != _approver_sets(after_routed):
        effects.append(Effect.OTHER_APPROVERS)
    return effects


def _approver_sets(routed: Routed) -> list[frozenset[int]]:
    """Per step level, who approves (the order within a level does not matter)."""
    return [frozenset(employee.pk for employee in level) for level in routed.approvers]


def _compare(
    orders: list[Order], before: list, after: list, *, days: int, since: datetime, listed: int
) -> Impact:
    sums: dict[str, dict[str, list[Decimal]]] = {effect: {} for effect in Effect.values}
    counts = dict.fromkeys(Effect.values, 0)
    changed: list[OrderImpact] = []
    total_changed = 0
    for order, was, will in zip(orders, before, after, strict=True):
        effects = _effects(was, will)
        if not effects:
            continue
        total_changed += 1
        for effect in effects:
            counts[effect] += 1
            money = sums[effect].setdefault(order.currency, [Decimal("0"), Decimal("0")])
            money[0] += order.cost_onetime
            money[1] += order.cost_monthly
        if len(changed) < listed:
            changed.append(OrderImpact(order, was[1], will[1], tuple(str(e) for e in effects)))
    groups = {
        effect: Group(
            count=counts[effect],
            amounts=[
                Amount(currency, onetime, monthly)
                for currency, (onetime, monthly) in sorted(sums[effect].items())
            ],
        )
        for effect in Effect.values
    }
    return Impact(
        days=days,
        since=since,
        orders_replayed=len(orders),
        groups=groups,
        unchanged=len(orders) - total_changed,
        orders=changed,
        truncated=total_changed > len(changed),
    )
