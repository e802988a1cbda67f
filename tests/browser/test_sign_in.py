"""Signing in and tenant isolation of pages, in real Chromium."""

import pytest

from orders.models import Order
from tests.conftest import seed_order_request

pytestmark = pytest.mark.django_db(transaction=True)


def test_peter_signs_in_and_sees_his_home(open_page, screenshot):
    page = open_page("peter")

    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert "Acme Corporation" in page.inner_text("header")
    screenshot(page, "home")


def test_another_tenants_order_page_is_404(open_page, live_server, api_for, peter):
    api_for(peter).post("orders", seed_order_request())
    order = Order.objects.get()

    page = open_page("gina")
    response = page.goto(f"{live_server.url}/orders/{order.pk}/")

    assert response.status == 404
    assert "Not found" in page.inner_text("h1")
