"""Tenant admins define their custom employee attributes (MobProc 1.1.0) through
/employee-attributes and on /manage/attributes/: both call people.save_attribute and
people.delete_attribute, so the refusals, the audit rows and the tenant scope are the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal import people
from portal.models import AuditEvent, EmployeeAttribute, EmployeeAttributeValue
from tests.conftest import API, browser_for
from tests.demo_data import employee
from tests.portal.test_admin_api import assert_envelope, assert_error, call

pytestmark = pytest.mark.django_db


def definitions() -> list:
    return sorted(EmployeeAttribute.objects.values_list("pk", "tenant_id", "name", "valid_values"))


@pytest.fixture
def admin_api(api_for, ada):
    return api_for(ada)


@pytest.fixture
def cost_center(demo, ada) -> EmployeeAttribute:
    return people.save_attribute(
        tenant=demo.acme, actor=ada, name="Cost center", valid_values=["CC-100", "CC-200"]
    )


@pytest.fixture
def globex_badge(demo) -> EmployeeAttribute:
    greta = employee("greta")
    return people.save_attribute(tenant=greta.tenant, actor=greta, name="Badge", valid_values=[])


# --- The API -----------------------------------------------------------------------------------


def test_admin_creates_lists_edits_and_deletes_an_attribute(admin_api):
    body = {"name": " Cost center ", "validValues": ["CC-100", " CC-200 ", ""]}
    created = call(admin_api, "post", "employee-attributes", body)
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "SUCCESS"
    shown = created.json()["employeeAttribute"]
    assert {k: shown[k] for k in ("name", "validValues")} == {
        "name": "Cost center",
        "validValues": ["CC-100", "CC-200"],
    }
    assert shown["_meta"]["href"].endswith(f"/api/v1/employee-attributes/{shown['id']}")

    listed = call(admin_api, "get", "employee-attributes").json()["employeeAttributes"]
    theirs = EmployeeAttribute.objects.filter(tenant__slug="acme").order_by("name")
    assert [a["id"] for a in listed["items"]] == [
        str(pk) for pk in theirs.values_list("pk", flat=True)
    ]
    assert shown in listed["items"]
    assert call(admin_api, "get", f"employee-attributes/{shown['id']}").json() == {
        "employeeAttribute": shown
    }

    # What a PATCH leaves out stays as it is.
    renamed = call(admin_api, "patch", f"employee-attributes/{shown['id']}", {"name": "Cost ctr"})
    assert renamed.json()["employeeAttribute"]["validValues"] == ["CC-100", "CC-200"]
    changed = call(
        admin_api, "patch", f"employee-attributes/{shown['id']}", {"validValues": ["CC-300"]}
    )
    assert changed.json()["employeeAttribute"] | {"_meta": None} == {
        "_meta": None,
        "id": shown["id"],
        "name": "Cost ctr",
        "validValues": ["CC-300"],
    }

    deleted = call(admin_api, "delete", f"employee-attributes/{shown['id']}")
    assert deleted.status_code == 204
    assert_error(call(admin_api, "get", f"employee-attributes/{shown['id']}"), 404, "NOT_FOUND")
    actions = AuditEvent.objects.filter(
        target_type=people.EMPLOYEE_ATTRIBUTE, target_id=shown["id"]
    ).order_by("pk")
    assert list(actions.values_list("action", flat=True)) == [
        "CREATED",
        "UPDATED",
        "UPDATED",
        "DELETED",
    ]
    assert actions.last().before == {
        "name": "Cost ctr",
        "valid_values": ["CC-300"],
        "values_held": 0,
    }


def test_every_problem_of_a_definition_is_listed_where_the_body_has_it(admin_api, cost_center):
    before = definitions()
    body = {"name": "COST CENTER", "validValues": ["A", "", "A", "x" * 256, "B\nC"]}

    errors = assert_envelope(
        call(admin_api, "post", "employee-attributes", body),
        "name",
        "validValues[2]",
        "validValues[3]",
        "validValues[4]",
    )

    codes = {e["field"]: e["errorCode"] for e in errors}
    assert codes == {
        "name": "DUPLICATE",
        "validValues[2]": "DUPLICATE",
        "validValues[3]": "TOO_LONG",
        "validValues[4]": "INVALID_VALUE",
    }
    assert_envelope(call(admin_api, "post", "employee-attributes", {}), "name")
    assert_envelope(call(admin_api, "post", "employee-attributes", {"name": "  "}), "name")
    bad_shape = {"name": "Shoe size", "validValues": "44"}
    assert_envelope(call(admin_api, "post", "employee-attributes", bad_shape), "validValues")
    patch = {"name": "x" * 101, "validValues": ["A", "A"]}
    assert_envelope(
        call(admin_api, "patch", f"employee-attributes/{cost_center.pk}", patch),
        "name",
        "validValues[1]",
    )
    assert definitions() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "employee-attributes", None),
        ("post", "employee-attributes", {"name": "Shoe size"}),
        ("get", "employee-attributes/{pk}", None),
        ("patch", "employee-attributes/{pk}", {"name": "Taken over"}),
        ("delete", "employee-attributes/{pk}", None),
    ],
)
def test_only_tenant_admins_define_attributes(api_for, peter, cost_center, method, path, body):
    before = definitions()

    response = call(api_for(peter), method, path.format(pk=cost_center.pk), body)

    assert_error(response, 403, "TENANT_ADMIN_ONLY")
    assert definitions() == before


def test_another_tenants_attribute_is_not_found(admin_api, globex_badge):
    before = definitions()
    for method in ("get", "patch", "delete"):
        response = call(admin_api, method, f"employee-attributes/{globex_badge.pk}", {"name": "X"})
        assert_error(response, 404, "NOT_FOUND")
    listed = call(admin_api, "get", "employee-attributes").json()["employeeAttributes"]
    assert str(globex_badge.pk) not in [a["id"] for a in listed["items"]]
    assert definitions() == before


def test_a_name_another_tenant_uses_is_free(admin_api, globex_badge):
    response = call(admin_api, "post", "employee-attributes", {"name": "Badge"})

    assert response.status_code == 201, response.json()


def test_deleting_an_attribute_deletes_the_values_people_held(admin_api, ada, peter, cost_center):
    people.set_custom_attributes(employee=peter, actor=ada, values={cost_center.pk: "CC-100"})

    response = call(admin_api, "delete", f"employee-attributes/{cost_center.pk}")

    assert response.status_code == 204
    assert not EmployeeAttributeValue.objects.filter(employee=peter).exists()
    event = AuditEvent.objects.get(target_type=people.EMPLOYEE_ATTRIBUTE, action="DELETED")
    assert event.before["values_held"] == 1


def test_attribute_list_costs_the_same_for_2_and_32(
    admin_api, ada, cost_center, django_assert_max_num_queries
):
    def listed() -> int:
        with django_assert_max_num_queries(6):
            response = admin_api.get(f"{API}/employee-attributes?limit=100")
        assert response.status_code == 200
        return response.json()["employeeAttributes"]["_meta"]["totalCount"]

    few = listed()
    EmployeeAttribute.objects.bulk_create(
        EmployeeAttribute(tenant=ada.tenant, name=f"Attribute {n}", valid_values="A\nB")
        for n in range(30)
    )
    assert listed() == few + 30


# --- The page ----------------------------------------------------------------------------------

PAGE = reverse("manage:attributes")


def test_admin_adds_an_attribute_one_value_per_line(ada):
    response = browser_for(ada).post(
        PAGE, {"name": "Cost center", "valid_values": "CC-100\r\n\r\n CC-200 \r\n"}
    )

    assert response.status_code == 302
    attribute = EmployeeAttribute.objects.get(tenant=ada.tenant, name="Cost center")
    assert (attribute.name, attribute.choices) == ("Cost center", ["CC-100", "CC-200"])
    page = browser_for(ada).get(PAGE).content.decode()
    assert "Cost center" in page and "CC-100, CC-200" in page
    assert AuditEvent.objects.filter(target_type=people.EMPLOYEE_ATTRIBUTE).count() == 1


def test_the_page_shows_each_problem_beside_its_field(ada, cost_center):
    before = definitions()

    response = browser_for(ada).post(
        PAGE, {"name": "cost center", "valid_values": "A\n\nA\n" + "x" * 256}
    )

    assert response.status_code == 400
    page = response.content.decode()
    name_field, values_field = page.split('id="id_valid_values"')
    assert "There is an attribute cost center." in name_field.split('id="id_name"')[1]
    assert "Line 3: A is listed twice." in values_field
    assert "Line 4: Keep a value to 255 characters." in values_field
    assert "A\n\nA\n" in values_field  # what was typed stays
    assert definitions() == before


def test_admin_edits_an_attribute_through_its_form(ada, cost_center):
    url = reverse("manage:attribute-edit", args=[cost_center.pk])
    client = browser_for(ada)
    assert "CC-100\nCC-200" in client.get(url).content.decode()

    refused = client.post(url, {"name": "", "valid_values": "CC-100"})
    assert refused.status_code == 400
    assert "Give the name." in refused.content.decode()

    response = client.post(url, {"name": "Cost centre", "valid_values": "CC-100\nCC-300"})
    assert response.status_code == 302
    cost_center.refresh_from_db()
    assert (cost_center.name, cost_center.choices) == ("Cost centre", ["CC-100", "CC-300"])


def test_admin_deletes_an_attribute_after_confirming(ada, peter, cost_center):
    people.set_custom_attributes(employee=peter, actor=ada, values={cost_center.pk: "CC-100"})
    url = reverse("manage:attribute-delete", args=[cost_center.pk])
    client = browser_for(ada)

    asked = client.get(url)
    assert asked.status_code == 200
    assert "1 person holds" in asked.content.decode()
    assert EmployeeAttribute.objects.filter(pk=cost_center.pk).exists()

    assert client.post(url).status_code == 302
    assert not EmployeeAttribute.objects.filter(pk=cost_center.pk).exists()


def test_only_tenant_admins_open_the_page(peter, cost_center):
    client = browser_for(peter)
    before = definitions()
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "Shoe size"}).status_code == 403
    edit = reverse("manage:attribute-edit", args=[cost_center.pk])
    assert client.post(edit, {"name": "Taken over"}).status_code == 403
    assert client.post(reverse("manage:attribute-delete", args=[cost_center.pk])).status_code == 403
    assert definitions() == before


def test_another_tenants_attribute_page_is_not_found(ada, globex_badge):
    client = browser_for(ada)
    before = definitions()
    for name in ("manage:attribute-edit", "manage:attribute-delete"):
        assert client.get(reverse(name, args=[globex_badge.pk])).status_code == 404
        assert client.post(reverse(name, args=[globex_badge.pk])).status_code == 404
    assert "Badge" not in client.get(PAGE).content.decode()
    assert definitions() == before


def test_attribute_page_costs_the_same_for_2_and_32(
    ada, cost_center, django_assert_max_num_queries
):
    client = browser_for(ada)

    def shown() -> str:
        with django_assert_max_num_queries(9):
            response = client.get(PAGE)
        assert response.status_code == 200
        return response.content.decode()

    shown()
    EmployeeAttribute.objects.bulk_create(
        EmployeeAttribute(tenant=ada.tenant, name=f"Attribute {n}", valid_values="A\nB")
        for n in range(30)
    )
    assert "Attribute 29" in shown()
