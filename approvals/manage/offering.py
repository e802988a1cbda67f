"""Tenant admin page of the catalog: which items the tenant offers its employees, and how long
after a device upgrade a line may be upgraded again."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse

from catalog import services
from catalog.models import Accessory, Device, Feature, Plan
from portal.exceptions import RequestInvalid
from portal.web.pages import tenant_admin_required

# Sections of the page, in order: (key posted back, model, title).
SECTIONS = [
    ("accessories", Accessory, "Accessories"),
    ("devices", Device, "Devices"),
    ("plans", Plan, "Plans"),
    ("features", Feature, "Plan features"),
]
UPGRADE_PERIOD = "upgrade-period"  # the key the upgrade period form posts back


def _items(model, tenant):
    """Every catalog item of a model, each annotated with whether the tenant offers it."""
    through = model.offered_to.through
    offered = through.objects.filter(
        tenant=tenant, **{f"{model._meta.model_name}_id": OuterRef("pk")}
    )
    items = model.objects.annotate(offered=Exists(offered))
    if model is Accessory:
        return items.select_related("manufacturer", "vendor").prefetch_related(
            Prefetch("fits", queryset=Device.objects.select_related("manufacturer", "vendor"))
        )
    if model is Device:
        return items.select_related("manufacturer", "vendor")
    if model is Plan:
        return items.select_related("vendor")
    return items.select_related("plan__vendor")


@tenant_admin_required
def catalog_availability(request):
    tenant = request.employee.tenant
    if request.method == "POST":
        key = request.POST.get("section")
        if key == UPGRADE_PERIOD:
            return _save_upgrade_period(request)
        model = next((model for name, model, _ in SECTIONS if name == key), None)
        if model is not None:
            ids = [raw for raw in request.POST.getlist("offered") if raw.isdigit()]
            try:
                services.set_offered(tenant=tenant, model=model, ids=ids, actor=request.employee)
            except RequestInvalid as error:
                messages.error(request, error.problems[0].message)
            else:
                title = next(title for name, _, title in SECTIONS if name == key)
                messages.success(request, f"Saved which {title.lower()} you offer.")
        return redirect(f"{reverse('manage:catalog')}#{key or ''}")
    return _render(request)


def _save_upgrade_period(request):
    tenant, typed = request.employee.tenant, request.POST.get("months", "")
    try:
        services.set_upgrade_period(tenant, typed, request.employee)
    except RequestInvalid as error:
        period = {"value": typed, "errors": [problem.message for problem in error.problems]}
        return _render(request, period=period, status=400)
    months = tenant.upgrade_eligibility_months
    messages.success(
        request,
        f"Lines may now be upgraded {months} month{pluralize(months)} after their last upgrade.",
    )
    return redirect(f"{reverse('manage:catalog')}#{UPGRADE_PERIOD}")


def _render(request, *, period: dict | None = None, status: int = 200):
    """The page; `period` is the upgrade period form as posted (value and errors) when it was
    refused, else the tenant's own."""
    tenant = request.employee.tenant
    sections = []
    for key, model, title in SECTIONS:
        items = list(_items(model, tenant))
        sections.append(
            {
                "key": key,
                "title": title,
                "items": items,
                "offered": sum(item.offered for item in items),
            }
        )
    period = period or {"value": str(tenant.upgrade_eligibility_months), "errors": []}
    context = {"sections": sections, "period": period, "period_key": UPGRADE_PERIOD}
    return render(request, "catalog/manage/availability.html", context, status=status)
