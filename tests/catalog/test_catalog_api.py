"""Catalog, reference data, assets and people through the API: filtered to the tenant, in
MobProc's collection shape with absolute `_meta.href` links on every item."""

from __future__ import annotations

import pytest

from catalog.models import Accessory, Device, Feature, Plan, ServiceAsset
from portal.models import Employee
from tests.demo_data import (
    ATT,
    accessory,
    api_id,
    att,
    business_10gb,
    business_unlimited,
    business_unlimited_elite,
    business_unlimited_starter,
    cookie_plus,
    department,
    galaxy_charger,
    galaxy_s24,
    hotspot,
    hotspot_10gb,
    iphone_15,
    iphone_15_pro,
    line_of,
    otterbox,
    phone_of,
    roaming,
    tmobile,
    united_states,
    vehicle_charger,
    verizon,
    wall_charger,
)
from tests.factories import (
    AccessoryFactory,
    DeviceAssetFactory,
    EmployeeFactory,
    ServiceAssetFactory,
    TenantFactory,
)

BASE = "http://testserver/api/v1"
MOBPROC_ERROR_KEYS = {"status", "errorCode", "id", "message"}
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


def pks(*rows) -> set[int]:
    return {row.pk for row in rows}


def globex_only_accessories(demo) -> set[int]:
    offered = Accessory.objects.filter(offered_to=demo.globex).exclude(offered_to=demo.acme)
    only = set(offered.values_list("pk", flat=True))
    assert only  # the demo has some
    return only


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
    assert not ids(items) & globex_only_accessories(demo)
    charger_id = api_id(vehicle_charger())
    charger = next(item for item in items if item["id"] == charger_id)
    assert charger["_meta"]["href"] == f"{BASE}/catalog/accessories/{charger_id}"
    assert charger["price"] == {"amount": 22.49, "currencyCode": "USD", "recurrence": "ONETIME"}
    assert charger["vendor"]["id"] == api_id(verizon())
    assert charger["manufacturer"]["_meta"]["href"] == (f"{BASE}/manufacturers/Verizon%20Wireless")


def test_accessories_for_a_service_are_those_that_fit_its_device(peter_api, peter, demo):
    response = peter_api.get(f"catalog/accessories?service={line_of(peter).pk}&limit=200")
    items = collection(response, "accessories")
    fitting = Accessory.objects.filter(offered_to=demo.acme, fits=cookie_plus())
    assert ids(items) == set(fitting.values_list("pk", flat=True))
    assert pks(vehicle_charger(), wall_charger()) <= ids(items)
    # Offered to acme but not fitting the LG Cookie Plus.
    power_adapter = accessory("Apple 20W USB-C Power Adapter")
    assert not ids(items) & pks(otterbox(), power_adapter, galaxy_charger())
    assert response.json()["accessories"]["_meta"]["totalCount"] == len(items)


def test_accessories_for_someone_elses_service_are_not_found(peter_api, maria):
    # Maria's line (same tenant, not Peter's) and a line of another tenant: 404 both.
    assert_error(peter_api.get(f"catalog/accessories?service={line_of(maria).pk}"), 404)
    elsewhere = ServiceAssetFactory()
    assert_error(peter_api.get(f"catalog/accessories?service={elsewhere.pk}"), 404)


def test_an_admin_may_list_accessories_for_any_line_of_the_tenant(ada_api, maria, demo):
    response = ada_api.get(f"catalog/accessories?service={line_of(maria).pk}")
    items = collection(response, "accessories")
    fitting = Accessory.objects.filter(offered_to=demo.acme, fits=iphone_15())
    assert ids(items) == set(fitting.values_list("pk", flat=True))


@pytest.mark.parametrize("service", ["abc", "-1", "1.5"])
def test_accessories_with_a_malformed_service_are_a_bad_request(peter_api, service):
    assert_error(peter_api.get(f"catalog/accessories?service={service}"), 400)


def test_accessories_compatible_with_a_device_asset_are_those_that_fit_it(peter_api, peter, demo):
    # MobProc 1.1.0: by the device asset, as by its line.
    by_device = collection(
        peter_api.get(
            f"catalog/accessories?compatibleWithDeviceAssetId={phone_of(peter).pk}&limit=200"
        ),
        "accessories",
    )
    by_line = collection(
        peter_api.get(f"catalog/accessories?service={line_of(peter).pk}&limit=200"), "accessories"
    )

    fitting = Accessory.objects.filter(offered_to=demo.acme, fits=cookie_plus())
    assert ids(by_device) == ids(by_line) == set(fitting.values_list("pk", flat=True))
    assert ids(by_device)  # not vacuous


def test_accessories_compatible_with_someone_elses_device_are_not_found(peter_api, maria):
    response = peter_api.get(
        f"catalog/accessories?compatibleWithDeviceAssetId={phone_of(maria).pk}"
    )

    assert_error(response, 404)
    assert response.json()["errorCode"] == "DEVICE_NOT_FOUND"
    assert_error(peter_api.get("catalog/accessories?compatibleWithDeviceAssetId=x1"), 400)


def test_accessory_detail(peter_api):
    charger_id = api_id(wall_charger())
    response = peter_api.get(f"catalog/accessories/{charger_id}")
    assert response.status_code == 200, response.json()
    found = response.json()["accessory"]
    assert found["_meta"]["href"] == f"{BASE}/catalog/accessories/{charger_id}"
    assert found["name"].startswith("Verizon Wireless Rapid Wall Charger")


def test_accessory_not_offered_to_the_tenant_is_not_found(peter_api):
    another_tenants = AccessoryFactory(offered_to=[TenantFactory()])
    assert_error(peter_api.get(f"catalog/accessories/{another_tenants.pk}"), 404)
    assert_error(peter_api.get("catalog/accessories/999"), 404)


# --- Devices, plans, features -----------------------------------------------------------------


def test_devices_are_the_tenants(peter_api, gina_api, demo):
    items = collection(peter_api.get("catalog/devices"), "devices")
    assert ids(items) == set(
        Device.objects.filter(offered_to=demo.acme).values_list("pk", flat=True)
    )
    assert ids(items) == pks(cookie_plus(), iphone_15(), galaxy_s24(), iphone_15_pro())
    cookie_id = api_id(cookie_plus())
    cookie = next(item for item in items if item["id"] == cookie_id)
    assert cookie["model"] == "Cookie Plus" and cookie["manufacturer"]["id"] == "LG"
    assert cookie["_meta"]["href"] == f"{BASE}/catalog/devices/{cookie_id}"
    globex_devices = pks(galaxy_s24(ATT), iphone_15(ATT))
    assert ids(collection(gina_api.get("catalog/devices"), "devices")) == globex_devices
    apple = collection(peter_api.get("catalog/devices?manufacturer=Apple"), "devices")
    assert ids(apple) == pks(iphone_15(), iphone_15_pro())


def test_devices_for_a_line_are_its_carriers_and_for_a_port_another_carriers(
    peter_api, peter, maria
):
    # tutorials/orders/port_number: /catalog/devices?transactionType=PORT_NUMBER&service=…&vendor=…
    line = api_id(line_of(peter))  # with Verizon

    def devices(query: str) -> set[int]:
        return ids(collection(peter_api.get(f"catalog/devices?service={line}&{query}"), "devices"))

    assert devices("transactionType=UPGRADE") == pks(cookie_plus(), iphone_15(), galaxy_s24())
    assert devices("transactionType=PORT_NUMBER") == pks(iphone_15_pro())
    assert devices(f"transactionType=PORT_NUMBER&vendor={tmobile().pk}") == pks(iphone_15_pro())
    assert devices(f"transactionType=PORT_NUMBER&vendor={verizon().pk}") == set()
    assert_error(peter_api.get(f"catalog/devices?service={line_of(maria).pk}"), 404)
    assert_error(peter_api.get("catalog/devices?service=abc"), 400)
    assert_error(peter_api.get(f"catalog/devices?service={line}&transactionType=PORT"), 400)


def test_plans_and_their_optional_features(peter_api, gina_api, demo):
    items = collection(peter_api.get("catalog/plans"), "plans")
    assert ids(items) == set(Plan.objects.filter(offered_to=demo.acme).values_list("pk", flat=True))
    assert ids(items) == pks(business_unlimited(), business_10gb(), business_unlimited_starter())
    globex_plans = collection(gina_api.get("catalog/plans"), "plans")
    assert ids(globex_plans) == pks(business_unlimited_elite())

    unlimited = business_unlimited()
    response = peter_api.get(f"catalog/plans/{unlimited.pk}")
    assert response.status_code == 200, response.json()
    plan = response.json()["plan"]
    assert plan["name"] == "Business Unlimited"
    assert plan["price"] == {"amount": 45.0, "currencyCode": "USD", "recurrence": "MONTHLY"}
    features = plan["optionalFeatures"]
    assert ids(features) == set(
        Feature.objects.filter(offered_to=demo.acme, plan=unlimited).values_list("pk", flat=True)
    )
    assert ids(features) == pks(roaming(), hotspot())
    for feature in features:
        assert feature["planId"] == api_id(unlimited)
        assert feature["_meta"]["href"] == f"{BASE}/catalog/features/{feature['id']}"
    assert_error(peter_api.get(f"catalog/plans/{business_unlimited_elite().pk}"), 404)


def test_features_by_plan(peter_api, gina_api):
    ten_gb, elite = business_10gb().pk, business_unlimited_elite().pk
    starter_hotspot = hotspot("Business Unlimited Starter")
    acme_features = pks(roaming(), hotspot(), hotspot_10gb(), starter_hotspot)
    assert ids(collection(peter_api.get("catalog/features"), "features")) == acme_features
    ten_gb_features = collection(peter_api.get(f"catalog/features?plan={ten_gb}"), "features")
    assert ids(ten_gb_features) == pks(hotspot_10gb())
    assert collection(peter_api.get(f"catalog/features?plan={elite}"), "features") == []
    elite_features = collection(gina_api.get(f"catalog/features?plan={elite}"), "features")
    assert ids(elite_features) == pks(roaming("Business Unlimited Elite"))
    assert_error(peter_api.get("catalog/features?plan=abc"), 400)


# --- Regions ----------------------------------------------------------------------------------


def test_regions_list_countries_only(peter_api):
    items = collection(peter_api.get("regions?limit=200"), "regions")
    assert united_states().pk in ids(items)
    # MobProc says a country's type; no parentId (tutorials/addresses).
    assert all(item["type"] == "COUNTRY" and "parentId" not in item for item in items)


def test_regions_of_a_country_are_its_states(peter_api):
    us = united_states().pk
    response = peter_api.get(f"regions?parentRegion={us}&limit=200")
    items = collection(response, "regions")
    assert len(items) == 51 and response.json()["regions"]["_meta"]["totalCount"] == 51
    # MobProc's names (tutorials/states): `abbreviation` (was `code`), `parentId` and
    # `_meta.hrefParent` (were a `parentRegion` object).
    assert {item["abbreviation"] for item in items} >= {"CT", "DC", "NY", "WY"}
    for item in items:
        assert item["parentId"] == str(us) and item["type"] == "STATE_PROVINCE"
        assert item["_meta"]["hrefParent"] == f"{BASE}/regions/{us}"


def test_region_detail_has_its_address_format(peter_api):
    us = united_states().pk
    response = peter_api.get(f"regions/{us}")
    assert response.status_code == 200, response.json()
    region = response.json()  # unwrapped, as tutorials/addresses shows it
    assert region["name"] == "United States" and region["abbreviation"] == "US"
    assert region["_meta"]["href"] == f"{BASE}/regions/{us}"
    fields = {field["id"]: field for field in region["addressFormat"]}
    assert {"LINE_1", "CITY", "STATE", "POSTAL_CODE"} <= set(fields)
    for required in ("LINE_1", "CITY", "STATE", "POSTAL_CODE"):
        assert fields[required]["validation"] == "REQUIRED"
    assert fields["LINE_1"]["minLength"] == 1 and fields["LINE_1"]["maxLength"] == 100
    assert fields["CITY"]["maxLength"] == 50
    states = [option["value"] for option in fields["STATE"]["options"]]  # MobProc: `value`
    assert len(states) == 51 and states[0] == "AL" and states[-1] == "WY"
    assert fields["POSTAL_CODE"]["regEx"] == "[0-9]{4,5}(-[0-9]{4})?"
    assert_error(peter_api.get("regions/1"), 404)


# --- Assets -----------------------------------------------------------------------------------


def test_services_of_an_employee_are_their_own_lines(peter_api, peter, maria):
    peters_line = line_of(peter).pk
    items = collection(peter_api.get("assets/services"), "services")
    assert ids(items) == {peters_line}
    (line,) = items
    assert line["_meta"]["href"] == f"{BASE}/assets/services/{peters_line}"
    assert line["serviceNumber"] == "2035557676"
    assert line["status"] == "ACTIVE"
    assert line["contractDates"] == SEED_CONTRACT_DATES
    assert "ORDER_ACCESSORIES" in line["orderActions"]
    assert line["accountHolder"]["id"] == api_id(peter)
    assert line["accountHolder"]["_meta"]["href"] == f"{BASE}/employees/{peter.pk}"
    assert line["vendor"]["id"] == api_id(verizon())
    assert line["plan"]["id"] == api_id(business_unlimited())
    assert line["device"]["id"] == api_id(phone_of(peter))
    assert line["device"]["model"] == "Cookie Plus"
    detail = peter_api.get(f"assets/services/{peters_line}")
    assert detail.status_code == 200 and detail.json()["service"] == line
    assert_error(peter_api.get(f"assets/services/{line_of(maria).pk}"), 404)


def test_a_line_names_its_carrier_as_billing_and_current_and_its_devices_actions(peter_api, peter):
    # tutorials/move: a line's `vendor.billing` and `vendor.current`, its device's orderActions
    (line,) = collection(peter_api.get("assets/services"), "services")
    carrier = {key: line["vendor"][key] for key in ("_meta", "id", "logoUrl", "name")}
    assert line["vendor"]["billing"] == line["vendor"]["current"] == carrier
    assert line["device"]["orderActions"] == ["ORDER_ACCESSORIES", "UPGRADE", "SWAP_DEVICES"]
    ServiceAsset.objects.filter(pk=line_of(peter).pk).update(status=ServiceAsset.Status.SUSPENDED)
    (suspended,) = collection(peter_api.get("assets/services"), "services")
    assert suspended["device"]["orderActions"] == []


def test_a_tenant_admin_sees_every_line_of_the_tenant(ada_api, peter, maria, sam, gina):
    items = collection(ada_api.get("assets/services"), "services")
    assert ids(items) == pks(line_of(peter), line_of(maria), line_of(sam))
    holders = collection(ada_api.get(f"assets/services?accountHolder={maria.pk}"), "services")
    assert ids(holders) == pks(line_of(maria))
    assert_error(ada_api.get(f"assets/services/{line_of(gina).pk}"), 404)


def test_device_assets(peter_api, ada_api, peter, maria, sam):
    cookie = phone_of(peter).pk
    items = collection(peter_api.get("assets/devices"), "devices")
    assert ids(items) == {cookie}
    (device,) = items
    assert device["_meta"]["href"] == f"{BASE}/assets/devices/{cookie}"
    assert device["serialNumber"] == {"type": "ESN", "value": "4289183847832"}
    assert device["companyAssetId"] == "Peter's Cookie"
    assert device["serviceId"] == api_id(line_of(peter))
    assert device["catalogDeviceId"] == api_id(cookie_plus())
    assert ids(collection(ada_api.get("assets/devices"), "devices")) == pks(
        phone_of(peter), phone_of(maria), phone_of(sam)
    )
    assert peter_api.get(f"assets/devices/{cookie}").json()["device"] == device
    assert_error(peter_api.get(f"assets/devices/{phone_of(maria).pk}"), 404)
    assert_error(peter_api.get(f"assets/devices/{DeviceAssetFactory().pk}"), 404)  # elsewhere


# --- People and reference data ----------------------------------------------------------------


def test_employees_are_the_tenants(peter_api, demo, peter, maria):
    items = collection(peter_api.get("employees?limit=200"), "employees")
    assert ids(items) == set(Employee.objects.filter(tenant=demo.acme).values_list("pk", flat=True))
    listed = next(item for item in items if item["id"] == api_id(peter))
    assert listed["companyEmployeeId"] == "peter.edwards.acme"
    development = department("acme", "Development")
    assert listed["department"] == {"id": api_id(development), "name": "Development"}
    assert listed["_meta"]["href"] == f"{BASE}/employees/{peter.pk}"
    found = collection(peter_api.get("employees?companyEmployeeId=maria.lopez.acme"), "employees")
    assert ids(found) == {maria.pk}


def test_employee_detail_is_tenant_scoped(peter_api, maria):
    response = peter_api.get(f"employees/{maria.pk}")
    assert response.status_code == 200, response.json()
    assert response.json()["employee"]["email"] == "maria.lopez@acme.com"
    assert_error(peter_api.get(f"employees/{EmployeeFactory().pk}"), 404)  # of another tenant


def test_vendors_and_manufacturers(peter_api):
    vendors = collection(peter_api.get("vendors"), "vendors")
    assert {api_id(verizon()), api_id(att())} <= {vendor["id"] for vendor in vendors}
    response = peter_api.get(f"vendors/{verizon().pk}")
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
