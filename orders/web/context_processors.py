"""What every page's navigation shows: the employee, their cart size and approvals waiting.

It lives here, not in portal, because it counts orders (apps depend one way)."""

from orders import selectors as order_selectors
from portal import selectors


def navigation(request) -> dict:
    employee = getattr(request, "employee", None)
    # DRF's HTML views (the /api/v1/docs page) render with a DRF request whose user is None.
    user = getattr(request, "user", None)
    if employee is None and user is not None and user.is_authenticated:
        employee = selectors.employee_of_user(user)
    if employee is None:
        return {}
    return {
        "nav_employee": employee,
        "nav_inbox_count": order_selectors.awaiting_decision_by(employee).count(),
        "nav_cart_count": len(request.session.get("cart", {}).get("accessoryIds", [])),
    }
