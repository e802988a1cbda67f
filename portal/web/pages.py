"""Plumbing shared by every page view: who the signed-in employee is, and who may see what.

Browser users act in the tenant of their employee record; views get it as `request.employee`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from portal import selectors


def employee_required(view):
    """Signed in, and an active employee of a tenant (else a friendly page saying so)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        employee = selectors.employee_of_user(request.user)
        if employee is None or employee.status != employee.Status.ACTIVE:
            return render(request, "portal/no_employee.html", status=403)
        request.employee = employee
        return view(request, *args, **kwargs)

    return wrapper


def tenant_admin_required(view):
    """Only the tenant's admins (workflows, properties, people, catalog, notifications)."""

    @employee_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.employee.is_tenant_admin:
            raise PermissionDenied("Only tenant admins may open this page.")
        return view(request, *args, **kwargs)

    return wrapper


def problems_by_field(problems, prefix: str = "") -> dict[str, list[str]]:
    """RequestInvalid problems keyed by field path (without `prefix`), for showing each error
    beside its form field; problems without a field go under ''."""
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        field = problem.field.removeprefix(prefix).lstrip(".")
        grouped.setdefault(field, []).append(problem.message)
    return grouped
