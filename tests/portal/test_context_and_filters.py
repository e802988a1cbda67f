"""Context and filtering as MobProc documents them (concepts/actor, concepts/headers,
concepts/metadata): EMPLOYEEID wins over COMPANYEMPLOYEEID; the employee filter (`employee`,
`companyEmployeeId`) on `/assets/services`, `/assets/devices` and `/employees`; a manager sees
her reports' lines and devices, never anyone else's, and never another tenant's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import selectors
from portal.models import Employee, Hierarchy, ReportingLine
from tests.conftest import browser_for
from tests.demo_data import api_id, line_of, phone_of
from tests.factories import DeviceAssetFactory, EmployeeFactory, ServiceAssetFactory

BASE = "http://testserver/api/v1"
ERROR_KEYS = {"status", "errorCode", "id", "message"}

# concepts/metadata, "Detail Record Example": an item of the employee collection.
METADATA_EMPLOYEE_ITEM = {
    "_meta": {
        "href": "https://tngo-mobproc.cloudhub.io/mobproc/v1/employees/48068931",
        "hrefDevices": "https://tngo-mobproc.cloudhub.io/mobproc/v1/assets/devices?limit=10&offset=0&employee=48068931",
        "hrefServices": "https://tngo-mobproc.cloudhub.io/mobproc/v1/assets/services?limit=10&offset=0&employee=48068931",
    },
    "companyEmployeeId": "barbara.andrews@example.com",
    "department": {"id": "80022", "name": "Marketing"},
    "firstName": "Barbara",
    "id": "48068931",
    "lastName": "Andrews",
    "status": "ACTIVE",
}
# concepts/metadata and concepts/pagination, "Pagination Data Example": a collection's _meta
# (hrefStart / hrefPrevious only when they lead elsewhere than the page shown).
PAGINATION_META_KEYS = {"href", "hrefEnd", "hrefNext", "hrefPrevious", "hrefStart", "limit"}
PAGINATION_META_KEYS |= {"offset", "totalCount"}


def key_paths(value, prefix: str = "") -> set[str]:
    """Every key path of a JSON value: `a`, `a.b`, `items[].c`, ..."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths |= {path} | key_paths(inner, path)
    elif isinstance(value, list):
        for inner in value:
            paths |= key_paths(inner, f"{prefix}[]")
    return paths


def collection(response, plural: str) -> list[dict]:
    body = response.json()
    assert response.status_code == 200, body
    assert set(body) == {plural} and set(body[plural]) == {"_meta", "items"}, body
    return body[plural]["items"]


def ids(response, plural: str) -> set[int]:
    return {int(item["id"]) for item in collection(response, plural)}


def pks(*rows) -> set[int]:
    return {row.pk for row in rows}


def assert_error(response, status: int, code: str | None = None) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == ERROR_KEYS and body["status"] == status, body
    if code is not None:
        assert body["errorCode"] == code, body
    return body


@pytest.fixture
def victor(demo) -> Employee:
    """Maria's manager: Maria, and through her Peter and Sam, report to him."""
    return Employee.objects.select_related("tenant").get(user__username="victor")


# --- concepts/headers: EMPLOYEEID wins ---------------------------------------------------------


def test_employeeid_wins_over_a_companyemployeeid_naming_someone_else(api_for, ada, peter, sam):
    api = api_for(
        ada,
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk),
        HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=sam.company_employee_id,
    )
    response = api.get("me")
    assert response.status_code == 200, response.json()
    assert response.json()["actor"]["id"] == api_id(peter)
    assert ids(api.get("assets/services"), "services") == pks(line_of(peter))


def test_employeeid_wins_even_over_an_unknown_companyemployeeid(api_for, ada, peter):
    api = api_for(
        ada,
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk),
        HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID="nobody.acme",
    )
    assert api.get("me").json()["actor"]["id"] == api_id(peter)


def test_companyemployeeid_alone_still_sets_the_context(api_for, ada, peter):
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=peter.company_employee_id)
    assert api.get("me").json()["actor"]["id"] == api_id(peter)


def test_the_other_context_rules_still_hold_with_both_headers(api_for, ada, peter, sam, gina):
    # An unknown EMPLOYEEID is 404 even when COMPANYEMPLOYEEID names a real person: it is not
    # looked at.
    unknown = api_for(
        ada,
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID="999999999",
        HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=peter.company_employee_id,
    )
    assert_error(unknown.get("me"), 404, "EMPLOYEE_NOT_FOUND")
    # Someone of another tenant is unknown here.
    foreign = api_for(
        ada,
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(gina.pk),
        HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=peter.company_employee_id,
    )
    assert_error(foreign.get("me"), 404, "EMPLOYEE_NOT_FOUND")
    malformed = api_for(
        ada,
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID="peter",
        HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=peter.company_employee_id,
    )
    assert_error(malformed.get("me"), 400, "INVALID_HEADER")
    # Sam may not act for Peter, whatever COMPANYEMPLOYEEID says (his own id here).
    not_allowed = api_for(
        sam,
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk),
        HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=sam.company_employee_id,
    )
    assert_error(not_allowed.get("me"), 403, "CONTEXT_NOT_ALLOWED")
    # A blank EMPLOYEEID counts as absent: COMPANYEMPLOYEEID is then used.
    blank = api_for(
        ada,
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID="  ",
        HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=peter.company_employee_id,
    )
    assert blank.get("me").json()["actor"]["id"] == api_id(peter)


def test_headers_example_a_service_account_sees_the_catalog_as_the_end_user(api_for, ada, peter):
    """concepts/headers: an admin account with X-TNGO-CONTEXT-COMPANYEMPLOYEEID set to Peter
    Edwards gets the device catalog Peter may see, and /me names both."""
    as_peter = api_for(ada, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID="peter.edwards.acme")
    me = as_peter.get("me").json()
    assert me["employee"]["id"] == api_id(ada) and me["actor"]["id"] == api_id(peter)
    assert ids(as_peter.get("catalog/devices?limit=200"), "devices") == ids(
        api_for(peter).get("catalog/devices?limit=200"), "devices"
    )


# --- concepts/actor: visibility ----------------------------------------------------------------


def test_a_manager_sees_her_reports_lines_and_devices(api_for, maria, peter, sam):
    api = api_for(maria)
    assert ids(api.get("assets/services"), "services") == pks(
        line_of(maria), line_of(peter), line_of(sam)
    )
    assert ids(api.get("assets/devices"), "devices") == pks(
        phone_of(maria), phone_of(peter), phone_of(sam)
    )
    detail = api.get(f"assets/services/{line_of(peter).pk}")
    assert detail.status_code == 200 and detail.json()["service"]["id"] == api_id(line_of(peter))
    detail = api.get(f"assets/devices/{phone_of(sam).pk}")
    assert detail.status_code == 200 and detail.json()["device"]["id"] == api_id(phone_of(sam))


def test_a_manager_sees_her_reports_further_down(api_for, victor, maria, peter, sam):
    api = api_for(victor)  # Maria reports to him; Peter and Sam to Maria
    assert ids(api.get("assets/services"), "services") == pks(
        line_of(maria), line_of(peter), line_of(sam)
    )


def test_a_manager_sees_nobody_elses_lines(api_for, maria, victor, gina, demo):
    # Victor's line (her manager's) and a colleague's outside her reports are not hers to see.
    colleague = EmployeeFactory(tenant=demo.acme)
    theirs = [ServiceAssetFactory(account_holder=p) for p in (victor, colleague)]
    devices = [DeviceAssetFactory(holder=p) for p in (victor, colleague)]
    api = api_for(maria)
    seen = ids(api.get("assets/services?limit=200"), "services")
    assert not seen & pks(*theirs, line_of(gina))
    assert not ids(api.get("assets/devices?limit=200"), "devices") & pks(*devices, phone_of(gina))
    for line in [*theirs, line_of(gina)]:
        assert_error(api.get(f"assets/services/{line.pk}"), 404)
    for device in [*devices, phone_of(gina)]:
        assert_error(api.get(f"assets/devices/{device.pk}"), 404)


def test_only_the_default_hierarchy_grants_sight(api_for, sam, peter, demo):
    # Peter reports to Sam in another hierarchy only: Sam still sees his own line alone.
    other = Hierarchy.objects.create(tenant=demo.acme, name="Projects")
    ReportingLine.objects.create(hierarchy=other, employee=peter, manager=sam)
    assert ids(api_for(sam).get("assets/services"), "services") == pks(line_of(sam))
    assert selectors.service_assets_for(sam, hierarchy=other).filter(pk=line_of(peter).pk).exists()


def test_an_employee_without_reports_sees_their_own(api_for, peter):
    api = api_for(peter)
    assert ids(api.get("assets/services"), "services") == pks(line_of(peter))
    assert ids(api.get("assets/devices"), "devices") == pks(phone_of(peter))


def test_reporting_lines_in_a_loop_end(api_for, demo, maria, peter, sam):
    hierarchy = Hierarchy.objects.get(tenant=demo.acme, is_default=True)
    ReportingLine.objects.filter(hierarchy=hierarchy, employee=maria).update(manager=peter)
    assert ids(api_for(maria).get("assets/services"), "services") == pks(
        line_of(maria), line_of(peter), line_of(sam)
    )


def test_a_managers_pages_still_show_her_own_lines(maria, peter):
    """The pages order on a line: a manager's home page lists her own lines, and the line page
    of a report's line is not hers (she orders for Peter only by acting as him, in the API)."""
    client = browser_for(maria)
    home = client.get(reverse("orders:home"))
    assert home.status_code == 200
    assert list(home.context["lines"]) == [line_of(maria)]
    assert list(home.context["devices"]) == [phone_of(maria)]
    assert client.get(reverse("orders:line", args=[line_of(peter).pk])).status_code == 404
    assert not selectors.services_visible_to(maria).filter(pk=line_of(peter).pk).exists()


# --- concepts/actor: the employee filter -------------------------------------------------------


@pytest.mark.parametrize(
    "path, plural", [("assets/services", "services"), ("assets/devices", "devices")]
)
def test_the_employee_filter_narrows_a_managers_assets(api_for, maria, peter, sam, path, plural):
    api = api_for(maria)
    rows = {
        "services": {p.pk: line_of(p) for p in (maria, peter, sam)},
        "devices": {p.pk: phone_of(p) for p in (maria, peter, sam)},
    }[plural]
    for person in (maria, peter, sam):
        assert ids(api.get(f"{path}?employee={person.pk}"), plural) == pks(rows[person.pk])
        by_company_id = api.get(path, {"companyEmployeeId": person.company_employee_id})
        assert ids(by_company_id, plural) == pks(rows[person.pk])
    both = api.get(path, {"employee": peter.pk, "companyEmployeeId": peter.company_employee_id})
    assert ids(both, plural) == pks(rows[peter.pk])
    # Blank values count as absent.
    assert ids(api.get(f"{path}?employee=&companyEmployeeId="), plural) == pks(*rows.values())


@pytest.mark.parametrize(
    "path, plural", [("assets/services", "services"), ("assets/devices", "devices")]
)
def test_the_employee_filter_never_widens_what_is_seen(
    api_for, peter, maria, victor, gina, path, plural
):
    api = api_for(peter)
    for someone in (maria, victor):  # of his tenant, but not his to see
        assert ids(api.get(f"{path}?employee={someone.pk}"), plural) == set()
        assert (
            ids(api.get(path, {"companyEmployeeId": someone.company_employee_id}), plural) == set()
        )
    # Another tenant's people, even to a tenant admin of this one.
    for client in (api, api_for(Employee.objects.get(user__username="ada"))):
        assert ids(client.get(f"{path}?employee={gina.pk}"), plural) == set()
        assert (
            ids(client.get(path, {"companyEmployeeId": gina.company_employee_id}), plural) == set()
        )
    # And the other way round: globex's admin filtering on acme people.
    greta = api_for(Employee.objects.get(user__username="greta"))
    assert ids(greta.get(f"{path}?employee={peter.pk}"), plural) == set()
    assert ids(greta.get(path, {"companyEmployeeId": peter.company_employee_id}), plural) == set()


def test_a_tenant_admin_filters_anyone_of_the_tenant(api_for, ada, maria, sam):
    api = api_for(ada)
    assert ids(api.get(f"assets/services?employee={sam.pk}"), "services") == pks(line_of(sam))
    found = api.get("assets/devices", {"companyEmployeeId": maria.company_employee_id})
    assert ids(found, "devices") == pks(phone_of(maria))


def test_the_employee_filter_on_employees(api_for, peter, maria, gina):
    api = api_for(peter)
    assert ids(api.get(f"employees?employee={maria.pk}"), "employees") == pks(maria)
    by_company_id = api.get("employees", {"companyEmployeeId": "maria.lopez.acme"})
    assert ids(by_company_id, "employees") == pks(maria)
    both = api.get("employees", {"employee": maria.pk, "companyEmployeeId": "peter.edwards.acme"})
    assert ids(both, "employees") == set()  # both filters apply
    assert ids(api.get(f"employees?employee={gina.pk}"), "employees") == set()
    foreign = api.get("employees", {"companyEmployeeId": gina.company_employee_id})
    assert ids(foreign, "employees") == set()


@pytest.mark.parametrize("path", ["assets/services", "assets/devices", "employees"])
@pytest.mark.parametrize("value", ["abc", "-1", "1.5", "\uff11\uff12", "1" * 19])
def test_an_invalid_employee_filter_is_invalid_query(api_for, peter, path, value):
    body = assert_error(api_for(peter).get(path, {"employee": value}), 400, "INVALID_QUERY")
    assert "employee" in body["message"]


# --- concepts/metadata: the documented employee item and its links ----------------------------


def test_metadata_example_employee_item_and_its_asset_links(api_for, maria, peter, sam):
    """concepts/metadata: every key path of the example employee item is in ours, and its
    hrefDevices / hrefServices queries (`?limit=10&offset=0&employee=ID`) answer that
    employee's devices and lines."""
    api = api_for(maria)
    items = collection(api.get("employees", {"employee": peter.pk}), "employees")
    (item,) = items
    wanted = key_paths(METADATA_EMPLOYEE_ITEM)
    assert wanted <= key_paths(item), wanted - key_paths(item)
    assert item["_meta"]["href"] == f"{BASE}/employees/{peter.pk}"
    for path, plural, row in [
        ("assets/devices", "devices", phone_of(peter)),
        ("assets/services", "services", line_of(peter)),
    ]:
        href = item["_meta"][f"href{plural.title()}"]
        assert href == f"{BASE}/{path}?limit=10&offset=0&employee={peter.pk}"
        response = api.get(href.replace(f"{BASE}/", ""))
        assert ids(response, plural) == pks(row)
        meta = response.json()[plural]["_meta"]
        assert {"href", "limit", "offset", "totalCount"} <= set(meta) <= PAGINATION_META_KEYS
        assert meta["totalCount"] == 1 and meta["limit"] == 10 and meta["offset"] == 0


def test_pagination_links_keep_the_employee_filter(api_for, maria, peter):
    api = api_for(maria)
    first = api.get("assets/services", {"limit": 1, "offset": 0})
    meta = first.json()["services"]["_meta"]
    assert meta["totalCount"] == 3 and "hrefNext" in meta and "hrefStart" not in meta
    filtered = api.get("assets/services", {"limit": 1, "offset": 0, "employee": peter.pk})
    meta = filtered.json()["services"]["_meta"]
    assert meta["totalCount"] == 1 and "hrefNext" not in meta
    assert f"employee={peter.pk}" in meta["href"]
