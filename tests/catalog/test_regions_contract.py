"""Regions as the public MobProc documentation shows them (tutorials/addresses, tutorials/states):
each documented example's request, and every key path of its example response present in the
answer; a test per listed parameter and field; the ship-to naming its country either way; and the
countries beyond the US (Canada, the United Kingdom), each address checked by its own format.

The examples are transcribed from ../shared/mobproc-docs (the "..." the pages leave out dropped).
The states example shows the collection as `"regions": [...]`; Procure answers every collection
as `{"regions": {"_meta": {...}, "items": [...]}}` (SPEC, paged), so its `regions[]` key paths
are looked for under `regions.items[]`.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from catalog import addresses
from catalog.demo import CA_REGION_ID, GB_REGION_ID, US_REGION_ID
from catalog.models import Region
from orders.models import Order
from tests.conftest import seed_order_request

BASE = "http://testserver/api/v1"

# --- The documented examples --------------------------------------------------------------------

# tutorials/addresses: the answer of GET /regions/70144640.
ADDRESSES_REGION_EXAMPLE = {
    "_meta": {
        "href": "https://tngo-mobproc.cloudhub.io/mobproc/v1/regions/70144640",
        "hrefChildren": "https://tngo-mobproc.cloudhub.io/mobproc/v1/regions?parentRegion=70144640",
    },
    "abbreviation": "US",
    "addressFormat": [
        {"id": "LINE_1", "label": "Line 1", "maxLength": 100, "minLength": 1,
         "validation": "REQUIRED"},
        {"id": "LINE_2", "label": "Line 2", "maxLength": 100, "minLength": 0,
         "validation": "OPTIONAL"},
        {"id": "LINE_3", "label": "Line 3", "maxLength": 100, "minLength": 0,
         "validation": "OPTIONAL"},
        {"id": "CITY", "label": "City", "maxLength": 50, "minLength": 1, "validation": "REQUIRED"},
        {"id": "STATE", "label": "State", "maxLength": 2, "minLength": 2,
         "options": [{"label": "Alabama", "value": "AL"}, {"label": "Wyoming", "value": "WY"}],
         "pattern": "[TX]", "regEx": "[A-Za-z][A-Za-z]", "validation": "REQUIRED"},
        {"id": "POSTAL_CODE", "label": "Postal Code", "maxLength": 10, "minLength": 4,
         "pattern": "[99999] or [99999-9999]", "regEx": "[0-9]{4,5}(-[0-9]{4})?",
         "validation": "REQUIRED"},
    ],
    "countryCode": "1",
    "currency": {"code": "USD", "name": "US Dollars", "symbol": "$"},
    "id": "70144640",
    "name": "United States",
    "postalCodePattern": "99999",
    "postalCodeRegEx": "^\\d{5}$",
    "type": "COUNTRY",
}  # fmt: skip

# tutorials/addresses: the shipTo block assembled from that format.
ADDRESSES_SHIP_TO_EXAMPLE = {
    "shipTo": {
        "name": "Peter Edwards",
        "region": {"id": "70144640"},
        "address": [
            {"id": "LINE_1", "value": "35 Executive Blvd"},
            {"id": "CITY", "value": "Orange"},
            {"id": "STATE", "value": "CT"},
            {"id": "POSTAL_CODE", "value": "06477"},
        ],
        "expedite": True,
    }
}

# tutorials/states: the answer of GET /regions?parentRegion=70144640 (first, second and last).
STATES_EXAMPLE = {
    "regions": [
        {
            "_meta": {
                "href": "https://tgno-mobility.cloudhub.io/mobility/v1/regions?parentRegion=70144640",
                "hrefParent": "https://tgno-mobility.cloudhub.io/mobility/v1/regions?parentRegion=70144640&parentRegion=70144640",
            },
            "abbreviation": abbreviation,
            "id": state_id,
            "name": name,
            "parentId": "70144640",
            "type": "STATE_PROVINCE",
        }
        for abbreviation, state_id, name in [
            ("AL", "158385987", "Alabama"),
            ("AK", "158385986", "Alaska"),
            ("WY", "158386042", "Wyoming"),
        ]
    ]
}  # fmt: skip


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


def as_collection(path: str) -> str:
    """A documented `regions[]...` path as Procure's collection has it: `regions.items[]...`."""
    return re.sub(r"^regions\[\]", "regions.items[]", path)


def missing(documented: dict, answer: dict, *, collection: bool = False) -> set[str]:
    wanted = {as_collection(path) if collection else path for path in key_paths(documented)}
    return wanted - key_paths(answer)


def country(code: str) -> Region:
    return Region.objects.get(code=code, parent=None)


def confirm(api, ship_to: dict):
    """POST /orders?confirm=true: seed 002's accessory order, shipped to `ship_to`."""
    return api.post("orders?confirm=true", seed_order_request(shipTo=ship_to))


def problems(response) -> list[tuple[str, str]]:
    body = response.json()
    assert response.status_code == 400, body
    assert body["status"] == "ERROR", body
    return [(error["field"], error["errorCode"]) for error in body["errors"]]


# --- tutorials/addresses: GET /regions/{id} ------------------------------------------------------


def test_addresses_example_every_key_path_of_the_region(peter_api):
    response = peter_api.get(f"regions/{US_REGION_ID}")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert missing(ADDRESSES_REGION_EXAMPLE, body) == set()
    # Unwrapped, exactly the documented keys at the top.
    assert set(body) == set(ADDRESSES_REGION_EXAMPLE)
    assert set(body["_meta"]) == {"href", "hrefChildren"}


def test_addresses_example_values_of_the_region(peter_api):
    body = peter_api.get(f"regions/{US_REGION_ID}").json()

    for key in ("abbreviation", "countryCode", "currency", "id", "name", "type",
                "postalCodePattern", "postalCodeRegEx"):  # fmt: skip
        assert body[key] == ADDRESSES_REGION_EXAMPLE[key], key
    assert body["_meta"]["href"] == f"{BASE}/regions/{US_REGION_ID}"
    assert body["_meta"]["hrefChildren"] == f"{BASE}/regions?parentRegion={US_REGION_ID}"


@pytest.mark.parametrize(
    "documented", ADDRESSES_REGION_EXAMPLE["addressFormat"], ids=lambda line: line["id"]
)
def test_addresses_example_each_address_line_has_the_documented_keys(peter_api, documented):
    body = peter_api.get(f"regions/{US_REGION_ID}").json()
    lines = {line["id"]: line for line in body["addressFormat"]}

    line = lines[documented["id"]]
    assert set(line) == set(documented)
    for key in ("minLength", "maxLength", "validation"):
        assert line[key] == documented[key], key
    for key in ("pattern", "regEx"):
        assert line.get(key) == documented.get(key), key


def test_addresses_example_state_options_are_label_and_value(peter_api):
    body = peter_api.get(f"regions/{US_REGION_ID}").json()
    (state,) = [line for line in body["addressFormat"] if line["id"] == "STATE"]

    assert all(set(option) == {"label", "value"} for option in state["options"])
    assert state["options"][0] == {"label": "Alabama", "value": "AL"}
    assert state["options"][-1] == {"label": "Wyoming", "value": "WY"}
    assert len(state["options"]) == 51


def test_addresses_example_href_children_lists_the_states(peter_api):
    href = peter_api.get(f"regions/{US_REGION_ID}").json()["_meta"]["hrefChildren"]

    response = peter_api.get(href.removeprefix(BASE + "/") + "&limit=200")

    assert response.status_code == 200
    assert response.json()["regions"]["_meta"]["totalCount"] == 51


def test_unknown_region_is_a_mobproc_404(peter_api):
    response = peter_api.get("regions/1")

    body = response.json()
    assert response.status_code == 404
    assert set(body) == {"status", "errorCode", "id", "message"} and body["status"] == 404


# --- tutorials/addresses: the shipTo block, with region {id} ------------------------------------


def test_addresses_example_ship_to_with_region_id_is_confirmed(peter_api):
    response = confirm(peter_api, ADDRESSES_SHIP_TO_EXAMPLE["shipTo"])

    body = response.json()
    assert response.status_code == 200, body
    ship_to = body["orderConfirmation"]["shipTo"]
    assert ship_to["region"]["id"] == "70144640"
    assert ship_to["region"]["name"] == "United States"
    assert ship_to["region"]["_meta"]["href"] == f"{BASE}/regions/70144640"
    assert [line["value"] for line in ship_to["address"]] == [
        "35 Executive Blvd", "Orange", "CT", "06477",
    ]  # fmt: skip


def test_addresses_example_ship_to_with_region_id_is_submitted(peter_api):
    response = peter_api.post(
        "orders", seed_order_request(shipTo=ADDRESSES_SHIP_TO_EXAMPLE["shipTo"])
    )

    assert response.status_code == 200, response.json()
    order = Order.objects.get(pk=response.json()["order"]["orderId"])
    assert response.json()["order"]["shipTo"]["region"]["id"] == "70144640"
    assert str(order.ship_to["regionId"]) == "70144640"


def ship_to(**naming) -> dict:
    return {**{k: v for k, v in ADDRESSES_SHIP_TO_EXAMPLE["shipTo"].items() if k != "region"},
            **naming}  # fmt: skip


def test_ship_to_region_id_of_seed_002_is_still_accepted(peter_api):
    response = confirm(peter_api, ship_to(regionId="70144640"))

    assert response.status_code == 200, response.json()


def test_ship_to_naming_the_country_both_ways_alike_is_accepted(peter_api):
    response = confirm(peter_api, ship_to(regionId="70144640", region={"id": 70144640}))

    assert response.status_code == 200, response.json()


def test_ship_to_naming_two_countries_is_refused(peter_api):
    response = confirm(peter_api, ship_to(regionId=str(CA_REGION_ID), region={"id": "70144640"}))

    assert problems(response) == [("orderRequest.shipTo.region.id", "REGION_MISMATCH")]


def test_ship_to_naming_no_country_is_refused_with_the_other_problems(peter_api):
    response = confirm(peter_api, {"name": "", "address": []})

    found = problems(response)
    assert ("orderRequest.shipTo.regionId", "REQUIRED") in found
    assert ("orderRequest.shipTo.name", "REQUIRED") in found


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ({"id": "12345"}, "NOT_FOUND"),  # no such region
        ({"id": str(US_REGION_ID + 7)}, "NOT_FOUND"),  # Connecticut: a state, not a country
        ({"id": "abc"}, "INVALID_VALUE"),
        ({}, "REQUIRED"),
    ],
    ids=["unknown", "a-state", "not-an-id", "no-id"],
)
def test_ship_to_region_id_must_be_a_country(peter_api, region, expected):
    response = confirm(peter_api, ship_to(region=region))

    assert problems(response) == [("orderRequest.shipTo.region.id", expected)]


def test_ship_to_region_must_be_an_object(peter_api):
    response = confirm(peter_api, ship_to(region="70144640"))

    assert problems(response) == [("orderRequest.shipTo.region", "INVALID_VALUE")]


# --- tutorials/states: GET /regions?parentRegion= ------------------------------------------------


def test_states_example_every_key_path_of_the_states(peter_api):
    response = peter_api.get(f"regions?parentRegion={US_REGION_ID}&limit=200")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert missing(STATES_EXAMPLE, body, collection=True) == set()
    for item in body["regions"]["items"]:
        assert set(item) == set(STATES_EXAMPLE["regions"][0])
        assert set(item["_meta"]) == {"href", "hrefParent"}


def test_states_example_values_of_the_states(peter_api):
    items = peter_api.get(f"regions?parentRegion={US_REGION_ID}&limit=200").json()["regions"][
        "items"
    ]

    # In the documented order (by name): Alabama, Alaska ... Wyoming.
    documented = STATES_EXAMPLE["regions"]
    assert [items[0]["name"], items[1]["name"], items[-1]["name"]] == [
        state["name"] for state in documented
    ]
    assert [items[0]["abbreviation"], items[1]["abbreviation"], items[-1]["abbreviation"]] == [
        "AL", "AK", "WY",
    ]  # fmt: skip
    for item in items:
        assert item["type"] == "STATE_PROVINCE" and item["parentId"] == str(US_REGION_ID)
        assert item["_meta"]["href"] == f"{BASE}/regions/{item['id']}"
        assert item["_meta"]["hrefParent"] == f"{BASE}/regions/{US_REGION_ID}"


def test_states_example_href_parent_is_the_country(peter_api):
    (first, *_rest) = peter_api.get(f"regions?parentRegion={US_REGION_ID}").json()["regions"][
        "items"
    ]

    parent = peter_api.get(first["_meta"]["hrefParent"].removeprefix(BASE + "/"))

    assert parent.status_code == 200 and parent.json()["id"] == str(US_REGION_ID)


def test_a_state_by_its_id_is_shown_as_in_the_list(peter_api):
    items = peter_api.get(f"regions?parentRegion={US_REGION_ID}&limit=200").json()["regions"][
        "items"
    ]
    connecticut = next(item for item in items if item["abbreviation"] == "CT")

    detail = peter_api.get(f"regions/{connecticut['id']}")

    assert detail.status_code == 200 and detail.json() == connecticut


def test_states_page_regions_without_parent_lists_the_supported_countries(peter_api):
    body = peter_api.get("regions?limit=200").json()

    items = body["regions"]["items"]
    assert {item["abbreviation"] for item in items} >= {"US", "CA", "GB"}
    assert all(item["type"] == "COUNTRY" for item in items)
    assert {int(item["id"]) for item in items} >= {US_REGION_ID, CA_REGION_ID, GB_REGION_ID}
    # A country in the list is the country of its detail page.
    us = next(item for item in items if item["abbreviation"] == "US")
    assert us == peter_api.get(f"regions/{US_REGION_ID}").json()


# --- The listed parameter: parentRegion ------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "count"),
    [(US_REGION_ID, 51), (CA_REGION_ID, 13), (GB_REGION_ID, 0), (US_REGION_ID + 7, 0)],
    ids=["united-states", "canada", "united-kingdom", "a-state-has-no-children"],
)
def test_parent_region_lists_the_children(peter_api, parent, count):
    response = peter_api.get(f"regions?parentRegion={parent}&limit=200")

    assert response.status_code == 200, response.json()
    regions = response.json()["regions"]
    assert regions["_meta"]["totalCount"] == count == len(regions["items"])
    assert all(item["parentId"] == str(parent) for item in regions["items"])


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "7" * 19])
def test_parent_region_that_is_not_an_id_is_refused(peter_api, value):
    response = peter_api.get(f"regions?parentRegion={value}")

    body = response.json()
    assert response.status_code == 400, body
    assert body["status"] == 400 and body["errorCode"] == "INVALID_QUERY"


def test_parent_region_blank_counts_as_absent(peter_api):
    response = peter_api.get("regions?parentRegion=&limit=200")

    items = response.json()["regions"]["items"]
    assert items and all(item["type"] == "COUNTRY" for item in items)


def test_parent_region_unknown_lists_nothing(peter_api):
    response = peter_api.get("regions?parentRegion=12345")

    assert response.status_code == 200 and response.json()["regions"]["items"] == []


def test_parent_region_is_paged(peter_api):
    response = peter_api.get(f"regions?parentRegion={US_REGION_ID}&limit=10&offset=10")

    regions = response.json()["regions"]
    assert len(regions["items"]) == 10 and regions["items"][0]["abbreviation"] == "GA"
    assert {"hrefStart", "hrefPrevious", "hrefNext", "hrefEnd"} <= set(regions["_meta"])
    assert "parentRegion=70144640" in regions["_meta"]["hrefNext"]


# --- Each listed field, for each country -------------------------------------------------------

COUNTRY_FIELDS = {
    "US": {
        "abbreviation": "US", "name": "United States", "countryCode": "1",
        "currency": {"code": "USD", "name": "US Dollars", "symbol": "$"},
        "postalCodePattern": "99999", "postalCodeRegEx": "^\\d{5}$", "type": "COUNTRY",
    },
    "CA": {
        "abbreviation": "CA", "name": "Canada", "countryCode": "1",
        "currency": {"code": "CAD", "name": "Canadian Dollars", "symbol": "$"},
        "postalCodePattern": "A9A 9A9",
        "postalCodeRegEx": "^[ABCEGHJ-NPRSTVXY]\\d[ABCEGHJ-NPRSTV-Z] ?\\d[ABCEGHJ-NPRSTV-Z]\\d$",
        "type": "COUNTRY",
    },
    "GB": {
        "abbreviation": "GB", "name": "United Kingdom", "countryCode": "44",
        "currency": {"code": "GBP", "name": "Pounds Sterling", "symbol": "\u00a3"},
        "postalCodePattern": "AA9A 9AA",
        "postalCodeRegEx": "^[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2}$", "type": "COUNTRY",
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "key"),
    [(code, key) for code, fields in COUNTRY_FIELDS.items() for key in fields],
)
def test_country_field(peter_api, code, key):
    body = peter_api.get(f"regions/{country(code).pk}").json()

    assert body[key] == COUNTRY_FIELDS[code][key]


# A postal code of each country, and one of each other.
POSTAL_CODES = {"US": "06477", "CA": "K1A 0B1", "GB": "SW1A 1AA"}


@pytest.mark.parametrize("code", sorted(POSTAL_CODES))
def test_postal_code_regex_matches_the_country_postal_codes_only(peter_api, code):
    body = peter_api.get(f"regions/{country(code).pk}").json()

    regex = re.compile(body["postalCodeRegEx"])
    for other, postal_code in POSTAL_CODES.items():
        assert bool(regex.match(postal_code)) == (other == code), (other, postal_code)


@pytest.mark.parametrize("code", sorted(COUNTRY_FIELDS))
def test_country_meta_links(peter_api, code):
    pk = country(code).pk
    body = peter_api.get(f"regions/{pk}").json()

    assert body["_meta"] == {
        "href": f"{BASE}/regions/{pk}",
        "hrefChildren": f"{BASE}/regions?parentRegion={pk}",
    }
    assert body["id"] == str(pk)


@pytest.mark.parametrize(
    ("code", "lines"),
    [
        ("US", ["LINE_1", "LINE_2", "LINE_3", "CITY", "STATE", "POSTAL_CODE"]),
        ("CA", ["LINE_1", "LINE_2", "LINE_3", "CITY", "PROVINCE", "POSTAL_CODE"]),
        ("GB", ["LINE_1", "LINE_2", "LINE_3", "CITY", "COUNTY", "POSTAL_CODE"]),
    ],
)
def test_address_format_of_each_country(peter_api, code, lines):
    body = peter_api.get(f"regions/{country(code).pk}").json()

    assert [line["id"] for line in body["addressFormat"]] == lines
    for line in body["addressFormat"]:
        assert {"id", "label", "minLength", "maxLength", "validation"} <= set(line)
        assert line["validation"] in {"REQUIRED", "OPTIONAL"}


@pytest.mark.parametrize(("code", "line_id"), [("US", "STATE"), ("CA", "PROVINCE")])
def test_state_and_province_options_are_the_child_regions(peter_api, code, line_id):
    pk = country(code).pk
    body = peter_api.get(f"regions/{pk}").json()
    children = peter_api.get(f"regions?parentRegion={pk}&limit=200").json()["regions"]["items"]

    (line,) = [line for line in body["addressFormat"] if line["id"] == line_id]
    assert [(o["value"], o["label"]) for o in line["options"]] == [
        (child["abbreviation"], child["name"]) for child in children
    ]


def test_canada_provinces_are_child_regions(peter_api):
    items = peter_api.get(f"regions?parentRegion={CA_REGION_ID}").json()["regions"]["items"]

    assert {item["abbreviation"] for item in items} == {
        "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
    }  # fmt: skip
    ontario = next(item for item in items if item["abbreviation"] == "ON")
    assert ontario["name"] == "Ontario" and ontario["type"] == "STATE_PROVINCE"
    assert ontario["parentId"] == str(CA_REGION_ID)


# --- Address validation follows each country's format ---------------------------------------

CANADA = [
    {"id": "LINE_1", "value": "111 Wellington St"},
    {"id": "CITY", "value": "Ottawa"},
    {"id": "PROVINCE", "value": "ON"},
    {"id": "POSTAL_CODE", "value": "K1A 0A9"},
]
UNITED_KINGDOM = [
    {"id": "LINE_1", "value": "10 Downing Street"},
    {"id": "CITY", "value": "London"},
    {"id": "POSTAL_CODE", "value": "SW1A 2AA"},
]


def replaced(lines: list[dict], drop: str | None = None, **values) -> list[dict]:
    kept = [dict(line) for line in lines if line["id"] != drop]
    for line in kept:
        line["value"] = values.pop(line["id"], line["value"])
    return kept + [{"id": key, "value": value} for key, value in values.items()]


def abroad(region_id: int, lines: list[dict], *, doc_form: bool = False) -> dict:
    naming = {"region": {"id": str(region_id)}} if doc_form else {"regionId": str(region_id)}
    return {"name": "Peter Edwards", **naming, "address": lines, "expedite": False}


@pytest.mark.parametrize(
    ("region_id", "lines"),
    [
        (CA_REGION_ID, CANADA),
        (CA_REGION_ID, replaced(CANADA, POSTAL_CODE="K1A0A9")),  # no space
        (CA_REGION_ID, replaced(CANADA, POSTAL_CODE="k1a 0a9")),  # any case
        (GB_REGION_ID, UNITED_KINGDOM),
        (GB_REGION_ID, replaced(UNITED_KINGDOM, COUNTY="Greater London")),
        (GB_REGION_ID, replaced(UNITED_KINGDOM, POSTAL_CODE="M1 1AE")),
        (GB_REGION_ID, replaced(UNITED_KINGDOM, POSTAL_CODE="ec1a1bb")),
    ],
    ids=["ca", "ca-no-space", "ca-lower-case", "gb", "gb-county", "gb-short", "gb-lower-case"],
)
def test_an_address_abroad_in_its_country_format_is_confirmed(peter_api, region_id, lines):
    response = confirm(peter_api, abroad(region_id, lines, doc_form=True))

    body = response.json()
    assert response.status_code == 200, body
    ship_to = body["orderConfirmation"]["shipTo"]
    assert ship_to["region"]["id"] == str(region_id)
    # Labelled, in the country's line order.
    assert {line["id"] for line in ship_to["address"]} == {line["id"] for line in lines}
    assert all(line["label"] for line in ship_to["address"])


@pytest.mark.parametrize(
    ("region_id", "lines", "expected"),
    [
        # A US ZIP code is no Canadian postal code, checked by Canada's expression.
        (CA_REGION_ID, replaced(CANADA, POSTAL_CODE="06477"), ("POSTAL_CODE", "INVALID_FORMAT")),
        # D is no letter of a Canadian postal code.
        (CA_REGION_ID, replaced(CANADA, POSTAL_CODE="D1A 0A9"), ("POSTAL_CODE", "INVALID_FORMAT")),
        (CA_REGION_ID, replaced(CANADA, PROVINCE="CT"), ("PROVINCE", "INVALID_VALUE")),
        (CA_REGION_ID, replaced(CANADA, drop="PROVINCE"), ("PROVINCE", "REQUIRED")),
        (CA_REGION_ID, replaced(CANADA, STATE="ON"), ("STATE", "UNKNOWN_FIELD")),
        # A Canadian postal code is no UK postcode.
        (GB_REGION_ID, replaced(UNITED_KINGDOM, POSTAL_CODE="K1A 0A9"),
         ("POSTAL_CODE", "INVALID_FORMAT")),
        (GB_REGION_ID, replaced(UNITED_KINGDOM, POSTAL_CODE="06477"),
         ("POSTAL_CODE", "INVALID_FORMAT")),
        (GB_REGION_ID, replaced(UNITED_KINGDOM, drop="CITY"), ("CITY", "REQUIRED")),
        (GB_REGION_ID, replaced(UNITED_KINGDOM, STATE="CT"), ("STATE", "UNKNOWN_FIELD")),
        (GB_REGION_ID, replaced(UNITED_KINGDOM, COUNTY="x" * 51), ("COUNTY", "INVALID_LENGTH")),
        # And the US format still refuses a UK postcode.
        (US_REGION_ID, replaced(ADDRESSES_SHIP_TO_EXAMPLE["shipTo"]["address"],
                                POSTAL_CODE="SW1A 2AA"), ("POSTAL_CODE", "INVALID_FORMAT")),
    ],
    ids=[
        "ca-us-zip", "ca-bad-letter", "ca-us-state", "ca-no-province", "ca-state-line",
        "gb-canadian-code", "gb-us-zip", "gb-no-town", "gb-state-line", "gb-long-county",
        "us-uk-postcode",
    ],
)  # fmt: skip
def test_an_address_is_checked_by_its_own_country_format(peter_api, region_id, lines, expected):
    line_id, code = expected
    for doc_form in (False, True):
        response = confirm(peter_api, abroad(region_id, lines, doc_form=doc_form))

        assert problems(response) == [(f"orderRequest.shipTo.address.{line_id}", code)]


def test_postal_code_problem_of_a_province_follows_its_country(demo):
    ontario = Region.objects.get(parent_id=CA_REGION_ID, code="ON")

    assert addresses.postal_code_problem(ontario, "K1A 0A9") is None
    assert addresses.postal_code_problem(ontario, "06477").code == "INVALID_FORMAT"
    scotland_ok = addresses.postal_code_problem(country("GB"), "EH1 1YZ")
    assert scotland_ok is None


def test_a_broken_expression_in_a_format_refuses_nothing(demo):
    region = Region(name="Testland", address_format=[{"id": "POSTAL_CODE", "regEx": "([0-9"}])

    assert addresses.address_problems(region, [{"id": "POSTAL_CODE", "value": "123"}]) == []


# --- The demo data --------------------------------------------------------------------------


def test_load_demo_twice_changes_no_region(demo):
    def snapshot():
        return list(Region.objects.order_by("pk").values())

    before = snapshot()
    call_command("load_demo", stdout=io.StringIO())

    assert snapshot() == before
    assert Region.objects.filter(type=Region.Type.COUNTRY, parent=None).count() >= 3
    assert not Region.objects.filter(parent__isnull=False, type=Region.Type.COUNTRY).exists()
