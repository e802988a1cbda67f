"""The guided forms for a new line, an upgrade and a line ported to another carrier, through
Django's test client: the steps, a valid form going to the review page (nothing stored until
submitted there), every refused input shown beside its field, and who may upgrade which line."""

from __future__ import annotations

import re
from decimal import Decimal

import factory
import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import DeviceAsset, Manufacturer, Plan, ServiceAsset
from orders.models import Order, OrderItem
from tests.demo_data import (
    ATT,
    accessory,
    api_id,
    att,
    business_10gb,
    business_unlimited,
    business_unlimited_elite,
    cookie_plus,
    galaxy_charger,
    galaxy_s24,
    hotspot,
    hotspot_10gb,
    iphone_15,
    iphone_15_pro,
    line_of,
    roaming,
    united_states,
    verizon,
)
from tests.factories import DeviceFactory, PlanFactory
from tests.orders.test_transaction_types import offer_the_port_carrier


def us_id() -> str:
    return api_id(united_states())


# All Verizon, offered to acme: the Cookie Plus (49.99), the iPhone 15 (729.00), the Galaxy S24
def cookie_id() -> str:
    return api_id(cookie_plus())


def iphone_id() -> str:
    return api_id(iphone_15())


def galaxy_id() -> str:
    return api_id(galaxy_s24())


# Verizon plans: Business Unlimited 45.00 and Business 10 GB 30.00 a month
def unlimited_id() -> str:
    return api_id(business_unlimited())


def ten_gb_id() -> str:
    return api_id(business_10gb())


# Features of Business Unlimited: international roaming 10.00 and the hotspot 5.00 a month
def roaming_id() -> str:
    return api_id(roaming())


def hotspot_id() -> str:
    return api_id(hotspot())


def hotspot_10gb_id() -> str:
    """The feature of Business 10 GB."""
    return api_id(hotspot_10gb())


def galaxy_charger_id() -> str:
    """Fits the Galaxy S24: 24.99."""
    return api_id(galaxy_charger())


def peters_line_pk() -> int:
    """Peter's line is on an LG Cookie Plus, Business Unlimited."""
    return line_of("peter").pk


def sams_line_pk() -> int:
    return line_of("sam").pk


def ship_to() -> dict:
    return {
        "region": us_id(),
        "ship-name": "Peter Edwards",
        "addr-LINE_1": "35 Executive Blvd",
        "addr-CITY": "Orange",
        "addr-STATE": "CT",
        "addr-POSTAL_CODE": "06477",
    }


def new_line_form() -> dict:
    return {
        **ship_to(),
        "plan": unlimited_id(),
        "features": [roaming_id()],
        "accessories": [galaxy_charger_id()],
        "line-region": us_id(),
        "postal-code": "06477",
        "prop-NEW_LINE-COST_CENTER": "CC-1042",
        "prop-NEW_LINE-JUSTIFICATION": "NEW_HIRE",
    }


def port_form() -> dict:
    """Peter's line to AT&T: Business Unlimited Elite (50.00) with its roaming (12.00)."""
    return {
        **ship_to(),
        "plan": api_id(business_unlimited_elite()),
        "features": [api_id(roaming("Business Unlimited Elite"))],
        "line-region": us_id(),
        "postal-code": "06477",
        "prop-PORT_IN-LOSING_CARRIER": "T-Mobile",
        "prop-PORT_IN-ACCOUNT_NUMBER": "12345678",
        "prop-PORT_IN-ACCOUNT_PIN": "1234",
    }


def upgrade_form() -> dict:
    return {**ship_to(), "plan": "keep", "features": [roaming_id()]}


def new_line_url() -> str:
    return f"/lines/new/?device={galaxy_id()}"


def port_url() -> str:
    """Peter's line ported, on AT&T's iPhone 15 (719.00)."""
    return f"/lines/{peters_line_pk()}/port/?device={api_id(iphone_15(ATT))}"


def upgrade_url() -> str:
    return f"/lines/{peters_line_pk()}/upgrade/?device={iphone_id()}"


REVIEW = re.compile(r"^/review/(WEB-[0-9A-F]+)/$")
# The device list: session, user, employee, navigation counts and the devices themselves.
DEVICE_LIST_MAX_QUERIES = 8


@pytest.fixture
def att_plan(demo) -> Plan:
    """An AT&T plan acme offers (acme's devices are all Verizon)."""
    return PlanFactory(
        vendor=att(), name="AT&T Business Basic", price_amount=Decimal("25.00"),
        price_recurrence="MONTHLY", offered_to=[demo.acme],
    )  # fmt: skip


def field_block(html: str, path: str) -> str:
    """The HTML from the element answering a problem path to the next one (or the end of its
    card): what the employee sees beside that input."""
    start = html.index(f'data-field="{path}"')
    ends = [html.find(marker, start + 1) for marker in ('data-field="', "</section>")]
    return html[start : min(end for end in ends if end > 0)]


def errors_beside(response, path: str) -> list[str]:
    form = response.context["form"]
    return next(item.errors for item in form.inputs if item.path == path)


def review_number(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = REVIEW.match(response["Location"])
    assert match, response["Location"]
    return match.group(1)


def submit_review(client: Client, number: str, capture) -> Order:
    with capture(execute=True):
        response = client.post(f"/review/{number}/")
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/"
    return order


def items_of(order: Order) -> set[tuple[str, str, str]]:
    return set(OrderItem.objects.filter(segment__order=order).values_list("kind", "action", "name"))


def radio_values(html: str, name: str) -> list[str]:
    return re.findall(rf'type="(?:radio|checkbox)" name="{name}" value="(\w+)"', html)


def checked_values(html: str, name: str) -> list[str]:
    return re.findall(rf'type="(?:radio|checkbox)" name="{name}" value="(\w+)" checked', html)


# --- A new line ---------------------------------------------------------------------------------


def test_new_line_starts_with_the_devices_the_company_offers(web):
    response = web.get("/lines/new/")

    html = response.content.decode()
    assert response.status_code == 200
    # Apple, LG, Samsung (T-Mobile's iPhone 15 Pro, acme's carrier to port to, among them)
    offered = [iphone_15(), iphone_15_pro(), cookie_plus(), galaxy_s24()]
    assert [d.pk for d in response.context["devices"]] == [device.pk for device in offered]
    for text in ["LG Cookie Plus", "49.99 USD", "Apple iPhone 15", "729.00 USD", "Galaxy S24"]:
        assert text in html, text
    assert "689.00 USD" not in html  # globex's AT&T Galaxy
    assert f'href="?device={galaxy_id()}"' in html
    assert re.search(r'class="current" aria-current="step">Device<', html)
    assert "<img" not in html  # placeholders drawn in CSS


def test_the_device_list_runs_a_bounded_number_of_queries(web, demo, django_assert_max_num_queries):
    maker = Manufacturer.objects.get(pk="Samsung")
    DeviceFactory.create_batch(
        30,
        manufacturer=maker,
        model=factory.Sequence(lambda n: f"Galaxy A{n}"),
        vendor=verizon(),
        offered_to=[demo.acme],
    )

    with django_assert_max_num_queries(DEVICE_LIST_MAX_QUERIES):
        response = web.get("/lines/new/")

    assert len(response.context["devices"]) == 34


def test_step_two_offers_the_devices_carrier_plans_their_features_and_fitting_accessories(
    web, att_plan
):
    response = web.get(new_line_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Samsung Galaxy S24" in field_block(html, "shoppingCart.deviceId")
    assert radio_values(html, "plan") == [
        ten_gb_id(),
        unlimited_id(),
    ]  # no AT&T plan for a Verizon phone
    features = {o.plan.name: [f.name for f in o.features] for o in response.context["plan_options"]}
    assert features == {
        "Business 10 GB": ["Mobile hotspot"],
        "Business Unlimited": ["International roaming", "Mobile hotspot"],
    }
    assert galaxy_charger_id() in radio_values(html, "accessories")
    pouch = accessory("LG Cookie Plus Leather Pouch")
    assert api_id(pouch) not in radio_values(html, "accessories")
    assert f'<option value="{us_id()}" selected>United States</option>' in field_block(
        html, "regionId"
    )
    assert 'value="Peter Edwards"' in field_block(html, "shipTo.name")
    assert "Cost center" in field_block(html, "properties.NEW_LINE.COST_CENTER")
    assert re.search(r'class="current" aria-current="step">Plan &amp; details<', html)
    assert Order.objects.count() == 0


def test_a_valid_new_line_is_reviewed_then_stored_on_submit(
    web, peter, django_capture_on_commit_callbacks
):
    number = review_number(web.post(new_line_url(), new_line_form()))
    assert Order.objects.count() == 0

    review = web.get(f"/review/{number}/").content.decode()
    order = submit_review(web, number, django_capture_on_commit_callbacks)

    for text in ["A new line", "Samsung Galaxy S24", "Business Unlimited", "International roaming"]:
        assert text in review, text
    assert re.search(r'data-testid="cost-monthly">\+<span class="money">55.00 USD', review)
    assert re.search(r'data-testid="cost-onetime"><span class="money">723.99 USD', review)
    assert order.transaction_type == "NEW_ACTIVATION"
    assert order.requested_by == peter and order.account_holder == peter
    assert items_of(order) == {
        ("DEVICE", "ADD", "Samsung Galaxy S24"),
        ("PLAN", "ADD", "Business Unlimited"),
        ("FEATURE", "ADD", "International roaming"),
        ("ACCESSORY", "ADD", "Samsung 25W Super Fast Charger"),
    }
    assert order.details["postalCode"] == "06477"


def test_edit_on_the_review_page_brings_the_form_back_filled_in(web):
    number = review_number(web.post(new_line_url(), new_line_form()))
    back = web.get(f"/review/{number}/").context["back"]

    response = web.get(back)

    html = response.content.decode()
    assert back.startswith(f"/lines/new/?device={galaxy_id()}&")
    assert checked_values(html, "plan") == [unlimited_id()]
    assert checked_values(html, "features") == [roaming_id()]
    assert checked_values(html, "accessories") == [galaxy_charger_id()]
    assert 'value="CC-1042"' in html and 'value="Orange"' in html


def test_a_plan_of_another_carrier_is_refused_beside_the_plans(web, att_plan):
    response = web.post(
        new_line_url(), {**new_line_form(), "plan": str(att_plan.pk), "features": []}
    )

    message = (
        "AT&T Business Basic is a AT&T Wireless plan; it must be one of Verizon Wireless "
        "(the device's carrier)."
    )
    assert response.status_code == 400
    assert errors_beside(response, "shoppingCart.planId") == [message]
    assert "AT&amp;T Business Basic is a AT&amp;T Wireless plan" in field_block(
        response.content.decode(), "shoppingCart.planId"
    )
    assert Order.objects.count() == 0


def test_a_feature_of_another_plan_is_refused_beside_the_features(web):
    # Without JavaScript every plan's features show: Peter ticks one of the other plan.
    response = web.post(
        new_line_url(), {**new_line_form(), "plan": ten_gb_id(), "features": [roaming_id()]}
    )

    html = response.content.decode()
    message = "International roaming is a feature of Business Unlimited, not of Business 10 GB."
    assert response.status_code == 400
    assert errors_beside(response, "shoppingCart.optionalFeatureIds") == [message]
    assert message in field_block(html, "shoppingCart.optionalFeatureIds")
    assert checked_values(html, "plan") == [ten_gb_id()]  # what was chosen stays chosen
    assert Order.objects.count() == 0


def test_a_bad_postal_code_is_refused_beside_it(web):
    response = web.post(new_line_url(), {**new_line_form(), "postal-code": "X1"})

    assert response.status_code == 400
    assert errors_beside(response, "postalCode") == [
        "'X1' is not a valid Zip Code in United States."
    ]
    assert 'value="X1"' in field_block(response.content.decode(), "postalCode")
    assert response.context["form"].errors == []  # every problem sits beside its input


def test_missing_answers_are_asked_for_beside_their_inputs(web):
    posted = {**new_line_form(), "prop-NEW_LINE-COST_CENTER": "", "postal-code": ""}
    del posted["plan"]

    response = web.post(new_line_url(), posted)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Cost center is required." in field_block(html, "properties.NEW_LINE.COST_CENTER")
    assert "Choose a plan." in field_block(html, "shoppingCart.planId")
    assert "Enter the postal code where the line is registered." in field_block(html, "postalCode")
    assert "Please check" in html and Order.objects.count() == 0


def test_a_device_the_company_does_not_offer_is_not_found(web):
    globex_galaxy = galaxy_s24(ATT)
    assert web.get(f"/lines/new/?device={globex_galaxy.pk}").status_code == 404
    assert web.get("/lines/new/?device=abc").status_code == 404


# --- A line ported to another carrier ----------------------------------------------------------


@pytest.fixture
def port_carrier(demo):
    """acme offers AT&T's iPhone 15 and Business Unlimited Elite (globex's in the demo)."""
    offer_the_port_carrier()


def test_the_line_page_starts_a_port_with_devices_of_other_carriers_only(
    web, port_carrier, django_assert_max_num_queries
):
    line = web.get(f"/lines/{peters_line_pk()}/").content.decode()
    assert f'href="/lines/{peters_line_pk()}/port/"' in line

    with django_assert_max_num_queries(DEVICE_LIST_MAX_QUERIES + 1):  # + the line
        devices = web.get(f"/lines/{peters_line_pk()}/port/")

    # Then only the AT&T and T-Mobile iPhones are offered: peter's line is with Verizon already
    assert [d.pk for d in devices.context["devices"]] == [iphone_15(ATT).pk, iphone_15_pro().pk]
    assert f'href="?device={api_id(iphone_15(ATT))}"' in devices.content.decode()
    assert web.get(f"/lines/{peters_line_pk()}/port/?device={iphone_id()}").status_code == 404


def test_port_asks_for_the_new_carriers_plan_and_the_carriers_account(web, port_carrier):
    response = web.get(port_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert radio_values(html, "plan") == [api_id(business_unlimited_elite())]  # no Verizon plan
    assert 'data-testid="line-now"' in html and "2035557676" in html
    assert 'name="number"' not in html  # the line keeps its number: nothing to type
    for path in ["LOSING_CARRIER", "ACCOUNT_NUMBER", "ACCOUNT_PIN", "BILLING_NAME"]:
        assert f'data-field="properties.PORT_IN.{path}"' in html, path
    assert 'name="accessories"' not in html  # a port carries no accessories


def test_a_valid_port_is_reviewed_then_stored_for_the_line(
    web, port_carrier, django_capture_on_commit_callbacks
):
    number = review_number(web.post(port_url(), port_form()))
    assert Order.objects.count() == 0

    review = web.get(f"/review/{number}/").content.decode()
    order = submit_review(web, number, django_capture_on_commit_callbacks)

    assert "Port line 2035557676 to another carrier" in review
    assert order.transaction_type == "PORT_NUMBER"
    assert order.service_id == peters_line_pk()
    assert list(order.segments.values_list("vendor__name", flat=True)) == [ATT]
    assert items_of(order) == {
        ("DEVICE", "ADD", "Apple iPhone 15"),
        ("PLAN", "ADD", "Business Unlimited Elite"),
        ("FEATURE", "ADD", "International roaming"),
    }


def test_every_problem_of_a_port_is_shown_beside_its_input(web, port_carrier):
    response = web.post(
        port_url(), {**port_form(), "prop-PORT_IN-ACCOUNT_PIN": "", "postal-code": "ABCDE"}
    )

    assert response.status_code == 400
    assert errors_beside(response, "properties.PORT_IN.ACCOUNT_PIN") == [
        "Account PIN (transfer PIN) is required."
    ]
    assert errors_beside(response, "postalCode")
    assert Order.objects.count() == 0


def test_an_open_upgrade_on_the_line_is_shown_with_the_line_on_the_port_form(
    web, peters_line, port_carrier, django_capture_on_commit_callbacks
):
    submit_review(
        web,
        review_number(web.post(upgrade_url(), upgrade_form())),
        django_capture_on_commit_callbacks,
    )

    response = web.post(port_url(), port_form())

    assert response.status_code == 400
    assert "2035557676" in errors_beside(response, "serviceId")[0]
    html = response.content.decode()
    line_card = html[html.index('data-testid="line-now"') :].split("</section>")[0]
    assert "has an open upgrade order" in line_card
    assert Order.objects.count() == 1


def test_a_suspended_line_cannot_be_ported(web, peters_line):
    peters_line.status = ServiceAsset.Status.SUSPENDED
    peters_line.save()

    response = web.get(f"/lines/{peters_line_pk()}/port/")

    assert response.status_code == 409
    html = response.content.decode()
    assert "This line cannot be ported now" in html
    assert "is suspended: only active lines are ported to another carrier" in html


# --- An upgrade ---------------------------------------------------------------------------------


@pytest.fixture
def peters_line(demo) -> ServiceAsset:
    """Peter's line, due for an upgrade, with international roaming on it."""
    line = line_of("peter")
    line.features.set([roaming()])
    return line


def test_upgrade_offers_devices_of_the_lines_carrier(web, peters_line, demo):
    att_phone = iphone_15(ATT)
    att_phone.offered_to.add(demo.acme)

    response = web.get(f"/lines/{peters_line_pk()}/upgrade/")

    html = response.content.decode()
    verizon_phones = {cookie_plus().pk, iphone_15().pk, galaxy_s24().pk}
    assert {d.pk for d in response.context["devices"]} == verizon_phones
    assert "2035557676" in html and "LG Cookie Plus" in html
    assert next(d for d in response.context["devices"] if d.pk == cookie_plus().pk).is_current
    assert web.get(f"/lines/{peters_line_pk()}/upgrade/?device={att_phone.pk}").status_code == 404


def test_upgrade_keeps_the_plan_and_its_features_unless_told_otherwise(web, peters_line):
    response = web.get(upgrade_url())

    html = response.content.decode()
    assert checked_values(html, "plan") == ["keep"]
    assert "Keep Business Unlimited" in html
    assert checked_values(html, "features") == [roaming_id()]
    assert radio_values(html, "plan") == ["keep", ten_gb_id()]
    assert 'name="postal-code"' not in html  # the line is registered already


def test_an_upgrade_keeping_the_plan_stores_the_new_device(
    web, peters_line, django_capture_on_commit_callbacks
):
    number = review_number(
        web.post(upgrade_url(), {**upgrade_form(), "features": [roaming_id(), hotspot_id()]})
    )
    assert Order.objects.count() == 0

    order = submit_review(web, number, django_capture_on_commit_callbacks)

    assert order.transaction_type == "UPGRADE"
    assert order.service_id == peters_line_pk()
    assert items_of(order) == {
        ("DEVICE", "ADD", "Apple iPhone 15"),
        ("FEATURE", "ADD", "Mobile hotspot"),
    }
    # The device traded in is the line's own; the employee never typed it.
    assert order.details["existingDevice"]["serialNumber"] == {
        "type": "ESN",
        "value": "4289183847832",
    }


def test_an_upgrade_to_another_plan_drops_the_old_one(
    web, peters_line, django_capture_on_commit_callbacks
):
    posted = {**upgrade_form(), "plan": ten_gb_id(), "features": [hotspot_10gb_id()]}

    order = submit_review(
        web, review_number(web.post(upgrade_url(), posted)), django_capture_on_commit_callbacks
    )

    assert items_of(order) == {
        ("DEVICE", "ADD", "Apple iPhone 15"),
        ("PLAN", "ADD", "Business 10 GB"),
        ("FEATURE", "ADD", "Mobile hotspot"),
        ("PLAN", "REMOVE", "Business Unlimited"),
        ("FEATURE", "REMOVE", "International roaming"),
    }


def test_a_line_upgraded_recently_is_not_eligible_yet(web, peters_line):
    peters_line.last_device_upgrade = timezone.now()
    peters_line.save()
    eligible_from = peters_line.upgrade_eligibility_date

    page = web.get(f"/lines/{peters_line_pk()}/upgrade/")
    posted = web.post(upgrade_url(), upgrade_form())

    html = page.content.decode()
    assert page.status_code == 409 and posted.status_code == 409
    assert "had its last device upgrade less than 24 months ago" in html
    assert f"{eligible_from:%B} {eligible_from.day}, {eligible_from.year}" in html
    assert "Eligible for an upgrade from" not in html  # the date is said once
    assert 'name="plan"' not in html
    assert Order.objects.count() == 0


def test_a_suspended_line_cannot_be_upgraded(web, peters_line):
    peters_line.status = ServiceAsset.Status.SUSPENDED
    peters_line.save()

    response = web.get(f"/lines/{peters_line_pk()}/upgrade/")

    assert response.status_code == 409
    assert "is suspended: only active lines are upgraded" in response.content.decode()


def test_another_employees_line_is_not_found(web):
    assert web.get(f"/lines/{sams_line_pk()}/upgrade/").status_code == 404
    assert (
        web.post(
            f"/lines/{sams_line_pk()}/upgrade/?device={iphone_id()}", upgrade_form()
        ).status_code
        == 404
    )
    assert Order.objects.count() == 0


def test_an_open_upgrade_on_the_line_is_shown_with_the_line(
    web, peters_line, django_capture_on_commit_callbacks
):
    submit_review(
        web,
        review_number(web.post(upgrade_url(), upgrade_form())),
        django_capture_on_commit_callbacks,
    )

    response = web.post(upgrade_url(), upgrade_form())

    assert response.status_code == 400
    assert "2035557676" in errors_beside(response, "serviceId")[0]
    assert Order.objects.count() == 1


def test_a_line_without_a_device_on_record_says_so(web, peters_line):
    DeviceAsset.objects.filter(service=peters_line).update(service=None)

    response = web.get(f"/lines/{peters_line_pk()}/upgrade/")

    assert response.status_code == 409
    assert "has no device on record" in response.content.decode()


def test_the_upgrade_summary_lists_what_changes_on_the_line(web, peters_line):
    # Peter drops international roaming, reviews, then comes back to edit.
    number = review_number(web.post(upgrade_url(), {**upgrade_form(), "features": []}))
    back = web.get(f"/review/{number}/").context["back"]

    preview = web.get(back).context["preview"]

    assert [(line.name, line.removed) for line in preview.lines] == [
        ("Apple iPhone 15", False),
        ("International roaming", True),
    ]
    assert preview.onetime == Decimal("729.00")
    assert preview.monthly == Decimal("-10.00")


def test_the_forms_need_the_csrf_token(peter, peters_line):
    client = Client(enforce_csrf_checks=True)
    client.force_login(peter.user)

    for url, posted in [
        (new_line_url(), new_line_form()),
        (port_url(), port_form()),
        (upgrade_url(), upgrade_form()),
    ]:
        assert client.post(url, posted).status_code == 403, url

    assert "procure_typed" not in client.session and "reviews" not in client.session


def order_number_of(html: str) -> str:
    return re.search(r'name="order-number" value="(WEB-[0-9A-F]+)"', html)[1]


def test_a_guided_form_sent_twice_is_one_order(
    web, port_carrier, django_capture_on_commit_callbacks
):
    # Peter's browser sends the port form again (a double click, a reload after a timeout)
    page = web.get(port_url()).content.decode()
    posted = {**port_form(), "order-number": order_number_of(page)}
    first = review_number(web.post(port_url(), posted))
    second = review_number(web.post(port_url(), posted))

    # Then both lead to the one review, which stores one order
    assert first == second == posted["order-number"]
    order = submit_review(web, first, django_capture_on_commit_callbacks)
    assert web.post(f"/review/{first}/")["Location"] == f"/orders/{order.pk}/"
    assert Order.objects.count() == 1


def test_editing_after_review_keeps_the_number_until_the_order_is_submitted(
    web, django_capture_on_commit_callbacks
):
    number = review_number(web.post(new_line_url(), new_line_form()))
    back = web.get(f"/review/{number}/").context["back"]

    assert order_number_of(web.get(back).content.decode()) == number
    submit_review(web, number, django_capture_on_commit_callbacks)
    assert order_number_of(web.get(back).content.decode()) != number
