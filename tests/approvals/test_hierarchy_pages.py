"""The admin pages about the organisation: a new person, departments, hierarchies and placing
people in them. They call the services the admin API calls: the same refusals, the same rows."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from approvals.models import ApprovalWorkflow
from portal.models import Department, Employee, Hierarchy, ReportingLine
from tests.conftest import browser_for
from tests.demo_data import api_id, department, employee
from tests.factories import EmployeeFactory

API = "/api/v1"


@pytest.fixture
def ada_client(ada) -> Client:
    return browser_for(ada)


@pytest.fixture
def default(demo) -> Hierarchy:
    return Hierarchy.objects.get(tenant=demo.acme, is_default=True)


def manager_of(person: Employee, hierarchy: Hierarchy) -> Employee | None:
    line = ReportingLine.objects.filter(hierarchy=hierarchy, employee=person).first()
    return line.manager if line else None


def person_form(default: Hierarchy, **changes) -> dict:
    form = {
        "first_name": "Nora",
        "last_name": "Quinn",
        "email": "nora.quinn@acme.example",
        "company_employee_id": "nora.quinn.acme",
        "office_phone": "",
        "department": str(department("acme", "IT").pk),
        "status": "ACTIVE",
        f"manager_{default.pk}": "",
    }
    return form | changes


def admin_pages(demo) -> list[tuple[str, str]]:
    hierarchy = Hierarchy.objects.get(tenant=demo.acme, is_default=True)
    it = department("acme", "IT")
    return [
        ("get", reverse("manage:employee-create")),
        ("post", reverse("manage:employee-create")),
        ("get", reverse("manage:departments")),
        ("post", reverse("manage:departments")),
        ("post", reverse("manage:department-rename", args=[it.pk])),
        ("post", reverse("manage:department-delete", args=[it.pk])),
        ("get", reverse("manage:hierarchies")),
        ("post", reverse("manage:hierarchies")),
        ("get", reverse("manage:hierarchy", args=[hierarchy.pk])),
        ("post", reverse("manage:hierarchy", args=[hierarchy.pk])),
        ("post", reverse("manage:hierarchy-save", args=[hierarchy.pk])),
        ("get", reverse("manage:hierarchy-delete", args=[hierarchy.pk])),
        ("post", reverse("manage:hierarchy-delete", args=[hierarchy.pk])),
    ]


def test_admin_opens_every_organisation_page(ada_client, demo):
    for method, url in admin_pages(demo):
        if method == "get":
            response = ada_client.get(url)
            assert response.status_code == 200, url


@pytest.mark.parametrize("username", ["peter", "maria"])
def test_non_admins_get_403_on_every_organisation_page(demo, username):
    client = browser_for(employee(username))
    before = (Department.objects.count(), Hierarchy.objects.count(), Employee.objects.count())

    for method, url in admin_pages(demo):
        assert getattr(client, method)(url).status_code == 403, url

    after = (Department.objects.count(), Hierarchy.objects.count(), Employee.objects.count())
    assert after == before


def test_another_tenants_rows_are_404_on_the_pages(ada_client, demo):
    theirs = Hierarchy.objects.get(tenant=demo.globex, is_default=True)
    their_department = Department.objects.filter(tenant=demo.globex).first()

    for method, url in [
        ("get", reverse("manage:hierarchy", args=[theirs.pk])),
        ("post", reverse("manage:hierarchy-save", args=[theirs.pk])),
        ("post", reverse("manage:hierarchy-delete", args=[theirs.pk])),
        ("post", reverse("manage:department-rename", args=[their_department.pk])),
        ("post", reverse("manage:department-delete", args=[their_department.pk])),
    ]:
        assert getattr(ada_client, method)(url, {"name": "Taken"}).status_code == 404, url
    assert Hierarchy.objects.filter(pk=theirs.pk).exists()


# --- A new person ------------------------------------------------------------------------------


def test_admin_adds_a_person_on_the_page(ada_client, default, maria):
    response = ada_client.post(
        reverse("manage:employee-create"),
        person_form(default, **{f"manager_{default.pk}": str(maria.pk)}),
    )

    nora = Employee.objects.get(company_employee_id="nora.quinn.acme")
    assert response.status_code == 302
    assert response.url == reverse("manage:employee", args=[nora.pk])
    assert (nora.department.name, nora.status, nora.user) == ("IT", "ACTIVE", None)
    assert manager_of(nora, default) == maria


def test_the_new_person_page_shows_every_problem_beside_its_input(ada_client, default, peter):
    response = ada_client.post(
        reverse("manage:employee-create"),
        person_form(default, first_name="", email=peter.email, company_employee_id=""),
    )

    assert response.status_code == 200
    errors = response.context["errors"]
    assert set(errors) == {"first_name", "email", "company_employee_id"}
    assert errors["email"] == [f"Someone of the tenant has {peter.email} already."]
    assert response.context["values"]["last_name"] == "Quinn"  # kept as typed
    assert not Employee.objects.filter(last_name="Quinn").exists()


def test_the_page_and_the_api_add_the_same_person(ada_client, api_for, ada, default, maria):
    ada_client.post(
        reverse("manage:employee-create"),
        person_form(default, **{f"manager_{default.pk}": str(maria.pk)}),
    )
    body = {
        "firstName": "Nora",
        "lastName": "Quinn",
        "email": "nora.quinn2@acme.example",
        "companyEmployeeId": "nora.quinn2.acme",
        "departmentId": api_id(department("acme", "IT")),
        "managerId": api_id(maria),
    }
    api_for(ada).post("employees", body, format="json")

    fields = ("first_name", "last_name", "department__name", "status", "is_tenant_admin", "user")
    by_page, by_api = Employee.objects.filter(last_name="Quinn").order_by("pk").values_list(*fields)
    assert by_page == by_api
    quinns = Employee.objects.filter(last_name="Quinn")
    assert {manager_of(q, default) for q in quinns} == {maria}


def test_editing_on_the_page_changes_the_particulars(ada_client, default, sam):
    form = person_form(default, first_name="Samuel", last_name=sam.last_name, email=sam.email,
                       company_employee_id=sam.company_employee_id,
                       **{f"manager_{default.pk}": str(employee("maria").pk)})  # fmt: skip

    response = ada_client.post(reverse("manage:employee", args=[sam.pk]), form)

    assert response.status_code == 302
    sam.refresh_from_db()
    assert (sam.first_name, sam.department.name) == ("Samuel", "IT")


# --- Departments -------------------------------------------------------------------------------


def test_admin_adds_renames_and_deletes_a_department_on_the_page(ada_client, demo):
    assert ada_client.post(reverse("manage:departments"), {"name": "Legal"}).status_code == 302
    legal = Department.objects.get(tenant=demo.acme, name="Legal")

    ada_client.post(reverse("manage:department-rename", args=[legal.pk]), {"name": "Tax"})
    legal.refresh_from_db()
    assert legal.name == "Tax"

    ada_client.post(reverse("manage:department-delete", args=[legal.pk]))
    assert not Department.objects.filter(pk=legal.pk).exists()


def test_the_department_page_shows_a_refusal_beside_its_input(ada_client):
    response = ada_client.post(reverse("manage:departments"), {"name": "it"})

    assert response.status_code == 400
    assert response.context["errors"]["name"] == ["There is a department it already."]


def test_a_department_in_use_stays_with_the_reason_on_its_row(ada_client, api_for, ada, demo):
    legal = Department.objects.create(tenant=demo.acme, name="Legal")
    ApprovalWorkflow.objects.create(tenant=demo.acme, name="Legal only").departments.add(legal)

    response = ada_client.post(reverse("manage:department-delete", args=[legal.pk]))

    assert response.status_code == 409
    (row,) = [r for r in response.context["rows"] if r["department"].pk == legal.pk]
    api = api_for(ada).delete(f"{API}/departments/{legal.pk}")
    assert row["errors"] == [api.json()["message"]]  # one service, one wording
    assert Department.objects.filter(pk=legal.pk).exists()


def test_department_page_costs_the_same_for_3_and_30(
    ada_client, demo, django_assert_max_num_queries
):
    Department.objects.bulk_create(Department(tenant=demo.acme, name=f"Team {n}") for n in range(3))
    with django_assert_max_num_queries(12):
        assert ada_client.get(reverse("manage:departments")).status_code == 200
    Department.objects.bulk_create(
        Department(tenant=demo.acme, name=f"Team {n}") for n in range(3, 30)
    )
    with django_assert_max_num_queries(12):
        assert ada_client.get(reverse("manage:departments")).status_code == 200


# --- Hierarchies -------------------------------------------------------------------------------


def test_admin_creates_a_hierarchy_renames_it_and_makes_it_the_default(ada_client, demo, default):
    response = ada_client.post(reverse("manage:hierarchies"), {"name": "Projects"})
    projects = Hierarchy.objects.get(tenant=demo.acme, name="Projects")
    assert response.url == reverse("manage:hierarchy", args=[projects.pk])

    ada_client.post(reverse("manage:hierarchy-save", args=[projects.pk]), {"name": "Programmes"})
    ada_client.post(reverse("manage:hierarchy-save", args=[projects.pk]), {"make_default": "1"})

    projects.refresh_from_db()
    default.refresh_from_db()
    assert (projects.name, projects.is_default, default.is_default) == ("Programmes", True, False)


def test_the_default_hierarchy_cannot_be_deleted_on_the_page(ada_client, default):
    response = ada_client.post(reverse("manage:hierarchy-delete", args=[default.pk]))

    assert response.status_code == 200
    assert "is the default hierarchy" in response.context["error"]
    assert Hierarchy.objects.filter(pk=default.pk).exists()


def test_admin_deletes_another_hierarchy_on_the_page(ada_client, demo):
    projects = Hierarchy.objects.create(tenant=demo.acme, name="Projects")

    assert ada_client.get(reverse("manage:hierarchy-delete", args=[projects.pk])).status_code == 200
    response = ada_client.post(reverse("manage:hierarchy-delete", args=[projects.pk]))

    assert response.status_code == 302
    assert not Hierarchy.objects.filter(pk=projects.pk).exists()


def lines_form(hierarchy: Hierarchy, **managers: Employee | None) -> dict:
    """The placing page's form as it is drawn, with some people's managers changed."""
    current = dict(
        ReportingLine.objects.filter(hierarchy=hierarchy).values_list("employee_id", "manager_id")
    )
    form = {
        f"manager_{e.pk}": str(current.get(e.pk, ""))
        for e in Employee.objects.filter(tenant=hierarchy.tenant)
    }
    for username, manager in managers.items():
        form[f"manager_{employee(username).pk}"] = str(manager.pk) if manager else ""
    return form


def test_admin_places_people_in_a_hierarchy(ada_client, demo, ian, sam, peter):
    projects = Hierarchy.objects.create(tenant=demo.acme, name="Projects")

    response = ada_client.post(
        reverse("manage:hierarchy", args=[projects.pk]), lines_form(projects, sam=ian, peter=ian)
    )

    assert response.status_code == 302
    assert manager_of(sam, projects) == ian and manager_of(peter, projects) == ian
    assert manager_of(ian, projects) is None


def test_the_placing_page_refuses_a_loop_as_the_api_does(ada_client, api_for, ada, default):
    maria, peter = employee("maria"), employee("peter")

    response = ada_client.post(
        reverse("manage:hierarchy", args=[default.pk]), lines_form(default, maria=peter)
    )

    assert response.status_code == 400
    (row,) = [r for r in response.context["rows"] if r["person"].pk == maria.pk]
    api = api_for(ada).patch(
        f"{API}/employees/{maria.pk}", {"managerId": api_id(peter)}, format="json"
    )
    assert row["errors"] == [api.json()["errors"][0]["message"]]
    assert row["errors"] == ["Peter Edwards reports to Maria Lopez: that would be a loop."]
    assert manager_of(maria, default) == employee("victor")


def test_a_manager_who_left_stays_until_replaced(ada_client, default, sam):
    maria = employee("maria")
    Employee.objects.filter(pk=maria.pk).update(status="INACTIVE")

    response = ada_client.post(reverse("manage:hierarchy", args=[default.pk]), lines_form(default))

    assert response.status_code == 302
    assert manager_of(sam, default) == maria


def test_the_placing_page_costs_the_same_for_3_and_30(
    ada_client, demo, django_assert_max_num_queries
):
    projects = Hierarchy.objects.create(tenant=demo.acme, name="Projects")
    url = reverse("manage:hierarchy", args=[projects.pk])
    EmployeeFactory.create_batch(3, tenant=demo.acme)
    with django_assert_max_num_queries(14):
        assert ada_client.get(url).status_code == 200
    EmployeeFactory.create_batch(27, tenant=demo.acme)
    with django_assert_max_num_queries(14):
        assert ada_client.get(url).status_code == 200
