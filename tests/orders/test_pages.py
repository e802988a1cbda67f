"""The employee's order pages through Django's test client: cart, checkout with its server-side
errors, the review page and idempotent submit, my orders, the order page, cancel; and home."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from orders import drafts, services
from orders.models import Order, OrderHistory, PropertyField, Shipment
from orders.requests import parse_order_request
from tests.conftest import browser_for, seed_order_request
from tests.demo_data import (
    accessory,
    api_id,
    line_of,
    united_states,
    vehicle_charger,
    wall_charger,
)
from tests.factories import RegionFactory


def peters_line() -> str:
    """Peter's line, with an LG Cookie Plus."""
    return api_id(line_of("peter"))


def charger() -> str:
    """Seed 002's first accessory, the vehicle charger."""
    return api_id(vehicle_charger())


def second_charger() -> str:
    """Seed 002's second accessory, the wall charger."""
    return api_id(wall_charger())


def address() -> dict:
    """The checkout's ship-to inputs: seed 002's address, in the United States."""
    return {
        "region": api_id(united_states()),
        "ship-name": "Peter Edwards",
        "addr-LINE_1": "35 Executive Blvd",
        "addr-CITY": "Orange",
        "addr-STATE": "CT",
        "addr-POSTAL_CODE": "06477",
    }


def valid() -> dict:
    """A valid checkout form: the address and a contact number."""
    return {**address(), "prop-MISCELLANEOUS-CONTACT_NUMBER": "2035559999"}


# Bounds for the pages, session, user, employee and navigation counts included.
LIST_MAX_QUERIES = 12
DETAIL_MAX_QUERIES = 16


def fill_cart(client: Client, *accessories: str) -> None:
    line = peters_line()
    for item in accessories or (charger(), second_charger()):
        response = client.post("/cart/add/", {"service": line, "accessory": item})
        assert response.status_code == 302


def place_order(employee, number: str | None = None, **overrides) -> Order:
    """Seed 002's order, submitted through the services (routing not run)."""
    body = seed_order_request(externalOrderNumber=number, **overrides)
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = services.submit_order(draft=draft)
    return order


def field(response, path: str):
    """The checkout form's input answering a problem path (under orderRequest.)."""
    form = response.context["form"]
    return next(item for item in form.inputs if item.path == path)


def block(html: str, path: str) -> str:
    """The HTML of one field's wrapper, to check that an error sits beside its input."""
    start = html.index(f'data-field="{path}"')
    ends = [html.find(marker, start + 1) for marker in ('data-field="', "</section>")]
    return html[start : min(end for end in ends if end > 0)]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Cart ---------------------------------------------------------------------------------------


def test_cart_lists_items_with_the_one_time_total(web):
    fill_cart(web)

    response = web.get("/cart/")

    html = response.content.decode()
    assert "Vehicle Charger with Dual Output" in html and "Rapid Wall Charger" in html
    assert response.context["totals"]["onetime"] == Decimal("44.98")
    assert "44.98 USD" in html
    both = [charger(), second_charger()]
    assert web.session["cart"] == {"serviceId": peters_line(), "accessoryIds": both}


def test_removing_an_item_updates_the_cart(web):
    fill_cart(web)

    web.post("/cart/remove/", {"accessory": charger()})

    assert web.session["cart"]["accessoryIds"] == [second_charger()]


def test_empty_cart_shows_a_way_to_the_catalog(web):
    response = web.get("/cart/")

    assert "Your cart is empty." in response.content.decode()
    assert 'href="/catalog/"' in response.content.decode()


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(web):
    response = web.get("/checkout/")

    assert response.status_code == 302
    assert response["Location"] == "/cart/"


# --- Checkout: every error beside its field -----------------------------------------------------


def test_checkout_shows_every_server_side_error_beside_its_field(web):
    fill_cart(web)

    response = web.post("/checkout/", {**address(), "addr-CITY": "", "addr-POSTAL_CODE": "X1"})

    assert response.status_code == 400
    assert field(response, "shipTo.address.CITY").errors == ["City is required."]
    assert field(response, "properties.MISCELLANEOUS.CONTACT_NUMBER").errors == [
        "Contact Phone Number is required."
    ]
    assert field(response, "shipTo.address.POSTAL_CODE").errors == ["'X1' is not a valid Zip Code."]
    assert response.context["form"].errors == []  # nothing left without its input
    html = response.content.decode()
    assert "City is required." in block(html, "shipTo.address.CITY")
    assert "Contact Phone Number is required." in block(
        html, "properties.MISCELLANEOUS.CONTACT_NUMBER"
    )
    assert "Please check 3 things below." in html
    # What was typed stays in the form.
    assert 'value="35 Executive Blvd"' in html
    assert Order.objects.count() == 0


def test_checkout_renders_each_property_by_its_type(web):
    fill_cart(web)

    html = web.get("/checkout/").content.decode()

    contact = block(html, "properties.MISCELLANEOUS.CONTACT_NUMBER")
    assert 'maxlength="20"' in contact and 'class="req"' in contact
    assert 'type="date"' in block(html, "properties.MISCELLANEOUS.NEEDED_BY")
    reason = block(html, "properties.MISCELLANEOUS.REASON")
    assert "<select" in reason and "data-other" in reason
    assert 'name="prop-MISCELLANEOUS-REASON-other"' in reason
    state = block(html, "shipTo.address.STATE")
    assert '<option value="CT">Connecticut</option>' in state
    assert 'type="checkbox"' in block(html, "shipTo.expedite")


def test_an_other_choice_needs_its_text(web):
    fill_cart(web)

    response = web.post("/checkout/", {**valid(), "prop-MISCELLANEOUS-REASON": "OTHER"})

    assert response.status_code == 400
    assert field(response, "properties.MISCELLANEOUS.REASON").errors == [
        "Reason for the order: say what 'Other' is, in a few words."
    ]


def test_problems_without_an_input_are_shown_on_top(web, peter):
    fill_cart(web)
    session = web.session
    iphones = api_id(accessory("Apple 20W USB-C Power Adapter"))
    session["cart"] = {"serviceId": peters_line(), "accessoryIds": [charger(), iphones]}
    session.save()

    response = web.post("/checkout/", valid())

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert len(errors) == 1 and "does not fit the LG" in errors[0]
    assert "does not fit the LG" in response.content.decode()


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/orders/", "/orders/"),
        ("xy", "/catalog/?service={line}"),  # a bare word is no URL of ours
        ("https://evil.example/", "/catalog/?service={line}"),
        ("//evil.example/", "/catalog/?service={line}"),
    ],
)
def test_adding_to_the_cart_goes_back_only_to_a_page_of_this_site(web, next_url, lands_on):
    line = peters_line()
    response = web.post("/cart/add/", {"service": line, "accessory": charger(), "next": next_url})

    assert response.status_code == 302 and response["Location"] == lands_on.format(line=line)


# --- Review and submit (the review page every order goes through) -------------------------------

REVIEW_URL = re.compile(r"/review/(WEB-[0-9A-F]{20})/")


def check_out(client: Client, data: dict | None = None) -> str:
    """POST a valid checkout; the review page it leads to."""
    response = client.post("/checkout/", data or valid())
    assert response.status_code == 302, response.content
    assert REVIEW_URL.fullmatch(response["Location"]), response["Location"]
    return response["Location"]


def edit_link(review_page) -> str:
    return re.search(
        r'href="(/checkout/\?review=[^"]+)">&larr; Edit', review_page.content.decode()
    )[1]


def test_valid_checkout_shows_the_review_and_stores_nothing(web):
    fill_cart(web)

    review = web.get(
        check_out(
            web,
            {
                **valid(),
                "expedite": "on",
                "prop-MISCELLANEOUS-REASON": "OTHER",
                "prop-MISCELLANEOUS-REASON-other": "Conference travel",
                "prop-MISCELLANEOUS-NEEDED_BY": "2030-01-15",
            },
        )
    )

    html = review.content.decode()
    assert review.status_code == 200
    assert re.search(r'data-testid="cost-onetime"><span class="money">44.98 USD', html)
    for text in [
        "Accessories for line 2035557676", "Peter Edwards", "peter.edwards@acme.com",
        "LG Cookie Plus", "Vehicle Charger with Dual Output", "Rapid Wall Charger",
        "Verizon Wireless", "Contact Phone Number", "2035559999", "Other: Conference travel",
        "Jan 15, 2030", "35 Executive Blvd", "Orange", "06477", "Expedited shipping.",
    ]:  # fmt: skip
        assert text in html, text
    assert Order.objects.count() == 0


def test_edit_goes_back_to_the_form_with_the_values_kept(web):
    fill_cart(web)
    review = web.get(check_out(web))

    html = web.get(edit_link(review)).content.decode()

    assert 'value="2035559999"' in html and 'value="Orange"' in html
    # The same order when sent again: its number is kept.
    number = REVIEW_URL.fullmatch(review.request["PATH_INFO"])[1]
    assert f'name="number" value="{number}"' in html


def test_submit_stores_the_order_clears_the_cart_and_shows_the_order(
    web, peter, django_capture_on_commit_callbacks
):
    fill_cart(web)
    review_url = check_out(web)

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(review_url)

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert order.requested_by == peter and order.external_order_number.startswith("WEB-")
    assert str(order.cost_onetime) == "44.98"
    assert "cart" not in web.session or not web.session["cart"]
    page = web.get(response["Location"])
    assert f"Thank you! Order #{order.pk} is submitted." in messages_of(page)
    assert "Awaiting approval" in page.content.decode()


def test_a_resubmitted_checkout_returns_the_same_order(web):
    fill_cart(web)
    review_url = check_out(web)
    before = dict(web.session.items())

    first = web.post(review_url)
    # A double click: the second request still carries the session as it was before the first.
    session = web.session
    for key, value in before.items():
        session[key] = value
    session.save()
    second = web.post(review_url)
    # And a third after the session says it is submitted (back button, reload).
    third = web.post(review_url, follow=True)
    # And the checkout itself sent again, its cart now empty.
    fourth = web.post("/checkout/", valid(), follow=True)

    order = Order.objects.get()
    assert first["Location"] == second["Location"] == f"/orders/{order.pk}/"
    assert third.redirect_chain[-1][0] == f"/orders/{order.pk}/"
    assert f"Order #{order.pk} was submitted already." in messages_of(third)
    assert fourth.redirect_chain[-1][0] == f"/orders/{order.pk}/"


def test_submit_validates_again(web):
    fill_cart(web)
    review_url = check_out(web)
    # The tenant admin makes another property required meanwhile.
    PropertyField.objects.filter(field_id="SERVICE_NUMBER").update(
        validation=PropertyField.Validation.REQUIRED
    )

    response = web.post(review_url, follow=True)

    # Back on the checkout form, the values kept, the new problem beside its input.
    assert response.redirect_chain[-1][0].startswith("/checkout/?review=")
    assert field(response, "properties.MISCELLANEOUS.SERVICE_NUMBER").errors == [
        "Service Number is required."
    ]
    assert any("Something changed since you filled in" in m for m in messages_of(response))
    assert 'value="2035559999"' in response.content.decode()
    assert Order.objects.count() == 0


def test_a_number_taken_by_someone_else_is_refused_and_replaced(web, sam):
    sams_line = {"serviceId": api_id(line_of(sam)), "shoppingCart": {"accessoryIds": [charger()]}}
    taken = place_order(sam, number="WEB-TAKEN", **sams_line)
    fill_cart(web)
    review_url = check_out(web)
    number = REVIEW_URL.fullmatch(review_url)[1]
    session = web.session
    session["reviews"][number]["body"]["orderRequest"]["externalOrderNumber"] = "WEB-TAKEN"
    session.save()

    response = web.post(review_url, follow=True)

    assert "externalOrderNumber WEB-TAKEN is already used." in messages_of(response)
    assert list(Order.objects.all()) == [taken]
    # The form again, filled in, under a fresh number: the next try goes through.
    fresh = re.search(r'name="number" value="([^"]+)"', response.content.decode())[1]
    assert fresh not in {number, "WEB-TAKEN"}
    web.post(check_out(web, {**valid(), "number": fresh}))
    assert Order.objects.count() == 2


def test_changing_the_country_lays_out_its_address_format(web):
    canada = RegionFactory(
        name="Canada",
        code="CA",
        address_format=[
            {"id": "LINE_1", "label": "Street", "validation": "REQUIRED", "maxLength": 100},
            {"id": "POSTAL_CODE", "label": "Postal code", "validation": "REQUIRED"},
        ],
    )
    fill_cart(web)

    response = web.post("/checkout/", {**valid(), "region": str(canada.pk), "action": "region"})

    html = response.content.decode()
    assert response.status_code == 200
    assert [item.label for item in response.context["form"].address] == ["Street", "Postal code"]
    assert 'name="addr-CITY"' not in html
    assert 'value="2035559999"' in html  # the rest is kept
    assert Order.objects.count() == 0


# --- CSRF ---------------------------------------------------------------------------------------


def test_page_posts_need_the_csrf_token(peter):
    order = place_order(peter)
    client = browser_for(peter, csrf=True)

    for url, data in [
        ("/cart/add/", {"service": peters_line(), "accessory": charger()}),
        ("/cart/remove/", {"accessory": charger()}),
        ("/checkout/", valid()),
        ("/review/WEB-0123456789ABCDEF0123/", {}),
        (f"/orders/{order.pk}/cancel/", {"reason": "x"}),
    ]:
        assert client.post(url, data).status_code == 403, url

    assert Order.objects.get(pk=order.pk).status == Order.Status.ORDER_SUBMITTED


def test_state_changing_urls_refuse_get(web, peter):
    order = place_order(peter)

    assert web.get("/cart/add/").status_code == 405
    assert web.get(f"/orders/{order.pk}/cancel/").status_code == 405


# --- My orders ----------------------------------------------------------------------------------


def test_my_orders_lists_own_orders_with_badges(web, peter):
    order = place_order(peter)

    response = web.get("/orders/")

    html = response.content.decode()
    assert [o.pk for o in response.context["orders"]] == [order.pk]
    assert 'data-status="ORDER_SUBMITTED"' in html and "44.98 USD" in html


def test_my_orders_leaves_out_orders_the_employee_only_approves(
    peter, maria, ada, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(peter)
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_APPROVAL

    assert list(browser_for(maria).get("/orders/").context["orders"]) == []
    assert list(browser_for(ada).get("/orders/").context["orders"]) == []
    everything = browser_for(ada).get("/orders/?scope=all")
    assert [o.pk for o in everything.context["orders"]] == [order.pk]
    # Only tenant admins may widen the list.
    assert list(browser_for(maria).get("/orders/?scope=all").context["orders"]) == []


def test_my_orders_filters(web, peter):
    submitted = place_order(peter)
    cancelled = place_order(peter)
    services.cancel_order(order=cancelled, actor=peter)

    by_status = web.get("/orders/?status=CANCELLED").context["orders"]
    by_type = web.get("/orders/?type=UPGRADE").context["orders"]
    by_number = web.get(f"/orders/?q=%23{submitted.pk}").context["orders"]
    by_item = web.get("/orders/?q=wall+charger").context["orders"]

    assert [o.pk for o in by_status] == [cancelled.pk]
    assert list(by_type) == []
    assert [o.pk for o in by_number] == [submitted.pk]
    assert {o.pk for o in by_item} == {submitted.pk, cancelled.pk}


def test_my_orders_is_empty_with_a_link_to_the_catalog(web):
    html = web.get("/orders/").content.decode()

    assert "You have not ordered anything yet." in html
    assert 'href="/catalog/"' in html


def test_my_orders_runs_a_fixed_number_of_queries(
    web, peter, count_queries, django_assert_max_num_queries
):
    place_order(peter)
    with count_queries() as one:
        web.get("/orders/")
    for _ in range(14):
        place_order(peter)

    with django_assert_max_num_queries(LIST_MAX_QUERIES), count_queries() as fifteen:
        response = web.get("/orders/")

    assert len(response.context["orders"]) == 15
    assert len(fifteen.captured_queries) == len(one.captured_queries)


def test_my_orders_paginates_by_25(web, peter):
    for _ in range(26):
        place_order(peter)

    first, second = web.get("/orders/"), web.get("/orders/?page=2")

    assert len(first.context["orders"]) == 25 and len(second.context["orders"]) == 1
    assert "Page 1 of 2" in first.content.decode()


# --- The order page -----------------------------------------------------------------------------


def test_order_page_shows_the_order_and_a_readable_timeline(
    web, peter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(peter)

    response = web.get(f"/orders/{order.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Awaiting approval", "Verizon Wireless", "Vehicle Charger with Dual Output",
        "44.98 USD", "Contact Phone Number", "2035559999", "35 Executive Blvd",
        "Orange, CT 06477", "Expedited",
    ]:  # fmt: skip
        assert text in html, text
    titles = [entry.title for entry in response.context["timeline"]]
    assert titles[:3] == ["Order submitted", "Approval needed", "Approval step started"]
    assert "E-mail: approval requested" in titles
    step = response.context["timeline"][2]
    assert "Waiting for Maria Lopez" in step.detail
    mail = next(e for e in response.context["timeline"] if e.title.startswith("E-mail"))
    assert "Maria Lopez" in mail.detail and "delivered" in mail.detail


def test_order_page_of_someone_else_is_404(peter, sam, gina):
    order = place_order(peter)

    assert browser_for(sam).get(f"/orders/{order.pk}/").status_code == 404  # a colleague
    assert browser_for(gina).get(f"/orders/{order.pk}/").status_code == 404  # another tenant
    assert browser_for(gina).post(f"/orders/{order.pk}/cancel/").status_code == 404
    assert browser_for(peter).get("/orders/999999/").status_code == 404


def test_order_page_offers_the_decision_to_its_approver_only(
    peter, maria, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(peter)

    as_maria = browser_for(maria).get(f"/orders/{order.pk}/")
    as_peter = browser_for(peter).get(f"/orders/{order.pk}/")

    decision = "approvals/partials/decision_form.html"
    assert decision in [t.name for t in as_maria.templates]
    assert decision not in [t.name for t in as_peter.templates]
    assert not as_maria.context["can_cancel"]  # an approver cannot withdraw it
    assert as_peter.context["can_cancel"]


def test_order_page_runs_a_fixed_number_of_queries(
    web, peter, count_queries, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        small, big = place_order(peter), place_order(peter)
    segment = big.segments.get()
    for day in range(5):
        services.record_history(big, event="approval_reminder", actor=None, note=f"Day {day}.")
        Shipment.objects.create(
            segment=segment, carrier="UPS", tracking_number=f"1Z{day}", shipped_at=timezone.now()
        )
    with count_queries() as few:
        web.get(f"/orders/{small.pk}/")

    with django_assert_max_num_queries(DETAIL_MAX_QUERIES), count_queries() as many:
        response = web.get(f"/orders/{big.pk}/")

    assert len(response.context["timeline"]) > 10
    assert "UPS tracking 1Z4" in response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Cancel -------------------------------------------------------------------------------------


def test_requester_cancels_from_the_order_page(web, peter):
    order = place_order(peter)
    assert 'data-confirm="Cancel order' in web.get(f"/orders/{order.pk}/").content.decode()

    response = web.post(f"/orders/{order.pk}/cancel/", {"reason": "Ordered twice"}, follow=True)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    entry = OrderHistory.objects.get(order=order, event="cancel")
    assert entry.actor == peter and entry.note == "Ordered twice"
    assert f"Order #{order.pk} is cancelled." in messages_of(response)
    html = response.content.decode()
    assert "Cancel this order" not in html  # no form once it is cancelled
    assert "Reason: Ordered twice" in html


def test_cancel_refusals_are_shown_as_messages(peter, maria, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(peter)

    as_approver = browser_for(maria).post(f"/orders/{order.pk}/cancel/", follow=True)
    assert "Only the requester or a tenant admin may cancel this order." in messages_of(as_approver)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        services.transition_order(locked, "approve", actor=None)
    too_late = browser_for(peter).post(f"/orders/{order.pk}/cancel/", follow=True)

    assert "An order in status APPROVED can no longer be cancelled." in messages_of(too_late)
    assert Order.objects.get(pk=order.pk).status == Order.Status.APPROVED
    assert "Cancel this order" not in too_late.content.decode()


# --- Home ---------------------------------------------------------------------------------------


def test_home_shows_lines_devices_and_recent_orders(web, peter):
    order = place_order(peter)

    html = web.get("/").content.decode()

    assert "2035557676" in html and "LG Cookie Plus" in html
    assert f'href="/catalog/?service={peters_line()}"' in html
    assert f'href="/orders/{order.pk}/"' in html
    assert "wait for your decision" not in html and "waits for your decision" not in html


def test_home_tells_an_approver_what_waits(peter, maria, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place_order(peter)

    html = browser_for(maria).get("/").content.decode()

    assert "1 order waits for your decision" in html
    assert 'href="/approvals/"' in html
