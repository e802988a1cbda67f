"""The checkout page shipping abroad, through Django's test client: Canada (a province and a
postal code "A9A 9A9") and the United Kingdom (an optional county and a postcode "AA9A 9AA"),
each laid out in its own address format, checked by it, reviewed, submitted, shown on the order
page, and offered again on the next checkout."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from catalog.demo import CA_REGION_ID, GB_REGION_ID
from orders.models import Order
from tests.demo_data import api_id, line_of, vehicle_charger

REVIEW_URL = re.compile(r"/review/(WEB-[0-9A-F]{20})/")

CANADA = {
    "region": str(CA_REGION_ID),
    "ship-name": "Peter Edwards",
    "addr-LINE_1": "111 Wellington St",
    "addr-CITY": "Ottawa",
    "addr-PROVINCE": "ON",
    "addr-POSTAL_CODE": "K1A 0A9",
}
UNITED_KINGDOM = {
    "region": str(GB_REGION_ID),
    "ship-name": "Peter Edwards",
    "addr-LINE_1": "10 Downing Street",
    "addr-CITY": "London",
    "addr-COUNTY": "Greater London",
    "addr-POSTAL_CODE": "SW1A 2AA",
}
CONTACT = {"prop-MISCELLANEOUS-CONTACT_NUMBER": "2035559999"}

# The address inputs each country's format lays out, by label.
LABELS = {
    "CA": ["Address Line1", "Address Line2", "Address Line3", "City", "Province", "Postal Code"],
    "GB": ["Address Line1", "Address Line2", "Address Line3", "Town/City", "County", "Postcode"],
}


def fill_cart(client: Client) -> None:
    """Peter's line, and seed 002's vehicle charger (which fits its LG Cookie Plus)."""
    response = client.post(
        "/cart/add/", {"service": api_id(line_of("peter")), "accessory": api_id(vehicle_charger())}
    )
    assert response.status_code == 302


def field(response, path: str):
    form = response.context["form"]
    return next(item for item in form.inputs if item.path == path)


def block(html: str, path: str) -> str:
    """The HTML of one field's wrapper, to check that an error sits beside its input."""
    start = html.index(f'data-field="{path}"')
    ends = [html.find(marker, start + 1) for marker in ('data-field="', "</section>")]
    return html[start : min(end for end in ends if end > 0)]


@pytest.mark.parametrize(
    ("code", "region_id", "subdivision"),
    [("CA", CA_REGION_ID, "PROVINCE"), ("GB", GB_REGION_ID, "COUNTY")],
)
def test_choosing_the_country_lays_out_its_address_format(web, code, region_id, subdivision):
    fill_cart(web)

    response = web.post("/checkout/", {**CONTACT, "region": str(region_id), "action": "region"})

    assert response.status_code == 200
    form = response.context["form"]
    assert [item.label for item in form.address] == LABELS[code]
    html = response.content.decode()
    assert f'name="addr-{subdivision}"' in html
    assert 'name="addr-STATE"' not in html
    assert f'<option value="{region_id}" selected>' in html
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("region_id", "inputmode", "subdivision"),
    [(None, "numeric", "STATE"), (CA_REGION_ID, "", "PROVINCE"), (GB_REGION_ID, "", "COUNTY")],
)
def test_phones_get_the_keyboard_and_autofill_each_address_asks_for(
    web, region_id, inputmode, subdivision
):
    # A US zip code is digits (the digit keyboard); Canadian and UK postcodes have letters.
    fill_cart(web)
    posted = {"region": str(region_id), "action": "region"} if region_id else None

    response = web.post("/checkout/", posted) if posted else web.get("/checkout/")

    postal = field(response, "shipTo.address.POSTAL_CODE")
    assert (postal.inputmode, postal.autocomplete) == (inputmode, "postal-code")
    assert field(response, f"shipTo.address.{subdivision}").autocomplete == "address-level1"


def test_canadian_provinces_are_offered_as_a_choice(web):
    fill_cart(web)

    response = web.post("/checkout/", {"region": str(CA_REGION_ID), "action": "region"})

    province = block(response.content.decode(), "shipTo.address.PROVINCE")
    assert "<select" in province
    assert '<option value="ON">Ontario</option>' in province
    assert '<option value="QC">Quebec</option>' in province
    assert 'value="CT"' not in province  # no US state


def test_uk_county_is_optional_free_text(web):
    fill_cart(web)

    response = web.post("/checkout/", {"region": str(GB_REGION_ID), "action": "region"})

    county = field(response, "shipTo.address.COUNTY")
    assert county.kind == "text" and not county.required
    assert field(response, "shipTo.address.POSTAL_CODE").required


@pytest.mark.parametrize(
    ("typed", "path", "message"),
    [
        ({**CANADA, "addr-POSTAL_CODE": "06477"}, "shipTo.address.POSTAL_CODE",
         "'06477' is not a valid Postal Code."),
        ({**CANADA, "addr-PROVINCE": ""}, "shipTo.address.PROVINCE", "Province is required."),
        ({**UNITED_KINGDOM, "addr-POSTAL_CODE": "K1A 0A9"}, "shipTo.address.POSTAL_CODE",
         "'K1A 0A9' is not a valid Postcode."),
        ({**UNITED_KINGDOM, "addr-CITY": ""}, "shipTo.address.CITY", "Town/City is required."),
    ],
    ids=["ca-us-zip", "ca-no-province", "gb-canadian-code", "gb-no-town"],
)  # fmt: skip
def test_an_address_abroad_is_checked_by_its_country_format(web, typed, path, message):
    fill_cart(web)

    response = web.post("/checkout/", {**typed, **CONTACT})

    assert response.status_code == 400
    assert field(response, path).errors == [message]
    assert message.replace("'", "&#x27;") in block(response.content.decode(), path)
    assert response.context["form"].errors == []
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("typed", "country", "shown"),
    [
        (CANADA, "Canada", ["111 Wellington St", "Ottawa, ON K1A 0A9"]),
        (
            UNITED_KINGDOM,
            "United Kingdom",
            ["10 Downing Street", "London, Greater London SW1A 2AA"],
        ),
    ],
    ids=["canada", "united-kingdom"],
)
def test_checkout_abroad_end_to_end(
    web, peter, typed, country, shown, django_capture_on_commit_callbacks
):
    fill_cart(web)

    # The checkout leads to the review page, which shows the address and stores nothing.
    response = web.post("/checkout/", {**typed, **CONTACT})
    assert response.status_code == 302, response.content.decode()
    review_url = response["Location"]
    assert REVIEW_URL.fullmatch(review_url), review_url
    review = web.get(review_url)
    html = review.content.decode()
    assert review.status_code == 200
    for text in [*shown, country]:
        assert text in html, text
    assert Order.objects.count() == 0

    # Submitted, the order ships to that country, its lines labelled in its format.
    with django_capture_on_commit_callbacks(execute=True):
        submitted = web.post(review_url)
    order = Order.objects.get()
    assert submitted.status_code == 302 and submitted["Location"] == f"/orders/{order.pk}/"
    assert order.region_id == int(typed["region"])
    assert str(order.ship_to["regionId"]) == typed["region"]
    labelled = {line["id"]: (line["label"], line["value"]) for line in order.ship_to["address"]}
    assert labelled["POSTAL_CODE"][1] == typed["addr-POSTAL_CODE"]
    page = web.get(submitted["Location"]).content.decode()
    for text in [*shown, country]:
        assert text in page, text

    # The next checkout ships there again, laid out in that country's format.
    fill_cart(web)
    again = web.get("/checkout/")
    form = again.context["form"]
    assert form.region.pk == int(typed["region"])
    assert field(again, "shipTo.address.POSTAL_CODE").value == typed["addr-POSTAL_CODE"]


def test_checkout_abroad_matches_the_api(web, peter_api):
    """The page's request is the API's: the Canadian ship-to it writes confirms through the
    API as it is."""
    fill_cart(web)
    # The body the page submits is kept in the session for its review page.
    web.post("/checkout/", {**CANADA, **CONTACT})
    reviews = web.session["reviews"]
    (body,) = [entry["body"] for entry in reviews.values()]

    response = peter_api.post("orders?confirm=true", body)

    assert response.status_code == 200, response.json()
    ship_to = response.json()["orderConfirmation"]["shipTo"]
    assert ship_to["region"]["id"] == str(CA_REGION_ID)
    assert {line["id"] for line in ship_to["address"]} == {
        "LINE_1", "CITY", "PROVINCE", "POSTAL_CODE",
    }  # fmt: skip
