"""Catalog, reference data, assets and people through the API: filtered to the tenant, in
MobProc's collection shape with absolute `_meta.href` links on every item."""

from __future__ import annotations

import pytest

from catalog.models import Accessory, Device, Feature, Plan
from portal.models import Employee

BASE = "http://testserver/api/v1"
MOBPROC_ERROR_KEYS = {"status", "errorCode", "id", "message"}
US_REGION = 70144640
PETERS_SERVICE = 38382349  # LG Cookie Plus (catalog device 5101)
MARIAS_SERVICE = 38382350
GINAS_SERVICE = 48382349
SEED_CONTRACT_DATES = {
    "activated": "2010-01-20T06:00:00Z",
    "start": "2014-01-21T06:00:00Z",
    "end": "2016-01-21T06:00:00Z",
    "lastDeviceUpgrade": "2014-01-21T06:00:00Z",
}


@pytest.fixture
def ada_api(api_for, ada):
    return api_for(ada)


@pytest.fixture
def gina_api(api_for, gina):
    return api_for(gina)


def collection(response, plural: str) -> list[dict]:
    """The items of a MobProc collection, after checking its shape and every item's href."""
    body = response.json()
    assert response.status_code == 200, body
    assert set(body) == {plural}, body
    assert set(body[plural]) == {"_meta", "items"}
    meta = body[plural]["_meta"]
    assert meta["href"].startswith(f"{BASE}/")
    assert {"limit", "offset", "totalCount"} <= set(meta)
    for item in body[plural]["items"]:
        assert item["_meta"]["href"].startswith(f"{BASE}/"), item
    return body[plural]["items"]


def ids(items: list[dict]) -> set[int]:
    return {int(item["id"]) for item in items}


def assert_error(response, status: int) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == MOBPROC_ERROR_KEYS and body["status"] == status, body
    return body


# --- Accessories ------------------------------------------------------------------------------


def test_accessories_list_only_what_the_tenant_offers(peter_api, demo):
    items = collection(peter_api.get("catalog/accessories?limit=200"), "accessories")
    offered = set(Accessory.objects.filter(offered_to=demo.acme).values_list("pk", flat=True))
    assert ids(items) == offered
    assert not ids(items) & {3628950001, 3628950002, 3628950003}  # globex only
    charger = next(item for item in items if item["id"] == "3628935898")
    assert charger["_meta"]["href"] == f"{BASE}/catalog/accessories/3628935898"
    assert charger["price"] == {"amount": 22.49, "currencyCode": "USD", "recurrence": "ONETIME"}
    assert charger["vendor"]["id"] == "98"
    assert charger["manufacturer"]["_meta"]["href"] == (f"{BASE}/manufacturers/Verizon%20Wireless")


def test_accessories_for_a_service_are_those_that_fit_its_device(peter_api, demo):
    response = peter_api.get(f"catalog/accessories?service={PETERS_SERVICE}&limit=200")
    items = collection(response, "accessories")
    fitting = Accessory.objects.filter(offered_to=demo.acme, fits__id=5101)
    assert ids(items) == set(fitting.values_list("pk", flat=True))
    assert {3628935898, 3628939021} <= ids(items)
    # Offered to acme but not fitting the LG Cookie Plus.
    assert not ids(items) & {3628940005, 3628940006, 3628940008}
    assert response.json()["accessories"]["_meta"]["totalCount"] == len(items)


def test_accessories_for_someone_elses_service_are_not_found(peter_api):
    # Maria's line (same tenant, not Peter's) and Gina's (another tenant): 404 both.
    assert_error(peter_api.get(f"catalog/accessories?service={MARIAS_SERVICE}"), 404)
    assert_error(peter_api.get(f"catalog/accessories?service={GINAS_SERVICE}"), 404)


def test_an_admin_may_list_accessories_for_any_line_of_the_tenant(ada_api, demo):
    items = collection(ada_api.get(f"catalog/accessories?service={MARIAS_SERVICE}"), "accessories")
    fitting = Accessory.objects.filter(offered_to=demo.acme, fits__id=5102)
    assert ids(items) == set(fitting.values_list("pk", flat=True))


@pytest.mark.parametrize("service", ["abc", "-1", "1.5"])
def test_accessories_with_a_malformed_service_are_a_bad_request(peter_api, service):
    assert_error(peter_api.get(f"catalog/accessories?service={service}"), 400)


def test_accessory_detail(peter_api):
    response = peter_api.get("catalog/accessories/3628939021")
    assert response.status_code == 200, response.json()
    accessory = response.json()["accessory"]
    assert accessory["_meta"]["href"] == f"{BASE}/catalog/accessories/3628939021"
    assert accessory["name"].startswith("Verizon Wireless Rapid Wall Charger")


def test_accessory_not_offered_to_the_tenant_is_not_found(peter_api):
    assert_error(peter_api.get("catalog/accessories/3628950001"), 404)
    assert_error(peter_api.get("catalog/accessories/999"), 404)


# --- Devices, plans, features -----------------------------------------------------------------


def test_devices_are_the_tenants(peter_api, gina_api, demo):
    items = collection(peter_api.get("catalog/devices"), "devices")
    assert ids(items) == set(
        Device.objects.filter(offered_to=demo.acme).values_list("pk", flat=True)
    )
    assert ids(items) == {5101, 5102, 5103}
    cookie = next(item for item in items if item["id"] == "5101")
    assert cookie["model"] == "Cookie Plus" and cookie["manufacturer"]["id"] == "LG"
    assert cookie["_meta"]["href"] == f"{BASE}/catalog/devices/5101"
    assert ids(collection(gina_api.get("catalog/devices"), "devices")) == {5104, 5105}
    assert ids(collection(peter_api.get("catalog/devices?manufacturer=Apple"), "devices")) == {5102}


def test_plans_and_their_optional_features(peter_api, gina_api, demo):
    items = collection(peter_api.get("catalog/plans"), "plans")
    assert ids(items) == set(Plan.objects.filter(offered_to=demo.acme).values_list("pk", flat=True))
    assert ids(items) == {6101, 6102}
    assert ids(collection(gina_api.get("catalog/plans"), "plans")) == {6201}

    response = peter_api.get("catalog/plans/6101")
    assert response.status_code == 200, response.json()
    plan = response.json()["plan"]
    assert plan["name"] == "Business Unlimited"
    assert plan["price"] == {"amount": 45.0, "currencyCode": "USD", "recurrence": "MONTHLY"}
    features = plan["optionalFeatures"]
    assert ids(features) == set(
        Feature.objects.filter(offered_to=demo.acme, plan_id=6101).values_list("pk", flat=True)
    )
    assert ids(features) == {7101, 7102}
    for feature in features:
        assert feature["planId"] == "6101"
        assert feature["_meta"]["href"] == f"{BASE}/catalog/features/{feature['id']}"
    assert_error(peter_api.get("catalog/plans/6201"), 404)


def test_features_by_plan(peter_api, gina_api):
    assert ids(collection(peter_api.get("catalog/features"), "features")) == {7101, 7102, 7103}
    assert ids(collection(peter_api.get("catalog/features?plan=6102"), "features")) == {7103}
    assert collection(peter_api.get("catalog/features?plan=6201"), "features") == []
    assert ids(collection(gina_api.get("catalog/features?plan=6201"), "features")) == {7201}
    assert_error(peter_api.get("catalog/features?plan=abc"), 400)


# --- Regions ----------------------------------------------------------------------------------


def test_regions_list_countries_only(peter_api):
    items = collection(peter_api.get("regions?limit=200"), "regions")
    assert US_REGION in ids(items)
    assert all(item["parentRegion"] is None for item in items)


def test_regions_of_a_country_are_its_states(peter_api):
    response = peter_api.get(f"regions?parentRegion={US_REGION}&limit=200")
    items = collection(response, "regions")
    assert len(items) == 51 and response.json()["regions"]["_meta"]["totalCount"] == 51
    assert {item["code"] for item in items} >= {"CT", "DC", "NY", "WY"}
    for item in items:
        assert item["parentRegion"]["id"] == str(US_REGION)
        assert item["parentRegion"]["_meta"]["href"] == f"{BASE}/regions/{US_REGION}"


def test_region_detail_has_its_address_format(peter_api):
    response = peter_api.get(f"regions/{US_REGION}")
    assert response.status_code == 200, response.json()
    region = response.json()["region"]
    assert region["name"] == "United States" and region["code"] == "US"
    assert region["_meta"]["href"] == f"{BASE}/regions/{US_REGION}"
    fields = {field["id"]: field for field in region["addressFormat"]}
    assert {"LINE_1", "CITY", "STATE", "POSTAL_CODE"} <= set(fields)
    for required in ("LINE_1", "CITY", "STATE", "POSTAL_CODE"):
        assert fields[required]["validation"] == "REQUIRED"
    assert fields["LINE_1"]["minLength"] == 1 and fields["LINE_1"]["maxLength"] == 100
    assert fields["CITY"]["maxLength"] == 50
    states = [option["id"] for option in fields["STATE"]["options"]]
    assert len(states) == 51 and states[0] == "AL" and states[-1] == "WY"
    assert fields["POSTAL_CODE"]["regEx"] == "[0-9]{4,5}(-[0-9]{4})?"
    assert_error(peter_api.get("regions/1"), 404)


# --- Assets -----------------------------------------------------------------------------------


def test_services_of_an_employee_are_their_own_lines(peter_api):
    items = collection(peter_api.get("assets/services"), "services")
    assert ids(items) == {PETERS_SERVICE}
    (line,) = items
    assert line["_meta"]["href"] == f"{BASE}/assets/services/{PETERS_SERVICE}"
    assert line["serviceNumber"] == "2035557676"
    assert line["status"] == "ACTIVE"
    assert line["contractDates"] == SEED_CONTRACT_DATES
    assert "ORDER_ACCESSORIES" in line["orderActions"]
    assert line["accountHolder"]["id"] == "28673732"
    assert line["accountHolder"]["_meta"]["href"] == f"{BASE}/employees/28673732"
    assert line["vendor"]["id"] == "98" and line["plan"]["id"] == "6101"
    assert line["device"]["id"] == "35362368" and line["device"]["model"] == "Cookie Plus"
    detail = peter_api.get(f"assets/services/{PETERS_SERVICE}")
    assert detail.status_code == 200 and detail.json()["service"] == line
    assert_error(peter_api.get(f"assets/services/{MARIAS_SERVICE}"), 404)


def test_a_tenant_admin_sees_every_line_of_the_tenant(ada_api):
    items = collection(ada_api.get("assets/services"), "services")
    assert ids(items) == {38382349, 38382350, 38382351}
    holders = collection(ada_api.get("assets/services?accountHolder=28673733"), "services")
    assert ids(holders) == {MARIAS_SERVICE}
    assert_error(ada_api.get(f"assets/services/{GINAS_SERVICE}"), 404)


def test_device_assets(peter_api, ada_api):
    items = collection(peter_api.get("assets/devices"), "devices")
    assert ids(items) == {35362368}
    (device,) = items
    assert device["_meta"]["href"] == f"{BASE}/assets/devices/35362368"
    assert device["serialNumber"] == {"type": "ESN", "value": "4289183847832"}
    assert device["companyAssetId"] == "Peter's Cookie"
    assert device["serviceId"] == str(PETERS_SERVICE) and device["catalogDeviceId"] == "5101"
    assert ids(collection(ada_api.get("assets/devices"), "devices")) == {
        35362368,
        35362369,
        35362370,
    }
    assert peter_api.get("assets/devices/35362368").json()["device"] == device
    assert_error(peter_api.get("assets/devices/35362369"), 404)  # Maria's phone
    assert_error(peter_api.get("assets/devices/45362368"), 404)  # Gina's phone


# --- People and reference data ----------------------------------------------------------------


def test_employees_are_the_tenants(peter_api, demo):
    items = collection(peter_api.get("employees?limit=200"), "employees")
    assert ids(items) == set(Employee.objects.filter(tenant=demo.acme).values_list("pk", flat=True))
    peter = next(item for item in items if item["id"] == "28673732")
    assert peter["companyEmployeeId"] == "peter.edwards.acme"
    assert peter["department"] == {"id": "11569020385", "name": "Development"}
    assert peter["_meta"]["href"] == f"{BASE}/employees/28673732"
    found = collection(peter_api.get("employees?companyEmployeeId=maria.lopez.acme"), "employees")
    assert ids(found) == {28673733}


def test_employee_detail_is_tenant_scoped(peter_api):
    response = peter_api.get("employees/28673733")
    assert response.status_code == 200, response.json()
    assert response.json()["employee"]["email"] == "maria.lopez@acme.com"
    assert_error(peter_api.get("employees/38673732"), 404)  # Gina, of globex


def test_vendors_and_manufacturers(peter_api):
    vendors = collection(peter_api.get("vendors"), "vendors")
    assert {"98", "99"} <= {vendor["id"] for vendor in vendors}
    response = peter_api.get("vendors/98")
    assert response.status_code == 200
    assert response.json()["vendor"]["name"] == "Verizon Wireless"

    makers = collection(peter_api.get("manufacturers"), "manufacturers")
    assert {"LG", "Apple", "Verizon Wireless"} <= {maker["id"] for maker in makers}
    response = peter_api.get("manufacturers/Verizon%20Wireless")
    assert response.status_code == 200, response.json()
    maker = response.json()["manufacturer"]
    assert maker["id"] == "Verizon Wireless"
    assert maker["_meta"]["href"] == f"{BASE}/manufacturers/Verizon%20Wireless"
    assert_error(peter_api.get("manufacturers/Nokia"), 404)


# --- Paging -----------------------------------------------------------------------------------


def test_collections_are_paged_with_position_links(peter_api):
    response = peter_api.get("catalog/accessories?limit=5&offset=5")
    items = collection(response, "accessories")
    meta = response.json()["accessories"]["_meta"]
    total = meta["totalCount"]
    assert len(items) == 5 and meta["limit"] == 5 and meta["offset"] == 5 and total > 10
    assert meta["hrefStart"] == f"{BASE}/catalog/accessories?limit=5"
    assert meta["hrefPrevious"] == f"{BASE}/catalog/accessories?limit=5"
    assert meta["hrefNext"] == f"{BASE}/catalog/accessories?limit=5&offset=10"
    last = ((total - 1) // 5) * 5
    assert meta["hrefEnd"] == f"{BASE}/catalog/accessories?limit=5&offset={last}"
    # The first page has no links back; the only page has none at all.
    first = peter_api.get("catalog/accessories?limit=5").json()["accessories"]["_meta"]
    assert "hrefStart" not in first and "hrefPrevious" not in first and "hrefNext" in first
    only = peter_api.get("catalog/devices").json()["devices"]["_meta"]
    assert not {"hrefStart", "hrefPrevious", "hrefNext", "hrefEnd"} & set(only)
