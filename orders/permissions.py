"""Who may do what with an order (within a tenant; tenant scoping is the selectors' job)."""

from orders.models import Order
from portal.models import Employee


def can_view(employee: Employee, order: Order) -> bool:
    return order.tenant_id == employee.tenant_id and (
        employee.is_tenant_admin or employee.pk in (order.requested_by_id, order.account_holder_id)
    )


def can_cancel(employee: Employee, order: Order) -> bool:
    """The requester, or a tenant admin (SPEC: cancel until the order is sent to vendors)."""
    return order.tenant_id == employee.tenant_id and (
        employee.is_tenant_admin or employee.pk == order.requested_by_id
    )
