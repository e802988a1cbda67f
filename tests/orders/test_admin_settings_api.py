"""The tenant admin API of orders and the catalog: order properties per transaction type, the
notification switches, the catalog offering. Each write goes through the services the
/manage/ pages call: the same rules, the same wording, the same rows."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Accessory, Device, Feature, Plan
from orders.models import Notification, NotificationSetting, PropertyField, PropertyGroup
from portal.models import Tenant
from tests.conftest import browser_for
from tests.demo_data import accessory, api_id, employee

API = "/api/v1"


def call(client, method: str, path: str, body=None):
    return getattr(client, method)(f"{API}/{path}", body, format="json")


def assert_error(response, status: int, code: str) -> None:
    body = response.json()
    assert response.status_code == status, body
    assert body["errorCode"] == code, body


def assert_envelope(response, *fields: str) -> list[dict]:
    body = response.json()
    assert response.status_code == 400, body
    assert body["status"] == "ERROR"
    assert sorted(e["field"] for e in body["errors"]) == sorted(fields), body
    return body["errors"]


@pytest.fixture
def admin_api(api_for, ada):
    return api_for(ada)


@pytest.fixture
def ada_client(ada) -> Client:
    return browser_for(ada)


@pytest.fixture
def misc(demo) -> PropertyGroup:
    return PropertyGroup.objects.get(
        tenant=demo.acme, transaction_type="ORDER_ACCESSORIES", group_id="MISCELLANEOUS"
    )


COST_CENTRE = {
    "id": "COST_CENTER",
    "label": "Cost centre",
    "type": "TEXT",
    "validation": "REQUIRED",
    "minLength": 4,
    "maxLength": 8,
    "pattern": "digits",
    "regEx": "[0-9]+",
}
WHERE = {
    "id": "WHERE",
    "label": "Where do you work?",
    "type": "CHOICE",
    "validation": "OPTIONAL",
    "choices": [
        {"id": "DESK", "label": "At my desk", "isOther": False},
        {"id": "ELSEWHERE", "label": "Elsewhere", "isOther": True},
    ],
}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "order-properties", None),
        ("post", "order-properties", {"transactionType": "UPGRADE", "groupId": "X"}),
        ("get", "notification-settings", None),
        ("put", "notification-settings", {"enabled": []}),
        ("get", "catalog-offering", None),
        ("put", "catalog-offering", {"upgradeEligibilityMonths": 12}),
    ],
)
def test_only_tenant_admins_configure_orders_and_the_catalog(api_for, peter, method, path, body):
    before = (PropertyGroup.objects.count(), NotificationSetting.objects.count())

    assert_error(call(api_for(peter), method, path, body), 403, "TENANT_ADMIN_ONLY")

    assert (PropertyGroup.objects.count(), NotificationSetting.objects.count()) == before


# --- Order properties --------------------------------------------------------------------------


def test_admin_adds_a_property_group_and_checkout_asks_it(admin_api, peter_api):
    body = {"transactionType": "UPGRADE", "groupId": "BILLING", "fields": [COST_CENTRE, WHERE]}

    response = call(admin_api, "post", "order-properties", body)

    assert response.status_code == 201, response.json()
    shown = response.json()["orderProperty"]
    assert (shown["transactionType"], shown["groupId"]) == ("UPGRADE", "BILLING")
    assert shown["_meta"]["href"].endswith(f"/api/v1/order-properties/{shown['id']}")
    asked = peter_api.get("orders/properties", {"transactionType": "UPGRADE"}).json()
    (group,) = [g for g in asked["properties"]["items"] if g["groupId"] == "BILLING"]
    assert group["fields"] == shown["fields"]  # what checkout asks, in the same words
    assert group["fields"][0] == COST_CENTRE
    assert group["fields"][1]["choices"] == WHERE["choices"]


def test_admin_replaces_a_groups_fields_in_order(admin_api, misc):
    before = [f.field_id for f in misc.fields.all()]
    kept = before[0]
    body = {"fields": [WHERE, {"id": kept, "label": "Kept, relabelled", "type": "TEXT"}]}

    response = call(admin_api, "put", f"order-properties/{misc.pk}", body)

    assert response.status_code == 200, response.json()
    fields = response.json()["orderProperty"]["fields"]
    assert [f["id"] for f in fields] == ["WHERE", kept]
    assert fields[1]["label"] == "Kept, relabelled"
    assert list(misc.fields.values_list("field_id", flat=True)) == ["WHERE", kept]


def test_every_problem_of_the_fields_is_listed_at_its_path(admin_api, misc):
    bad_text = {**COST_CENTRE, "id": "", "label": "", "minLength": 9, "regEx": "[0-9"}
    bad_choice = {**WHERE, "choices": [{"id": "A", "label": "", "isOther": True}] * 2}
    count = misc.fields.count()

    response = call(
        admin_api, "put", f"order-properties/{misc.pk}", {"fields": [bad_text, bad_choice]}
    )

    assert_envelope(
        response,
        "fields[0].id",
        "fields[0].label",
        "fields[0].maxLength",
        "fields[0].regEx",
        "fields[1].choices[0].label",
        "fields[1].choices[1].id",
        "fields[1].choices[1].label",
        "fields[1].choices",
    )
    assert misc.fields.count() == count  # nothing stored


def test_the_shape_is_checked_first(admin_api, misc):
    response = call(
        admin_api, "post", "order-properties", {"transactionType": "NOPE", "fields": [{}]}
    )

    assert_envelope(
        response,
        "transactionType",
        "groupId",
        "fields[0].id",
        "fields[0].label",
        "fields[0].type",
    )


def test_a_taken_group_id_is_refused_as_the_page_refuses_it(admin_api, ada_client, misc):
    body = {"transactionType": "ORDER_ACCESSORIES", "groupId": "MISCELLANEOUS"}

    errors = assert_envelope(call(admin_api, "post", "order-properties", body), "groupId")
    page = ada_client.post(
        reverse("manage:property-group-add"),
        {"transaction_type": "ORDER_ACCESSORIES", "group_id": "MISCELLANEOUS"},
    )

    assert page.context["group_errors"]["group_id"] == [errors[0]["message"]]


def test_a_field_the_page_adds_is_the_one_the_api_shows(admin_api, ada_client, misc):
    ada_client.post(
        reverse("manage:property-field-create", args=[misc.pk]),
        {"field_id": "COST_CENTER", "label": "Cost centre", "type": "TEXT", "required": "on",
         "min_length": "4", "max_length": "8", "reg_ex": "[0-9]+", "pattern": "digits"},
    )  # fmt: skip

    shown = admin_api.get(f"{API}/order-properties/{misc.pk}").json()["orderProperty"]

    assert COST_CENTRE in shown["fields"]


def test_admin_deletes_a_property_group(admin_api, misc):
    assert call(admin_api, "delete", f"order-properties/{misc.pk}").status_code == 204
    assert not PropertyGroup.objects.filter(pk=misc.pk).exists()


def test_another_tenants_property_group_is_not_found(admin_api, demo):
    theirs = PropertyGroup.objects.create(
        tenant=demo.globex, transaction_type="UPGRADE", group_id="THEIRS"
    )

    for method in ("get", "put", "delete"):
        response = call(admin_api, method, f"order-properties/{theirs.pk}", {"fields": []})
        assert_error(response, 404, "NOT_FOUND")
    assert PropertyGroup.objects.filter(pk=theirs.pk).exists()
    listed = admin_api.get(f"{API}/order-properties?limit=200").json()["orderProperties"]
    assert str(theirs.pk) not in {g["id"] for g in listed["items"]}


def test_the_list_narrows_to_a_transaction_type(admin_api):
    listed = admin_api.get(f"{API}/order-properties?transactionType=ORDER_ACCESSORIES").json()

    types = {g["transactionType"] for g in listed["orderProperties"]["items"]}
    assert types == {"ORDER_ACCESSORIES"}
    assert_error(
        admin_api.get(f"{API}/order-properties?transactionType=NOPE"), 400, "INVALID_QUERY"
    )


def test_property_list_costs_the_same_for_3_and_30(admin_api, demo, django_assert_max_num_queries):
    def add(count: int) -> None:
        for n in range(count):
            group = PropertyGroup.objects.create(
                tenant=demo.acme, transaction_type="UPGRADE", group_id=f"G{n}-{count}"
            )
            PropertyField.objects.create(group=group, field_id="F", label="F")

    def listed() -> int:
        with django_assert_max_num_queries(9):
            response = admin_api.get(f"{API}/order-properties?limit=100")
        assert response.status_code == 200
        return response.json()["orderProperties"]["_meta"]["totalCount"]

    add(3)
    few = listed()
    add(27)
    assert listed() == few + 27


# --- Notification switches ---------------------------------------------------------------------


def test_admin_switches_notifications_as_the_page_does(admin_api, ada_client, demo):
    everything_but_approved = [e for e in Notification.Event.values if e != "ORDER_APPROVED"]

    response = call(admin_api, "put", "notification-settings", {"enabled": everything_but_approved})

    assert response.status_code == 200, response.json()
    assert response.json()["notificationSettings"]["enabled"] == everything_but_approved
    assert (
        NotificationSetting.objects.get(tenant=demo.acme, event="ORDER_APPROVED").enabled is False
    )
    page = ada_client.get(reverse("manage:notifications"))
    assert {e["value"] for e in page.context["events"] if not e["enabled"]} == {"ORDER_APPROVED"}
    assert (
        admin_api.get(f"{API}/notification-settings").json()["notificationSettings"]["enabled"]
        == everything_but_approved
    )


def test_every_unknown_event_is_listed(admin_api):
    response = call(
        admin_api, "put", "notification-settings", {"enabled": ["ORDER_APPROVED", "NOPE", "X"]}
    )

    assert_envelope(response, "enabled[1]", "enabled[2]")
    assert_envelope(call(admin_api, "put", "notification-settings", {}), "enabled")


def test_another_tenants_switches_stay_their_own(admin_api, demo):
    call(admin_api, "put", "notification-settings", {"enabled": []})

    assert not NotificationSetting.objects.filter(tenant=demo.globex, enabled=False).exists()


# --- Catalog offering --------------------------------------------------------------------------


def test_admin_reads_and_changes_the_offering(admin_api, demo, peter_api):
    shown = admin_api.get(f"{API}/catalog-offering").json()["catalogOffering"]
    assert set(shown["accessoryIds"]) == {
        str(pk) for pk in Accessory.objects.offered_to(demo.acme).values_list("pk", flat=True)
    }
    pouch = accessory("LG Cookie Plus Leather")
    without = [pk for pk in shown["accessoryIds"] if pk != api_id(pouch)]

    response = call(
        admin_api,
        "put",
        "catalog-offering",
        {"accessoryIds": without, "upgradeEligibilityMonths": 18},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["catalogOffering"]["upgradeEligibilityMonths"] == 18
    assert Tenant.objects.get(pk=demo.acme.pk).upgrade_eligibility_months == 18
    catalog = peter_api.get("catalog/accessories", {"limit": 100}).json()
    assert api_id(pouch) not in {a["id"] for a in catalog["accessories"]["items"]}
    # Left out: unchanged.
    assert set(response.json()["catalogOffering"]["deviceIds"]) == set(shown["deviceIds"])


def test_every_offering_problem_is_listed_and_nothing_changes(admin_api, demo):
    before = {
        model: set(model.objects.offered_to(demo.acme).values_list("pk", flat=True))
        for model in (Accessory, Device, Plan, Feature)
    }

    response = call(
        admin_api,
        "put",
        "catalog-offering",
        {"accessoryIds": [], "deviceIds": ["x", "999999999"], "upgradeEligibilityMonths": 0},
    )

    errors = assert_envelope(response, "deviceIds[0]", "deviceIds[1]")
    assert errors[1]["errorCode"] == "NOT_FOUND"
    response = call(
        admin_api, "put", "catalog-offering", {"accessoryIds": [], "upgradeEligibilityMonths": 0}
    )
    errors = assert_envelope(response, "upgradeEligibilityMonths")
    assert errors[0]["message"].startswith("Give the upgrade period as a whole number")
    after = {
        model: set(model.objects.offered_to(demo.acme).values_list("pk", flat=True))
        for model in (Accessory, Device, Plan, Feature)
    }
    assert after == before
    assert Tenant.objects.get(pk=demo.acme.pk).upgrade_eligibility_months == 24


def test_the_page_and_the_api_set_the_same_upgrade_period(admin_api, ada_client, demo):
    ada_client.post(reverse("manage:catalog"), {"section": "upgrade-period", "months": "12"})
    by_page = admin_api.get(f"{API}/catalog-offering").json()["catalogOffering"]

    assert by_page["upgradeEligibilityMonths"] == 12
    call(admin_api, "put", "catalog-offering", {"upgradeEligibilityMonths": "30"})
    page = ada_client.get(reverse("manage:catalog"))
    assert page.context["period"]["value"] == "30"


def test_the_offering_is_the_callers_tenants(api_for, demo):
    greta = api_for(employee("greta"))
    globex = greta.get(f"{API}/catalog-offering").json()["catalogOffering"]

    assert set(globex["accessoryIds"]) == {
        str(pk) for pk in Accessory.objects.offered_to(demo.globex).values_list("pk", flat=True)
    }
