"""The approvals inbox: what waits for the signed-in person (or those they decide for), and what
they decided."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timesince

from approvals import rules
from approvals.models import Decision, RunSeat, RunStep, approvals_needed
from approvals.web.deciding import PROBLEMS_KEY
from orders import selectors as order_selectors
from orders.models import Order, OrderHistory, OrderItem, OrderSegment
from orders.web.context_processors import awaiting_count
from portal import selectors as people
from portal.models import Employee
from portal.pagination import DeferredJoinPaginator
from portal.web.pages import employee_required

INBOX_PAGE_SIZE = 25


DECIDED_PAGE_SIZE = 20


# A wait longer than this is flagged in the inbox.
OVERDUE_AFTER = timedelta(days=1)


@employee_required
def inbox(request):
    """Orders waiting for the employee's decision (oldest first), or those they decided."""
    employee = request.employee
    tab = "decided" if request.GET.get("tab") == "decided" else "waiting"
    query = request.GET.get("q", "").strip()[:100]
    # Whom they decide for, once for the whole page (the navigation's approver check too).
    deciding = people.deciding_for_request(request, employee)
    waiting = _waiting_for(employee, query, deciding)
    decided = _decided_by(employee, query)
    context = {
        "tab": tab,
        "q": query,
        "standing_in_for": deciding.delegations,
        "max_reason": rules.MAX_REASON,
    }
    if tab == "waiting":
        # Unsearched, the count is the navigation's too (awaiting_count: once for both).
        count = None if query else awaiting_count(request, employee)
        paginator = DeferredJoinPaginator(waiting, INBOX_PAGE_SIZE, count=count)
        page = paginator.get_page(request.GET.get("page"))
        rows = list(page.object_list)
        _describe_waiting(rows, deciding, request.session.pop(PROBLEMS_KEY, {}))
        # The other tab's count, shown on its tab: off the deciders' indexes unless searching.
        decided_count = decided.count() if query else _decision_ids(employee).count()
        context.update(waiting_count=page.paginator.count, decided_count=decided_count)
    else:
        page = _decided_pages(employee, query, decided).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        for decision in rows:
            order = decision.step.run.order
            decision.items = [item for s in order.segments.all() for item in s.items.all()]
            decision.who = _who_decided(decision, employee)
        # Unsearched, the waiting tab's count is the navigation's: counted once for both.
        waiting_count = waiting.count() if query else awaiting_count(request, employee)
        context.update(waiting_count=waiting_count, decided_count=page.paginator.count)
    context.update(page=page, rows=rows, page_query=_page_query(tab, query))
    return render(request, "approvals/inbox.html", context)


def _search(items: QuerySet, query: str, order_path: str = "") -> QuerySet:
    """Filter by order number ("123" or "#123") or by the requester's name."""
    query = query.lstrip("#").strip()
    if not query:
        return items
    first, last = f"{order_path}requested_by__first_name", f"{order_path}requested_by__last_name"
    items = items.alias(requester_name=Concat(first, Value(" "), last))
    match = Q(requester_name__icontains=query)
    if query.isdigit() and len(query) <= 18:
        match |= Q(**{f"{order_path}pk": int(query)})
    return items.filter(match)


def _waiting_for(employee: Employee, query: str, deciding: people.DecidingFor) -> QuerySet[Order]:
    """The inbox rows, with everything they show, in a fixed number of queries."""
    started = OrderHistory.objects.filter(
        order=OuterRef("pk"), event=OrderHistory.Event.APPROVAL_STEP_STARTED
    )
    active = RunStep.objects.filter(run__order=OuterRef("pk"), state=RunStep.State.ACTIVE)
    steps = (
        RunStep.objects.filter(run__order=OuterRef("pk"))
        .order_by()
        .values("run")
        .annotate(n=Count("pk"))
        .values("n")
    )
    seats = RunSeat.objects.filter(
        step__run__order=OuterRef("pk"), step__state=RunStep.State.ACTIVE
    )
    recorded = Decision.objects.filter(
        step__run__order=OuterRef("pk"), step__state=RunStep.State.ACTIVE
    )
    orders = _search(order_selectors.awaiting_decision_by(employee, deciding=deciding), query)
    return (
        order_selectors.with_details(orders, approvers=True)
        .select_related("approval_run")
        .annotate(
            waiting_since=Coalesce(
                Subquery(started.order_by("-created_at", "-id").values("created_at")[:1]),
                F("updated_at"),
            ),
            step_level=Subquery(active.values("position")[:1]),
            step_description=Subquery(active.values("description")[:1]),
            step_count=Subquery(steps[:1]),
            step_rule=Subquery(active.values("rule")[:1]),
            step_required=Subquery(active.values("required")[:1]),
            step_sources=Subquery(_count(seats)),
            step_given=Subquery(_count(seats.filter(state=RunSeat.State.APPROVED))),
            # Decided, not applied yet (the worker is about to): no second decision offered,
            # when it decides the step (one source), or when it is theirs (a person counts once
            # per step of several sources).
            any_recorded=Exists(recorded),
            own_recorded=Exists(
                recorded.filter(Q(decided_by=employee) | Q(decided_for_id__in=deciding.ids))
            ),
        )
        .order_by("waiting_since", "pk")
    )


def _count(rows: QuerySet) -> QuerySet:
    """A subquery counting `rows` (correlated with OuterRef)."""
    return rows.order_by().values("step").annotate(n=Count("pk")).values("n")[:1]


def _describe_waiting(orders: list[Order], deciding: people.DecidingFor, problems: dict) -> None:
    now = timezone.now()
    for order in orders:
        sources = order.step_sources or 1
        order.decision_recorded = order.own_recorded or (sources == 1 and order.any_recorded)
        order.progress = None
        if sources > 1:
            needed = approvals_needed(order.step_rule, order.step_required, sources)
            order.progress = f"{needed} of {sources} approvals needed, {order.step_given} given"
        order.items = [item for s in order.segments.all() for item in s.items.all()]
        order.on_behalf_of = deciding.on_behalf_of(a.employee_id for a in order.pending_approvers)
        waited = now - order.waiting_since
        order.overdue = waited > OVERDUE_AFTER
        order.waited = (
            "just now"
            if waited < timedelta(minutes=1)
            else timesince(order.waiting_since, now, depth=1)
        )
        order.problems = problems.get(str(order.pk))


def _who_decided(decision: Decision, employee: Employee) -> str:
    """Who made a decision the employee sees under "Decided by me", and on whose behalf: ""
    when they made it as themself. Someone else decides for a person either as their delegate
    or as a tenant admin acting for them (portal.selectors.may_act_for)."""
    if decision.decided_by_id == decision.decided_for_id:
        return ""
    if decision.decided_by_id == employee.pk:
        return f"for {decision.decided_for.full_name}"
    by = decision.decided_by
    if by.is_tenant_admin:
        return f"by {by.full_name}, a tenant admin, on your behalf"
    return f"by {by.full_name}, your delegate"


def _decided_by(employee: Employee, query: str) -> QuerySet[Decision]:
    """Decisions the employee made, or that were made on their behalf (by a delegate or a
    tenant admin), newest first."""
    decisions = Decision.objects.filter(
        Q(decided_by=employee) | Q(decided_for=employee), step__run__tenant_id=employee.tenant_id
    )
    segments = OrderSegment.objects.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.only("id", "segment_id", "name", "position"))
    )
    return (
        _search(decisions, query, order_path="step__run__order__")
        .select_related(
            "step__run__order__requested_by__department",
            "step__run__order__service",
            "decided_by",
            "decided_for",
        )
        .prefetch_related(Prefetch("step__run__order__segments", queryset=segments))
        .order_by("-created_at", "-pk")
    )


def _decision_ids(employee: Employee) -> QuerySet:
    """The ids (and times) of the decisions _decided_by lists without a search, in its order,
    read off the deciders' indexes alone: those the employee made, and those made for them by
    someone else. No join to the run for its tenant: whoever decides, and whoever it counts
    for, is an employee of the order's tenant (approvals.services.decide finds the order in the
    decider's tenant, and counts the decision for one of its approvers)."""
    # No ordering of their own (Decision's default): the union's order is read off both indexes.
    made = Decision.objects.filter(decided_by=employee).order_by()
    made_for = Decision.objects.filter(decided_for=employee).exclude(decided_by=employee).order_by()
    columns = ("id", "created_at")
    return (
        made.values_list(*columns)
        .union(made_for.values_list(*columns), all=True)
        .order_by("-created_at", "-id")
    )


def _decided_pages(employee: Employee, query: str, decided: QuerySet) -> DeferredJoinPaginator:
    """The pages of "Decided by me": without a search, counted and picked through the
    deciders' indexes (_decision_ids); a search reads through the joins it searches."""
    if query:
        return DeferredJoinPaginator(decided, DECIDED_PAGE_SIZE)
    ids = _decision_ids(employee)
    return DeferredJoinPaginator(decided, DECIDED_PAGE_SIZE, ids=ids, count=ids.count())


def _page_query(tab: str, query: str) -> str:
    """The query string of the other pages of the same list (tab and search kept)."""
    params = {"tab": "decided"} if tab == "decided" else {}
    if query:
        params["q"] = query
    return urlencode(params)
