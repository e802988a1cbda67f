"""The tenant admin API about people: employees, departments, approver groups, hierarchies and
their lines, delegations. Each write goes through the service the /manage/ pages call, so the
refusals are the pages' own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.models import ApprovalWorkflow
from portal.models import (
    AuditEvent,
    Delegation,
    Department,
    Employee,
    EmployeeGroup,
    Hierarchy,
    ReportingLine,
)
from tests.conftest import browser_for
from tests.demo_data import api_id, department, employee
from tests.factories import EmployeeFactory

API = "/api/v1"


def call(client, method: str, path: str, body=None):
    """Any method on the API, with a JSON body."""
    return getattr(client, method)(f"{API}/{path}", body, format="json")


def assert_error(response, status: int, code: str) -> None:
    body = response.json()
    assert response.status_code == status, body
    assert body["errorCode"] == code, body
    assert set(body) == {"status", "errorCode", "id", "message"}


def assert_envelope(response, *fields: str) -> list[dict]:
    """A 400 listing a problem at exactly these fields."""
    body = response.json()
    assert response.status_code == 400, body
    assert body["status"] == "ERROR"
    assert sorted(e["field"] for e in body["errors"]) == sorted(fields), body
    return body["errors"]


def manager_of(person: Employee, hierarchy: Hierarchy | None = None) -> Employee | None:
    hierarchy = hierarchy or Hierarchy.objects.get(tenant=person.tenant, is_default=True)
    line = ReportingLine.objects.filter(hierarchy=hierarchy, employee=person).first()
    return line.manager if line else None


@pytest.fixture
def admin_api(api_for, ada):
    return api_for(ada)


@pytest.fixture
def greta(demo) -> Employee:
    """globex's tenant admin."""
    return employee("greta")


def new_person(**changes) -> dict:
    body = {
        "firstName": "Nora",
        "lastName": "Quinn",
        "email": "nora.quinn@acme.example",
        "companyEmployeeId": "nora.quinn.acme",
        "departmentId": api_id(department("acme", "IT")),
        "isTenantAdmin": False,
        "status": "ACTIVE",
    }
    return body | changes


# --- Admins only -------------------------------------------------------------------------------

ADMIN_CALLS = [
    ("post", "employees", {}),
    ("get", "departments", None),
    ("post", "departments", {"name": "Legal"}),
    ("get", "approver-groups", None),
    ("post", "approver-groups", {"name": "Legal"}),
    ("get", "hierarchies", None),
    ("post", "hierarchies", {"name": "Projects"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_only_tenant_admins_use_the_admin_endpoints(api_for, peter, method, path, body):
    response = call(api_for(peter), method, path, body)

    assert_error(response, 403, "TENANT_ADMIN_ONLY")


def test_only_tenant_admins_edit_an_employee(api_for, peter, sam):
    response = call(api_for(peter), "patch", f"employees/{sam.pk}", {"firstName": "Samuel"})

    assert_error(response, 403, "TENANT_ADMIN_ONLY")
    sam.refresh_from_db()
    assert sam.first_name == "Sam"


def test_acting_as_an_admin_does_not_make_a_caller_one(api_for, peter, ada):
    # Nobody but an admin may act as someone else, so this checks the other way round: an admin
    # acting as Peter is still the admin making the call.
    response = call(
        api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk)),
        "post",
        "departments",
        {"name": "Legal"},
    )

    assert response.status_code == 201, response.json()


# --- Employees ---------------------------------------------------------------------------------


def test_admin_adds_an_employee_answered_as_get_shows_them(admin_api, ada, maria):
    response = call(admin_api, "post", "employees", new_person(managerId=api_id(maria)))

    assert response.status_code == 201, response.json()
    shown = response.json()["employee"]
    nora = Employee.objects.get(tenant=ada.tenant, company_employee_id="nora.quinn.acme")
    assert shown == admin_api.get(f"employees/{nora.pk}").json()["employee"]
    assert shown["id"] == str(nora.pk)
    assert shown["department"]["name"] == "IT"
    assert nora.user is None  # an account is the operator's to link
    assert manager_of(nora) == maria
    audit = AuditEvent.objects.filter(target_type="employee", target_id=str(nora.pk))
    assert audit.filter(action="CREATED").exists()


def test_a_new_employee_needs_their_particulars(admin_api):
    response = call(admin_api, "post", "employees", {"email": "not an address"})

    assert_envelope(response, "firstName", "lastName", "email", "companyEmployeeId")


def test_every_problem_of_a_new_employee_is_listed(admin_api, peter, gina):
    body = new_person(
        email=peter.email.upper(),
        companyEmployeeId=peter.company_employee_id,
        firstName="",
        status="RETIRED",
    )

    response = call(admin_api, "post", "employees", body)

    errors = assert_envelope(response, "status")  # the shape first: an unknown status
    assert errors[0]["errorCode"] == "INVALID_VALUE"
    body["status"] = "ACTIVE"
    errors = assert_envelope(
        call(admin_api, "post", "employees", body), "firstName", "email", "companyEmployeeId"
    )
    assert {e["errorCode"] for e in errors} == {"REQUIRED", "DUPLICATE"}


def test_a_new_employee_cannot_be_in_another_tenants_department_or_report_to_an_outsider(
    admin_api, gina
):
    body = new_person(departmentId=api_id(gina.department), managerId=api_id(gina))

    response = call(admin_api, "post", "employees", body)

    errors = assert_envelope(response, "departmentId", "managerId")
    assert {e["errorCode"] for e in errors} == {"NOT_FOUND"}


def test_admin_edits_an_employee_and_moves_them(admin_api, sam, ian):
    response = call(
        admin_api,
        "patch",
        f"employees/{sam.pk}",
        {"lastName": "Okafor-Reed", "officePhone": "", "managerId": api_id(ian)},
    )

    assert response.status_code == 200, response.json()
    shown = response.json()["employee"]
    assert shown["lastName"] == "Okafor-Reed"
    assert shown["firstName"] == "Sam"  # left out: unchanged
    sam.refresh_from_db()
    assert (sam.last_name, sam.office_phone) == ("Okafor-Reed", "")
    assert manager_of(sam) == ian


def test_admin_deactivates_an_employee(admin_api, sam):
    response = call(admin_api, "patch", f"employees/{sam.pk}", {"status": "INACTIVE"})

    assert response.status_code == 200, response.json()
    assert response.json()["employee"]["status"] == "INACTIVE"


def test_an_admin_cannot_deactivate_themself_or_drop_their_own_rights(admin_api, ada):
    response = call(
        admin_api, "patch", f"employees/{ada.pk}", {"status": "INACTIVE", "isTenantAdmin": False}
    )

    errors = assert_envelope(response, "status", "isTenantAdmin")
    assert "yourself" in errors[0]["message"] + errors[1]["message"]
    ada.refresh_from_db()
    assert ada.is_tenant_admin and ada.status == "ACTIVE"


def test_a_manager_loop_is_refused_as_the_page_refuses_it(admin_api, maria, peter):
    # Peter reports to Maria: Maria cannot report to Peter.
    response = call(admin_api, "patch", f"employees/{maria.pk}", {"managerId": api_id(peter)})

    errors = assert_envelope(response, "managerId")
    assert errors[0]["message"] == "Peter Edwards reports to Maria Lopez: that would be a loop."
    assert manager_of(maria) == employee("victor")


def test_managers_per_hierarchy(admin_api, ada, sam, ian):
    projects = Hierarchy.objects.create(tenant=ada.tenant, name="Projects")

    response = call(
        admin_api,
        "patch",
        f"employees/{sam.pk}",
        {"managers": [{"hierarchyId": api_id(projects), "managerId": api_id(ian)}]},
    )

    assert response.status_code == 200, response.json()
    assert manager_of(sam, projects) == ian
    assert manager_of(sam) == employee("maria")  # the reporting line: untouched


def test_a_manager_per_hierarchy_problem_is_at_its_index(admin_api, ada, sam, gina):
    projects = Hierarchy.objects.create(tenant=ada.tenant, name="Projects")

    response = call(
        admin_api,
        "patch",
        f"employees/{sam.pk}",
        {"managers": [{"hierarchyId": api_id(projects), "managerId": api_id(sam)}]},
    )

    errors = assert_envelope(response, "managers[0].managerId")
    assert errors[0]["message"] == "Nobody manages themselves."


def test_editing_makes_the_email_and_company_id_unique(admin_api, sam, peter):
    response = call(
        admin_api,
        "patch",
        f"employees/{sam.pk}",
        {"email": peter.email, "companyEmployeeId": peter.company_employee_id},
    )

    assert_envelope(response, "email", "companyEmployeeId")


def test_another_tenants_employee_is_not_found(admin_api, gina):
    response = call(admin_api, "patch", f"employees/{gina.pk}", {"firstName": "G"})

    assert_error(response, 404, "NOT_FOUND")


# --- Departments -------------------------------------------------------------------------------


def test_admin_adds_renames_and_deletes_a_department(admin_api, ada):
    created = call(admin_api, "post", "departments", {"name": " Legal "})
    assert created.status_code == 201, created.json()
    legal = created.json()["department"]
    assert (legal["name"], legal["employeeCount"]) == ("Legal", 0)
    assert legal["_meta"]["href"].endswith(f"/api/v1/departments/{legal['id']}")

    renamed = call(admin_api, "patch", f"departments/{legal['id']}", {"name": "Legal & Tax"})
    assert renamed.json()["department"]["name"] == "Legal & Tax"

    deleted = call(admin_api, "delete", f"departments/{legal['id']}")
    assert deleted.status_code == 204
    assert not Department.objects.filter(pk=legal["id"]).exists()
    actions = AuditEvent.objects.filter(target_type="department", target_id=legal["id"])
    assert sorted(actions.values_list("action", flat=True)) == ["CREATED", "DELETED", "UPDATED"]


def test_a_department_name_is_required_and_unique(admin_api):
    assert_envelope(call(admin_api, "post", "departments", {"name": "  "}), "name")
    errors = assert_envelope(call(admin_api, "post", "departments", {"name": "it"}), "name")
    assert errors[0]["errorCode"] == "DUPLICATE"
    assert_envelope(call(admin_api, "post", "departments", {}), "name")


def test_a_department_people_are_in_is_not_deleted(admin_api):
    it = department("acme", "IT")

    response = call(admin_api, "delete", f"departments/{it.pk}")

    assert_error(response, 409, "DEPARTMENT_IN_USE")
    assert "employees" in response.json()["message"]
    assert Department.objects.filter(pk=it.pk).exists()


def test_a_department_a_workflow_names_is_not_deleted(admin_api, ada):
    legal = Department.objects.create(tenant=ada.tenant, name="Legal")
    workflow = ApprovalWorkflow.objects.create(tenant=ada.tenant, name="Legal only")
    workflow.departments.add(legal)

    response = call(admin_api, "delete", f"departments/{legal.pk}")

    assert_error(response, 409, "DEPARTMENT_IN_USE")
    assert "approval workflow" in response.json()["message"]


def test_another_tenants_department_is_not_found(admin_api, gina):
    for method in ("get", "patch", "delete"):
        response = call(admin_api, method, f"departments/{gina.department_id}", {"name": "X"})
        assert_error(response, 404, "NOT_FOUND")


def test_department_list_costs_the_same_for_3_and_30(admin_api, ada, django_assert_max_num_queries):
    def listed() -> int:
        with django_assert_max_num_queries(8):
            response = admin_api.get("departments?limit=100")
        assert response.status_code == 200
        return response.json()["departments"]["_meta"]["totalCount"]

    few = listed()
    Department.objects.bulk_create(
        Department(tenant=ada.tenant, name=f"Team {n}") for n in range(30)
    )
    assert listed() == few + 30


# --- Approver groups ---------------------------------------------------------------------------


def test_admin_creates_edits_and_deletes_an_approver_group(admin_api, ian, sam):
    created = call(
        admin_api, "post", "approver-groups", {"name": "Legal", "memberIds": [api_id(ian)]}
    )
    assert created.status_code == 201, created.json()
    group = created.json()["approverGroup"]
    assert group["memberIds"] == [str(ian.pk)]

    edited = call(
        admin_api,
        "put",
        f"approver-groups/{group['id']}",
        {"name": "Legal team", "memberIds": [api_id(ian), api_id(sam)]},
    )
    assert edited.status_code == 200, edited.json()
    assert set(edited.json()["approverGroup"]["memberIds"]) == {str(ian.pk), str(sam.pk)}
    assert EmployeeGroup.objects.get(pk=group["id"]).name == "Legal team"

    assert call(admin_api, "delete", f"approver-groups/{group['id']}").status_code == 204
    assert not EmployeeGroup.objects.filter(pk=group["id"]).exists()


def test_every_problem_of_a_group_is_listed(admin_api, gina):
    response = call(
        admin_api, "post", "approver-groups", {"name": "IT", "memberIds": ["x", api_id(gina)]}
    )
    errors = assert_envelope(response, "memberIds[0]", "memberIds[1]")
    assert errors[1]["errorCode"] == "NOT_FOUND"

    errors = assert_envelope(call(admin_api, "post", "approver-groups", {"name": "it"}), "name")
    assert errors[0]["errorCode"] == "DUPLICATE"


def test_a_group_a_workflow_step_names_is_not_deleted(admin_api, ada):
    it = EmployeeGroup.objects.get(tenant=ada.tenant, name="IT")

    response = call(admin_api, "delete", f"approver-groups/{it.pk}")

    assert_error(response, 409, "GROUP_IN_USE")


def test_another_tenants_group_is_not_found(admin_api, greta):
    theirs = EmployeeGroup.objects.create(tenant=greta.tenant, name="Ops")

    for method in ("get", "put", "delete"):
        response = call(admin_api, method, f"approver-groups/{theirs.pk}", {"name": "X"})
        assert_error(response, 404, "NOT_FOUND")


def test_group_list_costs_the_same_for_3_and_30(admin_api, ada, django_assert_max_num_queries):
    members = list(Employee.objects.filter(tenant=ada.tenant))

    def listed() -> int:
        with django_assert_max_num_queries(8):
            response = admin_api.get("approver-groups?limit=100")
        assert response.status_code == 200
        return response.json()["approverGroups"]["_meta"]["totalCount"]

    few = listed()
    for n in range(30):
        EmployeeGroup.objects.create(tenant=ada.tenant, name=f"Group {n}").members.set(members)
    assert listed() == few + 30


# --- Hierarchies -------------------------------------------------------------------------------


def test_admin_creates_a_hierarchy_and_makes_it_the_default(admin_api, ada):
    created = call(admin_api, "post", "hierarchies", {"name": "Projects"})
    assert created.status_code == 201, created.json()
    projects = created.json()["hierarchy"]
    assert projects["isDefault"] is False
    assert projects["_meta"]["hrefLines"].endswith(f"/hierarchies/{projects['id']}/lines")

    made = call(admin_api, "patch", f"hierarchies/{projects['id']}", {"isDefault": True})

    assert made.json()["hierarchy"]["isDefault"] is True
    assert Hierarchy.objects.get(tenant=ada.tenant, is_default=True).name == "Projects"


def test_the_default_hierarchy_is_neither_deleted_nor_undefaulted(admin_api, ada):
    default = Hierarchy.objects.get(tenant=ada.tenant, is_default=True)

    assert_error(
        call(admin_api, "delete", f"hierarchies/{default.pk}"), 409, "HIERARCHY_IS_DEFAULT"
    )
    response = call(admin_api, "patch", f"hierarchies/{default.pk}", {"isDefault": False})
    assert_envelope(response, "isDefault")
    assert Hierarchy.objects.filter(pk=default.pk, is_default=True).exists()


def test_admin_deletes_another_hierarchy_with_its_lines(admin_api, ada, sam, ian):
    projects = Hierarchy.objects.create(tenant=ada.tenant, name="Projects")
    ReportingLine.objects.create(hierarchy=projects, employee=sam, manager=ian)

    assert call(admin_api, "delete", f"hierarchies/{projects.pk}").status_code == 204
    assert not ReportingLine.objects.filter(hierarchy_id=projects.pk).exists()


def test_a_hierarchy_name_is_required_and_unique(admin_api):
    assert_envelope(call(admin_api, "post", "hierarchies", {}), "name")
    errors = assert_envelope(
        call(admin_api, "post", "hierarchies", {"name": "reporting LINE"}), "name"
    )
    assert errors[0]["errorCode"] == "DUPLICATE"


def test_another_tenants_hierarchy_is_not_found(admin_api, greta):
    theirs = Hierarchy.objects.get(tenant=greta.tenant, is_default=True)

    for method, path in [
        ("get", f"hierarchies/{theirs.pk}"),
        ("patch", f"hierarchies/{theirs.pk}"),
        ("delete", f"hierarchies/{theirs.pk}"),
        ("get", f"hierarchies/{theirs.pk}/lines"),
        ("put", f"hierarchies/{theirs.pk}/lines"),
    ]:
        assert_error(call(admin_api, method, path, []), 404, "NOT_FOUND")


def test_admin_places_everyone_in_a_hierarchy_at_once(admin_api, ada, sam, ian, peter):
    projects = Hierarchy.objects.create(tenant=ada.tenant, name="Projects")
    ReportingLine.objects.create(hierarchy=projects, employee=peter, manager=ian)
    lines = [
        {"employeeId": api_id(sam), "managerId": api_id(ian)},
        {"employeeId": api_id(ian), "managerId": api_id(ada)},
    ]

    response = call(admin_api, "put", f"hierarchies/{projects.pk}/lines", lines)

    assert response.status_code == 200, response.json()
    items = response.json()["lines"]["items"]
    assert {(i["employeeId"], i["managerId"]) for i in items} == {
        (str(sam.pk), str(ian.pk)),
        (str(ian.pk), str(ada.pk)),
    }
    assert manager_of(peter, projects) is None  # left out: nobody
    assert admin_api.get(f"hierarchies/{projects.pk}/lines").json()["lines"]["items"] == items


def test_lines_that_close_a_loop_are_refused_and_nothing_changes(admin_api, ada, sam, ian):
    projects = Hierarchy.objects.create(tenant=ada.tenant, name="Projects")
    ReportingLine.objects.create(hierarchy=projects, employee=sam, manager=ian)
    lines = [
        {"employeeId": api_id(sam), "managerId": api_id(ian)},
        {"employeeId": api_id(ian), "managerId": api_id(sam)},
        {"employeeId": api_id(ada), "managerId": api_id(ada)},
    ]

    response = call(admin_api, "put", f"hierarchies/{projects.pk}/lines", lines)

    errors = assert_envelope(response, "[0].managerId", "[1].managerId", "[2].managerId")
    assert "that would be a loop" in errors[0]["message"]
    assert errors[2]["message"] == "Nobody manages themselves."
    assert list(ReportingLine.objects.filter(hierarchy=projects).values_list("manager_id")) == [
        (ian.pk,)
    ]


def test_lines_name_employees_of_the_tenant_once(admin_api, ada, sam, gina):
    default = Hierarchy.objects.get(tenant=ada.tenant, is_default=True)
    lines = [
        {"employeeId": api_id(gina), "managerId": None},
        {"employeeId": "x", "managerId": api_id(sam)},
    ]

    assert_envelope(
        call(admin_api, "put", f"hierarchies/{default.pk}/lines", lines),
        "[0].employeeId",
        "[1].employeeId",
    )
    twice = [{"employeeId": api_id(sam), "managerId": None}] * 2
    response = call(admin_api, "put", f"hierarchies/{default.pk}/lines", twice)
    assert_envelope(response, "[1].employeeId")
    assert_envelope(call(admin_api, "put", f"hierarchies/{default.pk}/lines", {}), "")


def test_hierarchy_lines_cost_the_same_for_3_and_30(admin_api, ada, django_assert_max_num_queries):
    projects = Hierarchy.objects.create(tenant=ada.tenant, name="Projects")
    boss = EmployeeFactory(tenant=ada.tenant)

    def listed() -> int:
        with django_assert_max_num_queries(8):
            response = admin_api.get(f"hierarchies/{projects.pk}/lines?limit=100")
        assert response.status_code == 200
        return response.json()["lines"]["_meta"]["totalCount"]

    for _ in range(3):
        ReportingLine.objects.create(
            hierarchy=projects, employee=EmployeeFactory(tenant=ada.tenant), manager=boss
        )
    assert listed() == 3
    for _ in range(27):
        ReportingLine.objects.create(
            hierarchy=projects, employee=EmployeeFactory(tenant=ada.tenant), manager=boss
        )
    assert listed() == 30


# --- Delegations -------------------------------------------------------------------------------


def test_admin_names_and_ends_a_delegate(admin_api, maria, sam):
    response = call(
        admin_api,
        "post",
        f"employees/{maria.pk}/delegations",
        {"delegateId": api_id(sam), "startsOn": "2030-01-01", "endsOn": "2030-01-14"},
    )

    assert response.status_code == 201, response.json()
    delegation = response.json()["delegation"]
    assert delegation["delegate"] == {"id": str(sam.pk), "name": "Sam Okafor"}
    assert delegation["inForce"] is False
    listed = admin_api.get(f"employees/{maria.pk}/delegations").json()["delegations"]
    assert [d["id"] for d in listed["items"]] == [delegation["id"]]

    ended = call(admin_api, "delete", f"employees/{maria.pk}/delegations/{delegation['id']}")

    assert ended.status_code == 204
    assert not Delegation.objects.filter(pk=delegation["id"]).exists()


def test_every_problem_of_a_delegation_is_listed(admin_api, maria):
    response = call(
        admin_api,
        "post",
        f"employees/{maria.pk}/delegations",
        {"delegateId": api_id(maria), "startsOn": "2030-01-14", "endsOn": "2030-01-01"},
    )

    errors = assert_envelope(response, "delegateId", "endsOn")
    assert errors[0]["message"] == "You cannot be your own delegate."


def test_an_employee_manages_only_their_own_delegations(api_for, peter, maria, sam):
    assert call(api_for(peter), "get", f"employees/{peter.pk}/delegations").status_code == 200
    response = call(
        api_for(peter),
        "post",
        f"employees/{maria.pk}/delegations",
        {"delegateId": api_id(sam), "startsOn": "2030-01-01", "endsOn": "2030-01-02"},
    )
    assert_error(response, 403, "TENANT_ADMIN_ONLY")


def test_another_tenants_delegations_are_not_found(admin_api, gina, greta):
    theirs = Delegation.objects.create(
        tenant=gina.tenant, employee=gina, delegate=greta, starts_on="2030-01-01",
        ends_on="2030-01-02",
    )  # fmt: skip

    assert_error(admin_api.get(f"employees/{gina.pk}/delegations"), 404, "NOT_FOUND")
    response = call(admin_api, "delete", f"employees/{gina.pk}/delegations/{theirs.pk}")
    assert_error(response, 404, "NOT_FOUND")
    assert Delegation.objects.filter(pk=theirs.pk).exists()


# --- The schema --------------------------------------------------------------------------------


def test_the_schema_declares_the_admin_endpoints(client):
    schema = client.get(f"{API}/schema", HTTP_ACCEPT="application/json").json()

    for path, methods in {
        "/api/v1/employees": {"get", "post"},
        "/api/v1/employees/{id}": {"get", "patch"},
        "/api/v1/employees/{employee_pk}/delegations": {"get", "post"},
        "/api/v1/employees/{employee_pk}/delegations/{id}": {"get", "delete"},
        "/api/v1/departments/{id}": {"get", "patch", "delete"},
        "/api/v1/approver-groups/{id}": {"get", "put", "delete"},
        "/api/v1/hierarchies/{id}": {"get", "patch", "delete"},
        "/api/v1/hierarchies/{id}/lines": {"get", "put"},
    }.items():
        assert methods <= set(schema["paths"][path]), path


def test_the_group_page_and_the_api_refuse_a_taken_name_alike(admin_api, ada, ian):
    page = browser_for(ada).post(reverse("manage:group-create"), {"name": "it"})
    api = call(admin_api, "post", "approver-groups", {"name": "it", "memberIds": [api_id(ian)]})

    assert page.context["errors"]["name"] == [api.json()["errors"][0]["message"]]
    assert EmployeeGroup.objects.filter(tenant=ada.tenant, name__iexact="it").count() == 1


def test_a_delegate_named_on_the_page_is_listed_by_the_api(admin_api, ada, maria, sam):
    browser_for(ada).post(
        reverse("manage:employee-delegation-add", args=[maria.pk]),
        {"delegate": str(sam.pk), "starts_on": "2030-03-01", "ends_on": "2030-03-05"},
    )

    listed = admin_api.get(f"employees/{maria.pk}/delegations").json()["delegations"]["items"]
    assert [(d["delegate"]["id"], d["startsOn"], d["endsOn"]) for d in listed] == [
        (str(sam.pk), "2030-03-01", "2030-03-05")
    ]


def test_hierarchy_list_costs_the_same_for_3_and_30(admin_api, ada, django_assert_max_num_queries):
    def listed() -> int:
        with django_assert_max_num_queries(8):
            response = admin_api.get("hierarchies?limit=100")
        assert response.status_code == 200
        return response.json()["hierarchies"]["_meta"]["totalCount"]

    Hierarchy.objects.bulk_create(Hierarchy(tenant=ada.tenant, name=f"H{n}") for n in range(2))
    assert listed() == 3
    Hierarchy.objects.bulk_create(Hierarchy(tenant=ada.tenant, name=f"H{n}") for n in range(2, 29))
    assert listed() == 30


def test_delegation_list_costs_the_same_for_3_and_30(
    admin_api, ada, maria, django_assert_max_num_queries
):
    def add(count: int) -> None:
        delegates = EmployeeFactory.create_batch(count, tenant=ada.tenant)
        Delegation.objects.bulk_create(
            Delegation(tenant=ada.tenant, employee=maria, delegate=delegate,
                       starts_on="2030-01-01", ends_on="2030-01-02")
            for delegate in delegates
        )  # fmt: skip

    def listed() -> int:
        with django_assert_max_num_queries(8):
            response = admin_api.get(f"employees/{maria.pk}/delegations?limit=100")
        assert response.status_code == 200
        return response.json()["delegations"]["_meta"]["totalCount"]

    add(3)
    assert listed() == 3
    add(27)
    assert listed() == 30
