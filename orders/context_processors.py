"""What every page's navigation shows: the employee, their cart size and approvals waiting.

It lives here, not in portal, because it counts orders (apps depend one way)."""

from orders import selectors as order_selectors
from portal import selectors


def navigation(request) -> dict:
    employee = getattr(request, "employee", None)
    if employee is None and request.user.is_authenticated:
        employee = selectors.employee_of_user(request.user)
    if employee is None:
        return {}
    return {
        "nav_employee": employee,
        "nav_inbox_count": order_selectors.awaiting_decision_by(employee).count(),
        "nav_cart_count": len(request.session.get("cart", {}).get("accessoryIds", [])),
    }
