"""Delegation while away: name a colleague who decides for you, for some days, and withdraw it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_http_methods, require_POST

from approvals.web import forms
from portal import services as portal_services
from portal.exceptions import DomainError, RequestInvalid
from portal.models import Delegation
from portal.web.pages import employee_required, problems_by_field


@require_http_methods(["GET", "POST"])
@employee_required
def delegation_list(request):
    """The employee's delegates (current, upcoming, past), naming a new one, and whose
    approvals the employee sees as a delegate."""
    employee = request.employee
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today + timedelta(days=7)}
    form = forms.DelegationForm(request.POST or None, employee=employee, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            portal_services.add_delegation(
                employee=employee,
                delegate=data["delegate"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                actor=employee,
            )
        except RequestInvalid as exc:
            for field, texts in problems_by_field(exc.problems).items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            name, starts = data["delegate"].full_name, date_format(data["starts_on"], "M j")
            ends = date_format(data["ends_on"], "M j")
            when = f"on {starts}" if starts == ends else f"from {starts} to {ends}"
            messages.success(request, f"{name} decides your approvals {when}.")
            return redirect("approvals:delegation")
    mine = list(
        Delegation.objects.filter(employee=employee)
        .select_related("delegate__department")
        .order_by("starts_on", "ends_on")
    )
    context = {
        "form": form,
        "today": today,
        "current": [d for d in mine if d.starts_on <= today <= d.ends_on],
        "upcoming": [d for d in mine if d.starts_on > today],
        "past": [d for d in reversed(mine) if d.ends_on < today][:10],
        "for_me": list(
            Delegation.objects.filter(delegate=employee, ends_on__gte=today)
            .select_related("employee__department")
            .order_by("starts_on", "ends_on")
        ),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "approvals/delegation.html", context, status=status)


@require_POST
@employee_required
def delegation_withdraw(request, pk: int):
    """End a delegation now (its employee, or a tenant admin)."""
    employee = request.employee
    delegation = get_object_or_404(
        Delegation.objects.filter(tenant_id=employee.tenant_id).select_related("delegate"), pk=pk
    )
    try:
        portal_services.end_delegation(delegation=delegation, actor=employee)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{delegation.delegate.full_name} no longer decides for you.")
    return redirect("approvals:delegation")
