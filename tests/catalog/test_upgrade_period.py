"""The tenant admin's upgrade period (catalog availability page): how long after a device upgrade
a line may be upgraded again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import ServiceAsset, add_months
from portal.exceptions import NotTenantAdmin, RequestInvalid
from portal.models import Tenant
from tests.conftest import browser_for
from tests.demo_data import line_of

PAGE = reverse("manage:catalog")


@pytest.fixture
def upgraded_a_year_ago(demo) -> ServiceAsset:
    """Peter's line, upgraded a year ago: not due under acme's 24 months."""
    line = line_of("peter")
    line.last_device_upgrade = timezone.now() - timedelta(days=365)
    line.save()
    return line


def fresh(line: ServiceAsset) -> ServiceAsset:
    return ServiceAsset.objects.select_related("tenant").get(pk=line.pk)


def test_the_page_shows_the_tenants_upgrade_period(ada):
    html = browser_for(ada).get(PAGE).content.decode()

    assert 'name="months" value="24"' in html
    assert "Months between device upgrades" in html


def test_a_shorter_period_makes_a_line_eligible(ada, peter, upgraded_a_year_ago):
    web = browser_for(peter)
    assert web.get(f"/lines/{upgraded_a_year_ago.pk}/upgrade/").status_code == 409

    admin = browser_for(ada)
    response = admin.post(PAGE, {"section": "upgrade-period", "months": "12"})

    line = fresh(upgraded_a_year_ago)
    assert response.status_code == 302 and response["Location"] == f"{PAGE}#upgrade-period"
    assert Tenant.objects.get(slug="acme").upgrade_eligibility_months == 12
    assert line.upgrade_eligibility_date == add_months(line.last_device_upgrade, 12)
    assert line.upgrade_eligibility_date <= timezone.now()
    assert web.get(f"/lines/{upgraded_a_year_ago.pk}/upgrade/").status_code == 200
    assert "Lines may now be upgraded 12 months after their last upgrade." in [
        str(m) for m in admin.get(PAGE).context["messages"]
    ]


@pytest.mark.parametrize("typed", ["0", "61", "-3", "twelve", "1.5", ""])
def test_a_bad_period_is_shown_beside_the_field_and_not_saved(ada, typed):
    response = browser_for(ada).post(PAGE, {"section": "upgrade-period", "months": typed})

    html = response.content.decode()
    beside = html[html.index('data-field="upgradeEligibilityMonths"') :]
    beside = beside[: beside.index("</form>")]
    assert response.status_code == 400
    assert "whole number of months from 1 to 60" in beside
    assert f'value="{typed}"' in beside  # what was typed stays
    assert Tenant.objects.get(slug="acme").upgrade_eligibility_months == 24


def test_non_admins_may_not_change_the_period(peter, demo):
    response = browser_for(peter).post(PAGE, {"section": "upgrade-period", "months": "1"})

    assert response.status_code == 403
    with pytest.raises(NotTenantAdmin):
        services.set_upgrade_period(demo.acme, 1, peter)
    assert Tenant.objects.get(slug="acme").upgrade_eligibility_months == 24


def test_an_admin_of_another_tenant_may_not_change_it(ada, demo):
    with pytest.raises(NotTenantAdmin):
        services.set_upgrade_period(demo.globex, 6, ada)

    assert Tenant.objects.get(slug="globex").upgrade_eligibility_months == 24


def test_the_service_checks_the_range_itself(ada, demo):
    with pytest.raises(RequestInvalid) as refused:
        services.set_upgrade_period(demo.acme, 61, ada)
    services.set_upgrade_period(demo.acme, 60, ada)

    assert refused.value.problems[0].field == "upgradeEligibilityMonths"
    assert Tenant.objects.get(slug="acme").upgrade_eligibility_months == 60
