"""Vendors, manufacturers and manufacturers' models as the public MobProc documentation shows
them (../shared/mobproc-docs: the vendor, manufacturer and model blocks of every order tutorial
and seed 002, tutorials/move, release 1.1.0): each documented example's request with demo ids,
and every key path of its example response present in the answer; a test per parameter; and
every link the examples show (`/vendors/{id}`, `/manufacturers/{id}`,
`/manufacturers/{id}/models/{id}`) answering.

The docs show no `/vendors` answer of its own: a vendor appears inside other answers as
`{_meta.href, id, logoUrl, name}`, and release 1.1.0 adds `type` (the `/vendors?type=` filter),
`accessMethod` and the region's `_meta`. Detail answers are wrapped in their singular name, as
every Procure detail is (`{"vendor": {...}}`, `{"model": {...}}`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from catalog.demo import US_REGION_ID
from catalog.models import Device, Vendor
from tests.demo_data import att, tmobile, verizon

BASE = "http://testserver/api/v1"
DOC_BASE = "https://tngo-mobproc.cloudhub.io/mobproc/v1"
MOBPROC_ERROR_KEYS = {"status", "errorCode", "id", "message"}

# --- The documented examples --------------------------------------------------------------------

# tutorials/orders/order_accessories (and seed 002, new_activation, upgrade, port_number):
# `shoppingCart.accessories[].vendor`.
VENDOR_EXAMPLE = {
    "_meta": {"href": f"{DOC_BASE}/vendors/98"},
    "id": "98",
    "logoUrl": "https://cdn.tangoe.com//images/carrier/logo_VER.gif",
    "name": "Verizon Wireless",
}
# Release 1.1.0: `/vendors` and `/vendors/{id}` also carry `type`, `accessMethod` and the
# vendor's region with its `_meta` block.
VENDOR_1_1_0_KEYS = {"accessMethod", "type", "region", "region._meta", "region._meta.href",
                     "region.id", "region.name"}  # fmt: skip

# The same tutorials: `shoppingCart.accessories[].manufacturer` and `device.manufacturer`.
MANUFACTURER_EXAMPLES = {
    "Verizon Wireless": {
        "_meta": {"href": f"{DOC_BASE}/manufacturers/Verizon%20Wireless"},
        "id": "Verizon Wireless",
        "logoUrl": "https://cdn.tangoe.com//images/manufacturers/Verizon Wireless.gif",
        "name": "Verizon Wireless",
    },
    "LG": {
        "_meta": {"href": f"{DOC_BASE}/manufacturers/LG"},
        "id": "LG",
        "logoUrl": "https://cdn.tangoe.com//images/manufacturers/LG.gif",
        "name": "LG",
    },
    # tutorials/orders/port_number, swap_devices, xfer_*.
    "Apple": {
        "_meta": {"href": f"{DOC_BASE}/manufacturers/Apple"},
        "id": "Apple",
        "logoUrl": "https://cdn.tangoe.com/manage/images/manufacturers/Apple.gif",
        "name": "Apple",
    },
    "Samsung": {
        "_meta": {"href": f"{DOC_BASE}/manufacturers/Samsung"},
        "id": "Samsung",
        "logoUrl": "https://api.tangoe.com/images/manufacturers/Samsung.gif",
        "name": "Samsung",
    },
    # tutorials/orders/swap_devices: `existingDevice.manufacturer` of a device the catalog lacks.
    "Other": {
        "_meta": {"href": f"{DOC_BASE}/manufacturers/Other"},
        "id": "Other",
        "logoUrl": "https://cdn.tangoe.com/manage/images/manufacturers/Other.gif",
        "name": "Other",
    },
}

# tutorials/orders/upgrade: `existingDevice.model`.
UPGRADE_MODEL_EXAMPLE = {
    "_meta": {"href": f"{DOC_BASE}/manufacturers/LG/models/Cookie%20Plus"},
    "id": "Cookie Plus",
    "name": "Cookie Plus",
}
# tutorials/orders/swap_devices: `existingDevice.model`.
SWAP_OTHER_MODEL_EXAMPLE = {
    "_meta": {"href": f"{DOC_BASE}/manufacturers/Other/models/Other"},
    "id": "Other",
    "name": "Other",
}
# tutorials/orders/swap_devices: `newDevice.model` (its href says `models/Apple`, a slip of the
# page: the model's id is its name). With a demo model: the iPhone 15.
SWAP_NEW_MODEL_EXAMPLE = {
    "_meta": {"href": f"{DOC_BASE}/manufacturers/Apple/models/iPhone%2015"},
    "id": "iPhone 15",
    "name": "iPhone 15",
}
# tutorials/move: `device.model` (there with the other backend's numeric id, and an image).
MOVE_MODEL_EXAMPLE = {
    "id": "Cookie Plus",
    "name": "Cookie Plus",
    "imageUrl": "http://cdn.tangoe.com/manage/images/models/iphone6.jpg",
}

# Every vendor, manufacturer and model link the examples show, with the demo's ids where a
# page's are another backend's (vendors 105, 111, 333, 888, 8516701; manufacturer 2455765).
DOCUMENTED_LINKS = [
    "vendors/98",
    "manufacturers/LG",
    "manufacturers/Apple",
    "manufacturers/Samsung",
    "manufacturers/Verizon%20Wireless",
    "manufacturers/Other",
    "manufacturers/LG/models/Cookie%20Plus",
    "manufacturers/Other/models/Other",
    "manufacturers/Apple/models/iPhone%2015",
]


def key_paths(value, prefix: str = "") -> set[str]:
    """Every key path of a JSON value: `a.b`, `a[].c` (a list's items merged)."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            paths |= key_paths(child, f"{prefix}[]")
    return paths


def ok(response) -> dict:
    body = response.json()
    assert response.status_code == 200, body
    return body


def items(response, plural: str) -> list[dict]:
    body = ok(response)
    assert set(body) == {plural} and set(body[plural]) == {"_meta", "items"}, body
    return body[plural]["items"]


def assert_error(response, status: int, code: str | None = None) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == MOBPROC_ERROR_KEYS and body["status"] == status, body
    if code is not None:
        assert body["errorCode"] == code, body
    return body


def local(href: str) -> str:
    """A documented or answered absolute link as a path under /api/v1/."""
    path = urlsplit(href).path
    for prefix in ("/mobproc/v1/", "/api/v1/"):
        if path.startswith(prefix):
            return path[len(prefix) :]
    raise AssertionError(href)


def assert_answers(api, href: str) -> dict:
    """The link answers 200, and the resource it names carries that very link."""
    body = ok(api.get(local(href)))
    (resource,) = body.values()
    assert resource["_meta"]["href"] == href, resource
    return resource


@pytest.fixture
def gina_api(api_for, gina):
    return api_for(gina)


# --- Vendors ------------------------------------------------------------------------------------


def test_vendor_example_key_paths_in_the_detail(peter_api):
    vendor = ok(peter_api.get("vendors/98"))["vendor"]
    assert key_paths(VENDOR_EXAMPLE) | VENDOR_1_1_0_KEYS <= key_paths(vendor)
    assert vendor["_meta"]["href"] == f"{BASE}/vendors/98"
    assert {k: vendor[k] for k in ("id", "logoUrl", "name")} == {
        k: VENDOR_EXAMPLE[k] for k in ("id", "logoUrl", "name")
    }
    assert vendor["type"] == "CARRIER"
    assert vendor["accessMethod"] == "CDMA"


def test_vendor_example_key_paths_in_the_list(peter_api):
    vendors = items(peter_api.get("vendors"), "vendors")
    for vendor in vendors:
        assert key_paths(VENDOR_EXAMPLE) | VENDOR_1_1_0_KEYS <= key_paths(vendor), vendor
    by_id = {vendor["id"]: vendor for vendor in vendors}
    assert by_id[str(att().pk)]["accessMethod"] == "GSM"


def test_vendor_region_has_its_meta_and_its_link_answers(peter_api):
    """Release 1.1.0's fix: the vendor's region carries `_meta`, and its href answers."""
    region = ok(peter_api.get(f"vendors/{verizon().pk}"))["vendor"]["region"]
    assert region == {
        "_meta": {"href": f"{BASE}/regions/{US_REGION_ID}"},
        "id": str(US_REGION_ID),
        "name": "United States",
    }
    answer = ok(peter_api.get(local(region["_meta"]["href"])))
    assert answer["id"] == str(US_REGION_ID)


def test_vendor_without_region_or_access_method_says_null(peter_api):
    reseller = Vendor.objects.get(type=Vendor.Type.RESELLER)
    Vendor.objects.filter(pk=reseller.pk).update(region=None)
    vendor = ok(peter_api.get(f"vendors/{reseller.pk}"))["vendor"]
    assert vendor["region"] is None and vendor["accessMethod"] is None
    assert vendor["type"] == "RESELLER"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("CARRIER", {"CARRIER"}), ("RESELLER", {"RESELLER"}), ("OTHER", set())],
)
def test_vendors_type_filter(peter_api, value, expected):
    vendors = items(peter_api.get(f"vendors?type={value}"), "vendors")
    assert {vendor["type"] for vendor in vendors} == expected
    if value == "CARRIER":
        carriers = {str(verizon().pk), str(att().pk), str(tmobile().pk)}
        assert carriers == {vendor["id"] for vendor in vendors}


def test_vendors_type_filter_blank_is_absent(peter_api):
    every = items(peter_api.get("vendors"), "vendors")
    assert items(peter_api.get("vendors?type="), "vendors") == every
    assert {"CARRIER", "RESELLER"} <= {vendor["type"] for vendor in every}


@pytest.mark.parametrize("value", ["carrier", "PHONE", "1"])
def test_vendors_type_filter_refuses_an_unknown_type(peter_api, value):
    assert_error(peter_api.get(f"vendors?type={value}"), 400, "INVALID_QUERY")


def test_vendor_unknown_is_404(peter_api):
    assert_error(peter_api.get("vendors/424242"), 404)


# --- Manufacturers ------------------------------------------------------------------------------


@pytest.mark.parametrize("maker_id", sorted(MANUFACTURER_EXAMPLES))
def test_manufacturer_example_key_paths(peter_api, maker_id):
    example = MANUFACTURER_EXAMPLES[maker_id]
    maker = assert_answers(peter_api, example["_meta"]["href"].replace(DOC_BASE, BASE))
    assert key_paths(example) <= key_paths(maker)
    assert maker["id"] == maker["name"] == maker_id


def test_manufacturers_list_items_have_the_example_key_paths(peter_api):
    makers = items(peter_api.get("manufacturers"), "manufacturers")
    assert set(MANUFACTURER_EXAMPLES) <= {maker["id"] for maker in makers}
    for maker in makers:
        assert key_paths(MANUFACTURER_EXAMPLES["LG"]) <= key_paths(maker)


# --- Manufacturers' models ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "example", [UPGRADE_MODEL_EXAMPLE, SWAP_OTHER_MODEL_EXAMPLE, SWAP_NEW_MODEL_EXAMPLE]
)
def test_model_example_key_paths(peter_api, example):
    href = example["_meta"]["href"].replace(DOC_BASE, BASE)
    model = assert_answers(peter_api, href)
    assert key_paths(example) <= key_paths(model)
    assert model["id"] == example["id"] and model["name"] == example["name"]


def test_model_as_the_move_tutorial_shows_it(peter_api):
    model = ok(peter_api.get("manufacturers/LG/models/Cookie%20Plus"))["model"]
    assert key_paths(MOVE_MODEL_EXAMPLE) <= key_paths(model)
    assert set(model) == {"_meta", "id", "imageUrl", "name"}


def test_model_image_is_one_of_its_devices(peter_api):
    Device.objects.filter(model="iPhone 15", vendor=verizon()).update(
        image_url="https://cdn.example.com/iphone15.jpg"
    )
    model = ok(peter_api.get("manufacturers/Apple/models/iPhone%2015"))["model"]
    assert model["imageUrl"] == "https://cdn.example.com/iphone15.jpg"


@pytest.mark.parametrize(
    "path",
    [
        "manufacturers/Nokia/models/Cookie%20Plus",  # unknown manufacturer
        "manufacturers/Apple/models/Cookie%20Plus",  # another manufacturer's model
        "manufacturers/LG/models/Cookie",  # no such model
        "manufacturers/LG/models/Other",  # only the Other manufacturer has the Other model
        "manufacturers/Apple/models/Apple",  # swap_devices' slip: no model is called that
    ],
)
def test_model_unknown_is_404_in_the_mobproc_body(peter_api, path):
    assert_error(peter_api.get(path), 404, "NOT_FOUND")


def test_model_of_another_tenants_catalog_is_404(gina_api):
    """globex neither offers nor holds the LG Cookie Plus (acme's)."""
    assert_error(gina_api.get("manufacturers/LG/models/Cookie%20Plus"), 404)
    assert ok(gina_api.get("manufacturers/Samsung/models/Galaxy%20S24"))["model"]["id"] == (
        "Galaxy S24"
    )


def test_model_held_but_no_longer_offered_still_answers(peter_api, peter):
    """The model of a device the employee holds answers even once the tenant stops offering it
    (an upgrade's `existingDevice.model` links to it)."""
    Device.objects.get(model="Cookie Plus").offered_to.clear()
    assert ok(peter_api.get("manufacturers/LG/models/Cookie%20Plus"))["model"]["id"] == (
        "Cookie Plus"
    )


# --- Every documented link answers --------------------------------------------------------------


@pytest.mark.parametrize("path", DOCUMENTED_LINKS)
def test_documented_link_answers(peter_api, path):
    assert_answers(peter_api, f"{BASE}/{path}")


def test_vendor_and_manufacturer_links_in_catalog_answers_answer(peter_api):
    """The vendor and manufacturer blocks other answers embed link to resources that answer."""
    hrefs = set()
    for path, plural in [("catalog/accessories", "accessories"), ("catalog/devices", "devices")]:
        for item in items(peter_api.get(f"{path}?limit=100"), plural):
            hrefs |= {item["vendor"]["_meta"]["href"], item["manufacturer"]["_meta"]["href"]}
    assert hrefs
    for href in hrefs:
        assert_answers(peter_api, href)
