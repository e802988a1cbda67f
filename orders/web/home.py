"""The home page: a person's lines, recent orders and what waits for their approval."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render

from catalog import selectors as catalog_selectors
from orders import selectors
from portal import selectors as people

RECENT_ORDERS = 5


@login_required
def home(request):
    """The signed-in employee's lines and devices, their latest orders and, for approvers, what
    waits for them (a signed-in user without an employee record gets a friendly page)."""
    employee = people.employee_of_user(request.user)
    if employee is None or employee.status != employee.Status.ACTIVE:
        return render(request, "orders/home.html", {"employee": None})
    request.employee = employee  # the navigation reuses it
    own = Q(requested_by=employee) | Q(account_holder=employee)
    context = {
        "employee": employee,
        "lines": catalog_selectors.services_visible_to(employee).filter(account_holder=employee),
        "devices": catalog_selectors.devices_visible_to(employee).filter(holder=employee),
        "orders": selectors.with_summary(selectors.orders_visible_to(employee).filter(own))[
            :RECENT_ORDERS
        ],
        "waiting": selectors.count_awaiting_decision_by(employee),
    }
    return render(request, "orders/home.html", context)
