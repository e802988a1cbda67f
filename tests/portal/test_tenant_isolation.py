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
from catalog.models import Accessory, Device, DeviceAsset, Feature, Plan, ServiceAsset
from orders.models import Order, OrderApprover, OrderHistory, OrderItem, OrderSegment
from portal.models import Employee, EmployeeGroup, Hierarchy, OAuthApplication
from tests.conftest import API, ApiClient, issue_token, seed_order_request
from tests.demo_data import (
    api_id,
    att,
    business_unlimited_elite,
    department,
    galaxy_rugged_case,
    line_of,
    united_states,
    vehicle_charger,
    verizon,
)
from tests.demo_data import (
    employee as person,
)
from tests.portal import isolation_admin as admin_probes
from tests.portal import isolation_audit as audit_probes

SCHEMA_URL = f"{API}/schema?format=json"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
MOBPROC_ERROR_KEYS = {"status", "errorCode", "id", "message"}

# --- The two tenants' rows (demo data) -------------------------------------------------------


def pks(rows) -> set[int]:
    return set(rows.values_list("pk", flat=True))


def tenant_rows(acme, globex) -> SimpleNamespace:
    """Each tenant's ids, read from the demo data: what each tenant's lists must hold exactly."""
    offered_to_both = Accessory.objects.filter(offered_to=acme).filter(offered_to=globex)
    rows = SimpleNamespace(
        acme_employees=pks(Employee.objects.filter(tenant=acme)),
        globex_employees=pks(Employee.objects.filter(tenant=globex)),
        acme_services=pks(ServiceAsset.objects.filter(tenant=acme)),
        globex_services=pks(ServiceAsset.objects.filter(tenant=globex)),
        acme_device_assets=pks(DeviceAsset.objects.filter(tenant=acme)),
        globex_device_assets=pks(DeviceAsset.objects.filter(tenant=globex)),
        # Accessories offered to one tenant only, and those offered to both.
        acme_only_accessories=pks(Accessory.objects.offered_to(acme).exclude(offered_to=globex)),
        globex_only_accessories=pks(Accessory.objects.offered_to(globex).exclude(offered_to=acme)),
        shared_accessories=pks(offered_to_both),
        acme_devices=pks(Device.objects.offered_to(acme)),
        globex_devices=pks(Device.objects.offered_to(globex)),
        acme_plans=pks(Plan.objects.offered_to(acme)),
        globex_plans=pks(Plan.objects.offered_to(globex)),
        acme_features=pks(Feature.objects.offered_to(acme)),
        globex_features=pks(Feature.objects.offered_to(globex)),
    )
    empty = [name for name, ids in vars(rows).items() if not ids]
    assert not empty, f"the demo data has none of {empty}"
    rows.acme_department = department("acme", "Development").pk  # seed 002's
    return rows


def gina_order_request(**overrides) -> dict:
    """Gina's own order: an accessory for her AT&T Galaxy S24, on her line."""
    fields = {
        "externalOrderNumber": "GLX-0001",
        "serviceId": api_id(line_of("gina")),
        "shoppingCart": {"accessoryIds": [api_id(galaxy_rugged_case())]},
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
        people=SimpleNamespace(peter=peter, maria=person("maria"), gina=gina),
        lines=SimpleNamespace(peter=line_of(peter).pk, gina=line_of(gina).pk),
        rows=tenant_rows(demo.acme, demo.globex),
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
        "workflow_steps": sorted(ApprovalStep.objects.values_list("pk", "workflow_id", "rule")),
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


def global_reference(plural: str, singular: str | None, detail_id: Callable[[], str]):
    """Regions, vendors and manufacturers are global reference data, not owned by a tenant:
    both tenants read the same rows (there is nothing of another tenant to hide). `singular`
    None: the detail is unwrapped (a region, as tutorials/addresses shows it)."""

    def list_case(w) -> None:
        answers = [
            items_of(client.get(f"{plural}?limit=200"), plural) for client in (w.peter, w.gina)
        ]
        assert answers[0], f"{plural}: empty reference list"
        assert answers[0] == answers[1]

    def detail_case(w) -> None:
        answers = [client.get(f"{plural}/{detail_id()}") for client in (w.peter, w.gina)]
        assert all(r.status_code == 200 for r in answers), [r.json() for r in answers]
        assert answers[0].json() == answers[1].json()
        if singular is None:
            assert answers[0].json()["id"] == detail_id()
        else:
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
            conditions={"departmentIds": [str(w.rows.acme_department)]},
            steps=[
                {"kind": "MANAGER", "hierarchyId": str(acme_hierarchy.pk)},
                {"kind": "GROUP", "groupId": str(acme_group.pk)},
                {"kind": "EMPLOYEE", "employeeId": api_id(w.people.maria)},
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


def approval_workflow_impact(w) -> None:
    # greta names acme's workflows; her own replay counts globex's orders only.
    for pk in w.acme_workflows:
        assert_body_refused(w.greta.post("approval-workflows/impact", {"delete": str(pk)}))
    response = w.greta.post("approval-workflows/impact", {"workflow": workflow_body()})
    assert response.status_code == 200, response.json()
    globex_orders = Order.objects.filter(tenant_id=w.globex_order.tenant_id).count()
    assert response.json()["ordersReplayed"] == globex_orders


def approvals_inbox(w) -> None:
    # Each manager's inbox holds their own tenant's order awaiting them, never the other's.
    assert ids_of(w.hank.get("approvals"), "orders", "orderId") == {w.globex_order.pk}
    assert ids_of(w.maria.get("approvals"), "orders", "orderId") == {w.acme_order.pk}
    assert_empty(w.gina.get("approvals"), "orders")


def device_assets_list(w) -> None:
    assert ids_of(w.gina.get("assets/devices"), "devices") == w.rows.globex_device_assets
    assert ids_of(w.greta.get("assets/devices?limit=200"), "devices") == w.rows.globex_device_assets
    assert ids_of(w.ada.get("assets/devices?limit=200"), "devices") == w.rows.acme_device_assets


def device_asset_detail(w) -> None:
    for asset in w.rows.acme_device_assets:
        assert_not_found(w.gina.get(f"assets/devices/{asset}"))
        assert_not_found(w.greta.get(f"assets/devices/{asset}"))
    for asset in w.rows.globex_device_assets:
        assert_not_found(w.peter.get(f"assets/devices/{asset}"))


def services_list(w) -> None:
    assert ids_of(w.gina.get("assets/services"), "services") == w.rows.globex_services
    assert ids_of(w.greta.get("assets/services?limit=200"), "services") == w.rows.globex_services
    for client in (w.gina, w.greta):
        query = f"assets/services?accountHolder={w.people.peter.pk}"
        assert_empty_or_refused(client.get(query), "services")
        assert_empty_or_refused(client.get("assets/services?serviceNumber=2035557676"), "services")
    query = f"assets/services?accountHolder={w.people.gina.pk}"
    assert_empty_or_refused(w.ada.get(query), "services")


def service_detail(w) -> None:
    for service in w.rows.acme_services:
        assert_not_found(w.gina.get(f"assets/services/{service}"))
        assert_not_found(w.greta.get(f"assets/services/{service}"))
    assert_not_found(w.peter.get(f"assets/services/{w.lines.gina}"))
    assert_not_found(w.ada.get(f"assets/services/{w.lines.gina}"))


def accessories_list(w) -> None:
    offered = ids_of(w.gina.get("catalog/accessories?limit=200"), "accessories")
    assert offered == w.rows.globex_only_accessories | w.rows.shared_accessories
    offered = ids_of(w.peter.get("catalog/accessories?limit=200"), "accessories")
    assert offered == w.rows.acme_only_accessories | w.rows.shared_accessories
    # Another tenant's service as the filter: 404, as if it did not exist.
    assert_not_found(w.gina.get(f"catalog/accessories?service={w.lines.peter}"))
    assert_not_found(w.greta.get(f"catalog/accessories?service={w.lines.peter}"))
    assert_not_found(w.peter.get(f"catalog/accessories?service={w.lines.gina}"))


def accessory_detail(w) -> None:
    for accessory in w.rows.acme_only_accessories:
        assert_not_found(w.gina.get(f"catalog/accessories/{accessory}"))
    for accessory in w.rows.globex_only_accessories:
        assert_not_found(w.peter.get(f"catalog/accessories/{accessory}"))
    for accessory in w.rows.shared_accessories:  # offered to both: both see it
        assert w.gina.get(f"catalog/accessories/{accessory}").status_code == 200
        assert w.peter.get(f"catalog/accessories/{accessory}").status_code == 200


def devices_list(w) -> None:
    assert ids_of(w.gina.get("catalog/devices"), "devices") == w.rows.globex_devices
    assert ids_of(w.peter.get("catalog/devices"), "devices") == w.rows.acme_devices
    # Filters on global reference data still stop at the tenant's catalog.
    assert_empty_or_refused(w.gina.get("catalog/devices?manufacturer=LG"), "devices")
    assert_empty_or_refused(w.gina.get(f"catalog/devices?vendor={verizon().pk}"), "devices")
    assert_empty_or_refused(w.peter.get(f"catalog/devices?vendor={att().pk}"), "devices")


def device_detail(w) -> None:
    for device in w.rows.acme_devices:
        assert_not_found(w.gina.get(f"catalog/devices/{device}"))
    for device in w.rows.globex_devices:
        assert_not_found(w.peter.get(f"catalog/devices/{device}"))


def features_list(w) -> None:
    assert ids_of(w.gina.get("catalog/features"), "features") == w.rows.globex_features
    assert ids_of(w.peter.get("catalog/features"), "features") == w.rows.acme_features
    for plan in w.rows.acme_plans:
        assert_empty_or_refused(w.gina.get(f"catalog/features?plan={plan}"), "features")
    elite = business_unlimited_elite().pk  # globex's plan
    assert_empty_or_refused(w.peter.get(f"catalog/features?plan={elite}"), "features")


def feature_detail(w) -> None:
    for feature in w.rows.acme_features:
        assert_not_found(w.gina.get(f"catalog/features/{feature}"))
    for feature in w.rows.globex_features:
        assert_not_found(w.peter.get(f"catalog/features/{feature}"))


def plans_list(w) -> None:
    assert ids_of(w.gina.get("catalog/plans"), "plans") == w.rows.globex_plans
    assert ids_of(w.peter.get("catalog/plans"), "plans") == w.rows.acme_plans
    assert_empty_or_refused(w.gina.get(f"catalog/plans?vendor={verizon().pk}"), "plans")


def plan_detail(w) -> None:
    for plan in w.rows.acme_plans:
        assert_not_found(w.gina.get(f"catalog/plans/{plan}"))
    (elite,) = w.rows.globex_plans
    assert_not_found(w.peter.get(f"catalog/plans/{elite}"))
    # A tenant's own plan lists only that tenant's optional features.
    features = w.gina.get(f"catalog/plans/{elite}").json()["plan"]["optionalFeatures"]
    assert {int(f["id"]) for f in features} == w.rows.globex_features


def employees_list(w) -> None:
    assert ids_of(w.gina.get("employees?limit=200"), "employees") == w.rows.globex_employees
    assert ids_of(w.peter.get("employees?limit=200"), "employees") == w.rows.acme_employees
    queries = ["companyEmployeeId=peter.edwards.acme", f"department={w.rows.acme_department}"]
    for query in queries:
        assert_empty_or_refused(w.gina.get(f"employees?{query}"), "employees")
    assert_empty_or_refused(
        w.peter.get("employees?companyEmployeeId=gina.rossi.globex"), "employees"
    )


def employee_detail(w) -> None:
    for employee in w.rows.acme_employees:
        assert_not_found(w.gina.get(f"employees/{employee}"))
    for employee in w.rows.globex_employees:
        assert_not_found(w.peter.get(f"employees/{employee}"))


def me(w) -> None:
    body = w.gina.get("me").json()
    assert body["tenant"]["id"] == "globex" and body["actor"]["id"] == api_id(w.people.gina)
    # Context headers naming another tenant's employee: that employee does not exist here,
    # even for a tenant admin (who may act for anyone of their own tenant).
    for client in (w.gina, w.greta):
        peter = api_id(w.people.peter)
        assert_not_found(client.get("me", HTTP_X_TNGO_CONTEXT_EMPLOYEEID=peter))
        assert_not_found(
            client.get("me", HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID="peter.edwards.acme")
        )
    # ...and another tenant's hierarchy does not exist either.
    acme_hierarchy = Hierarchy.objects.get(tenant=w.acme, is_default=True)
    assert_not_found(w.gina.get("me", HTTP_X_TNGO_CONTEXT_HIERARCHYID=str(acme_hierarchy.pk)))


def diagnostics(w) -> None:
    assert w.gina.get("diagnostics").status_code == 200
    peter = api_id(w.people.peter)
    assert_not_found(w.greta.get("diagnostics", HTTP_X_TNGO_CONTEXT_EMPLOYEEID=peter))


def orders_list(w) -> None:
    for client, own in [(w.gina, w.globex_order), (w.greta, w.globex_order)]:
        assert ids_of(client.get("orders"), "orders", "orderId") == {own.pk}
    assert ids_of(w.ada.get("orders"), "orders", "orderId") == {w.acme_order.pk}
    flags = "includeOrderSegments=true&includeOrderHistory=true&includeApprovers=true"
    assert ids_of(w.greta.get(f"orders?{flags}"), "orders", "orderId") == {w.globex_order.pk}
    queries = [
        f"employee={w.people.peter.pk}",
        "companyEmployeeId=peter.edwards.acme",
        f"eligibleToApproveEmployeeId={w.people.maria.pk}",
        "eligibleToApproveCompanyEmployeeId=maria.lopez.acme",
    ]
    for client in (w.gina, w.greta):
        for query in queries:
            assert_empty_or_refused(client.get(f"orders?{query}"), "orders")
    assert_empty_or_refused(w.ada.get(f"orders?employee={w.people.gina.pk}"), "orders")


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
        externalOrderNumber="GLX-PROBE-2",
        shoppingCart={"accessoryIds": [api_id(vehicle_charger())]},
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
        assert_not_found(client.get(f"{query}&service={w.lines.peter}"))
    assert_not_found(w.peter.get(f"{query}&service={w.lines.gina}"))


def ping(w) -> None:
    # Public: answers without credentials, and says nothing about any tenant.
    response = Client().get(f"{API}/ping?echoText=hello")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "echoText", "dateTime"} and body["echoText"] == "hello"


regions_list, region_detail = global_reference("regions", None, lambda: api_id(united_states()))
vendors_list, vendor_detail = global_reference("vendors", "vendor", lambda: api_id(verizon()))
manufacturers_list, manufacturer_detail = global_reference(
    "manufacturers", "manufacturer", lambda: "Verizon%20Wireless"
)
approval_read, approval_decide = order_approval("approval")
approve_read, approve_decide = order_approval("approve")


def approvals_bulk(w) -> None:
    # Another tenant's orders are NOT_FOUND, like unknown ids; nothing is decided or audited.
    probes = [(w.gina, w.acme_order), (w.greta, w.acme_order), (w.maria, w.globex_order)]
    for client, foreign in probes:
        body = {"orderIds": [str(foreign.pk)], "action": "APPROVE"}
        response = client.post("approvals/bulk", body)
        assert response.status_code == 200, response.json()
        expected = [{"orderId": str(foreign.pk), "status": "NOT_FOUND"}]
        assert response.json() == {"results": expected}


def manufacturer_model_detail(w) -> None:
    # A model is one of the catalog devices a tenant offers or holds: acme's LG Cookie Plus is
    # not globex's; the Galaxy S24 both offer answers both the same.
    assert_not_found(w.gina.get("manufacturers/LG/models/Cookie%20Plus"))
    assert w.peter.get("manufacturers/LG/models/Cookie%20Plus").status_code == 200
    answers = [
        w.peter.get("manufacturers/Samsung/models/Galaxy%20S24"),
        w.gina.get("manufacturers/Samsung/models/Galaxy%20S24"),
    ]
    assert [r.status_code for r in answers] == [200, 200]


def acknowledgements_list(w) -> None:
    # Each tenant's own configuration of a vendor: a point only globex asks is not acme's.
    from catalog.models import Acknowledgement, Vendor

    att = Vendor.objects.get(name="AT&T Wireless")
    Acknowledgement.objects.create(
        tenant=w.globex, vendor=att, transaction_type="XFER_SERVICE_IN", ack_id="GLOBEX_ONLY",
        label="Globex asks this.",
    )  # fmt: skip
    query = f"acknowledgements?vendor={att.pk}&transactionType=XFER_SERVICE_IN"
    for client, tenant in ((w.peter, w.acme), (w.ada, w.acme), (w.gina, w.globex)):
        response = client.get(query)
        assert response.status_code == 200, response.json()
        shown = [a["id"] for a in response.json()["acknowledgements"]]
        expected = Acknowledgement.objects.filter(
            tenant=tenant, vendor=att, transaction_type="XFER_SERVICE_IN"
        ).order_by("position", "pk")
        assert shown == list(expected.values_list("ack_id", flat=True))
    assert "GLOBEX_ONLY" not in [a["id"] for a in w.ada.get(query).json()["acknowledgements"]]


def service_move(w) -> None:
    # Another tenant's line is not found; another tenant's employee is nobody to move it to.
    holders = dict(ServiceAsset.objects.values_list("pk", "account_holder_id"))
    charges = {"moveCharges": "MOVE_NO_CHARGES"}
    for client, line in ((w.gina, w.lines.peter), (w.greta, w.lines.peter), (w.ada, w.lines.gina)):
        response = client.post(
            f"assets/services/{line}/move", {"newOwnerEmployeeId": "28673737", **charges}
        )
        assert_not_found(response)
    gina, peter = w.people.gina, w.people.peter
    foreign = [
        (w.ada, w.lines.peter, {"newOwnerEmployeeId": str(gina.pk)}),
        (w.ada, w.lines.peter, {"newOwnerCompanyEmployeeId": gina.company_employee_id}),
        (w.greta, w.lines.gina, {"newOwnerEmployeeId": str(peter.pk)}),
    ]
    for client, line, owner in foreign:
        response = client.post(f"assets/services/{line}/move", {**owner, **charges})
        assert_body_refused(response)
    assert dict(ServiceAsset.objects.values_list("pk", "account_holder_id")) == holders


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
    ("POST", "/api/v1/approval-workflows/impact"): Case(approval_workflow_impact, "body"),
    ("GET", "/api/v1/acknowledgements"): Case(acknowledgements_list, "the tenant's own"),
    ("GET", "/api/v1/approvals"): Case(approvals_inbox, "list"),
    ("POST", "/api/v1/approvals/bulk"): Case(approvals_bulk, "foreign ids in body, write"),
    ("GET", "/api/v1/assets/devices"): Case(device_assets_list, "list"),
    ("GET", "/api/v1/assets/devices/{id}"): Case(device_asset_detail, "path"),
    ("GET", "/api/v1/assets/services"): Case(services_list, "list + foreign query"),
    ("GET", "/api/v1/assets/services/{id}"): Case(service_detail, "path"),
    ("POST", "/api/v1/assets/services/{id}/move"): Case(
        service_move, "path + foreign ids in body, write"
    ),
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
    ("GET", "/api/v1/manufacturers/{manufacturer}/models/{id}"): Case(
        manufacturer_model_detail, "the tenant's catalog devices"
    ),
    ("GET", "/api/v1/me"): Case(me, "foreign ids in context headers"),
    ("GET", "/api/v1/diagnostics"): Case(diagnostics, "foreign ids in context headers"),
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
# The tenant admin API's probes (people, departments, groups, hierarchies, delegations,
# custom employee attributes).
CASES.update({op: Case(probe, note) for op, (probe, note) in admin_probes.PROBES.items()})
CASES.update({op: Case(probe, note) for op, (probe, note) in audit_probes.PROBES.items()})


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
    peters_ids = [api_id(world.people.peter), str(world.lines.peter)]
    for secret in ["acme", "globex", "peter", *peters_ids]:
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
