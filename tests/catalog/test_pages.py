"""The accessory catalog page and adding to the cart, through Django's test client."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Accessory, Device, DeviceAsset, Manufacturer, ServiceAsset, Vendor
from tests.conftest import browser_for

LINE = "38382349"  # Peter's, with an LG Cookie Plus
CHARGER, WALL_CHARGER, OTTERBOX = "3628935898", "3628939021", "3628940005"
COOKIE_ACCESSORIES = 7
MAX_QUERIES = 12


@pytest.fixture
def second_line(peter) -> ServiceAsset:
    """A second line for Peter, with a Galaxy S24."""
    first = ServiceAsset.objects.get(pk=LINE)
    line = ServiceAsset.objects.create(
        tenant=peter.tenant,
        service_number="2035550000",
        vendor=first.vendor,
        plan=first.plan,
        account_holder=peter,
    )
    DeviceAsset.objects.create(
        tenant=peter.tenant, device=Device.objects.get(pk=5103), holder=peter, service=line
    )
    return line


def names(response) -> list[str]:
    return [a.name for a in response.context["accessories"]]


def test_catalog_lists_only_what_fits_the_line_and_the_tenant_offers(web):
    response = web.get(f"/catalog/?service={LINE}")

    ids = {str(a.pk) for a in response.context["accessories"]}
    assert len(ids) == COOKIE_ACCESSORIES
    assert {CHARGER, WALL_CHARGER} <= ids
    assert OTTERBOX not in ids  # an iPhone case
    html = response.content.decode()
    assert "LG Cookie Plus" in html and "22.49 USD" in html
    assert 'class="thumb' in html and "<img" not in html  # placeholders, no external images


def test_catalog_defaults_to_the_employees_first_line(web):
    response = web.get("/catalog/")

    assert str(response.context["service"].pk) == LINE
    assert len(response.context["accessories"]) == COOKIE_ACCESSORIES


def test_catalog_search_filter_and_sort(web):
    search = web.get(f"/catalog/?service={LINE}&q=charger")
    maker = web.get(f"/catalog/?service={LINE}&manufacturer=LG")
    cheap_first = web.get(f"/catalog/?service={LINE}&sort=price")
    dear_first = web.get(f"/catalog/?service={LINE}&sort=-price")

    assert sorted(names(search)) == [
        "Verizon Wireless Rapid Wall Charger with 6ft Cable for Micro USB (EMICUSBDTVL-F)",
        "Verizon Wireless Vehicle Charger with Dual Output (MICRDUALVPC-F)",
    ]
    assert names(maker) == ["LG Cookie Plus Leather Pouch", "LG Stereo Headset (Micro USB)"]
    prices = [a.price_amount for a in cheap_first.context["accessories"]]
    assert prices == sorted(prices)
    assert names(dear_first)[0] == "Anker 737 Power Bank (24,000 mAh)"
    assert [m for _, m in maker.context["manufacturers"]] == [
        "Anker", "Belkin", "LG", "Verizon Wireless",
    ]  # fmt: skip


def test_catalog_says_when_nothing_matches(web):
    html = web.get(f"/catalog/?service={LINE}&q=nothing-like-this").content.decode()

    assert "Nothing matches these filters." in html


def test_catalog_of_a_line_not_ones_own_is_404(web, gina):
    assert web.get("/catalog/?service=38382350").status_code == 404  # Maria's line
    assert web.get("/catalog/?service=48382349").status_code == 404  # globex's line
    assert web.get("/catalog/?service=abc").status_code == 404
    assert browser_for(gina).get(f"/catalog/?service={LINE}").status_code == 404


def test_catalog_without_lines_explains_why_it_is_empty(ian):
    html = browser_for(ian).get("/catalog/").content.decode()

    assert "You hold no lines yet." in html


def test_catalog_paginates_by_25_in_a_fixed_number_of_queries(
    web, peter, count_queries, django_assert_max_num_queries
):
    with count_queries() as few:
        web.get(f"/catalog/?service={LINE}")
    cookie = Device.objects.get(pk=5101)
    maker, vendor = Manufacturer.objects.get(pk="Belkin"), Vendor.objects.get(pk=98)
    for index in range(30):
        accessory = Accessory.objects.create(
            pk=4000000000 + index,
            name=f"Belkin cable {index:02}",
            manufacturer=maker,
            vendor=vendor,
            price_amount=Decimal("5.00"),
        )
        accessory.fits.add(cookie)
        accessory.offered_to.add(peter.tenant)

    with django_assert_max_num_queries(MAX_QUERIES), count_queries() as many:
        first = web.get(f"/catalog/?service={LINE}")
    second = web.get(f"/catalog/?service={LINE}&page=2")

    assert len(first.context["accessories"]) == 25
    assert len(second.context["accessories"]) == COOKIE_ACCESSORIES + 30 - 25
    assert len(many.captured_queries) == len(few.captured_queries)


def test_add_to_cart_binds_the_cart_to_the_line(web):
    response = web.post("/cart/add/", {"service": LINE, "accessory": CHARGER}, follow=True)

    assert web.session["cart"] == {"serviceId": LINE, "accessoryIds": [CHARGER]}
    assert any(
        "Added Verizon Wireless Vehicle Charger" in str(m) for m in response.context["messages"]
    )
    assert "In cart" in response.content.decode()


def test_add_to_cart_refuses_what_does_not_fit_or_is_not_yours(web):
    assert web.post("/cart/add/", {"service": LINE, "accessory": OTTERBOX}).status_code == 404
    assert web.post("/cart/add/", {"service": "38382350", "accessory": CHARGER}).status_code == 404
    assert "cart" not in web.session or not web.session["cart"]


def test_adding_for_another_line_asks_before_starting_a_new_cart(web, second_line):
    web.post("/cart/add/", {"service": LINE, "accessory": CHARGER})
    galaxy_case = "3628940009"

    asked = web.post("/cart/add/", {"service": second_line.pk, "accessory": galaxy_case})
    assert asked.status_code == 409
    assert "Start a new cart?" in asked.content.decode()
    assert web.session["cart"]["serviceId"] == LINE  # nothing changed yet

    replaced = web.post(
        "/cart/add/",
        {"service": second_line.pk, "accessory": galaxy_case, "replace": "yes"},
        follow=True,
    )

    assert web.session["cart"] == {"serviceId": str(second_line.pk), "accessoryIds": [galaxy_case]}
    assert any("Started a new cart" in str(m) for m in replaced.context["messages"])


def test_catalog_switches_lines_with_the_select(web, second_line):
    response = web.get(f"/catalog/?service={second_line.pk}")

    assert [line.pk for line in response.context["lines"]] == [second_line.pk, int(LINE)]
    assert "Samsung Galaxy S24 Silicone Case" in names(response)
    assert "LG Cookie Plus Leather Pouch" not in names(response)


def test_add_to_cart_needs_the_csrf_token(peter):
    client = browser_for(peter, csrf=True)

    assert client.post("/cart/add/", {"service": LINE, "accessory": CHARGER}).status_code == 403
