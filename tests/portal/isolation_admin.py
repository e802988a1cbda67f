"""The cross-tenant probes of the tenant admin API (people, departments, approver groups,
hierarchies, delegations, custom employee attributes), for the matrix of
tests/portal/test_tenant_isolation.py: globex's admin (Greta) names acme's rows in paths and
bodies; lists hold her own tenant's rows only."""

from __future__ import annotations

from catalog.models import Accessory
from orders.models import Notification, NotificationSetting, PropertyField, PropertyGroup
from portal.models import (
    Delegation,
    Department,
    Employee,
    EmployeeAttribute,
    EmployeeGroup,
    Hierarchy,
    ReportingLine,
)
from tests.conftest import API

MOBPROC_ERROR_KEYS = {"status", "errorCode", "id", "message"}


def _call(client, method: str, path: str, body=None):
    return getattr(client, method)(f"{API}/{path}", body, format="json")


def _not_found(response) -> None:
    body = response.json()
    assert response.status_code == 404, body
    assert set(body) == MOBPROC_ERROR_KEYS, body


def _refused(response, *fields: str) -> None:
    """The 400 envelope naming (at least) these fields, or a 404."""
    body = response.json()
    if response.status_code == 404:
        _not_found(response)
        return
    assert response.status_code == 400, body
    assert {e["field"] for e in body["errors"]} >= set(fields), body


def _ids(response, plural: str) -> set[int]:
    body = response.json()
    assert response.status_code == 200, body
    return {int(item["id"]) for item in body[plural]["items"]}


def _acme(w):
    return {
        "department": Department.objects.filter(tenant=w.acme).first(),
        "group": EmployeeGroup.objects.get(tenant=w.acme, name="IT"),
        "hierarchy": Hierarchy.objects.get(tenant=w.acme, is_default=True),
        "maria": w.people.maria,
        "peter": w.people.peter,
    }


def _unchanged(before: dict) -> None:
    assert _rows() == before


def _rows() -> dict:
    return {
        "employees": sorted(Employee.objects.values_list("pk", "tenant_id", "first_name",
                                                         "status", "department_id")),
        "departments": sorted(Department.objects.values_list("pk", "name")),
        "groups": sorted(EmployeeGroup.objects.values_list("pk", "name")),
        "hierarchies": sorted(Hierarchy.objects.values_list("pk", "name", "is_default")),
        "lines": sorted(ReportingLine.objects.values_list("hierarchy_id", "employee_id",
                                                          "manager_id")),
        "delegations": Delegation.objects.count(),
        "attributes": sorted(EmployeeAttribute.objects.values_list("pk", "tenant_id", "name",
                                                                   "valid_values")),
    }  # fmt: skip


def employee_create(w) -> None:
    acme, before = _acme(w), _rows()
    body = {
        "firstName": "Out",
        "lastName": "Sider",
        "email": "out.sider@globex.example",
        "companyEmployeeId": "out.sider",
        "departmentId": str(acme["department"].pk),
        "managerId": str(acme["maria"].pk),
        "managers": [{"hierarchyId": str(acme["hierarchy"].pk), "managerId": None}],
    }
    _refused(_call(w.greta, "post", "employees", body), "departmentId", "managerId")
    _unchanged(before)


def employee_update(w) -> None:
    acme, before = _acme(w), _rows()
    _not_found(_call(w.greta, "patch", f"employees/{acme['peter'].pk}", {"status": "INACTIVE"}))
    gina = w.people.gina
    body = {"departmentId": str(acme["department"].pk), "managerId": str(acme["maria"].pk)}
    _refused(_call(w.greta, "patch", f"employees/{gina.pk}", body), "departmentId", "managerId")
    _unchanged(before)


def delegations_list(w) -> None:
    _not_found(_call(w.greta, "get", f"employees/{w.people.maria.pk}/delegations"))


def delegations_create(w) -> None:
    before = _rows()
    body = {"delegateId": str(w.people.maria.pk), "startsOn": "2030-01-01", "endsOn": "2030-01-02"}
    _not_found(_call(w.greta, "post", f"employees/{w.people.maria.pk}/delegations", body))
    _refused(
        _call(w.greta, "post", f"employees/{w.people.gina.pk}/delegations", body), "delegateId"
    )
    _unchanged(before)


def _acme_delegation(w) -> Delegation:
    return Delegation.objects.create(
        tenant=w.acme, employee=w.people.maria, delegate=w.people.peter,
        starts_on="2030-01-01", ends_on="2030-01-02",
    )  # fmt: skip


def delegation_detail(w) -> None:
    delegation = _acme_delegation(w)
    maria = w.people.maria.pk
    _not_found(_call(w.greta, "get", f"employees/{maria}/delegations/{delegation.pk}"))
    gina = w.people.gina.pk
    _not_found(_call(w.greta, "get", f"employees/{gina}/delegations/{delegation.pk}"))
    delegation.delete()


def delegation_delete(w) -> None:
    delegation = _acme_delegation(w)
    maria = w.people.maria.pk
    _not_found(_call(w.greta, "delete", f"employees/{maria}/delegations/{delegation.pk}"))
    assert Delegation.objects.filter(pk=delegation.pk).exists()
    delegation.delete()


def departments_list(w) -> None:
    greta = _ids(w.greta.get("departments?limit=200"), "departments")
    assert greta == set(Department.objects.filter(tenant=w.globex).values_list("pk", flat=True))


def departments_create(w) -> None:
    before = _rows()
    # A name another tenant has is no problem: names are unique per tenant.
    name = _acme(w)["department"].name
    response = _call(w.greta, "post", "departments", {"name": name})
    assert response.status_code in (201, 400), response.json()
    Department.objects.filter(tenant=w.globex, name=name).exclude(
        pk__in=[pk for pk, _ in before["departments"]]
    ).delete()
    _unchanged(before)


def _each_department_path(w, method: str, body=None) -> None:
    before = _rows()
    for department in Department.objects.filter(tenant=w.acme):
        _not_found(_call(w.greta, method, f"departments/{department.pk}", body))
    _unchanged(before)


def group_create(w) -> None:
    before = _rows()
    body = {"name": "Outsiders", "memberIds": [str(w.people.maria.pk)]}
    _refused(_call(w.greta, "post", "approver-groups", body), "memberIds[0]")
    _unchanged(before)


def groups_list(w) -> None:
    greta = _ids(w.greta.get("approver-groups?limit=200"), "approverGroups")
    assert greta == set(EmployeeGroup.objects.filter(tenant=w.globex).values_list("pk", flat=True))


def _group_path(w, method: str, body=None) -> None:
    before = _rows()
    _not_found(_call(w.greta, method, f"approver-groups/{_acme(w)['group'].pk}", body))
    _unchanged(before)


def hierarchies_list(w) -> None:
    greta = _ids(w.greta.get("hierarchies?limit=200"), "hierarchies")
    assert greta == set(Hierarchy.objects.filter(tenant=w.globex).values_list("pk", flat=True))


def hierarchy_create(w) -> None:
    before = _rows()
    _refused(_call(w.greta, "post", "hierarchies", {"name": ""}), "name")
    _unchanged(before)


def _hierarchy_path(w, method: str, path: str = "", body=None) -> None:
    before = _rows()
    _not_found(_call(w.greta, method, f"hierarchies/{_acme(w)['hierarchy'].pk}{path}", body))
    _unchanged(before)


def hierarchy_lines_update(w) -> None:
    _hierarchy_path(w, "put", "/lines", [])
    before = _rows()
    theirs = Hierarchy.objects.get(tenant=w.globex, is_default=True)
    lines = [{"employeeId": str(w.people.peter.pk), "managerId": str(w.people.maria.pk)}]
    _refused(
        _call(w.greta, "put", f"hierarchies/{theirs.pk}/lines", lines),
        "[0].employeeId",
        "[0].managerId",
    )
    _unchanged(before)


def _acme_attribute(w) -> EmployeeAttribute:
    attribute, _ = EmployeeAttribute.objects.get_or_create(
        tenant=w.acme, name="Cost center", defaults={"valid_values": "CC-100\nCC-200"}
    )
    return attribute


def attributes_list(w) -> None:
    _acme_attribute(w)
    greta = _ids(w.greta.get("employee-attributes?limit=200"), "employeeAttributes")
    theirs = EmployeeAttribute.objects.filter(tenant=w.globex)
    assert greta == set(theirs.values_list("pk", flat=True))


def attribute_create(w) -> None:
    # A name another tenant has is no problem: names are unique per tenant.
    name = _acme_attribute(w).name
    before = _rows()
    response = _call(w.greta, "post", "employee-attributes", {"name": name})
    assert response.status_code == 201, response.json()
    EmployeeAttribute.objects.filter(pk=int(response.json()["employeeAttribute"]["id"])).delete()
    _unchanged(before)


def _attribute_path(w, method: str, body=None) -> None:
    attribute = _acme_attribute(w)
    before = _rows()
    _not_found(_call(w.greta, method, f"employee-attributes/{attribute.pk}", body))
    _unchanged(before)


def _acme_property_group(w):
    return PropertyGroup.objects.filter(tenant=w.acme).first()


def property_groups_list(w) -> None:
    greta = _ids(w.greta.get("order-properties?limit=200"), "orderProperties")
    assert greta == set(PropertyGroup.objects.filter(tenant=w.globex).values_list("pk", flat=True))


def property_group_create(w) -> None:
    before = PropertyGroup.objects.count()
    _refused(_call(w.greta, "post", "order-properties", {"transactionType": "X"}), "groupId")
    assert PropertyGroup.objects.count() == before


def _property_group_path(w, method: str, body=None) -> None:
    before = sorted(PropertyField.objects.values_list("pk", "label"))
    _not_found(_call(w.greta, method, f"order-properties/{_acme_property_group(w).pk}", body))
    assert sorted(PropertyField.objects.values_list("pk", "label")) == before


def _tenant_switches(tenant) -> list:
    return sorted(NotificationSetting.objects.filter(tenant=tenant).values_list("event", "enabled"))


def notification_settings_read(w) -> None:
    NotificationSetting.objects.create(tenant=w.acme, event="ORDER_APPROVED", enabled=False)
    shown = w.greta.get("notification-settings").json()["notificationSettings"]
    assert "ORDER_APPROVED" in shown["enabled"]  # acme's switch is not globex's


def notification_settings_update(w) -> None:
    acme = _tenant_switches(w.acme)
    response = _call(w.greta, "put", "notification-settings", {"enabled": []})
    assert response.status_code == 200, response.json()
    assert _tenant_switches(w.acme) == acme
    _call(w.greta, "put", "notification-settings", {"enabled": _every_event()})


def _every_event() -> list[str]:
    return list(Notification.Event.values)


def _offered(tenant) -> dict:
    return {
        "accessories": set(Accessory.objects.offered_to(tenant).values_list("pk", flat=True)),
        "months": type(tenant).objects.get(pk=tenant.pk).upgrade_eligibility_months,
    }


def catalog_offering_read(w) -> None:
    shown = w.greta.get("catalog-offering").json()["catalogOffering"]
    assert {int(pk) for pk in shown["accessoryIds"]} == _offered(w.globex)["accessories"]


def catalog_offering_update(w) -> None:
    acme, globex = _offered(w.acme), _offered(w.globex)
    body = {"accessoryIds": [str(pk) for pk in globex["accessories"]]}
    response = _call(w.greta, "put", "catalog-offering", {**body, "upgradeEligibilityMonths": 0})
    _refused(response, "upgradeEligibilityMonths")
    assert (_offered(w.acme), _offered(w.globex)) == (acme, globex)


PROBES = {
    ("GET", "/api/v1/order-properties"): (property_groups_list, "list"),
    ("POST", "/api/v1/order-properties"): (property_group_create, "body"),
    ("GET", "/api/v1/order-properties/{id}"): (
        lambda w: _property_group_path(w, "get"),
        "path",
    ),
    ("PUT", "/api/v1/order-properties/{id}"): (
        lambda w: _property_group_path(w, "put", {"fields": []}),
        "path",
    ),
    ("DELETE", "/api/v1/order-properties/{id}"): (
        lambda w: _property_group_path(w, "delete"),
        "path",
    ),
    ("GET", "/api/v1/notification-settings"): (notification_settings_read, "own tenant only"),
    ("PUT", "/api/v1/notification-settings"): (notification_settings_update, "own tenant only"),
    ("GET", "/api/v1/catalog-offering"): (catalog_offering_read, "own tenant only"),
    ("PUT", "/api/v1/catalog-offering"): (catalog_offering_update, "own tenant only"),
    ("POST", "/api/v1/employees"): (employee_create, "foreign ids in body"),
    ("PATCH", "/api/v1/employees/{id}"): (employee_update, "path + foreign ids in body"),
    ("GET", "/api/v1/employees/{employee_pk}/delegations"): (delegations_list, "path"),
    ("POST", "/api/v1/employees/{employee_pk}/delegations"): (delegations_create, "path, body"),
    ("GET", "/api/v1/employees/{employee_pk}/delegations/{id}"): (delegation_detail, "path"),
    ("DELETE", "/api/v1/employees/{employee_pk}/delegations/{id}"): (delegation_delete, "path"),
    ("GET", "/api/v1/departments"): (departments_list, "list"),
    ("POST", "/api/v1/departments"): (departments_create, "names are per tenant"),
    ("GET", "/api/v1/departments/{id}"): (lambda w: _each_department_path(w, "get"), "path"),
    ("PATCH", "/api/v1/departments/{id}"): (
        lambda w: _each_department_path(w, "patch", {"name": "Taken over"}),
        "path",
    ),
    ("DELETE", "/api/v1/departments/{id}"): (
        lambda w: _each_department_path(w, "delete"),
        "path",
    ),
    ("GET", "/api/v1/approver-groups"): (groups_list, "list"),
    ("POST", "/api/v1/approver-groups"): (group_create, "foreign ids in body"),
    ("GET", "/api/v1/approver-groups/{id}"): (lambda w: _group_path(w, "get"), "path"),
    ("PUT", "/api/v1/approver-groups/{id}"): (
        lambda w: _group_path(w, "put", {"name": "Taken over", "memberIds": []}),
        "path",
    ),
    ("DELETE", "/api/v1/approver-groups/{id}"): (lambda w: _group_path(w, "delete"), "path"),
    ("GET", "/api/v1/hierarchies"): (hierarchies_list, "list"),
    ("POST", "/api/v1/hierarchies"): (hierarchy_create, "body"),
    ("GET", "/api/v1/hierarchies/{id}"): (lambda w: _hierarchy_path(w, "get"), "path"),
    ("PATCH", "/api/v1/hierarchies/{id}"): (
        lambda w: _hierarchy_path(w, "patch", body={"name": "Taken over"}),
        "path",
    ),
    ("DELETE", "/api/v1/hierarchies/{id}"): (lambda w: _hierarchy_path(w, "delete"), "path"),
    ("GET", "/api/v1/hierarchies/{id}/lines"): (
        lambda w: _hierarchy_path(w, "get", "/lines"),
        "path",
    ),
    ("PUT", "/api/v1/hierarchies/{id}/lines"): (hierarchy_lines_update, "path + foreign body"),
    ("GET", "/api/v1/employee-attributes"): (attributes_list, "list"),
    ("POST", "/api/v1/employee-attributes"): (attribute_create, "names are per tenant"),
    ("GET", "/api/v1/employee-attributes/{id}"): (lambda w: _attribute_path(w, "get"), "path"),
    ("PATCH", "/api/v1/employee-attributes/{id}"): (
        lambda w: _attribute_path(w, "patch", {"name": "Taken over", "validValues": []}),
        "path",
    ),
    ("DELETE", "/api/v1/employee-attributes/{id}"): (
        lambda w: _attribute_path(w, "delete"),
        "path",
    ),
}
