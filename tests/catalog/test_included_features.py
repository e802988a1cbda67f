"""A plan's included features (catalog.IncludedFeature) and features named by `description`,
as the MobProc tutorials show them: `/catalog/plans`, an order's confirmation and the pages that
offer a plan."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from catalog.models import IncludedFeature
from tests.catalog.test_catalog_api import collection
from tests.demo_data import api_id, business_10gb, business_unlimited, hotspot, roaming
from tests.factories import PlanFactory
from tests.orders.test_procurement_pages import new_line_form, new_line_url, review_number
from tests.orders.test_transaction_types import confirmed, order_body

UNLIMITED_INCLUDES = ["Unlimited talk and text", "Unlimited data", "Voicemail"]


def included(plan: dict) -> list[str]:
    return [item["description"] for item in plan["includedFeatures"]]


def test_the_plan_list_shows_each_plans_included_features_in_their_order(peter_api):
    # Given Business 10 GB's included features put in another order
    ten_gb = business_10gb()
    ten_gb.included_features.filter(position=0).update(position=5)

    plans = {p["id"]: p for p in collection(peter_api.get("catalog/plans"), "plans")}

    assert included(plans[api_id(business_unlimited())]) == UNLIMITED_INCLUDES
    assert included(plans[api_id(ten_gb)]) == ["10 GB shared data", "Unlimited talk and text"]
    assert plans[api_id(ten_gb)]["includedFeatures"][0] == {"description": "10 GB shared data"}


def test_a_plan_without_included_features_lists_none(peter_api, demo):
    bare = PlanFactory(vendor=business_unlimited().vendor, offered_to=[demo.acme])

    response = peter_api.get(f"catalog/plans/{bare.pk}")

    assert response.status_code == 200, response.json()
    assert response.json()["plan"]["includedFeatures"] == []


def test_the_plan_detail_names_its_features_by_description_too(peter_api):
    response = peter_api.get(f"catalog/plans/{business_unlimited().pk}")

    assert response.status_code == 200, response.json()
    plan = response.json()["plan"]
    assert included(plan) == UNLIMITED_INCLUDES
    assert {(f["description"], f["name"]) for f in plan["optionalFeatures"]} == {
        ("International roaming", "International roaming"),
        ("Mobile hotspot", "Mobile hotspot"),
    }
    feature = peter_api.get(f"catalog/features/{hotspot().pk}").json()["feature"]
    assert feature["description"] == "Mobile hotspot"


def test_more_plans_with_more_included_features_cost_no_more_queries(
    peter_api, demo, count_queries, django_assert_max_num_queries
):
    peter_api.get("me")  # the first call validates the token, later ones find it kept
    with count_queries() as few:
        assert peter_api.get("catalog/plans").status_code == 200

    # Given four more plans of three included features each
    for plan in PlanFactory.create_batch(
        4, vendor=business_unlimited().vendor, offered_to=[demo.acme]
    ):
        IncludedFeature.objects.bulk_create(
            IncludedFeature(plan=plan, description=f"Perk {n}", position=n) for n in range(3)
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        plans = collection(peter_api.get("catalog/plans"), "plans")

    assert len(plans) == 3 + 4  # the demo's three of acme, and the four
    assert sum(len(p["includedFeatures"]) for p in plans) == 3 + 2 + 2 + 4 * 3


def test_a_new_lines_confirmation_shows_what_its_plan_comes_with(peter_api):
    answer = confirmed(peter_api, order_body("NEW_ACTIVATION"))

    plan = answer["shoppingCart"]["plan"]
    assert plan["id"] == api_id(business_unlimited())
    assert included(plan) == UNLIMITED_INCLUDES
    assert [f["description"] for f in plan["optionalFeatures"]] == ["International roaming"]


def test_a_feature_change_names_the_feature_by_description(peter_api):
    body = order_body("UPDATE_FEATURES")

    answer = confirmed(peter_api, body)
    submitted = peter_api.post("orders", body)

    assert [f["description"] for f in answer["shoppingCart"]["features"]] == [roaming().name]
    assert submitted.status_code == 200, submitted.json()
    segment = submitted.json()["order"]["orderSegments"]["items"][0]
    assert [(f["description"], f["action"]) for f in segment["features"]] == [
        ("International roaming", "ADD")
    ]


def test_the_plan_choices_and_the_review_list_what_each_plan_comes_with(web):
    form = web.get(new_line_url()).content.decode()

    # Each plan's included features sit under its name, in order
    ten_gb = form[form.index('aria-label="Included with Business 10 GB"') :]
    assert ten_gb.index("Unlimited talk and text") < ten_gb.index("10 GB shared data")
    unlimited = form[form.index('aria-label="Included with Business Unlimited"') :]
    assert unlimited.index("Unlimited data") < unlimited.index("Voicemail")

    number = review_number(web.post(new_line_url(), new_line_form()))
    review = web.get(f"/review/{number}/").content.decode()
    items = review[review.index('data-testid="confirm-items"') :]
    assert 'aria-label="Included with Business Unlimited"' in items
    assert "Voicemail" in items
    assert "10 GB shared data" not in review  # only the chosen plan's


def test_the_plans_admin_page_edits_its_included_features(demo):
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    ten_gb = business_10gb()

    page = admin.get(f"/admin/catalog/plan/{ten_gb.pk}/change/")

    assert page.status_code == 200
    inline = page.context["inline_admin_formsets"][0].formset
    assert [f.instance.description for f in inline.forms if f.instance.pk] == [
        "Unlimited talk and text",
        "10 GB shared data",
    ]
