"""The tenant admin's catalog page (approvals/manage/offering.py) is one form with one Save: the
ticks of every section and the upgrade period are saved together, never one section's at the
cost of another's unsaved ticks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Accessory, Device, Feature, Plan
from portal.models import Tenant
from tests.conftest import browser_for

PAGE = reverse("manage:catalog")


def offered(model, tenant) -> set[int]:
    return set(model.objects.offered_to(tenant).values_list("pk", flat=True))


def whole_page(tenant, **changes) -> dict:
    """The page's one form as posted: every section's ticks as offered now, then `changes`."""
    data = {
        "section": "all",
        "months": str(tenant.upgrade_eligibility_months),
        "offered-accessories": [str(pk) for pk in offered(Accessory, tenant)],
        "offered-devices": [str(pk) for pk in offered(Device, tenant)],
        "offered-plans": [str(pk) for pk in offered(Plan, tenant)],
        "offered-features": [str(pk) for pk in offered(Feature, tenant)],
    }
    data.update(changes)
    return data


@pytest.fixture
def admin(ada):
    return browser_for(ada)


def test_the_page_is_one_form_with_one_save(admin):
    html = admin.get(PAGE).content.decode()

    assert html.count(f'<form method="post" action="{PAGE}"') == 1
    assert '<form method="post" class="card' not in html  # no form per section any more
    assert html.count('data-testid="save-catalog"') == 1
    assert 'name="section" value="all"' in html
    assert "Save accessories" not in html and "Save upgrade period" not in html
    for key in ("accessories", "devices", "plans", "features"):
        assert f'name="offered-{key}"' in html, key


def test_one_save_keeps_the_ticks_of_every_section(admin, demo):
    acme = demo.acme
    accessory = min(offered(Accessory, acme))
    device = min(offered(Device, acme))
    before_plans = offered(Plan, acme)

    response = admin.post(PAGE, whole_page(
        acme,
        **{"offered-accessories": [str(pk) for pk in offered(Accessory, acme) - {accessory}],
           "offered-devices": [str(pk) for pk in offered(Device, acme) - {device}],
           "months": "12"},
    ))  # fmt: skip

    assert response.status_code == 302
    assert accessory not in offered(Accessory, acme)
    assert device not in offered(Device, acme)
    assert offered(Plan, acme) == before_plans
    assert Tenant.objects.get(pk=acme.pk).upgrade_eligibility_months == 12


def test_a_refused_period_saves_nothing_and_keeps_what_was_ticked(admin, demo):
    acme = demo.acme
    accessory = min(offered(Accessory, acme))
    before = offered(Accessory, acme)

    response = admin.post(PAGE, whole_page(
        acme, months="0",
        **{"offered-accessories": [str(pk) for pk in before - {accessory}]},
    ))  # fmt: skip

    assert response.status_code == 400
    assert offered(Accessory, acme) == before
    assert Tenant.objects.get(pk=acme.pk).upgrade_eligibility_months == 24
    html = response.content.decode()
    assert "whole number of months from 1 to 60" in html
    assert f'id="accessories-{accessory}">' in html  # shown unticked, as it was posted
    ticked = next(pk for pk in before if pk != accessory)
    assert f'id="accessories-{ticked}" checked>' in html


def test_unknown_ids_save_nothing(admin, demo):
    acme = demo.acme
    before = offered(Device, acme)

    response = admin.post(PAGE, whole_page(acme, **{"offered-accessories": ["1"]}, months="12"))

    assert response.status_code == 400
    assert offered(Device, acme) == before
    assert Tenant.objects.get(pk=acme.pk).upgrade_eligibility_months == 24


def test_non_admins_may_not_save_the_page(peter, demo):
    response = browser_for(peter).post(PAGE, whole_page(demo.acme, months="1"))

    assert response.status_code == 403
    assert Tenant.objects.get(pk=demo.acme.pk).upgrade_eligibility_months == 24
