"""Bad order requests: every problem answered at once as a 400 envelope, and nothing stored."""

import json

import pytest

from orders.models import Order, OrderHistory, OrderSegment
from tests.conftest import seed_order_request
from tests.demo_data import api_id, galaxy_rugged_case, line_of, otterbox, region

_SEED = seed_order_request()["orderRequest"]
# The seed's vehicle charger, which fits peter's Cookie Plus, and its ship-to region.
FITS_PETER = _SEED["shoppingCart"]["accessoryIds"][0]
SEED_REGION = _SEED["shipTo"]["regionId"]


def iphone_case() -> str:
    """Offered to acme, fits only iPhones."""
    return api_id(otterbox())


def globex_only() -> str:
    """Fits a Galaxy S24 on AT&T, offered only to globex."""
    return api_id(galaxy_rugged_case())


def globex_service() -> str:
    """Gina's line, in tenant globex."""
    return api_id(line_of("gina"))


def marias_service() -> str:
    """Another acme employee's line."""
    return api_id(line_of("maria"))


def properties(*fields, group="MISCELLANEOUS"):
    return [{"groupId": group, "fields": list(fields)}]


def contact(text="2035559999"):
    return {"id": "CONTACT_NUMBER", "type": "TEXT", "text": text}


def reason(choice):
    return {"id": "REASON", "type": "CHOICE", "choice": choice}


def ship_to(*lines, region=SEED_REGION):
    return {"name": "Peter Edwards", "regionId": region, "address": list(lines) or address()}


def address(drop=None, **replace):
    """The seed's address lines, `drop` left out and others' values replaced."""
    lines = [
        {"id": "LINE_1", "value": "35 Executive Blvd"},
        {"id": "CITY", "value": "Orange"},
        {"id": "STATE", "value": "CT"},
        {"id": "POSTAL_CODE", "value": "06477"},
    ]
    return [
        {"id": line["id"], "value": replace.get(line["id"], line["value"])}
        for line in lines
        if line["id"] != drop
    ]


def cart(*ids):
    return {"accessoryIds": list(ids)}


def without(key):
    body = seed_order_request()
    del body["orderRequest"][key]
    return body


def problems(response) -> list[tuple[str, str]]:
    """(field, errorCode) of every error in a 400 envelope, checking the envelope's shape."""
    body = response.json()
    assert response.status_code == 400, body
    assert body["status"] == "ERROR"
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"errorCode", "field", "message"}
        assert error["message"].strip()
    return [(error["field"], error["errorCode"]) for error in body["errors"]]


def assert_nothing_stored():
    assert Order.objects.count() == 0
    assert OrderSegment.objects.count() == 0
    assert OrderHistory.objects.count() == 0


BAD_REQUESTS = [
    pytest.param([1, 2], [("orderRequest", "REQUIRED")], id="body-not-an-object"),
    pytest.param({"order": {}}, [("orderRequest", "REQUIRED")], id="no-orderRequest"),
    pytest.param({"orderRequest": "x"}, [("orderRequest", "REQUIRED")], id="orderRequest-string"),
    pytest.param(
        seed_order_request(transactionType="ORDER_PIZZA"),
        [("orderRequest.transactionType", "INVALID_VALUE")],
        id="unknown-transactionType",
    ),
    pytest.param(
        seed_order_request(transactionType=["ORDER_ACCESSORIES"]),
        [("orderRequest.transactionType", "INVALID_VALUE")],
        id="transactionType-a-list",
    ),
    pytest.param(
        seed_order_request(transactionType={"id": "ORDER_ACCESSORIES"}),
        [("orderRequest.transactionType", "INVALID_VALUE")],
        id="transactionType-an-object",
    ),
    pytest.param(
        seed_order_request(
            transactionType="SUSPEND",
            properties=[
                {
                    "groupId": "SUSPENSION",
                    "fields": [{"id": "REASON", "type": "CHOICE", "choice": {"id": "LEAVE"}}],
                }
            ],
        ),
        [("orderRequest.shipTo", "NOT_APPLICABLE")],
        id="care-order-with-a-ship-to",
    ),
    pytest.param(
        without("transactionType"),
        [("orderRequest.transactionType", "REQUIRED")],
        id="missing-transactionType",
    ),
    pytest.param(without("serviceId"), [("orderRequest.serviceId", "REQUIRED")], id="no-service"),
    pytest.param(
        seed_order_request(serviceId="99999999"),
        [("orderRequest.serviceId", "NOT_FOUND")],
        id="unknown-service",
    ),
    pytest.param(
        seed_order_request(serviceId=_SEED["serviceId"] + "x"),
        [("orderRequest.serviceId", "INVALID_VALUE")],
        id="non-numeric-service",
    ),
    pytest.param(
        seed_order_request(serviceId=True),
        [("orderRequest.serviceId", "INVALID_VALUE")],
        id="boolean-service",
    ),
    pytest.param(
        lambda: seed_order_request(serviceId=globex_service()),
        [("orderRequest.serviceId", "NOT_FOUND")],
        id="other-tenants-service",
    ),
    pytest.param(
        lambda: seed_order_request(serviceId=marias_service()),
        [("orderRequest.serviceId", "NOT_FOUND")],
        id="colleagues-service",
    ),
    pytest.param(
        seed_order_request(shoppingCart=cart(FITS_PETER, "1234567")),
        [("orderRequest.shoppingCart.accessoryIds[1]", "NOT_FOUND")],
        id="unknown-accessory",
    ),
    pytest.param(
        seed_order_request(shoppingCart=cart("charger")),
        [("orderRequest.shoppingCart.accessoryIds[0]", "INVALID_VALUE")],
        id="non-numeric-accessory",
    ),
    pytest.param(
        seed_order_request(shoppingCart=cart()),
        [("orderRequest.shoppingCart.accessoryIds", "REQUIRED")],
        id="empty-cart",
    ),
    pytest.param(
        seed_order_request(shoppingCart={}),
        [("orderRequest.shoppingCart.accessoryIds", "REQUIRED")],
        id="cart-without-accessoryIds",
    ),
    pytest.param(
        without("shoppingCart"),
        [("orderRequest.shoppingCart", "REQUIRED")],
        id="no-cart",
    ),
    pytest.param(
        lambda: seed_order_request(shoppingCart=cart(FITS_PETER, iphone_case())),
        [("orderRequest.shoppingCart.accessoryIds[1]", "NOT_COMPATIBLE")],
        id="accessory-does-not-fit",
    ),
    pytest.param(
        lambda: seed_order_request(shoppingCart=cart(globex_only())),
        [("orderRequest.shoppingCart.accessoryIds[0]", "NOT_AVAILABLE")],
        id="accessory-not-offered-to-tenant",
    ),
    pytest.param(
        seed_order_request(
            properties=properties({"id": "SERVICE_NUMBER", "type": "TEXT", "text": "2035557676"})
        ),
        [("orderRequest.properties.MISCELLANEOUS.CONTACT_NUMBER", "REQUIRED")],
        id="missing-required-property",
    ),
    pytest.param(
        seed_order_request(properties=[]),
        [("orderRequest.properties.MISCELLANEOUS.CONTACT_NUMBER", "REQUIRED")],
        id="no-properties-at-all",
    ),
    pytest.param(
        seed_order_request(properties=properties(contact(""))),
        [("orderRequest.properties.MISCELLANEOUS.CONTACT_NUMBER", "REQUIRED")],
        id="blank-required-property",
    ),
    pytest.param(
        seed_order_request(properties=properties(contact("call me maybe"))),
        [("orderRequest.properties.MISCELLANEOUS.CONTACT_NUMBER", "INVALID_FORMAT")],
        id="property-fails-regEx",
    ),
    pytest.param(
        seed_order_request(properties=properties(contact("12345"))),
        [("orderRequest.properties.MISCELLANEOUS.CONTACT_NUMBER", "TOO_SHORT")],
        id="property-too-short",
    ),
    pytest.param(
        seed_order_request(properties=properties(contact(2035559999))),
        [("orderRequest.properties.MISCELLANEOUS.CONTACT_NUMBER", "INVALID_TYPE")],
        id="text-property-not-a-string",
    ),
    pytest.param(
        seed_order_request(
            properties=[
                *properties(contact()),
                {"groupId": "SHIPPING", "fields": [{"id": "DOCK", "text": "4"}]},
            ]
        ),
        [("orderRequest.properties.SHIPPING", "UNKNOWN_PROPERTY")],
        id="unknown-property-group",
    ),
    pytest.param(
        seed_order_request(
            properties=properties(contact(), {"id": "SHOE_SIZE", "type": "TEXT", "text": "44"})
        ),
        [("orderRequest.properties.MISCELLANEOUS.SHOE_SIZE", "UNKNOWN_PROPERTY")],
        id="unknown-property-field",
    ),
    pytest.param(
        seed_order_request(properties=properties(contact(), reason({"id": "BORED"}))),
        [("orderRequest.properties.MISCELLANEOUS.REASON", "INVALID_VALUE")],
        id="bad-choice-id",
    ),
    pytest.param(
        seed_order_request(properties=properties(contact(), reason({"id": "OTHER"}))),
        [("orderRequest.properties.MISCELLANEOUS.REASON", "REQUIRED")],
        id="other-choice-without-otherText",
    ),
    pytest.param(
        seed_order_request(
            properties=properties(contact(), reason({"id": "OTHER", "otherText": "   "}))
        ),
        [("orderRequest.properties.MISCELLANEOUS.REASON", "REQUIRED")],
        id="other-choice-with-blank-otherText",
    ),
    pytest.param(
        seed_order_request(
            properties=properties(contact(), {"id": "NEEDED_BY", "type": "DATE", "date": "soon"})
        ),
        [("orderRequest.properties.MISCELLANEOUS.NEEDED_BY", "INVALID_FORMAT")],
        id="bad-date",
    ),
    pytest.param(
        seed_order_request(
            properties=properties(contact(), {"id": "NEEDED_BY", "type": "TEXT", "text": "x"})
        ),
        [("orderRequest.properties.MISCELLANEOUS.NEEDED_BY", "INVALID_TYPE")],
        id="property-of-the-wrong-type",
    ),
    pytest.param(
        seed_order_request(shipTo=ship_to(*address(drop="CITY"))),
        [("orderRequest.shipTo.address.CITY", "REQUIRED")],
        id="ship-to-missing-city",
    ),
    pytest.param(
        seed_order_request(shipTo=ship_to(*address(CITY=" "))),
        [("orderRequest.shipTo.address.CITY", "REQUIRED")],
        id="ship-to-blank-city",
    ),
    pytest.param(
        seed_order_request(shipTo=ship_to(*address(STATE="XX"))),
        [("orderRequest.shipTo.address.STATE", "INVALID_VALUE")],
        id="ship-to-bad-state",
    ),
    pytest.param(
        seed_order_request(shipTo=ship_to(*address(POSTAL_CODE="ABCDE"))),
        [("orderRequest.shipTo.address.POSTAL_CODE", "INVALID_FORMAT")],
        id="ship-to-bad-postal-code",
    ),
    pytest.param(
        seed_order_request(shipTo=ship_to(*address(), {"id": "FLOOR", "value": "3rd floor"})),
        [("orderRequest.shipTo.address.FLOOR", "UNKNOWN_FIELD")],
        id="ship-to-unknown-address-line",
    ),
    pytest.param(
        seed_order_request(shipTo=ship_to(region="12345")),
        [("orderRequest.shipTo.regionId", "NOT_FOUND")],
        id="ship-to-unknown-region",
    ),
    pytest.param(
        # Connecticut is a region too, but a state, not a country with an address format.
        lambda: seed_order_request(shipTo=ship_to(region=api_id(region("Connecticut")))),
        [("orderRequest.shipTo.regionId", "NOT_FOUND")],
        id="ship-to-region-is-a-state",
    ),
    pytest.param(without("shipTo"), [("orderRequest.shipTo", "REQUIRED")], id="no-ship-to"),
]


@pytest.mark.parametrize(("body", "expected"), BAD_REQUESTS)
def test_bad_order_request_answers_400_listing_the_problem_and_stores_nothing(
    peter_api, body, expected
):
    # Given a request with one thing wrong (built here when it names demo rows)
    body = body() if callable(body) else body
    # When peter confirms it, then submits it
    confirmed = peter_api.post("orders?confirm=true", body)
    submitted = peter_api.post("orders", body)

    # Then both answer the same envelope naming exactly that problem, and nothing is stored
    assert problems(confirmed) == expected
    assert problems(submitted) == expected
    assert confirmed.json() == submitted.json()
    assert_nothing_stored()


@pytest.mark.parametrize(
    "raw",
    [b'{"orderRequest": {"transactionType": ', b"not json at all", b"\xff\xfe{}"],
    ids=["truncated", "not-json", "not-utf8"],
)
def test_malformed_json_answers_400_envelope_and_stores_nothing(peter_api, raw):
    response = peter_api.post("orders", raw, format=None, content_type="application/json")

    assert [code for _field, code in problems(response)] == ["MALFORMED_JSON"]
    assert_nothing_stored()


SERVICE_NUMBER = "orderRequest.properties.MISCELLANEOUS.SERVICE_NUMBER"
REASON = "orderRequest.properties.MISCELLANEOUS.REASON"


# Refused where the body is parsed (portal.api.parsers), at the path of the string itself.
ANSWER_TEXT = "orderRequest.properties[0].fields[1].text"
ANSWER_OTHER_TEXT = "orderRequest.properties[0].fields[1].choice.otherText"


@pytest.mark.parametrize(
    ("answer", "field", "code"),
    [
        ({"id": "SERVICE_NUMBER", "text": "203\x00555"}, ANSWER_TEXT, "INVALID_CHARACTER"),
        ({"id": "SERVICE_NUMBER", "text": "203\ud800"}, ANSWER_TEXT, "INVALID_CHARACTER"),
        (reason({"id": "OTHER", "otherText": "a\x00b"}), ANSWER_OTHER_TEXT, "INVALID_CHARACTER"),
        (reason({"id": "OTHER", "otherText": "\udfff"}), ANSWER_OTHER_TEXT, "INVALID_CHARACTER"),
    ],
    ids=["text-nul", "text-surrogate", "otherText-nul", "otherText-surrogate"],
)
def test_property_text_that_cannot_be_stored_is_refused(peter_api, answer, field, code):
    # Given a property answer with a character PostgreSQL cannot store (JSON-escaped: valid JSON)
    raw = json.dumps(seed_order_request(properties=properties(contact(), answer))).encode()

    # When it is confirmed and submitted
    for path in ("orders?confirm=true", "orders"):
        response = peter_api.post(path, raw, format=None, content_type="application/json")

        # Then it is a 400 naming the property, not a server error
        assert problems(response) == [(field, code)]
    assert_nothing_stored()


def test_other_tenants_service_is_indistinguishable_from_an_unknown_one(peter_api):
    # Given globex's service id and an id nobody has
    foreign_id = globex_service()
    foreign = peter_api.post("orders", seed_order_request(serviceId=foreign_id)).json()
    unknown = peter_api.post("orders", seed_order_request(serviceId="99999999")).json()

    # Then the two answers differ only in the id echoed back
    assert foreign["errors"][0]["message"].replace(foreign_id, "<id>") == (
        unknown["errors"][0]["message"].replace("99999999", "<id>")
    )
    assert_nothing_stored()


def test_every_problem_of_a_request_is_listed_at_once(peter_api):
    # Given a request with a misfit accessory, no CITY, no CONTACT_NUMBER and an unknown region
    body = seed_order_request(
        shoppingCart=cart(FITS_PETER, iphone_case(), globex_only()),
        properties=properties({"id": "SERVICE_NUMBER", "type": "TEXT", "text": "2035557676"}),
        shipTo=ship_to(*address(drop="CITY", POSTAL_CODE="hello")),
    )

    # When peter submits it, with and without confirm
    for path in ("orders", "orders?confirm=true"):
        response = peter_api.post(path, body)

        # Then every problem is listed, each once
        assert sorted(problems(response)) == sorted(
            [
                ("orderRequest.shoppingCart.accessoryIds[1]", "NOT_COMPATIBLE"),
                ("orderRequest.shoppingCart.accessoryIds[2]", "NOT_AVAILABLE"),
                ("orderRequest.properties.MISCELLANEOUS.CONTACT_NUMBER", "REQUIRED"),
                ("orderRequest.shipTo.address.CITY", "REQUIRED"),
                ("orderRequest.shipTo.address.POSTAL_CODE", "INVALID_FORMAT"),
            ]
        )
    assert_nothing_stored()


def test_problems_in_unrelated_fields_are_reported_together_with_a_bad_service(peter_api):
    # Given an unknown service plus an unknown accessory and a ship-to without STATE
    body = seed_order_request(
        serviceId="99999999",
        shoppingCart=cart("1234567", globex_only()),
        shipTo=ship_to(*address(drop="STATE")),
    )

    response = peter_api.post("orders", body)

    # Then the cart is still checked (what can be checked without knowing the device)
    assert sorted(problems(response)) == sorted(
        [
            ("orderRequest.serviceId", "NOT_FOUND"),
            ("orderRequest.shoppingCart.accessoryIds[0]", "NOT_FOUND"),
            ("orderRequest.shipTo.address.STATE", "REQUIRED"),
        ]
    )
    assert_nothing_stored()


def test_other_choice_with_otherText_is_accepted_and_kept(peter_api):
    # Given the REASON property answered with its "other" choice and a free text
    body = seed_order_request(
        properties=properties(
            contact(),
            reason({"id": "OTHER", "otherText": "  Conference booth  "}),
            {"id": "NEEDED_BY", "type": "DATE", "date": "2016-12-22T00:00:00+00:00"},
        )
    )

    # When peter submits it
    response = peter_api.post("orders", body)

    # Then the order is stored with the choice, its label and the trimmed other text
    assert response.status_code == 200, response.json()
    fields = {f["id"]: f for f in response.json()["order"]["properties"][0]["fields"]}
    assert fields["REASON"]["choice"] == {
        "id": "OTHER",
        "label": "Other",
        "otherText": "Conference booth",
    }
    assert fields["NEEDED_BY"]["date"] == "2016-12-22T00:00:00+00:00"
    assert Order.objects.get().properties == response.json()["order"]["properties"]


def test_tenant_admin_orders_for_an_employees_service(api_for, ada, peter):
    # Given ada, acme's tenant admin, ordering accessories for peter's line
    response = api_for(ada).post("orders", seed_order_request(externalOrderNumber="ADA-1"))

    # Then the order is peter's (he holds the line) and requested by ada
    assert response.status_code == 200, response.json()
    order = response.json()["order"]
    assert order["accountHolder"]["id"] == str(peter.pk)
    assert order["requestedBy"]["id"] == str(ada.pk)
    stored = Order.objects.get()
    assert (stored.account_holder, stored.requested_by) == (peter, ada)
