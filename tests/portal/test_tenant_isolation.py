"""Cross-tenant matrix over every operation of the OpenAPI document.

The world: acme, where Peter has submitted seed 002's order (routed: it awaits Maria), and globex,
where Gina has submitted an order of her own (it awaits Hank). For every (METHOD, path) of the
document, CASES says how an employee of one tenant probes the other tenant's data: its ids in the
path (404 with the MobProc error body), in queries (404/400 or an empty list), in bodies (400
envelope or 404), and that lists leave the other tenant's rows out. After every probe, nothing has
changed (orders, their status, history, decisions, workflows).

`test_every_openapi_operation_has_a_tenant_isolation_case` fails when the document gains an
operation CASES does not cover (or CASES keeps one the document lost), so a new endpoint cannot
escape the matrix.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.test import Client

from approvals.models import ApprovalRun, ApprovalStep, ApprovalWorkflow, Decision, RunStep
from catalog.models import ServiceAsset
from orders.models import Order, OrderApprover, OrderHistory, OrderItem, OrderSegment
from portal.models import Employee, EmployeeGroup, Hierarchy, OAuthApplication
from tests.conftest import API, ApiClient, issue_token, seed_order_request

SCHEMA_URL = f"{API}/schema?format=json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
MOBPROC_ERROR_KEYS = {"status", "errorCode", "id", "message"}

# --- The two tenants' ids (demo data) --------------------------------------------------------

ACME_EMPLOYEES = {28673732, 28673733, 28673734, 28673735, 28673736, 28673737}
GLOBEX_EMPLOYEES = {38673732, 38673733, 38673734}
ACME_SERVICES = {38382349, 38382350, 38382351}
GLOBEX_SERVICES = {48382349}
ACME_DEVICE_ASSETS = {35362368, 35362369, 35362370}
GLOBEX_DEVICE_ASSETS = {45362368}
# Accessories offered to one tenant only (3628940004 and 3628940005 are offered to both).
ACME_ONLY_ACCESSORIES = {3628935898, 3628939021, 3628940001, 3628940002, 3628940003}
ACME_ONLY_ACCESSORIES |= set(range(3628940006, 3628940013))
GLOBEX_ONLY_ACCESSORIES = {3628950001, 3628950002, 3628950003}
SHARED_ACCESSORIES = {3628940004, 3628940005}
ACME_DEVICES, GLOBEX_DEVICES = {5101, 5102, 5103}, {5104, 5105}
ACME_PLANS, GLOBEX_PLANS = {6101, 6102}, {6201}
ACME_FEATURES, GLOBEX_FEATURES = {7101, 7102, 7103}, {7201}
ACME_DEPARTMENT = 11569020385  # seed 002's Development department
US_REGION = 70144640


def gina_order_request(**overrides) -> dict:
    """Gina's own order: an accessory for her AT&T Galaxy S24 (service 48382349)."""
    fields = {
        "externalOrderNumber": "GLX-0001",
        "serviceId": "48382349",
        "shoppingCart": {"accessoryIds": ["3628950001"]},
        "properties": [
            {
                "groupId": "MISCELLANEOUS",
                "fields": [{"id": "CONTACT_NUMBER", "type": "TEXT", "text": "3125550100"}],
            }
        ],
    }
    return seed_order_request(**{**fields, **overrides})


# --- The world --------------------------------------------------------------------------------


@pytest.fixture
def world(demo, api_for, peter, gina, django_capture_on_commit_callbacks):
    """Both tenants with a routed order each, and API clients for the people who probe."""

    def person(username: str) -> Employee:
        return Employee.objects.select_related("tenant", "user").get(user__username=username)

    def submit(client, body) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("orders", body)
        assert response.status_code == 200, response.json()
        return Order.objects.get(pk=int(response.json()["order"]["orderId"]))

    peter_api, gina_api = api_for(peter), api_for(gina)
    acme_order = submit(peter_api, seed_order_request())
    globex_order = submit(gina_api, gina_order_request())
    assert acme_order.status == Order.Status.AWAITING_APPROVAL
    assert globex_order.status == Order.Status.AWAITING_APPROVAL
    return SimpleNamespace(
        acme=demo.acme,
        globex=demo.globex,
        acme_order=acme_order,
        globex_order=globex_order,
        acme_segment=acme_order.segments.get(),
        globex_segment=globex_order.segments.get(),
        acme_workflows=set(
            ApprovalWorkflow.objects.filter(tenant=demo.acme).values_list("pk", flat=True)
        ),
        peter=peter_api,
        maria=api_for(person("maria")),
        ada=api_for(person("ada")),
        gina=gina_api,
        hank=api_for(person("hank")),
        greta=api_for(person("greta")),
    )


def snapshot() -> dict:
    """Everything a probe could change: orders and their status, history, approvals, config."""
    return {
        "orders": sorted(Order.objects.values_list("pk", "status", "updated_at")),
        "segments": sorted(OrderSegment.objects.values_list("pk", "status")),
        "items": OrderItem.objects.count(),
        "history": OrderHistory.objects.count(),
        "approvers": sorted(OrderApprover.objects.values_list("pk", "employee_id", "pending")),
        "runs": sorted(ApprovalRun.objects.values_list("pk", "state")),
        "run_steps": sorted(RunStep.objects.values_list("pk", "state")),
        "decisions": Decision.objects.count(),
        "workflows": sorted(
            ApprovalWorkflow.objects.values_list("pk", "tenant_id", "name", "priority", "is_active")
        ),
        "workflow_steps": sorted(ApprovalStep.objects.values_list("pk", "workflow_id", "kind")),
        "services": sorted(ServiceAsset.objects.values_list("pk", "tenant_id", "status")),
    }


# --- Assertions -------------------------------------------------------------------------------


def assert_not_found(response) -> None:
    body = response.json()
    assert response.status_code == 404, body
    assert set(body) == MOBPROC_ERROR_KEYS, body
    assert body["status"] == 404 and body["id"], body


def assert_body_refused(response) -> None:
    """Another tenant's ids in a body: the 400 envelope, or 404 with the MobProc error body."""
    body = response.json()
    if response.status_code == 404:
        assert_not_found(response)
        return
    assert response.status_code == 400, body
    assert body["status"] == "ERROR" and body["errors"], body


def items_of(response, plural: str) -> list[dict]:
    body = response.json()
    assert response.status_code == 200, body
    assert set(body) == {plural}, body
    return body[plural]["items"]


def ids_of(response, plural: str, key: str = "id") -> set[int]:
    return {int(item[key]) for item in items_of(response, plural)}


def assert_empty(response, plural: str) -> None:
    assert items_of(response, plural) == []
    assert response.json()[plural]["_meta"]["totalCount"] == 0


def assert_empty_or_refused(response, plural: str) -> None:
    """A query naming another tenant's ids: 404/400 (MobProc body) or an empty list."""
    if response.status_code in (400, 404):
        assert set(response.json()) == MOBPROC_ERROR_KEYS, response.json()
        return
    assert_empty(response, plural)


def put(client, path: str, data: dict):
    return client.put(f"{API}/{path}", data, format="json")


def delete(client, path: str):
    return client.delete(f"{API}/{path}")


def workflow_body(**overrides) -> dict:
    body = {
        "name": "Outsider's workflow",
        "priority": 1,
        "conditions": {"transactionTypes": ["ORDER_ACCESSORIES"]},
        "steps": [{"kind": "MANAGER", "managerLevels": 1}],
    }
    body.update(overrides)
    return body


# --- One probe per operation ------------------------------------------------------------------


def global_reference(plural: str, singular: str, detail_id: str):
    """Regions, vendors and manufacturers are global reference data, not owned by a tenant:
    both tenants read the same rows (there is nothing of another tenant to hide)."""

    def list_case(w) -> None:
        answers = [
            items_of(client.get(f"{plural}?limit=200"), plural) for client in (w.peter, w.gina)
        ]
        assert answers[0], f"{plural}: empty reference list"
        assert answers[0] == answers[1]

    def detail_case(w) -> None:
        answers = [client.get(f"{plural}/{detail_id}") for client in (w.peter, w.gina)]
        assert all(r.status_code == 200 for r in answers), [r.json() for r in answers]
        assert answers[0].json() == answers[1].json()
        assert set(answers[0].json()) == {singular}

    return list_case, detail_case


def approval_workflows_list(w) -> None:
    # globex's admin lists globex's workflows only; acme's admin acme's only.
    greta_ids = ids_of(w.greta.get("approval-workflows"), "workflows")
    assert greta_ids and not greta_ids & w.acme_workflows
    assert ids_of(w.ada.get("approval-workflows"), "workflows") == w.acme_workflows


def approval_workflows_create(w) -> None:
    # greta names acme's employee, group, hierarchy and department in a new workflow.
    acme_group = EmployeeGroup.objects.get(tenant=w.acme, name="IT")
    acme_hierarchy = Hierarchy.objects.get(tenant=w.acme, is_default=True)
    response = w.greta.post(
        "approval-workflows",
        workflow_body(
            conditions={"departmentIds": [str(ACME_DEPARTMENT)]},
            steps=[
                {"kind": "MANAGER", "hierarchyId": str(acme_hierarchy.pk)},
                {"kind": "GROUP", "groupId": str(acme_group.pk)},
                {"kind": "EMPLOYEE", "employeeId": "28673733"},
            ],
        ),
    )
    assert_body_refused(response)
    fields = {problem["field"] for problem in response.json()["errors"]}
    assert fields >= {
        "conditions.departmentIds[0]",
        "steps[0].hierarchyId",
        "steps[1].groupId",
        "steps[2].employeeId",
    }, fields


def approval_workflow_detail(w) -> None:
    for pk in w.acme_workflows:
        assert_not_found(w.greta.get(f"approval-workflows/{pk}"))


def approval_workflow_update(w) -> None:
    for pk in w.acme_workflows:
        assert_not_found(put(w.greta, f"approval-workflows/{pk}", workflow_body()))


def approval_workflow_delete(w) -> None:
    for pk in w.acme_workflows:
        assert_not_found(delete(w.greta, f"approval-workflows/{pk}"))


def approval_workflow_preview(w) -> None:
    # seed 002's request names acme's service and accessories.
    assert_body_refused(w.greta.post("approval-workflows/preview", seed_order_request()))


def approvals_inbox(w) -> None:
    # Each manager's inbox holds their own tenant's order awaiting them, never the other's.
    assert ids_of(w.hank.get("approvals"), "orders", "orderId") == {w.globex_order.pk}
    assert ids_of(w.maria.get("approvals"), "orders", "orderId") == {w.acme_order.pk}
    assert_empty(w.gina.get("approvals"), "orders")


def device_assets_list(w) -> None:
    assert ids_of(w.gina.get("assets/devices"), "devices") == GLOBEX_DEVICE_ASSETS
    assert ids_of(w.greta.get("assets/devices?limit=200"), "devices") == GLOBEX_DEVICE_ASSETS
    assert ids_of(w.ada.get("assets/devices?limit=200"), "devices") == ACME_DEVICE_ASSETS


def device_asset_detail(w) -> None:
    for asset in ACME_DEVICE_ASSETS:
        assert_not_found(w.gina.get(f"assets/devices/{asset}"))
        assert_not_found(w.greta.get(f"assets/devices/{asset}"))
    assert_not_found(w.peter.get("assets/devices/45362368"))


def services_list(w) -> None:
    assert ids_of(w.gina.get("assets/services"), "services") == GLOBEX_SERVICES
    assert ids_of(w.greta.get("assets/services?limit=200"), "services") == GLOBEX_SERVICES
    for client in (w.gina, w.greta):
        assert_empty_or_refused(client.get("assets/services?accountHolder=28673732"), "services")
        assert_empty_or_refused(client.get("assets/services?serviceNumber=2035557676"), "services")
    assert_empty_or_refused(w.ada.get("assets/services?accountHolder=38673732"), "services")


def service_detail(w) -> None:
    for service in ACME_SERVICES:
        assert_not_found(w.gina.get(f"assets/services/{service}"))
        assert_not_found(w.greta.get(f"assets/services/{service}"))
    assert_not_found(w.peter.get("assets/services/48382349"))
    assert_not_found(w.ada.get("assets/services/48382349"))


def accessories_list(w) -> None:
    offered = ids_of(w.gina.get("catalog/accessories?limit=200"), "accessories")
    assert offered == GLOBEX_ONLY_ACCESSORIES | SHARED_ACCESSORIES
    offered = ids_of(w.peter.get("catalog/accessories?limit=200"), "accessories")
    assert offered == ACME_ONLY_ACCESSORIES | SHARED_ACCESSORIES
    # Another tenant's service as the filter: 404, as if it did not exist.
    assert_not_found(w.gina.get("catalog/accessories?service=38382349"))
    assert_not_found(w.greta.get("catalog/accessories?service=38382349"))
    assert_not_found(w.peter.get("catalog/accessories?service=48382349"))


def accessory_detail(w) -> None:
    for accessory in ACME_ONLY_ACCESSORIES:
        assert_not_found(w.gina.get(f"catalog/accessories/{accessory}"))
    for accessory in GLOBEX_ONLY_ACCESSORIES:
        assert_not_found(w.peter.get(f"catalog/accessories/{accessory}"))
    for accessory in SHARED_ACCESSORIES:  # offered to both: both see it
        assert w.gina.get(f"catalog/accessories/{accessory}").status_code == 200
        assert w.peter.get(f"catalog/accessories/{accessory}").status_code == 200


def devices_list(w) -> None:
    assert ids_of(w.gina.get("catalog/devices"), "devices") == GLOBEX_DEVICES
    assert ids_of(w.peter.get("catalog/devices"), "devices") == ACME_DEVICES
    # Filters on global reference data still stop at the tenant's catalog.
    assert_empty_or_refused(w.gina.get("catalog/devices?manufacturer=LG"), "devices")
    assert_empty_or_refused(w.gina.get("catalog/devices?vendor=98"), "devices")
    assert_empty_or_refused(w.peter.get("catalog/devices?vendor=99"), "devices")


def device_detail(w) -> None:
    for device in ACME_DEVICES:
        assert_not_found(w.gina.get(f"catalog/devices/{device}"))
    for device in GLOBEX_DEVICES:
        assert_not_found(w.peter.get(f"catalog/devices/{device}"))


def features_list(w) -> None:
    assert ids_of(w.gina.get("catalog/features"), "features") == GLOBEX_FEATURES
    assert ids_of(w.peter.get("catalog/features"), "features") == ACME_FEATURES
    for plan in ACME_PLANS:
        assert_empty_or_refused(w.gina.get(f"catalog/features?plan={plan}"), "features")
    assert_empty_or_refused(w.peter.get("catalog/features?plan=6201"), "features")


def feature_detail(w) -> None:
    for feature in ACME_FEATURES:
        assert_not_found(w.gina.get(f"catalog/features/{feature}"))
    assert_not_found(w.peter.get("catalog/features/7201"))


def plans_list(w) -> None:
    assert ids_of(w.gina.get("catalog/plans"), "plans") == GLOBEX_PLANS
    assert ids_of(w.peter.get("catalog/plans"), "plans") == ACME_PLANS
    assert_empty_or_refused(w.gina.get("catalog/plans?vendor=98"), "plans")


def plan_detail(w) -> None:
    for plan in ACME_PLANS:
        assert_not_found(w.gina.get(f"catalog/plans/{plan}"))
    assert_not_found(w.peter.get("catalog/plans/6201"))
    # A tenant's own plan lists only that tenant's optional features.
    features = w.gina.get("catalog/plans/6201").json()["plan"]["optionalFeatures"]
    assert {int(f["id"]) for f in features} == GLOBEX_FEATURES


def employees_list(w) -> None:
    assert ids_of(w.gina.get("employees?limit=200"), "employees") == GLOBEX_EMPLOYEES
    assert ids_of(w.peter.get("employees?limit=200"), "employees") == ACME_EMPLOYEES
    queries = ["companyEmployeeId=peter.edwards.acme", f"department={ACME_DEPARTMENT}"]
    for query in queries:
        assert_empty_or_refused(w.gina.get(f"employees?{query}"), "employees")
    assert_empty_or_refused(
        w.peter.get("employees?companyEmployeeId=gina.rossi.globex"), "employees"
    )


def employee_detail(w) -> None:
    for employee in ACME_EMPLOYEES:
        assert_not_found(w.gina.get(f"employees/{employee}"))
    for employee in GLOBEX_EMPLOYEES:
        assert_not_found(w.peter.get(f"employees/{employee}"))


def me(w) -> None:
    body = w.gina.get("me").json()
    assert body["tenant"]["id"] == "globex" and body["actor"]["id"] == "38673732"
    # Context headers naming another tenant's employee: that employee does not exist here,
    # even for a tenant admin (who may act for anyone of their own tenant).
    for client in (w.gina, w.greta):
        assert_not_found(client.get("me", HTTP_X_TNGO_CONTEXT_EMPLOYEEID="28673732"))
        assert_not_found(
            client.get("me", HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID="peter.edwards.acme")
        )
    # ...and another tenant's hierarchy does not exist either.
    acme_hierarchy = Hierarchy.objects.get(tenant=w.acme, is_default=True)
    assert_not_found(w.gina.get("me", HTTP_X_TNGO_CONTEXT_HIERARCHYID=str(acme_hierarchy.pk)))


def orders_list(w) -> None:
    for client, own in [(w.gina, w.globex_order), (w.greta, w.globex_order)]:
        assert ids_of(client.get("orders"), "orders", "orderId") == {own.pk}
    assert ids_of(w.ada.get("orders"), "orders", "orderId") == {w.acme_order.pk}
    flags = "includeOrderSegments=true&includeOrderHistory=true&includeApprovers=true"
    assert ids_of(w.greta.get(f"orders?{flags}"), "orders", "orderId") == {w.globex_order.pk}
    queries = [
        "employee=28673732",
        "companyEmployeeId=peter.edwards.acme",
        "eligibleToApproveEmployeeId=28673733",
        "eligibleToApproveCompanyEmployeeId=maria.lopez.acme",
    ]
    for client in (w.gina, w.greta):
        for query in queries:
            assert_empty_or_refused(client.get(f"orders?{query}"), "orders")
    assert_empty_or_refused(w.ada.get("orders?employee=38673732"), "orders")


def orders_submit(w) -> None:
    # seed 002's body names acme's service and acme's accessories: refused in confirm mode and
    # on submit, with every foreign id reported.
    for path in ("orders?confirm=true", "orders"):
        for client in (w.gina, w.greta):
            response = client.post(path, seed_order_request(externalOrderNumber="GLX-PROBE"))
            assert_body_refused(response)
            fields = {problem["field"] for problem in response.json()["errors"]}
            assert "orderRequest.serviceId" in fields, fields
    # The other direction: Peter naming Gina's service and globex's accessory.
    response = w.peter.post("orders", gina_order_request())
    assert_body_refused(response)
    # Gina's own service with acme-only accessories: the accessories are refused. (A number of
    # its own: under GLX-0001, her stored order's, a different body is refused before that.)
    body = gina_order_request(
        externalOrderNumber="GLX-PROBE-2", shoppingCart={"accessoryIds": ["3628935898"]}
    )
    assert_body_refused(w.gina.post("orders?confirm=true", body))


def order_detail(w) -> None:
    for client in (w.gina, w.greta):
        assert_not_found(client.get(f"orders/{w.acme_order.pk}"))
        assert_not_found(client.get(f"orders/{w.acme_order.pk}?includeOrderHistory=true"))
    assert_not_found(w.peter.get(f"orders/{w.globex_order.pk}"))
    assert_not_found(w.ada.get(f"orders/{w.globex_order.pk}"))


def order_history(w) -> None:
    for client in (w.gina, w.greta):
        assert_not_found(client.get(f"orders/{w.acme_order.pk}/history"))
    assert_not_found(w.ada.get(f"orders/{w.globex_order.pk}/history"))
    # Another tenant's segment as the filter of one's own order.
    path = f"orders/{w.globex_order.pk}/history?orderSegment={w.acme_segment.pk}"
    assert_not_found(w.gina.get(path))


def order_shipments(w) -> None:
    for client in (w.gina, w.greta):
        assert_not_found(client.get(f"orders/{w.acme_order.pk}/shipments"))
    assert_not_found(w.ada.get(f"orders/{w.globex_order.pk}/shipments"))
    path = f"orders/{w.globex_order.pk}/shipments?orderSegment={w.acme_segment.pk}"
    assert_not_found(w.gina.get(path))


def order_cancel(w) -> None:
    body = {"reason": "not mine", "communicationWorkflow": "None"}
    for client in (w.gina, w.greta):
        assert_not_found(client.post(f"orders/{w.acme_order.pk}/cancel", body))
    assert_not_found(w.peter.post(f"orders/{w.globex_order.pk}/cancel", body))
    assert_not_found(w.ada.post(f"orders/{w.globex_order.pk}/cancel", body))


def order_approval(action: str):
    def read(w) -> None:
        for client in (w.gina, w.greta, w.hank):
            assert_not_found(client.get(f"orders/{w.acme_order.pk}/{action}"))
        assert_not_found(w.maria.get(f"orders/{w.globex_order.pk}/{action}"))

    def decide(w) -> None:
        for decision in ("APPROVE", "REJECT"):
            body = {"action": decision, "reason": "probe", "communicationWorkflow": "None"}
            for client in (w.gina, w.greta, w.hank):
                assert_not_found(client.post(f"orders/{w.acme_order.pk}/{action}", body))
            assert_not_found(w.maria.post(f"orders/{w.globex_order.pk}/{action}", body))
            assert_not_found(w.ada.post(f"orders/{w.globex_order.pk}/{action}", body))

    return read, decide


def order_properties(w) -> None:
    query = "orders/properties?transactionType=ORDER_ACCESSORIES"
    assert w.gina.get(query).status_code == 200
    for client in (w.gina, w.greta):
        assert_not_found(client.get(f"{query}&service=38382349"))
    assert_not_found(w.peter.get(f"{query}&service=48382349"))


def ping(w) -> None:
    # Public: answers without credentials, and says nothing about any tenant.
    response = Client().get(f"{API}/ping?echoText=hello")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "echoText", "dateTime"} and body["echoText"] == "hello"


regions_list, region_detail = global_reference("regions", "region", str(US_REGION))
vendors_list, vendor_detail = global_reference("vendors", "vendor", "98")
manufacturers_list, manufacturer_detail = global_reference(
    "manufacturers", "manufacturer", "Verizon%20Wireless"
)
approval_read, approval_decide = order_approval("approval")
approve_read, approve_decide = order_approval("approve")


@dataclass(frozen=True)
class Case:
    probe: Callable
    note: str


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/approval-workflows"): Case(approval_workflows_list, "list"),
    ("POST", "/api/v1/approval-workflows"): Case(approval_workflows_create, "foreign ids in body"),
    ("GET", "/api/v1/approval-workflows/{id}"): Case(approval_workflow_detail, "path"),
    ("PUT", "/api/v1/approval-workflows/{id}"): Case(approval_workflow_update, "path"),
    ("DELETE", "/api/v1/approval-workflows/{id}"): Case(approval_workflow_delete, "path"),
    ("POST", "/api/v1/approval-workflows/preview"): Case(approval_workflow_preview, "body"),
    ("GET", "/api/v1/approvals"): Case(approvals_inbox, "list"),
    ("GET", "/api/v1/assets/devices"): Case(device_assets_list, "list"),
    ("GET", "/api/v1/assets/devices/{id}"): Case(device_asset_detail, "path"),
    ("GET", "/api/v1/assets/services"): Case(services_list, "list + foreign query"),
    ("GET", "/api/v1/assets/services/{id}"): Case(service_detail, "path"),
    ("GET", "/api/v1/catalog/accessories"): Case(accessories_list, "list + foreign query"),
    ("GET", "/api/v1/catalog/accessories/{id}"): Case(accessory_detail, "path"),
    ("GET", "/api/v1/catalog/devices"): Case(devices_list, "list + query"),
    ("GET", "/api/v1/catalog/devices/{id}"): Case(device_detail, "path"),
    ("GET", "/api/v1/catalog/features"): Case(features_list, "list + foreign query"),
    ("GET", "/api/v1/catalog/features/{id}"): Case(feature_detail, "path"),
    ("GET", "/api/v1/catalog/plans"): Case(plans_list, "list + query"),
    ("GET", "/api/v1/catalog/plans/{id}"): Case(plan_detail, "path"),
    ("GET", "/api/v1/employees"): Case(employees_list, "list + foreign query"),
    ("GET", "/api/v1/employees/{id}"): Case(employee_detail, "path"),
    ("GET", "/api/v1/manufacturers"): Case(manufacturers_list, "global reference data"),
    ("GET", "/api/v1/manufacturers/{id}"): Case(manufacturer_detail, "global reference data"),
    ("GET", "/api/v1/me"): Case(me, "foreign ids in context headers"),
    ("GET", "/api/v1/orders"): Case(orders_list, "list + foreign query"),
    ("POST", "/api/v1/orders"): Case(orders_submit, "foreign ids in body (submit and confirm)"),
    ("GET", "/api/v1/orders/{id}"): Case(order_detail, "path"),
    ("GET", "/api/v1/orders/{id}/approval"): Case(approval_read, "path"),
    ("POST", "/api/v1/orders/{id}/approval"): Case(approval_decide, "path, write"),
    ("GET", "/api/v1/orders/{id}/approve"): Case(approve_read, "path"),
    ("POST", "/api/v1/orders/{id}/approve"): Case(approve_decide, "path, write"),
    ("POST", "/api/v1/orders/{id}/cancel"): Case(order_cancel, "path, write"),
    ("GET", "/api/v1/orders/{id}/history"): Case(order_history, "path + foreign query"),
    ("GET", "/api/v1/orders/{id}/shipments"): Case(order_shipments, "path + foreign query"),
    ("GET", "/api/v1/orders/properties"): Case(order_properties, "foreign query"),
    ("GET", "/api/v1/ping"): Case(ping, "public"),
    ("GET", "/api/v1/regions"): Case(regions_list, "global reference data"),
    ("GET", "/api/v1/regions/{id}"): Case(region_detail, "global reference data"),
    ("GET", "/api/v1/vendors"): Case(vendors_list, "global reference data"),
    ("GET", "/api/v1/vendors/{id}"): Case(vendor_detail, "global reference data"),
}


def openapi_operations() -> set[tuple[str, str]]:
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    document = json.loads(response.content)
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }


@pytest.mark.django_db
def test_every_openapi_operation_has_a_tenant_isolation_case():
    operations = openapi_operations()
    missing = sorted(operations - CASES.keys())
    stale = sorted(CASES.keys() - operations)
    assert not (missing or stale), (
        f"operations without a cross-tenant case in CASES: {missing}; "
        f"CASES entries no longer in the OpenAPI document: {stale}"
    )


@pytest.mark.parametrize("operation", sorted(CASES), ids=lambda op: f"{op[0]} {op[1]}")
def test_other_tenants_data_is_out_of_reach(world, operation):
    before = snapshot()
    CASES[operation].probe(world)
    assert snapshot() == before, f"{operation} changed something"


@pytest.mark.parametrize("path", [SCHEMA_URL, f"{API}/docs"])
def test_public_documents_answer_without_credentials_and_hold_no_tenant_data(world, path):
    response = Client().get(path)
    assert response.status_code == 200
    text = response.content.decode().lower()
    for secret in ["acme", "globex", "peter", "28673732", "38382349"]:
        assert secret not in text, f"{path} mentions {secret!r}"


def test_a_token_used_with_the_other_tenants_slug_is_refused(world, peter, gina):
    for employee, other in [(gina, "acme"), (peter, "globex")]:
        application = OAuthApplication.objects.get(tenant=employee.tenant)
        token = issue_token(employee, application)
        client = ApiClient(token=token, tenant=other, client_id=application.client_id)
        for path in ("me", "orders", f"orders/{world.acme_order.pk}", "catalog/accessories"):
            response = client.get(path)
            body = response.json()
            assert response.status_code == 403, body
            assert set(body) == MOBPROC_ERROR_KEYS and body["status"] == 403, body
        before = snapshot()
        response = client.post(f"orders/{world.acme_order.pk}/cancel", {"reason": "x"})
        assert response.status_code == 403, response.json()
        response = client.post("orders", seed_order_request(externalOrderNumber="SLUG-PROBE"))
        assert response.status_code == 403, response.json()
        assert snapshot() == before


def test_an_external_order_number_is_unique_per_tenant_not_across_tenants(world):
    """Gina reusing acme's externalOrderNumber gets an order of her own, never Peter's."""
    response = world.gina.post("orders", gina_order_request(externalOrderNumber="MM123456A"))
    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=int(response.json()["order"]["orderId"]))
    assert order.pk != world.acme_order.pk and order.tenant == world.globex
    world.acme_order.refresh_from_db()
    assert world.acme_order.tenant == world.acme
    assert world.acme_order.status == Order.Status.AWAITING_APPROVAL
