"""The accessory catalog page and adding to the cart, through Django's test client."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Accessory, DeviceAsset, Manufacturer, ServiceAsset
from tests.conftest import browser_for
from tests.demo_data import (
    api_id,
    cookie_plus,
    galaxy_case,
    galaxy_s24,
    line_numbered,
    line_of,
    otterbox,
    vehicle_charger,
    verizon,
    wall_charger,
)


def peters_line() -> str:
    """Peter's demo line 2035557676, with an LG Cookie Plus (a fixture gives him a second)."""
    return api_id(line_numbered("2035557676"))


def charger() -> str:
    return api_id(vehicle_charger())


COOKIE_ACCESSORIES = 7
MAX_QUERIES = 12


@pytest.fixture
def second_line(peter) -> ServiceAsset:
    """A second line for Peter, with a Galaxy S24."""
    first = line_of(peter)
    line = ServiceAsset.objects.create(
        tenant=peter.tenant,
        service_number="2035550000",
        vendor=first.vendor,
        plan=first.plan,
        account_holder=peter,
    )
    DeviceAsset.objects.create(tenant=peter.tenant, device=galaxy_s24(), holder=peter, service=line)
    return line


def names(response) -> list[str]:
    return [a.name for a in response.context["accessories"]]


def test_catalog_lists_only_what_fits_the_line_and_the_tenant_offers(web):
    response = web.get(f"/catalog/?service={peters_line()}")

    ids = {str(a.pk) for a in response.context["accessories"]}
    assert len(ids) == COOKIE_ACCESSORIES
    assert {charger(), api_id(wall_charger())} <= ids
    assert api_id(otterbox()) not in ids  # an iPhone case
    html = response.content.decode()
    assert "LG Cookie Plus" in html and "22.49 USD" in html
    assert 'class="thumb' in html and "<img" not in html  # placeholders, no external images


def test_catalog_defaults_to_the_employees_first_line(web):
    response = web.get("/catalog/")

    assert str(response.context["service"].pk) == peters_line()
    assert len(response.context["accessories"]) == COOKIE_ACCESSORIES


def test_catalog_search_filter_and_sort(web):
    line = peters_line()
    search = web.get(f"/catalog/?service={line}&q=charger")
    maker = web.get(f"/catalog/?service={line}&manufacturer=LG")
    cheap_first = web.get(f"/catalog/?service={line}&sort=price")
    dear_first = web.get(f"/catalog/?service={line}&sort=-price")

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
    html = web.get(f"/catalog/?service={peters_line()}&q=nothing-like-this").content.decode()

    assert "Nothing matches these filters." in html


def test_catalog_of_a_line_not_ones_own_is_404(web, gina):
    marias, ginas = api_id(line_of("maria")), api_id(line_of(gina))
    assert web.get(f"/catalog/?service={marias}").status_code == 404  # Maria's line
    assert web.get(f"/catalog/?service={ginas}").status_code == 404  # globex's line
    assert web.get("/catalog/?service=abc").status_code == 404
    assert browser_for(gina).get(f"/catalog/?service={peters_line()}").status_code == 404


def test_catalog_without_lines_explains_why_it_is_empty(ian):
    html = browser_for(ian).get("/catalog/").content.decode()

    assert "You hold no lines yet." in html


def test_catalog_paginates_by_25_in_a_fixed_number_of_queries(
    web, peter, count_queries, django_assert_max_num_queries
):
    line = peters_line()
    with count_queries() as few:
        web.get(f"/catalog/?service={line}")
    cookie = cookie_plus()
    maker, vendor = Manufacturer.objects.get(pk="Belkin"), verizon()
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
        first = web.get(f"/catalog/?service={line}")
    second = web.get(f"/catalog/?service={line}&page=2")

    assert len(first.context["accessories"]) == 25
    assert len(second.context["accessories"]) == COOKIE_ACCESSORIES + 30 - 25
    assert len(many.captured_queries) == len(few.captured_queries)


def test_add_to_cart_binds_the_cart_to_the_line(web):
    line, charger_id = peters_line(), charger()
    response = web.post("/cart/add/", {"service": line, "accessory": charger_id}, follow=True)

    assert web.session["cart"] == {"serviceId": line, "accessoryIds": [charger_id]}
    assert any(
        "Added Verizon Wireless Vehicle Charger" in str(m) for m in response.context["messages"]
    )
    assert "In cart" in response.content.decode()


def test_add_to_cart_refuses_what_does_not_fit_or_is_not_yours(web):
    line, iphone_case = peters_line(), api_id(otterbox())
    marias_line = api_id(line_of("maria"))
    assert web.post("/cart/add/", {"service": line, "accessory": iphone_case}).status_code == 404
    assert (
        web.post("/cart/add/", {"service": marias_line, "accessory": charger()}).status_code == 404
    )
    assert "cart" not in web.session or not web.session["cart"]


def test_adding_for_another_line_asks_before_starting_a_new_cart(web, second_line):
    line = peters_line()
    web.post("/cart/add/", {"service": line, "accessory": charger()})
    case = api_id(galaxy_case())

    asked = web.post("/cart/add/", {"service": second_line.pk, "accessory": case})
    assert asked.status_code == 409
    assert "Start a new cart?" in asked.content.decode()
    assert web.session["cart"]["serviceId"] == line  # nothing changed yet

    replaced = web.post(
        "/cart/add/",
        {"service": second_line.pk, "accessory": case, "replace": "yes"},
        follow=True,
    )

    assert web.session["cart"] == {"serviceId": str(second_line.pk), "accessoryIds": [case]}
    assert any("Started a new cart" in str(m) for m in replaced.context["messages"])


def test_catalog_switches_lines_with_the_select(web, second_line):
    response = web.get(f"/catalog/?service={second_line.pk}")

    assert [line.pk for line in response.context["lines"]] == [second_line.pk, int(peters_line())]
    assert "Samsung Galaxy S24 Silicone Case" in names(response)
    assert "LG Cookie Plus Leather Pouch" not in names(response)


def test_add_to_cart_needs_the_csrf_token(peter):
    client = browser_for(peter, csrf=True)

    cart = {"service": peters_line(), "accessory": charger()}
    assert client.post("/cart/add/", cart).status_code == 403
