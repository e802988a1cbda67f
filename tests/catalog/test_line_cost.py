"""A line's monthly cost (ServiceAsset.monthly_cost): its plan and features billed monthly,
counted once, the same on the line page, the upgrade's summary and the feature change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Feature, Recurrence, ServiceAsset
from orders.web.care import FeatureInputs
from orders.web.forms import CHECKED
from tests.demo_data import hotspot, iphone_15, line_of, roaming


@pytest.fixture
def line(peter) -> ServiceAsset:
    """Peter's line: Business Unlimited (45.00 a month) with international roaming (10.00)."""
    line = line_of("peter")
    line.features.set([roaming()])
    return line


@pytest.fixture
def one_time_hotspot() -> Feature:
    """The hotspot (5.00) billed once instead of monthly."""
    feature = hotspot()
    feature.price_recurrence = Recurrence.ONETIME
    feature.save()
    return feature


def fresh(line: ServiceAsset) -> ServiceAsset:
    return ServiceAsset.objects.select_related("plan").get(pk=line.pk)


def test_the_plan_and_monthly_features_are_the_monthly_cost(line):
    assert fresh(line).monthly_cost() == Decimal("55.00")


def test_a_one_time_charge_is_not_part_of_the_monthly_cost(line, one_time_hotspot):
    line.features.add(one_time_hotspot)

    assert fresh(line).monthly_cost() == Decimal("55.00")


def test_a_line_without_plan_or_features_costs_nothing_a_month(line):
    ServiceAsset.objects.filter(pk=line.pk).update(plan=None)
    line.features.clear()

    assert fresh(line).monthly_cost() == Decimal("0")


def test_the_line_page_shows_the_monthly_cost(web, line, one_time_hotspot):
    line.features.add(one_time_hotspot)

    response = web.get(f"/lines/{line.pk}/")

    assert response.context["monthly"] == Decimal("55.00")
    html = response.content.decode()
    monthly = html[html.index('data-testid="line-monthly"') :]
    assert "55.00 USD" in monthly[: monthly.index("</dd>")]


def test_the_upgrade_summary_starts_from_the_monthly_cost(web, line, one_time_hotspot):
    line.features.add(one_time_hotspot)

    response = web.get(f"/lines/{line.pk}/upgrade/?device={iphone_15().pk}")

    assert response.context["baseline"] == Decimal("55.00")
    assert 'data-baseline="55.00"' in response.content.decode()


def test_a_one_time_feature_does_not_change_the_monthly_bill_on_the_feature_page(
    web, line, one_time_hotspot
):
    # The hotspot ticked (billed once), roaming unticked (10.00 a month)
    care = FeatureInputs(fresh(line))
    for choice in care.choices:
        choice.input.value = CHECKED if choice.feature == one_time_hotspot else ""

    html = web.get(f"/lines/{line.pk}/features/").content.decode()

    assert care.monthly_change == Decimal("-10.00")
    box = html[html.index(f'id="id_feature-{one_time_hotspot.pk}"') :]
    assert 'data-price="0"' in box[: box.index(">")]  # procure.js counts it as nothing a month
