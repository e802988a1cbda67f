"""The line page and its care actions through Django's test client: what a line shows, which
actions its status allows, each care form from its page through review to the stored order,
errors beside their inputs, conflicting open orders, and the home page's way to the lines."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from catalog.models import DeviceAsset, ServiceAsset
from orders import drafts, services
from orders.models import Order, OrderItem
from orders.requests import parse_order_request
from tests.conftest import browser_for, seed_order_request
from tests.demo_data import api_id, cookie_plus, hotspot, iphone_15, line_of, roaming


def peters_line_pk() -> int:
    """Peter's line 2035557676, on an LG Cookie Plus (ESN 4289183847832)."""
    return line_of("peter").pk


# International roaming and the hotspot, features of Business Unlimited: 10.00 and 5.00 a month
def roaming_pk() -> int:
    return roaming().pk


def hotspot_pk() -> int:
    return hotspot().pk


NEW_SERIAL = "351234567890123"
SUSPEND_REASON = "prop-SUSPENSION-REASON"
DEACTIVATE_REASON = "prop-DEACTIVATION-REASON"
# The line page, session, user, employee and navigation counts included.
LINE_PAGE_MAX_QUERIES = 10

S = ServiceAsset.Status


@pytest.fixture
def line(peter) -> ServiceAsset:
    return ServiceAsset.objects.get(pk=peters_line_pk())


def set_status(status: str) -> None:
    ServiceAsset.objects.filter(pk=peters_line_pk()).update(status=status)


def actions_on(html: str) -> list[str]:
    return re.findall(r'data-action="([A-Z_]+)"', html)


def block(html: str, path: str) -> str:
    """The HTML of one input's wrapper, to check that an error sits beside its input."""
    start = html.index(f'data-field="{path}"')
    ends = [html.find(marker, start + 1) for marker in ('data-field="', "</section>")]
    return html[start : min(end for end in ends if end > 0)]


def place(employee, transaction_type: str, **fields) -> Order:
    """An order on Peter's line submitted through the services (routing not run): open."""
    body = {
        "orderRequest": {
            "transactionType": transaction_type,
            "serviceId": str(peters_line_pk()),
            **fields,
        }
    }
    request = parse_order_request(body, tenant=employee.tenant, actor=employee)
    draft = drafts.draft_order(tenant=employee.tenant, actor=employee, request=request)
    order, _created = services.submit_order(draft=draft)
    return order


def items_of(order: Order) -> list[tuple[str, str, str]]:
    items = OrderItem.objects.filter(segment__order=order).order_by("position", "pk")
    return [(item.name, item.kind, item.action) for item in items]


def suspension(reason: str = "LEAVE") -> dict:
    choice = {"id": "REASON", "type": "CHOICE", "choice": {"id": reason}}
    return {"properties": [{"groupId": "SUSPENSION", "fields": [choice]}]}


def continue_to_review(client: Client, action: str, data: dict) -> str:
    """Post a care form; it must go to the review page. Returns the review page's URL."""
    response = client.post(f"/lines/{peters_line_pk()}/{action}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert re.fullmatch(r"/review/WEB-[0-9A-F]{20}/", response["Location"])
    return response["Location"]


def submit_review(client: Client, review_url: str) -> Order:
    response = client.post(review_url)
    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.pk}/"
    return order


# --- The line page ------------------------------------------------------------------------------


def test_line_page_shows_the_line_its_device_plan_and_contract(web, line):
    line.features.add(hotspot_pk())

    response = web.get(f"/lines/{peters_line_pk()}/")

    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "2035557676", 'data-status="ACTIVE"', "Verizon Wireless", "Business Unlimited",
        "45.00 USD", "Mobile hotspot", "5.00 USD", "50.00 USD",  # plan + feature a month
        "LG Cookie Plus", "ESN", "4289183847832", "83924758342478392342",
        "Eligible for an upgrade since Jan 21, 2016",  # 24 months after the last upgrade
    ]:  # fmt: skip
        assert text in html, text


def test_a_line_not_yet_due_for_an_upgrade_says_from_when(web, line):
    line.last_device_upgrade = line.last_device_upgrade.replace(year=2099)
    line.save()

    html = web.get(f"/lines/{peters_line_pk()}/").content.decode()

    assert "Eligible from Jan 21, 2101" in html
    upgrade = html[html.index('data-action="UPGRADE"') :]
    assert "Eligible for an upgrade from Jan 21, 2101." in upgrade[: upgrade.index("</li>")]


@pytest.mark.parametrize("status", [S.ACTIVE, S.SUSPENDED, S.DEACTIVATED])
def test_the_line_page_offers_exactly_the_actions_its_status_allows(web, status):
    set_status(status)

    html = web.get(f"/lines/{peters_line_pk()}/").content.decode()

    assert actions_on(html) == ServiceAsset.ORDER_ACTIONS[status]


def test_an_active_lines_actions_lead_to_their_pages(web):
    line = peters_line_pk()
    html = web.get(f"/lines/{line}/").content.decode()

    for href in [
        f"/catalog/?service={line}", f"/lines/{line}/upgrade/", f"/lines/{line}/port/",
        f"/lines/{line}/suspend/",
        f"/lines/{line}/deactivate/", f"/lines/{line}/features/", f"/lines/{line}/swap/",
    ]:  # fmt: skip
        assert f'href="{href}"' in html, href
    assert f'href="/lines/{line}/unsuspend/"' not in html


def test_a_deactivated_line_says_nothing_can_be_ordered(web):
    set_status(S.DEACTIVATED)

    html = web.get(f"/lines/{peters_line_pk()}/").content.decode()

    assert "This line is deactivated; nothing can be ordered for it" in html
    assert 'href="/lines/new/"' in html and 'href="/lines/bring/"' in html
    assert "/port/" not in html  # a deactivated line is ported nowhere


def test_accessories_need_a_catalog_device_on_the_line(web, line):
    DeviceAsset.objects.filter(service=line).update(
        device=None, manufacturer="Apple", other_make_model="iPhone 12"
    )

    html = web.get(f"/lines/{peters_line_pk()}/").content.decode()

    accessories = html[html.index('data-action="ORDER_ACCESSORIES"') :]
    note = accessories[: accessories.index("</li>")]
    assert "No accessories are known to fit the Apple iPhone 12" in note
    assert f'href="/catalog/?service={peters_line_pk()}"' not in html


def test_lines_the_employee_may_not_see_are_not_found(web, gina, ada):
    for pk in (line_of("maria").pk, line_of("gina").pk, 99999999):
        assert web.get(f"/lines/{pk}/").status_code == 404
        assert web.get(f"/lines/{pk}/suspend/").status_code == 404
    assert browser_for(gina).get(f"/lines/{peters_line_pk()}/").status_code == 404
    # A tenant admin may see (and order for) any line of the tenant
    assert browser_for(ada).get(f"/lines/{peters_line_pk()}/").status_code == 200


def test_the_line_page_lists_open_and_finished_orders(web, peter):
    finished = place(peter, "SUSPEND", **suspension())
    Order.objects.filter(pk=finished.pk).update(status=Order.Status.COMPLETE)
    under_way = place(peter, "UPDATE_FEATURES", shoppingCart={"features": [
        {"id": str(roaming_pk()), "action": "ADD"}]})  # fmt: skip

    response = web.get(f"/lines/{peters_line_pk()}/")

    assert response.context["open_orders"] == [under_way]
    assert response.context["recent_orders"] == [finished]
    html = response.content.decode()
    assert f'href="/orders/{under_way.pk}/"' in html and f'href="/orders/{finished.pk}/"' in html


def test_an_open_order_disables_the_actions_it_conflicts_with(web, peter):
    suspending = place(peter, "SUSPEND", **suspension())

    html = web.get(f"/lines/{peters_line_pk()}/").content.decode()

    # Accessories rely on the device only; everything else changes or relies on the status
    assert actions_on(html) == ServiceAsset.ORDER_ACTIONS[S.ACTIVE]
    assert f'href="/catalog/?service={peters_line_pk()}"' in html
    for action in ("suspend", "deactivate", "features", "swap"):
        assert f'href="/lines/{peters_line_pk()}/{action}/"' not in html, action
    deactivate = html[html.index('data-action="DEACTIVATE"') :]
    note = deactivate[: deactivate.index("</li>")]
    link = f'<a href="/orders/{suspending.pk}/">#{suspending.pk}</a>'
    assert f"Not now: order {link} (suspend) is open on this line." in note


def test_a_conflicting_care_order_is_refused_with_the_reason(web, peter):
    suspending = place(peter, "SUSPEND", **suspension())

    page = web.get(f"/lines/{peters_line_pk()}/deactivate/")
    response = web.post(f"/lines/{peters_line_pk()}/deactivate/", {DEACTIVATE_REASON: "LEAVING"})

    # The API's words (orders.rules), the order number linked
    assert (
        f'open suspend order (<a href="/orders/{suspending.pk}/">#{suspending.pk}</a>, submitted)'
        in page.content.decode()
    )
    assert response.status_code == 400
    assert response.context["form"].errors == [
        f"Line 2035557676 has an open suspend order (#{suspending.pk}, submitted); wait until "
        "it is complete or cancel it first."
    ]
    assert list(Order.objects.values_list("pk", flat=True)) == [suspending.pk]


def test_the_line_page_runs_a_fixed_number_of_queries(
    web, peter, line, count_queries, django_assert_max_num_queries
):
    url = f"/lines/{line.pk}/"
    place(peter, "SUSPEND", **suspension())
    with count_queries() as few:
        web.get(url)
    line.features.add(roaming_pk(), hotspot_pk())
    for order in Order.objects.all():
        Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETE)
    for _ in range(3):
        place(peter, "SUSPEND", **suspension())
        Order.objects.filter(status=Order.Status.ORDER_SUBMITTED).update(
            status=Order.Status.REJECTED
        )
    # Two open orders that do not conflict: a feature change and accessories
    place(peter, "UPDATE_FEATURES", shoppingCart={"features": [
        {"id": str(roaming_pk()), "action": "REMOVE"}]})  # fmt: skip
    accessories = seed_order_request(externalOrderNumber=None)["orderRequest"]
    place(peter, accessories.pop("transactionType"), **accessories)

    with django_assert_max_num_queries(LINE_PAGE_MAX_QUERIES), count_queries() as many:
        response = web.get(url)

    assert len(response.context["open_orders"]) == 2
    assert len(response.context["recent_orders"]) == 4
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Care pages ---------------------------------------------------------------------------------


def test_suspend_explains_asks_the_reason_and_continues(web):
    response = web.get(f"/lines/{peters_line_pk()}/suspend/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Suspend line 2035557676" in html
    assert "Calls, texts and data stop until the line is resumed." in html
    reason = block(html, "properties.SUSPENSION.REASON")
    assert "Why suspend the line" in reason and "Leave of absence" in reason
    assert "Continue</button>" in html


def test_a_suspension_goes_through_review_to_a_suspend_order(web, peter):
    review = continue_to_review(web, "suspend", {SUSPEND_REASON: "LEAVE"})
    assert not Order.objects.exists()  # nothing is stored before the review's submit

    page = web.get(review).content.decode()
    order = submit_review(web, review)

    assert "Suspend line 2035557676" in page and "Leave of absence" in page
    assert "Suspend Suspend" not in " ".join(re.sub(r"<[^>]+>", " ", page).split())  # said once
    assert (order.transaction_type, order.service_id, order.requested_by) == (
        "SUSPEND",
        peters_line_pk(),
        peter,
    )
    assert order.properties[0]["fields"][0]["choice"]["id"] == "LEAVE"


def test_a_suspension_without_a_reason_shows_the_error_beside_it(web):
    response = web.post(f"/lines/{peters_line_pk()}/suspend/", {SUSPEND_REASON: ""})

    assert response.status_code == 400
    reason = block(response.content.decode(), "properties.SUSPENSION.REASON")
    assert "Why suspend the line is required." in reason
    assert 'aria-invalid="true"' in reason
    assert not Order.objects.exists()


def test_editing_after_review_keeps_what_was_chosen(web):
    review = continue_to_review(web, "suspend", {SUSPEND_REASON: "LOST"})
    back = web.get(review).context["back"]

    response = web.get(back)

    number = review.split("/")[2]
    assert back == f"/lines/{peters_line_pk()}/suspend/?review={number}"
    html = response.content.decode()
    assert '<option value="LOST" selected>' in html
    assert f'name="number" value="{number}"' in html


def test_deactivation_says_what_happens_and_becomes_a_deactivate_order(web):
    page = web.get(f"/lines/{peters_line_pk()}/deactivate/").content.decode()
    review = continue_to_review(web, "deactivate", {DEACTIVATE_REASON: "LEAVING"})

    order = submit_review(web, review)

    assert "the number is released and the device is taken off the line" in page
    assert order.transaction_type == "DEACTIVATE"


def test_deactivation_needs_its_reason(web):
    response = web.post(f"/lines/{peters_line_pk()}/deactivate/", {DEACTIVATE_REASON: ""})

    assert response.status_code == 400
    assert "is required." in block(response.content.decode(), "properties.DEACTIVATION.REASON")
    assert not Order.objects.exists()


def test_a_suspended_line_is_resumed_by_an_unsuspend_order(web):
    set_status(S.SUSPENDED)

    page = web.get(f"/lines/{peters_line_pk()}/unsuspend/").content.decode()
    order = submit_review(web, continue_to_review(web, "unsuspend", {}))

    assert "Resume line 2035557676" in page
    assert order.transaction_type == "UNSUSPEND"


@pytest.mark.parametrize(
    ("status", "action"),
    [(S.ACTIVE, "unsuspend"), (S.SUSPENDED, "suspend"), (S.SUSPENDED, "features"),
     (S.DEACTIVATED, "deactivate")],
)  # fmt: skip
def test_an_action_the_status_does_not_allow_is_explained(web, status, action):
    set_status(status)

    response = web.get(f"/lines/{peters_line_pk()}/{action}/")
    posted = web.post(f"/lines/{peters_line_pk()}/{action}/", {})

    assert response.status_code == posted.status_code == 409
    assert f'href="/lines/{peters_line_pk()}/"' in response.content.decode()
    assert not Order.objects.exists()


def test_an_unknown_action_is_not_found(web):
    assert web.get(f"/lines/{peters_line_pk()}/upgrade-everything/").status_code == 404


# --- Features -----------------------------------------------------------------------------------


def test_features_are_ticked_when_on_the_line_with_their_monthly_prices(web, line):
    line.features.add(hotspot_pk())

    html = web.get(f"/lines/{peters_line_pk()}/features/").content.decode()

    roaming = re.search(rf'<input type="checkbox" id="id_feature-{roaming_pk()}"[^>]*>', html)[0]
    hotspot = re.search(rf'<input type="checkbox" id="id_feature-{hotspot_pk()}"[^>]*>', html)[0]
    assert " checked" not in roaming and 'data-price="10.00"' in roaming
    assert " checked" in hotspot and 'data-price="5.00"' in hotspot
    assert "International roaming" in html and "10.00 USD" in html
    assert "data-monthly-change" in html


def test_a_feature_added_becomes_an_add_item_with_the_comment(web):
    review = continue_to_review(
        web, "features", {f"feature-{roaming_pk()}": "on", "comment": "Client visit in Madrid"}
    )
    page = web.get(review)
    order = submit_review(web, review)

    assert page.context["monthly"] == Decimal("10.00")
    assert "Client visit in Madrid" in page.content.decode()
    assert order.transaction_type == "UPDATE_FEATURES"
    assert items_of(order) == [("International roaming", "FEATURE", "ADD")]
    assert order.details == {"featureRequestComment": "Client visit in Madrid"}


def test_a_feature_change_adds_the_ticked_and_removes_the_unticked(web, line):
    line.features.add(hotspot_pk())

    review = continue_to_review(web, "features", {f"feature-{roaming_pk()}": "on"})
    page = web.get(review)
    order = submit_review(web, review)

    assert page.context["monthly"] == Decimal("5.00")  # +10.00 roaming, -5.00 hotspot
    assert items_of(order) == [
        ("International roaming", "FEATURE", "ADD"),
        ("Mobile hotspot", "FEATURE", "REMOVE"),
    ]
    assert order.cost_monthly == Decimal("5.00")


def test_changing_nothing_is_a_clear_error_on_the_form(web):
    response = web.post(f"/lines/{peters_line_pk()}/features/", {"comment": "Just checking"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing would change: tick a feature to add it or untick one to remove it." in block(
        html, "shoppingCart.features"
    )
    assert "Just checking" in html  # what was typed is kept
    assert not Order.objects.exists()


def test_a_too_long_comment_is_shown_beside_the_comment(web):
    response = web.post(
        f"/lines/{peters_line_pk()}/features/",
        {f"feature-{roaming_pk()}": "on", "comment": "x" * 501},
    )

    assert response.status_code == 400
    comment = block(response.content.decode(), "shoppingCart.featureRequestComment")
    assert "no more than 500 characters" in comment


# --- Swap devices -------------------------------------------------------------------------------


def swap(**overrides) -> dict:
    data = {
        "new-source": "catalog",
        "new-model": str(iphone_15().pk),
        "serial-type": "IMEI",
        "serial": NEW_SERIAL,
    }
    return {**data, **overrides}


def test_the_swap_form_offers_catalog_models_other_makes_and_serial_types(web):
    html = web.get(f"/lines/{peters_line_pk()}/swap/").content.decode()

    model = block(html, "newDevice.modelId")
    assert "Apple iPhone 15" in model and "Samsung Galaxy S24" in model
    assert "Apple" in block(html, "newDevice.manufacturerId")
    serial_type = block(html, "newDevice.serialNumber.type")
    assert '<option value="IMEI" selected>' in serial_type and "MEID" in serial_type
    assert "LG Cookie Plus" in html  # the device the line moves from


def test_a_swap_to_a_catalog_model_stores_both_devices(web):
    review = continue_to_review(web, "swap", swap())
    page = web.get(review).content.decode()
    order = submit_review(web, review)

    assert "Apple iPhone 15" in page and NEW_SERIAL in page
    assert order.transaction_type == "SWAP_DEVICES"
    new, existing = order.details["newDevice"], order.details["existingDevice"]
    assert (new["modelId"], new["serialNumber"]) == (
        str(iphone_15().pk),
        {"type": "IMEI", "value": NEW_SERIAL},
    )
    assert existing["serialNumber"] == {"type": "ESN", "value": "4289183847832"}
    assert existing["modelId"] == api_id(cookie_plus())


def test_a_swap_to_another_make_and_model(web):
    data = swap(**{"new-source": "other", "new-maker": "Apple", "new-other": "iPhone 12"})

    order = submit_review(web, continue_to_review(web, "swap", data))

    new = order.details["newDevice"]
    assert (new["manufacturerId"], new["model"], new["modelId"]) == ("Apple", "iPhone 12", None)


@pytest.mark.parametrize(
    ("overrides", "path", "message"),
    [
        ({"serial": "12"}, "newDevice.serialNumber.value",
         "A serial number is 4 to 40 letters, digits or dashes."),
        ({"serial": "356938035643809"}, "newDevice.serialNumber.value",
         "Device 356938035643809 is in use"),  # on Maria's line
        ({"serial-type": "SERIAL"}, "newDevice.serialNumber.type",
         "is not a serial number type: use one of IMEI, MEID, ESN"),
        ({"new-model": ""}, "newDevice.modelId", "Choose the model of the new device."),
        ({"new-source": "other", "new-other": ""}, "newDevice.otherMakeModelName",
         "Type the model of the new device."),
    ],
)  # fmt: skip
def test_swap_problems_are_shown_beside_their_inputs(web, overrides, path, message):
    response = web.post(f"/lines/{peters_line_pk()}/swap/", swap(**overrides))

    assert response.status_code == 400
    assert message in block(response.content.decode(), path)
    assert not Order.objects.exists()


def test_a_line_without_a_device_cannot_be_swapped(web, line):
    line.device.delete()

    response = web.get(f"/lines/{peters_line_pk()}/swap/")

    assert response.status_code == 409
    assert "This line has no device on record." in response.content.decode()


# --- Home ---------------------------------------------------------------------------------------


def test_home_links_each_line_to_its_page_and_offers_new_lines(web):
    html = web.get("/").content.decode()

    assert f'href="/lines/{peters_line_pk()}/">2035557676</a>' in html
    assert '<a class="btn small" href="/lines/new/">New line</a>' in html
    # A number from elsewhere comes in as a personal line (a port moves one of the lines)
    assert '<a class="btn small" href="/lines/bring/">Bring a personal line</a>' in html
