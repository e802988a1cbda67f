"""Tenant admin page of the catalog: which items the tenant offers its employees, and how long
after a device upgrade a line may be upgraded again.

The page is one form with one Save: every section's ticks and the upgrade period are sent and
saved together (`section=all`), so ticks in one section are never lost by saving another. A
post naming one section (`section=accessories`, `section=upgrade-period`) saves that one alone.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
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
ALL = "all"  # the page's one form: every section and the upgrade period
PERIOD_FIELD = "upgradeEligibilityMonths"  # where catalog.services puts a period's problem


def _ticked(request, key: str) -> list[str]:
    """The ids ticked in one section of the whole page (`offered-<section>`)."""
    return [raw for raw in request.POST.getlist(f"offered-{key}") if raw.isdigit()]


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
        if key == ALL:
            return _save_all(request)
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


def _save_all(request):
    """Every section's ticks and the upgrade period, saved together or not at all; a refusal
    shows the page again as it was posted (400)."""
    tenant, actor = request.employee.tenant, request.employee
    ticked = {key: _ticked(request, key) for key, _model, _title in SECTIONS}
    typed = request.POST.get("months", "")
    try:
        with transaction.atomic():
            services.set_upgrade_period(tenant, typed, actor)
            for key, model, _title in SECTIONS:
                services.set_offered(tenant=tenant, model=model, ids=ticked[key], actor=actor)
    except RequestInvalid as error:
        tenant.refresh_from_db(fields=["upgrade_eligibility_months"])
        beside = [p.message for p in error.problems if p.field == PERIOD_FIELD]
        for problem in error.problems:
            if problem.field != PERIOD_FIELD:
                messages.error(request, problem.message)
        period = {"value": typed, "errors": beside}
        return _render(request, period=period, ticked=ticked, status=400)
    months = tenant.upgrade_eligibility_months
    messages.success(
        request,
        "Saved what you offer. Lines may be upgraded "
        f"{months} month{pluralize(months)} after their last upgrade.",
    )
    return redirect(reverse("manage:catalog"))


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


def _render(
    request,
    *,
    period: dict | None = None,
    ticked: dict[str, list[str]] | None = None,
    status: int = 200,
):
    """The page; `period` is the upgrade period as posted (value and errors) and `ticked` each
    section's ticks as posted when they were refused, else the tenant's own."""
    tenant = request.employee.tenant
    sections = []
    for key, model, title in SECTIONS:
        items = list(_items(model, tenant))
        for item in items:
            item.ticked = str(item.pk) in ticked[key] if ticked is not None else item.offered
        sections.append(
            {
                "key": key,
                "title": title,
                "items": items,
                "offered": sum(item.offered for item in items),
            }
        )
    period = period or {"value": str(tenant.upgrade_eligibility_months), "errors": []}
    context = {
        "sections": sections,
        "period": period,
        "period_key": UPGRADE_PERIOD,
        "all_key": ALL,
    }
    return render(request, "catalog/manage/availability.html", context, status=status)
