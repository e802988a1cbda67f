"""What every page's navigation shows: the employee, their cart size and approvals waiting.

It lives here, not in portal, because it counts orders (apps depend one way)."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from orders import selectors as order_selectors
from orders.models import OrderApprover
from portal import selectors
from portal.prepared import Prepared

# Where the count of the orders awaiting the employee is kept for the rest of the request: the
# inbox and the navigation show it, counted once.
AWAITING_COUNT = "_procure_awaiting_count"


def awaiting_count(request, employee) -> int:
    """awaiting_decision_by(employee).count(), once per request (the inbox's count is the
    navigation's)."""
    cached = getattr(request, AWAITING_COUNT, None)
    if cached is not None and cached[0] == employee.pk:
        return cached[1]
    count = order_selectors.count_awaiting_decision_by(employee)
    setattr(request, AWAITING_COUNT, (employee.pk, count))
    return count


def navigation(request) -> dict:
    """The navigation's context. `nav_may_approve`: whether to offer the approvals pages (the
    inbox, naming a delegate) at all, see may_approve."""
    employee = getattr(request, "employee", None)
    # DRF's HTML views (the /api/v1/docs page) render with a DRF request whose user is None.
    user = getattr(request, "user", None)
    if employee is None and user is not None and user.is_authenticated:
        employee = selectors.employee_of_user(user)
    if employee is None:
        return {}
    # What the page (the inbox, an order's decision panel) computed already, else nothing: the
    # two queries below then ask for the delegations themselves.
    deciding = selectors.cached_deciding_for(request, employee)
    count = awaiting_count(request, employee)
    return {
        "nav_employee": employee,
        "nav_inbox_count": count,
        "nav_may_approve": count > 0 or may_approve(employee, deciding),
        "nav_cart_count": len(request.session.get("cart", {}).get("accessoryIds", [])),
    }


def may_approve(employee, deciding: selectors.DecidingFor | None) -> bool:
    """Whether the employee can approve: portal's is_approver (a tenant admin, a manager, an
    approver group member, a delegate today), or someone an order's approval step waited for
    (a named approver, an escalation), in one query."""
    if deciding is not None and deciding.delegations:
        return True
    return bool(_may_approve_today(employee.pk, timezone.localdate()))


# Asked on every page: prepared (portal.prepared).
_may_approve_today = Prepared(
    lambda employee_id, day: (
        selectors.approvers_on(
            day, also=Q(Exists(OrderApprover.objects.filter(employee_id=OuterRef("pk"))))
        )
        .filter(pk=employee_id)
        .values("pk")[:1]
    )
)
