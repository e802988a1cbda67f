"""Deciding several orders at once: the inbox's bulk form (approvals.web.deciding.bulk_decide)
and POST /api/v1/approvals/bulk (approvals.api.bulk) both call decide_many.

Each order is decided by services.decide, exactly as if it had been decided alone: audited,
maker-checker checked, for the caller or for whom they stand in. Each decision is its own
transaction (decide's), so one order refused leaves the others decided; the caller must not
wrap decide_many in a transaction of its own, or a later failure would undo the earlier ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from approvals import services
from orders.models import Order
from portal.exceptions import DomainError

# One decision (one transaction, a handful of queries) per order: keep a request bounded.
MAX_ORDERS = 100


@dataclass(frozen=True)
class BulkResult:
    """What became of one requested order, in the request's order."""

    order_id: int
    order: Order | None = None  # None: no such order in the caller's tenant
    outcome: str = ""  # services.Outcome, when services.decide answered
    refusal: DomainError | None = None  # what services.decide raised instead


def decide_many(
    order_ids: Sequence[int],
    *,
    tenant_id: int,
    request_for: Callable[[Order], services.DecisionRequest],
    orders: QuerySet[Order] | None = None,
) -> list[BulkResult]:
    """Decide each of the orders (ids without repeats), each through services.decide in its own
    transaction; `request_for(order)` builds each one's DecisionRequest. An id that is not an
    order of the tenant is reported as not found, never looked at further (another tenant's
    order is not found either). `orders`: the queryset to read them from (a page prefetches
    what it shows); it is scoped to the tenant here. Raises nothing a decision raises: each
    refusal is in its result."""
    queryset = Order.objects.all() if orders is None else orders
    found = queryset.filter(tenant_id=tenant_id, pk__in=order_ids).in_bulk()
    results = []
    for pk in order_ids:
        order = found.get(pk)
        if order is None:
            results.append(BulkResult(order_id=pk))
            continue
        try:
            outcome = services.decide(request_for(order))
        except DomainError as exc:
            results.append(BulkResult(order_id=pk, order=order, refusal=exc))
        else:
            results.append(BulkResult(order_id=pk, order=order, outcome=outcome))
    return results
