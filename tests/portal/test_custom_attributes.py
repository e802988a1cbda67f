"""Custom employee attributes (MobProc 1.1.0): tenant admins define them (portal.people
save_attribute / delete_attribute, audited) and set them through PATCH /employees/{id}, in the
shape /employees/{id} answers them, validated by people.set_custom_attributes."""

from __future__ import annotations

import pytest

from portal import people
from portal.exceptions import RequestInvalid
from portal.models import AuditEvent, EmployeeAttribute, EmployeeAttributeValue
from portal.services import NotTenantAdmin
from tests.conftest import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def cost_center(demo, ada) -> EmployeeAttribute:
    return people.save_attribute(
        tenant=demo.acme, actor=ada, name="Cost center", valid_values=["CC-100", "CC-200"]
    )


def test_defining_an_attribute_is_audited(demo, ada, cost_center):
    event = AuditEvent.objects.filter(target_type=people.EMPLOYEE_ATTRIBUTE).get()
    assert event.after == {"name": "Cost center", "valid_values": ["CC-100", "CC-200"]}
    people.delete_attribute(attribute=cost_center, actor=ada)
    assert not EmployeeAttribute.objects.filter(pk=cost_center.pk).exists()


def test_every_problem_of_a_definition_is_listed(demo, ada, cost_center):
    with pytest.raises(RequestInvalid) as refused:
        people.save_attribute(
            tenant=demo.acme, actor=ada, name="cost center", valid_values=["A", "A"]
        )
    assert {p.field for p in refused.value.problems} == {"name", "valid_values.1"}


def test_only_tenant_admins_define_attributes(demo, peter):
    with pytest.raises(NotTenantAdmin):
        people.save_attribute(tenant=demo.acme, actor=peter, name="X", valid_values=[])


def test_patch_sets_attributes_by_name(api_for, ada, peter, cost_center):
    body = {"customAttributes": [{"name": "Cost center", "value": "CC-200"}]}
    response = api_for(ada).patch(f"{API}/employees/{peter.pk}", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["employee"]["customAttributes"] == [
        {"name": "Cost center", "value": "CC-200"}
    ]


def test_patch_lists_every_problem_and_stores_nothing(api_for, ada, peter, cost_center):
    body = {
        "firstName": "",
        "customAttributes": [
            {"name": "Cost center", "value": "CC-999"},
            {"name": "Shoe size", "value": "44"},
        ],
    }
    response = api_for(ada).patch(f"{API}/employees/{peter.pk}", body, format="json")
    assert response.status_code == 400, response.json()
    assert {e["field"] for e in response.json()["errors"]} == {
        "firstName",
        "customAttributes[0].value",
        "customAttributes[1].name",
    }
    assert not EmployeeAttributeValue.objects.filter(employee=peter).exists()


def test_another_tenants_attribute_is_unknown(api_for, demo, ada, peter):
    EmployeeAttribute.objects.create(tenant=demo.globex, name="Region code")
    body = {"customAttributes": [{"name": "Region code", "value": "EU"}]}
    response = api_for(ada).patch(f"{API}/employees/{peter.pk}", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorCode"] == "NOT_FOUND"
