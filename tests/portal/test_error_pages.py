"""The pages' 403 and 404 look like the rest of the portal, say why when the code says why, and
link home; they render for anonymous visitors too, and never tell one tenant about another's
objects (another tenant's order is as "not found" as a missing one)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory

from portal.web import views
from tests.conftest import browser_for
from tests.demo_data import line_of

GENERIC_404 = "There is nothing here, or it is not yours to see."
GENERIC_403 = "Your account does not have access to this page."


def assert_styled(response, status: int) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert 'href="/static/css/procure.css"' in html  # base.html, like every page
    assert f'data-status="{status}"' in html
    assert '<a class="btn primary" href="/">Back home</a>' in html
    return html


def reason(html: str) -> str:
    start = html.index('data-testid="error-reason">') + len('data-testid="error-reason">')
    return html[start : html.index("</p>", start)]


# --- 403 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/manage/", "/manage/workflows/", "/manage/properties/"])
def test_an_employee_opening_the_admin_area_gets_the_styled_403_with_the_reason(web, path):
    html = assert_styled(web.get(path), 403)

    assert reason(html) == "Only tenant admins may open this page."
    assert "My orders" in html  # the navigation of a signed-in employee


def test_a_tenant_admin_opens_the_admin_area(ada):
    assert browser_for(ada).get("/manage/").status_code == 200


def test_a_403_without_a_message_says_the_generic_line(demo):
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    request.session = {}

    html = assert_styled(views.permission_denied(request, PermissionDenied()), 403)

    assert reason(html) == GENERIC_403


def test_the_403_page_renders_for_anonymous_visitors_and_bare_requests(demo):
    # No user, no session: an exception raised before the middleware set them up.
    request = RequestFactory().get("/somewhere/")

    html = assert_styled(views.permission_denied(request, PermissionDenied("Nope.")), 403)

    assert reason(html) == "Nope."
    assert "Sign out" not in html


# --- 404 ----------------------------------------------------------------------------------------


def test_a_missing_order_gets_the_styled_404(web):
    html = assert_styled(web.get("/orders/999999/"), 404)

    # Django's "No Order matches the given query." names a model, not a reason.
    assert reason(html) == GENERIC_404
    assert "matches the given query" not in html


def test_another_tenants_order_is_a_plain_not_found(submitted_order, gina, peter):
    order = submitted_order()

    theirs = browser_for(gina).get(f"/orders/{order.pk}/")
    missing = browser_for(gina).get("/orders/999999/")

    assert reason(assert_styled(theirs, 404)) == reason(assert_styled(missing, 404)) == GENERIC_404
    assert str(order.pk) not in reason(theirs.content.decode())


def test_a_404_the_code_explains_says_why(web):
    line = line_of("peter")

    html = assert_styled(web.get(f"/lines/{line.pk}/upgrade-everything/"), 404)

    assert reason(html) == "No such action."


@pytest.mark.parametrize("path", ["/nothing/here/", "/orders/abc/"])
def test_anonymous_visitors_get_the_styled_404_too(demo, path):
    html = assert_styled(Client().get(path), 404)

    assert reason(html) == GENERIC_404
    assert "Sign out" not in html
    assert "urlpatterns" not in html.lower() and "tried" not in html.lower()


def test_a_signed_in_employee_gets_the_styled_404_for_an_unknown_page(web):
    html = assert_styled(web.get("/nothing/here/"), 404)

    assert reason(html) == GENERIC_404
    assert "My orders" in html


def test_the_404_page_renders_for_a_bare_request(demo):
    request = RequestFactory().get("/somewhere/")

    html = assert_styled(views.not_found(request, Http404("No such line.")), 404)

    assert reason(html) == "No such line."


def test_an_unknown_api_path_outside_v1_still_answers_json(demo):
    response = Client().get("/api/v2/orders")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT_FOUND"
