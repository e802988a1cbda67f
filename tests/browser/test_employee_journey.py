"""The employee's journey in real Chromium: catalog, cart, checkout with server-side errors,
confirmation, submit, the order page and "My orders"; and the catalog on a phone."""

import re

import pytest

from orders.models import Order
from tests.demo_data import api_id, line_of, vehicle_charger, wall_charger

pytestmark = pytest.mark.django_db(transaction=True)


def peters_line() -> str:
    """Peter's line 2035557676, with his LG Cookie Plus."""
    return api_id(line_of("peter"))


def _add_to_cart(page, accessory_id: str) -> None:
    tile = page.locator(f'[data-accessory="{accessory_id}"]')
    tile.get_by_role("button", name=re.compile("Add .* to cart")).click()
    page.wait_for_load_state()
    assert tile.get_by_text("In cart").is_visible()


def _field(page, path: str):
    return page.locator(f'[data-field="{path}"]')


def test_peter_orders_the_seed_accessories_and_follows_his_order(
    open_page, live_server, screenshot
):
    page = open_page("peter")
    charger_id, wall_charger_id = api_id(vehicle_charger()), api_id(wall_charger())

    # Catalog for his line: only what fits his LG Cookie Plus.
    page.goto(f"{live_server.url}/catalog/?service={peters_line()}")
    assert "LG Cookie Plus" in page.inner_text(".page-head")
    assert page.locator(".tile").count() >= 2
    _add_to_cart(page, charger_id)
    _add_to_cart(page, wall_charger_id)
    assert page.get_by_test_id("cart-count").inner_text() == "2"
    screenshot(page, "catalog")

    # Cart: both items, the one-time total.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name=re.compile("^Cart")).click()
    page.wait_for_url(f"{live_server.url}/cart/")
    assert page.locator(f'tr[data-accessory="{charger_id}"]').is_visible()
    assert page.locator(f'tr[data-accessory="{wall_charger_id}"]').is_visible()
    assert page.get_by_test_id("total-onetime").inner_text() == "44.98 USD"
    screenshot(page, "cart")

    # Checkout, first without the contact number and the city: both errors beside their fields.
    # (The contact number comes filled in with the one the tenant knows: Peter's office phone.)
    page.get_by_role("link", name="Checkout").click()
    page.wait_for_url(f"{live_server.url}/checkout/")
    assert page.input_value("#id_prop-MISCELLANEOUS-CONTACT_NUMBER") == "2035559999"
    page.fill("#id_prop-MISCELLANEOUS-CONTACT_NUMBER", "")
    page.fill("#id_addr-LINE_1", "35 Executive Blvd")
    page.select_option("#id_addr-STATE", "CT")
    page.fill("#id_addr-POSTAL_CODE", "06477")
    page.get_by_role("button", name="Review order").click()
    page.wait_for_load_state()
    city = _field(page, "shipTo.address.CITY")
    assert "City is required." in city.locator(".field-error").inner_text()
    contact = _field(page, "properties.MISCELLANEOUS.CONTACT_NUMBER")
    assert "Contact Phone Number is required." in contact.locator(".field-error").inner_text()
    assert page.get_by_role("alert").is_visible()
    assert page.input_value("#id_addr-LINE_1") == "35 Executive Blvd"  # what was typed is kept
    screenshot(page, "checkout")

    page.fill("#id_prop-MISCELLANEOUS-CONTACT_NUMBER", "2035559999")
    page.fill("#id_addr-CITY", "Orange")
    page.check("#id_expedite")
    page.get_by_role("button", name="Review order").click()
    page.wait_for_url(re.compile(r".*/review/WEB-[0-9A-F]{20}/$"))

    # The review page every order goes through: fully expanded, nothing stored yet.
    assert page.get_by_test_id("cost-onetime").inner_text() == "44.98 USD"
    items = page.get_by_test_id("confirm-items").inner_text()
    assert "Vehicle Charger with Dual Output" in items
    assert "Rapid Wall Charger" in items
    body = page.inner_text("main")
    assert "Peter Edwards" in body and "2035557676" in body and "LG Cookie Plus" in body
    assert "Contact Phone Number" in body and "2035559999" in body
    assert "Orange" in body and "35 Executive Blvd" in body and "Expedited shipping." in body
    assert Order.objects.count() == 0
    screenshot(page, "confirmation")

    # Submit: the order page, routed to Peter's manager (tasks run in-process on commit).
    page.get_by_role("button", name="Submit order").click()
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    order = Order.objects.get()
    assert page.url.endswith(f"/orders/{order.pk}/")
    assert page.locator("h1 .badge").inner_text() == "Awaiting approval"
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "Order submitted" in timeline
    assert "Approval step started" in timeline and "Maria Lopez" in timeline
    assert page.get_by_test_id("cart-count").count() == 0  # the cart is emptied
    screenshot(page, "order_detail")

    # My orders lists it.
    nav.get_by_role("link", name="My orders").click()
    page.wait_for_url(f"{live_server.url}/orders/")
    row = page.locator(f'tr[data-order="{order.pk}"]')
    assert row.is_visible()
    assert "Awaiting approval" in row.inner_text()
    assert "44.98 USD" in row.inner_text()
    screenshot(page, "order_list")


def test_catalog_is_usable_on_a_phone(open_page, live_server, screenshot):
    page = open_page("peter", viewport={"width": 390, "height": 844})
    charger_id = api_id(vehicle_charger())

    page.goto(f"{live_server.url}/catalog/?service={peters_line()}")

    no_sideways_scroll = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_sideways_scroll
    button = page.locator(f'[data-accessory="{charger_id}"]').get_by_role("button")
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert box["height"] >= 28  # a tap target, not a speck
    screenshot(page, "catalog_phone")
    button.click()
    page.wait_for_load_state()
    assert page.locator(f'[data-accessory="{charger_id}"]').get_by_text("In cart").is_visible()
