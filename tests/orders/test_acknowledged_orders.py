"""Orders carry what their vendor asks to acknowledge (tutorials/acknowledgements): a transfer
whose carrier requires acknowledgements is refused without each one accepted, at
`acknowledgements.<id>`, by the API and by the pages (a checkbox for each, its problem beside
it); the confirmation and the order echo what was accepted."""

from __future__ import annotations

import pytest

from catalog.models import Acknowledgement
from orders.models import Order
from tests.demo_data import api_id, line_of, vendor, verizon
from tests.orders.test_transaction_types import confirmed, problems
from tests.orders.test_transfers import PROP, body, in_form, submitted_on, to_review

pytestmark = pytest.mark.django_db

NOT_ACKNOWLEDGED = "NOT_ACKNOWLEDGED"


def test_a_transfer_in_without_its_acknowledgements_is_refused_at_each(peter_api):
    response = peter_api.post("orders?confirm=true", body("XFER_SERVICE_IN", acknowledgements=[]))

    assert sorted(problems(response)) == [
        ("orderRequest.acknowledgements.LIABILITY_TRANSFER", NOT_ACKNOWLEDGED),
        ("orderRequest.acknowledgements.SHARED_PLAN", NOT_ACKNOWLEDGED),
    ]


def test_an_acknowledgement_given_false_is_not_accepted(peter_api):
    given = [
        {"id": "SHARED_PLAN", "boolean": True},
        {"id": "LIABILITY_TRANSFER", "boolean": False},
    ]
    response = peter_api.post("orders", body("XFER_SERVICE_IN", acknowledgements=given))

    assert problems(response) == [
        ("orderRequest.acknowledgements.LIABILITY_TRANSFER", NOT_ACKNOWLEDGED)
    ]
    assert not Order.objects.exists()


def test_the_refusal_comes_with_every_other_problem(peter_api):
    response = peter_api.post(
        "orders?confirm=true",
        body("XFER_SERVICE_IN", acknowledgements=[], postalCode=None),
    )

    fields = {field for field, _code in problems(response)}
    assert "orderRequest.postalCode" in fields
    assert "orderRequest.acknowledgements.SHARED_PLAN" in fields


def test_the_port_asks_what_the_new_carrier_asks(peter_api):
    # Peter's AT&T line goes to Verizon: Verizon's acknowledgements of a port, not AT&T's
    response = peter_api.post(
        "orders?confirm=true", body("XFER_SERVICE_IN_AND_PORT", acknowledgements=[])
    )

    assert sorted(problems(response)) == [
        ("orderRequest.acknowledgements.SHARED_PLAN", NOT_ACKNOWLEDGED),
        ("orderRequest.acknowledgements.TERMINATION_FEE", NOT_ACKNOWLEDGED),
    ]


def test_accepted_acknowledgements_are_echoed(peter_api):
    confirmation = confirmed(peter_api, body("XFER_SERVICE_IN"))

    assert confirmation["acknowledgements"] == [
        {"boolean": True, "id": "SHARED_PLAN", "type": "BOOLEAN"},
        {"boolean": True, "id": "LIABILITY_TRANSFER", "type": "BOOLEAN"},
    ]


def test_an_optional_acknowledgement_may_be_left_out(peter_api):
    # Verizon's transfer out asks PERSONAL_LIABILITY, optionally
    assert (
        Acknowledgement.objects.get(ack_id="PERSONAL_LIABILITY", tenant__slug="acme").validation
        == "OPTIONAL"
    )

    confirmation = confirmed(peter_api, body("XFER_SERVICE_OUT"))

    assert confirmation["acknowledgements"] == []


def test_a_required_one_the_admin_adds_is_required_at_once(peter_api, demo):
    Acknowledgement.objects.create(
        tenant=demo.acme, vendor=verizon(), transaction_type="XFER_SERVICE_OUT",
        ack_id="NO_REFUND", label="No refunds.",
    )  # fmt: skip

    response = peter_api.post("orders?confirm=true", body("XFER_SERVICE_OUT"))
    assert problems(response) == [("orderRequest.acknowledgements.NO_REFUND", NOT_ACKNOWLEDGED)]

    given = [{"id": "NO_REFUND", "boolean": True}]
    assert confirmed(peter_api, body("XFER_SERVICE_OUT", acknowledgements=given))


def test_another_tenants_configuration_is_not_asked(peter_api, demo):
    # globex requires something more of Verizon transfers in; acme does not
    Acknowledgement.objects.create(
        tenant=demo.globex, vendor=verizon(), transaction_type="XFER_SERVICE_IN",
        ack_id="GLOBEX_ONLY", label="Globex's rule.",
    )  # fmt: skip

    assert confirmed(peter_api, body("XFER_SERVICE_IN"))


# --- Pages ------------------------------------------------------------------------------------


def test_the_bring_form_shows_each_acknowledgement_as_a_required_checkbox(web):
    html = web.get(f"/lines/bring/?carrier={verizon().pk}&device=own").content.decode()

    assert "Family &amp; Shared Minute Plans" in html  # an info block
    start = html.index('data-field="acknowledgements.SHARED_PLAN"')
    field = html[start : html.index("</div>", start)]
    assert 'type="checkbox"' in field and 'name="ack-SHARED_PLAN"' in field
    assert "required" in field
    assert "no longer on a family shared plan" in field


def test_an_unticked_acknowledgement_is_shown_beside_its_checkbox(web):
    url = f"/lines/bring/?carrier={verizon().pk}&device=own"

    response = web.post(url, in_form(**{"ack-LIABILITY_TRANSFER": None}))

    assert response.status_code == 400
    html = response.content.decode()
    start = html.index('data-field="acknowledgements.LIABILITY_TRANSFER"')
    field = html[start : html.index("</div>\n  </div>", start)]
    assert "field-error" in field and "acknowledged" in field
    ticked = html.index('data-field="acknowledgements.SHARED_PLAN"')
    assert "field-error" not in html[ticked : html.index("</label>", ticked)]
    assert not Order.objects.exists()


def test_ticked_acknowledgements_go_through_review_onto_the_order(web):
    url = f"/lines/bring/?carrier={verizon().pk}&device=own"
    review = to_review(web, url, in_form())

    shown = web.get(review).content.decode()
    assert "You acknowledged" in shown and "LIABILITY_TRANSFER" in shown

    order = submitted_on(web, review)
    assert [a["id"] for a in order.details["acknowledgements"]] == [
        "SHARED_PLAN",
        "LIABILITY_TRANSFER",
    ]


def test_the_transfer_out_page_asks_the_lines_carrier(web, demo):
    Acknowledgement.objects.create(
        tenant=demo.acme, vendor=verizon(), transaction_type="XFER_SERVICE_OUT",
        ack_id="NO_REFUND", label="No refunds for the months paid.",
    )  # fmt: skip
    line = line_of("peter").pk
    page = web.get(f"/lines/{line}/transfer-out/").content.decode()
    assert 'name="ack-NO_REFUND"' in page and 'name="ack-PERSONAL_LIABILITY"' in page

    response = web.post(
        f"/lines/{line}/transfer-out/",
        {f"{PROP}CONTACT_NUMBER": "2035558888", f"{PROP}PERSONAL_EMAIL": "p@example.com"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    start = html.index('data-field="acknowledgements.NO_REFUND"')
    assert "field-error" in html[start : html.index("</div>\n  </div>", start)]

    ticked = {
        f"{PROP}CONTACT_NUMBER": "2035558888",
        f"{PROP}PERSONAL_EMAIL": "p@example.com",
        "ack-NO_REFUND": "on",
    }
    assert web.post(f"/lines/{line}/transfer-out/", ticked).status_code == 302


def test_an_unknown_vendor_id_for_the_acknowledgements_list_is_not_a_500(peter_api):
    response = peter_api.get(
        "acknowledgements",
        {"vendor": api_id(vendor("AT&T Wireless")) + "0", "transactionType": "XFER_SERVICE_IN"},
    )
    assert response.status_code == 400
