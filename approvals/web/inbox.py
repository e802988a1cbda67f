"""The approvals inbox: what waits for the signed-in person (or those they decide for), and what
they decided."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timesince

from approvals.models import Decision, RunStep
from approvals.web.deciding import PROBLEMS_KEY
from orders import selectors as order_selectors
from orders.models import Order, OrderHistory, OrderItem, OrderSegment
from portal.models import Delegation, Employee
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
    waiting = _waiting_for(employee, query)
    decided = _decided_by(employee, query)
    standing_in_for = list(
        Delegation.objects.in_force()
        .filter(delegate=employee, tenant_id=employee.tenant_id)
        .select_related("employee")
        .order_by("ends_on")
    )
    context = {"tab": tab, "q": query, "standing_in_for": standing_in_for}
    if tab == "waiting":
        page = Paginator(waiting, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        _describe_waiting(rows, employee, standing_in_for, request.session.pop(PROBLEMS_KEY, {}))
        context.update(waiting_count=page.paginator.count, decided_count=decided.count())
    else:
        page = Paginator(decided, DECIDED_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        for decision in rows:
            order = decision.step.run.order
            decision.items = [item for s in order.segments.all() for item in s.items.all()]
        context.update(waiting_count=waiting.count(), decided_count=page.paginator.count)
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


def _waiting_for(employee: Employee, query: str) -> QuerySet[Order]:
    """The inbox rows, with everything they show, in a fixed number of queries."""
    started = OrderHistory.objects.filter(order=OuterRef("pk"), event="approval_step_started")
    active = RunStep.objects.filter(run__order=OuterRef("pk"), state=RunStep.State.ACTIVE)
    steps = (
        RunStep.objects.filter(run__order=OuterRef("pk"))
        .order_by()
        .values("run")
        .annotate(n=Count("pk"))
        .values("n")
    )
    orders = _search(order_selectors.awaiting_decision_by(employee), query)
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
            # Decided, not applied yet (the worker is about to): no second decision offered.
            decision_recorded=Exists(
                Decision.objects.filter(
                    step__run__order=OuterRef("pk"), step__state=RunStep.State.ACTIVE
                )
            ),
        )
        .order_by("waiting_since", "pk")
    )


def _describe_waiting(
    orders: list[Order], employee: Employee, standing_in_for: list[Delegation], problems: dict
) -> None:
    now = timezone.now()
    delegators = {d.employee_id for d in standing_in_for}
    for order in orders:
        order.items = [item for s in order.segments.all() for item in s.items.all()]
        pending = order.pending_approvers
        mine = any(a.employee_id == employee.pk for a in pending)
        order.on_behalf_of = (
            [] if mine else [a.employee for a in pending if a.employee_id in delegators]
        )
        waited = now - order.waiting_since
        order.overdue = waited > OVERDUE_AFTER
        order.waited = (
            "just now"
            if waited < timedelta(minutes=1)
            else timesince(order.waiting_since, now, depth=1)
        )
        order.problems = problems.get(str(order.pk))


def _decided_by(employee: Employee, query: str) -> QuerySet[Decision]:
    """Decisions the employee made or that were made for them (by a delegate), newest first."""
    decisions = Decision.objects.filter(
        Q(decided_by=employee) | Q(decided_for=employee), step__run__tenant_id=employee.tenant_id
    )
    segments = OrderSegment.objects.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.only("id", "segment_id", "name", "position"))
    )
    return (
        _search(decisions, query, order_path="step__run__order__")
        .select_related("step__run__order__requested_by__department", "decided_by", "decided_for")
        .prefetch_related(Prefetch("step__run__order__segments", queryset=segments))
        .order_by("-created_at", "-pk")
    )


def _page_query(tab: str, query: str) -> str:
    """The query string of the other pages of the same list (tab and search kept)."""
    params = {"tab": "decided"} if tab == "decided" else {}
    if query:
        params["q"] = query
    return urlencode(params)
