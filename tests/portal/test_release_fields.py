"""MobProc 1.1.0-1.2.0 on people: `updated` on the employee object, `dateTimeUpdatedOnOrAfter`
and the UPDATED_DATE sort on /employees, and the employees' custom attributes (defined per
tenant with their valid values; on /me and /employees/{id}; set by tenant admins on the
employee page through portal.people.set_custom_attributes, audited)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from portal import people
from portal.exceptions import RequestInvalid
from portal.models import AuditEvent, Employee, EmployeeAttribute, EmployeeAttributeValue
from portal.services import NotTenantAdmin
from tests.conftest import browser_for
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def items(response) -> list[dict]:
    body = response.json()
    assert response.status_code == 200, body
    return body["employees"]["items"]


def assert_invalid_query(response) -> None:
    body = response.json()
    assert response.status_code == 400, body
    assert body["errorCode"] == "INVALID_QUERY", body


def at(employee: Employee, when: datetime) -> None:
    Employee.objects.filter(pk=employee.pk).update(updated_at=when)


@pytest.fixture
def cost_center(demo) -> EmployeeAttribute:
    return EmployeeAttribute.objects.create(
        tenant=demo.acme, name="Cost center", valid_values="CC-100\nCC-200\n"
    )


@pytest.fixture
def badge(demo) -> EmployeeAttribute:
    """An attribute taking any text."""
    return EmployeeAttribute.objects.create(tenant=demo.acme, name="Badge number")


# --- updated, the filter and the sort -----------------------------------------------------------


def test_employees_show_when_they_last_changed(api_for, peter, maria):
    at(maria, datetime(2024, 6, 1, tzinfo=UTC))
    api = api_for(peter)
    listed = next(e for e in items(api.get("employees")) if int(e["id"]) == maria.pk)
    assert listed["updated"] == "2024-06-01T00:00:00Z"
    assert api.get(f"employees/{maria.pk}").json()["employee"]["updated"] == listed["updated"]
    me = api.get("me").json()
    assert parse_datetime(me["actor"]["updated"]) == Employee.objects.get(
        pk=peter.pk
    ).updated_at.replace(microsecond=0)


def test_updated_moves_when_the_employee_changes(ada, maria):
    at(maria, datetime(2024, 6, 1, tzinfo=UTC))
    people.edit_employee(employee=maria, actor=ada, data=people.PersonInput(office_phone="123456"))
    maria.refresh_from_db()
    assert maria.updated_at > datetime(2024, 6, 1, tzinfo=UTC)


def test_date_time_updated_on_or_after(api_for, demo, peter, maria, sam):
    everyone = Employee.objects.filter(tenant=demo.acme)
    everyone.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    cut = datetime(2024, 1, 1, tzinfo=UTC)
    at(maria, cut)  # exactly then: kept
    at(sam, cut + timedelta(days=3))
    shown = items(
        api_for(peter).get("employees", {"dateTimeUpdatedOnOrAfter": "2024-01-01T00:00:00Z"})
    )
    assert {int(e["id"]) for e in shown} == {maria.pk, sam.pk}


def test_sort_by_updated_date(api_for, demo, peter):
    everyone = list(Employee.objects.filter(tenant=demo.acme).order_by("pk"))
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for days, employee in enumerate(everyone):
        at(employee, base + timedelta(days=days))
    api = api_for(peter)
    query = {"sort": "UPDATED_DATE", "limit": 100}
    newest = [int(e["id"]) for e in items(api.get("employees", query))]
    assert newest == [e.pk for e in reversed(everyone)]
    oldest = [int(e["id"]) for e in items(api.get("employees", {**query, "sortAscending": "true"}))]
    assert oldest == [e.pk for e in everyone]


@pytest.mark.parametrize("query", [
    {"dateTimeUpdatedOnOrAfter": "last week"},
    {"sort": "LAST_NAME"},
    {"sort": "UPDATED_DATE", "sortAscending": "upwards"},
])  # fmt: skip
def test_bad_values_are_refused(api_for, peter, query):
    assert_invalid_query(api_for(peter).get("employees", query))


@pytest.mark.parametrize(
    "query", [{}, {"sort": "UPDATED_DATE", "dateTimeUpdatedOnOrAfter": "2000-01-01T00:00:00Z"}]
)
def test_employee_list_queries_do_not_grow_with_its_rows(
    api_for, demo, peter, django_assert_max_num_queries, query
):
    api = api_for(peter)
    EmployeeFactory.create_batch(3, tenant=demo.acme)
    with CaptureQueriesContext(connection) as few:
        assert len(items(api.get("employees", {**query, "limit": 100}))) >= 3
    EmployeeFactory.create_batch(27, tenant=demo.acme)
    with django_assert_max_num_queries(len(few)):
        assert len(items(api.get("employees", {**query, "limit": 100}))) >= 30


# --- custom attributes --------------------------------------------------------------------------


def test_custom_attributes_on_the_employee_and_me(api_for, ada, peter, cost_center, badge):
    people.set_custom_attributes(
        employee=peter, actor=ada, values={cost_center.pk: "CC-200", badge.pk: "B 7"}
    )
    expected = [
        {"name": "Badge number", "value": "B 7"},
        {"name": "Cost center", "value": "CC-200"},
    ]
    api = api_for(peter)
    assert api.get(f"employees/{peter.pk}").json()["employee"]["customAttributes"] == expected
    me = api.get("me").json()
    assert me["actor"]["customAttributes"] == expected
    assert me["employee"]["customAttributes"] == expected


def test_an_employee_without_values_has_none(api_for, peter, cost_center):
    assert api_for(peter).get(f"employees/{peter.pk}").json()["employee"]["customAttributes"] == []


def test_only_valid_values_are_stored_and_every_problem_listed(ada, peter, cost_center, badge):
    with pytest.raises(RequestInvalid) as refused:
        people.set_custom_attributes(
            employee=peter, actor=ada, values={cost_center.pk: "CC-999", badge.pk: "x" * 256}
        )
    assert {p.field for p in refused.value.problems} == {
        f"attributes.{cost_center.pk}",
        f"attributes.{badge.pk}",
    }
    assert "CC-100, CC-200" in next(
        p.message for p in refused.value.problems if p.field == f"attributes.{cost_center.pk}"
    )
    assert not EmployeeAttributeValue.objects.filter(employee=peter).exists()


def test_a_blank_value_clears_it_and_the_change_is_audited(ada, peter, cost_center):
    people.set_custom_attributes(employee=peter, actor=ada, values={cost_center.pk: "CC-100"})
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.target_id, event.actor_id) == (str(peter.pk), ada.pk)
    assert event.after == {"attribute Cost center": "CC-100"}
    people.set_custom_attributes(employee=peter, actor=ada, values={cost_center.pk: " "})
    assert not EmployeeAttributeValue.objects.filter(employee=peter).exists()


def test_only_tenant_admins_set_attributes(peter, maria, cost_center):
    with pytest.raises(NotTenantAdmin):
        people.set_custom_attributes(employee=maria, actor=peter, values={cost_center.pk: "CC-100"})


def test_another_tenants_attribute_is_refused(demo, ada, peter):
    theirs = EmployeeAttribute.objects.create(tenant=demo.globex, name="Region code")
    with pytest.raises(RequestInvalid) as refused:
        people.set_custom_attributes(employee=peter, actor=ada, values={theirs.pk: "EU"})
    assert refused.value.problems[0].code == "NOT_FOUND"
    assert not EmployeeAttributeValue.objects.exists()


def test_another_tenants_employee_and_attributes_stay_hidden(api_for, demo, gina, peter, ada):
    theirs = EmployeeAttribute.objects.create(tenant=demo.globex, name="Region code")
    globex_admin = EmployeeFactory(tenant=demo.globex, is_tenant_admin=True)
    people.set_custom_attributes(employee=gina, actor=globex_admin, values={theirs.pk: "EU"})
    api = api_for(peter)
    assert api.get(f"employees/{gina.pk}").status_code == 404
    assert api.get(f"employees/{peter.pk}").json()["employee"]["customAttributes"] == []
    with pytest.raises(NotTenantAdmin):
        people.set_custom_attributes(employee=gina, actor=ada, values={theirs.pk: "US"})


def test_the_employee_page_sets_attributes(ada, peter, cost_center, badge):
    browser = browser_for(ada)
    url = reverse("manage:employee", args=[peter.pk])
    page = browser.get(url).content.decode()
    assert "Custom attributes" in page and "CC-200" in page
    response = browser.post(
        url,
        {
            "section": "attributes",
            f"attribute_{cost_center.pk}": "CC-200",
            f"attribute_{badge.pk}": "B 7",
        },
    )
    assert response.status_code == 302
    assert dict(
        EmployeeAttributeValue.objects.filter(employee=peter).values_list(
            "attribute__name", "value"
        )
    ) == {"Cost center": "CC-200", "Badge number": "B 7"}


def test_the_employee_page_shows_a_refused_value_beside_its_field(ada, peter, cost_center):
    browser = browser_for(ada)
    url = reverse("manage:employee", args=[peter.pk])
    response = browser.post(url, {"section": "attributes", f"attribute_{cost_center.pk}": "CC-999"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cost center must be one of: CC-100, CC-200." in page
    assert not EmployeeAttributeValue.objects.filter(employee=peter).exists()


def test_existing_employees_start_from_their_last_audited_change(ada, maria, sam):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "portal.migrations.0009_employee_updated_at_custom_attributes"
    )
    people.edit_employee(employee=maria, actor=ada, data=people.PersonInput(office_phone="99999"))
    edited = AuditEvent.objects.filter(target_id=str(maria.pk)).latest("created_at").created_at
    at(maria, datetime(2020, 1, 1, tzinfo=UTC))
    at(sam, datetime(2020, 1, 1, tzinfo=UTC))
    migration.employees_updated_when_last_audited(apps, None)
    assert Employee.objects.get(pk=maria.pk).updated_at == edited
    assert Employee.objects.get(pk=sam.pk).updated_at == datetime(2020, 1, 1, tzinfo=UTC)
