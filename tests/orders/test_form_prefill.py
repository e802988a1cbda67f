"""What the order forms fill in for the employee (the contact number the tenant knows, the
ship-to of their last order) and how their date and "Other" inputs speak to a person."""

from __future__ import annotations

import pytest
from django.test import Client

from orders import drafts, services
from orders import properties as order_properties
from orders.models import PropertyField
from orders.requests import parse_order_request
from tests.conftest import seed_order_request
from tests.demo_data import api_id, galaxy_s24, line_of, united_states, vehicle_charger

CONTACT = "properties.MISCELLANEOUS.CONTACT_NUMBER"


def address() -> dict:
    """The checkout's ship-to inputs, all filled in (the contact number left out)."""
    return {
        "region": api_id(united_states()),
        "ship-name": "Peter Edwards",
        "addr-LINE_1": "35 Executive Blvd",
        "addr-CITY": "Orange",
        "addr-STATE": "CT",
        "addr-POSTAL_CODE": "06477",
    }


def fill_cart(client: Client) -> None:
    """Seed 002's vehicle charger in the cart, for Peter's line 2035557676."""
    cart = {"service": api_id(line_of("peter")), "accessory": api_id(vehicle_charger())}
    response = client.post("/cart/add/", cart)
    assert response.status_code == 302


def place(employee, **overrides):
    body = seed_order_request(externalOrderNumber=None, **overrides)
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = services.submit_order(draft=draft)
    return order


def value_of(response, path: str) -> str:
    form = response.context["form"]
    return next(item for item in form.inputs if item.path == path).value


def block(html: str, path: str) -> str:
    start = html.index(f'data-field="{path}"')
    ends = [html.find(marker, start + 1) for marker in ('data-field="', "</section>")]
    return html[start : min(end for end in ends if end > 0)]


# --- The contact number -------------------------------------------------------------------------


def test_the_checkout_fills_in_the_employees_office_phone_as_contact_number(web):
    fill_cart(web)

    response = web.get("/checkout/")

    assert value_of(response, CONTACT) == "2035559999"  # Peter's office phone
    assert 'value="2035559999"' in block(response.content.decode(), CONTACT)


def test_without_an_office_phone_the_contact_number_is_the_employees_line(web, peter):
    peter.office_phone = ""
    peter.save()
    fill_cart(web)

    assert value_of(web.get("/checkout/"), CONTACT) == "2035557676"


def test_a_default_the_tenant_gave_the_field_is_kept(web, peter):
    PropertyField.objects.filter(
        group__tenant=peter.tenant, field_id="CONTACT_NUMBER"
    ).update(default_text="2035550000")  # fmt: skip
    fill_cart(web)

    assert value_of(web.get("/checkout/"), CONTACT) == "2035550000"


def test_a_posted_form_is_not_filled_in(web):
    fill_cart(web)

    response = web.post("/checkout/", address())  # the contact number was emptied

    assert response.status_code == 400
    assert value_of(response, CONTACT) == ""


@pytest.mark.parametrize(
    ("field_id", "label", "asks"),
    [
        ("CONTACT_NUMBER", "Contact Phone Number", True),
        ("CALLBACK", "Contact phone", True),
        ("CONTACT_PHONE", "How to reach you", True),
        ("SERVICE_NUMBER", "Service Number", False),
        ("CONTACT_EMAIL", "Contact e-mail", False),
    ],
)
def test_which_fields_ask_for_the_contact_number(field_id, label, asks):
    field = PropertyField(field_id=field_id, label=label, type=PropertyField.Type.TEXT)

    assert order_properties.asks_contact_number(field) is asks


# --- The ship-to of the last order --------------------------------------------------------------


def test_the_checkout_ships_where_the_last_order_went(web, peter):
    place(peter)  # seed 002: to 35 Executive Blvd, Orange CT 06477
    fill_cart(web)

    response = web.get("/checkout/")

    assert value_of(response, "shipTo.address.LINE_1") == "35 Executive Blvd"
    assert value_of(response, "shipTo.address.CITY") == "Orange"
    assert value_of(response, "shipTo.address.POSTAL_CODE") == "06477"
    assert value_of(response, "shipTo.name") == "Peter Edwards"
    assert value_of(response, "shipTo.expedite") == ""  # chosen per order, not remembered


def test_the_guided_forms_ship_where_the_last_order_went(web, peter):
    place(peter)

    response = web.get(f"/lines/new/?device={galaxy_s24().pk}")

    assert value_of(response, "shipTo.address.LINE_1") == "35 Executive Blvd"
    assert 'value="35 Executive Blvd"' in response.content.decode()


def test_a_first_order_ships_to_the_employee_with_an_empty_address(web):
    fill_cart(web)

    response = web.get("/checkout/")

    assert value_of(response, "shipTo.name") == "Peter Edwards"
    assert value_of(response, "shipTo.address.LINE_1") == ""


# --- Dates and "Other" --------------------------------------------------------------------------


def test_a_date_property_says_the_format_its_input_sends(web):
    fill_cart(web)

    html = block(web.get("/checkout/").content.decode(), "properties.MISCELLANEOUS.NEEDED_BY")

    assert 'type="date"' in html and 'placeholder="YYYY-MM-DD"' in html
    assert "YYYY-MM-DD" in html[html.index('class="field-hint"') :]
    assert "mm/dd/yyyy" not in html.lower()


def test_the_api_describes_a_date_property_in_the_format_it_accepts(peter_api):
    response = peter_api.get("orders/properties", {"transactionType": "ORDER_ACCESSORIES"})

    [group] = response.json()["properties"]["items"]
    fields = {field["id"]: field for field in group["fields"]}
    assert fields["NEEDED_BY"]["pattern"] == "YYYY-MM-DD"
    assert fields["CONTACT_NUMBER"]["pattern"] == "digits, spaces, + ( ) -"


def test_a_date_typed_another_way_is_refused_in_the_same_format(web):
    fill_cart(web)

    response = web.post("/checkout/", {
        **address(), "prop-MISCELLANEOUS-CONTACT_NUMBER": "2035559999",
        "prop-MISCELLANEOUS-NEEDED_BY": "01/15/2030",
    })  # fmt: skip

    form = response.context["form"]
    [needed_by] = [i for i in form.inputs if i.path == "properties.MISCELLANEOUS.NEEDED_BY"]
    assert needed_by.errors == ["Needed by must be a date: YYYY-MM-DD, e.g. 2016-12-22."]


def test_an_other_choice_without_its_text_is_said_in_plain_words(web):
    fill_cart(web)

    response = web.post("/checkout/", {
        **address(), "prop-MISCELLANEOUS-CONTACT_NUMBER": "2035559999",
        "prop-MISCELLANEOUS-REASON": "OTHER",
    })  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 400
    assert "otherText" not in html
    reason = block(html, "properties.MISCELLANEOUS.REASON")
    assert "Reason for the order: say what &#x27;Other&#x27; is, in a few words." in reason
