"""/approval-workflows: tenant admins configure who approves what; the preview shows it."""

import pytest

from approvals.models import ApprovalRun, ApprovalStep, ApprovalWorkflow
from orders.models import Order
from portal.models import Department, Employee, EmployeeGroup, OutboxMessage
from tests.approvals.conftest import (
    API,
    approver_names,
    assert_envelope,
    assert_mobproc_error,
    place_order,
    routed,
    run_of,
    status_of,
    workflow,
)
from tests.conftest import seed_order_request

pytestmark = pytest.mark.usefixtures("vendors_unreached")


def url(pk=None) -> str:
    return f"{API}/approval-workflows" + (f"/{pk}" if pk is not None else "")


def put(client, pk, body):
    return client.put(url(pk), body, format="json")


def delete(client, pk):
    return client.delete(url(pk))


@pytest.fixture
def it(demo) -> EmployeeGroup:
    return EmployeeGroup.objects.get(tenant=demo.acme, name="IT")


@pytest.fixture
def greta(demo) -> Employee:
    """globex's tenant admin."""
    return Employee.objects.get(user__username="greta")


def it_review(it, **changes) -> dict:
    """A two-step workflow as an admin writes it: manager, then IT, above 40 USD."""
    body = {
        "name": "IT review",
        "priority": 5,
        "conditions": {"transactionTypes": ["ORDER_ACCESSORIES"], "oneTimeCostAbove": 40},
        "reasonRequiredToReject": True,
        "reasonRequiredToApprove": False,
        "steps": [
            {"kind": "MANAGER", "reminderDelayHours": 24},
            {"kind": "GROUP", "groupId": str(it.pk), "escalationDelayHours": 72},
        ],
    }
    body.update(changes)
    return body


def stored_steps(workflow_id) -> list[tuple]:
    return list(
        ApprovalStep.objects.filter(workflow_id=workflow_id).values_list(
            "position", "sources__kind", "sources__group__name", "sources__employee__last_name"
        )
    )


# --- CRUD ---------------------------------------------------------------------------------------


def test_admin_lists_the_tenants_workflows_in_priority_order(api_for, ada):
    response = api_for(ada).get("approval-workflows")

    assert response.status_code == 200, response.json()
    listed = response.json()["workflows"]
    assert [w["name"] for w in listed["items"]] == [
        "Accessories over 40 USD",
        "Accessories",
        "New lines and ports",
        "Upgrades",
        "Suspensions",
        "Deactivations",
        "Features costing more",
    ]
    assert listed["_meta"]["totalCount"] == 7
    first = listed["items"][0]
    assert first["conditions"]["oneTimeCostAbove"] == 40.0
    assert first["conditions"]["transactionTypes"] == ["ORDER_ACCESSORIES"]
    assert [s["kind"] for s in first["steps"]] == ["MANAGER", "GROUP"]
    assert first["steps"][1]["description"] == "Approver group IT"


def test_admin_creates_a_two_step_workflow(api_for, ada, it):
    response = api_for(ada).post("approval-workflows", it_review(it))

    assert response.status_code == 201, response.json()
    created = response.json()["workflow"]
    assert response.json()["status"] == "SUCCESS"
    assert created["name"] == "IT review" and created["priority"] == 5
    assert created["conditions"]["oneTimeCostAbove"] == 40.0
    assert [(s["level"], s["kind"]) for s in created["steps"]] == [(1, "MANAGER"), (2, "GROUP")]
    assert created["steps"][1]["groupId"] == str(it.pk)
    assert created["steps"][0]["reminderDelayHours"] == 24
    assert created["steps"][1]["escalationDelayHours"] == 72
    stored = ApprovalWorkflow.objects.get(pk=created["id"])
    assert stored.tenant == ada.tenant
    assert stored_steps(stored.pk) == [(1, "MANAGER", None, None), (2, "GROUP", "IT", None)]
    # And it reads back the same
    again = api_for(ada).get(f"approval-workflows/{stored.pk}")
    assert again.status_code == 200
    assert again.json()["workflow"] == created


def test_admin_replaces_a_workflow(api_for, ada, it, victor):
    created = api_for(ada).post("approval-workflows", it_review(it)).json()["workflow"]
    body = it_review(
        it,
        name="Victor signs",
        isActive=False,
        conditions={},
        steps=[{"kind": "EMPLOYEE", "employeeId": str(victor.pk)}],
    )

    response = put(api_for(ada), created["id"], body)

    assert response.status_code == 200, response.json()
    updated = response.json()["workflow"]
    assert (updated["id"], updated["name"], updated["isActive"]) == (
        created["id"],
        "Victor signs",
        False,
    )
    assert updated["conditions"]["oneTimeCostAbove"] is None
    assert stored_steps(created["id"]) == [(1, "EMPLOYEE", None, "Hughes")]


def test_admin_may_keep_a_workflows_name_when_replacing_it(api_for, ada, demo, it):
    existing = workflow(demo.acme, "Accessories")

    response = put(api_for(ada), existing.pk, it_review(it, name="Accessories"))

    assert response.status_code == 200, response.json()
    assert ApprovalWorkflow.objects.filter(tenant=demo.acme, name="Accessories").count() == 1


def test_admin_deletes_a_workflow(api_for, ada, demo):
    doomed = workflow(demo.acme, "Accessories")

    response = delete(api_for(ada), doomed.pk)

    assert response.status_code == 204
    assert not ApprovalWorkflow.objects.filter(pk=doomed.pk).exists()
    assert not ApprovalStep.objects.filter(workflow_id=doomed.pk).exists()
    assert_mobproc_error(api_for(ada).get(f"approval-workflows/{doomed.pk}"), 404, "NOT_FOUND")


def test_deleting_a_workflow_leaves_runs_in_flight_decidable(
    api_for, ada, demo, peter, maria, decide
):
    order = routed(place_order(peter))

    assert (
        delete(api_for(ada), workflow(demo.acme, "Accessories over 40 USD").pk).status_code == 204
    )

    run = run_of(order)
    assert run.workflow is None and run.workflow_name == "Accessories over 40 USD"
    assert decide(api_for(maria), order).json() == {"status": "APPROVAL_QUEUED"}
    assert approver_names(order, 2) == ["Ada Park", "Ian Tran"]


def test_next_order_follows_a_workflow_saved_through_the_api(api_for, ada, victor, submitted_order):
    body = {
        "name": "Victor first",
        "priority": 1,
        "steps": [{"kind": "EMPLOYEE", "employeeId": str(victor.pk)}],
    }
    assert api_for(ada).post("approval-workflows", body).status_code == 201

    order = submitted_order()

    assert run_of(order).workflow_name == "Victor first"
    assert approver_names(order, 1) == ["Victor Hughes"]
    assert status_of(order) == Order.Status.AWAITING_APPROVAL


def test_workflow_without_conditions_applies_to_every_order(api_for, ada):
    body = {"name": "Everything", "steps": [{"kind": "MANAGER"}]}

    response = api_for(ada).post("approval-workflows", body)

    assert response.status_code == 201, response.json()
    assert response.json()["workflow"]["conditions"] == {
        "transactionTypes": [],
        "oneTimeCostAbove": None,
        "monthlyCostAbove": None,
        "departmentIds": [],
        "regionIds": [],
    }
    assert response.json()["workflow"]["priority"] == 100


# --- Validation ---------------------------------------------------------------------------------


def test_invalid_workflow_answers_400_listing_every_problem(api_for, ada, demo):
    # Given a body with five problems at once
    globex_department = Department.objects.filter(tenant=demo.globex).first()
    body = {
        "name": "Accessories",  # taken
        "conditions": {"departmentIds": [str(globex_department.pk)]},  # another tenant's
        "steps": [
            {"kind": "GROUP"},  # which group?
            {"kind": "EMPLOYEE", "employeeId": "999999999"},  # nobody
            {"kind": "MANAGER", "reminderDelayHours": 48, "escalationDelayHours": 24},
        ],
    }
    before = ApprovalWorkflow.objects.count()

    response = api_for(ada).post("approval-workflows", body)

    errors = assert_envelope(
        response,
        "name",
        "conditions.departmentIds[0]",
        "steps[0].groupId",
        "steps[1].employeeId",
        "steps[2].escalationDelayHours",
    )
    codes = {e["field"]: e["errorCode"] for e in errors}
    assert codes["name"] == "DUPLICATE"
    assert codes["conditions.departmentIds[0]"] == "NOT_FOUND"
    assert codes["steps[1].employeeId"] == "NOT_FOUND"
    assert ApprovalWorkflow.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"steps": []}, "steps"),
        ({"name": ""}, "name"),
        ({"priority": -1}, "priority"),
        (
            {"conditions": {"transactionTypes": ["ORDER_SPACESHIP"]}},
            "conditions.transactionTypes[0]",
        ),
        ({"conditions": {"oneTimeCostAbove": "lots"}}, "conditions.oneTimeCostAbove"),
        ({"steps": [{"kind": "ROBOT"}]}, "steps[0].kind"),
        ({"steps": [{"kind": "MANAGER", "managerLevels": 0}]}, "steps[0].managerLevels"),
    ],
    ids=[
        "empty-steps",
        "empty-name",
        "negative-priority",
        "unknown-transaction-type",
        "cost-not-a-number",
        "unknown-step-kind",
        "zero-manager-levels",
    ],
)
def test_invalid_workflow_field_answers_400(api_for, ada, it, changes, field):
    before = ApprovalWorkflow.objects.count()

    response = api_for(ada).post("approval-workflows", it_review(it, **changes))

    assert_envelope(response, field)
    assert ApprovalWorkflow.objects.count() == before


def test_another_tenants_group_cannot_be_a_step(api_for, ada, demo):
    globex_group = EmployeeGroup.objects.create(tenant=demo.globex, name="Buyers")
    body = {"name": "Borrowed", "steps": [{"kind": "GROUP", "groupId": str(globex_group.pk)}]}

    response = api_for(ada).post("approval-workflows", body)

    assert_envelope(response, "steps[0].groupId")
    assert not ApprovalWorkflow.objects.filter(name="Borrowed").exists()


def test_invalid_replacement_changes_nothing(api_for, ada, demo):
    existing = workflow(demo.acme, "Accessories over 40 USD")
    before = stored_steps(existing.pk)

    response = put(api_for(ada), existing.pk, {"name": "Accessories", "steps": []})

    assert_envelope(response, "name", "steps")
    assert workflow(demo.acme, "Accessories over 40 USD").pk == existing.pk
    assert stored_steps(existing.pk) == before


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["peter", "maria"])
def test_non_admin_gets_403_on_every_workflow_endpoint(api_for, demo, it, request, who):
    client = api_for(request.getfixturevalue(who))
    existing = workflow(demo.acme, "Accessories")
    before = list(ApprovalWorkflow.objects.values_list("pk", "name", "is_active"))

    answers = [
        client.get("approval-workflows"),
        client.post("approval-workflows", it_review(it)),
        client.get(f"approval-workflows/{existing.pk}"),
        put(client, existing.pk, it_review(it)),
        delete(client, existing.pk),
        client.post("approval-workflows/preview", seed_order_request()),
    ]

    for response in answers:
        assert_mobproc_error(response, 403, "TENANT_ADMIN_ONLY")
    assert list(ApprovalWorkflow.objects.values_list("pk", "name", "is_active")) == before


@pytest.mark.parametrize("who", ["gina", "greta"])
def test_other_tenant_cannot_see_or_touch_acmes_workflows(api_for, demo, it, request, who):
    client = api_for(request.getfixturevalue(who))
    acmes = workflow(demo.acme, "Accessories")
    before = list(ApprovalWorkflow.objects.values_list("pk", "name", "is_active"))

    answers = [
        client.get(f"approval-workflows/{acmes.pk}"),
        put(client, acmes.pk, it_review(it)),
        delete(client, acmes.pk),
    ]

    expected = 404 if who == "greta" else 403
    for response in answers:
        assert_mobproc_error(response, expected)
    assert list(ApprovalWorkflow.objects.values_list("pk", "name", "is_active")) == before


def test_other_tenants_admin_lists_only_their_own_workflows(api_for, greta):
    response = api_for(greta).get("approval-workflows")

    assert response.status_code == 200
    assert [w["name"] for w in response.json()["workflows"]["items"]] == ["Manager approval"]


# --- Preview ------------------------------------------------------------------------------------


def stored_counts() -> tuple[int, int, int]:
    return Order.objects.count(), ApprovalRun.objects.count(), OutboxMessage.objects.count()


def test_preview_shows_the_workflow_and_approvers_without_storing_anything(api_for, ada, peter):
    # Given ada, acting for peter, previews seed 002's order
    client = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk))
    before = stored_counts()

    response = client.post("approval-workflows/preview", seed_order_request())

    # Then it matches "Accessories over 40 USD": maria, then IT without ada (she is placing it)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "SUCCESS" and body["approvalNeeded"] is True
    assert body["workflow"]["name"] == "Accessories over 40 USD"
    assert [[a["name"] for a in s["approvers"]] for s in body["steps"]] == [
        ["Maria Lopez"],
        ["Ian Tran"],
    ]
    assert [s["escalatedToAdmins"] for s in body["steps"]] == [False, False]
    assert stored_counts() == before


def test_preview_of_an_order_no_workflow_matches(api_for, ada, demo):
    ApprovalWorkflow.objects.filter(tenant=demo.acme).update(is_active=False)

    response = api_for(ada).post("approval-workflows/preview", seed_order_request())

    assert response.status_code == 200, response.json()
    assert response.json()["approvalNeeded"] is False
    assert response.json()["workflow"] is None and response.json()["steps"] == []


def test_preview_of_an_invalid_order_answers_400(api_for, ada):
    before = stored_counts()

    response = api_for(ada).post(
        "approval-workflows/preview", seed_order_request(shoppingCart={"accessoryIds": ["1"]})
    )

    assert response.status_code == 400, response.json()
    assert response.json()["status"] == "ERROR" and response.json()["errors"]
    assert stored_counts() == before
