"""Characters PostgreSQL cannot take (NUL, and lone surrogates that UTF-8 cannot encode) are
refused where they come in with a clear 400, never a 500, and nothing is stored.

API bodies: portal.api.parsers; query strings (pages and API), OAuth client forms and cookies:
portal.middleware; page forms: their fields, or the service rules behind them."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from oauth2_provider.models import AccessToken

from approvals import links
from approvals.models import Decision
from catalog.models import Region
from orders.models import Order, OrderHistory, PropertyChoice, PropertyField, PropertyGroup
from portal.models import EmployeeGroup, OAuthApplication
from portal.text import unstorable, unstorable_paths
from tests.approvals.conftest import place_order, routed, step
from tests.conftest import API, browser_for, seed_order_request

pytestmark = pytest.mark.django_db

NUL, SURROGATE = "\u0000", "\ud800"
COUNTED = [Order, OrderHistory, Decision, EmployeeGroup, PropertyField, PropertyChoice]


def counts() -> dict[str, int]:
    """Rows of the tables a refused request could have written to."""
    return {model.__name__: model.objects.count() for model in COUNTED}


def post_json(client, path: str, body) -> object:
    """POST `body` as the JSON text a client sends: json.dumps writes NUL and a lone surrogate as
    the escapes \\u0000 and \\ud800 (DRF's test encoder cannot encode a lone surrogate)."""
    return client.generic(
        "POST", f"{API}/{path}", json.dumps(body), content_type="application/json"
    )


def invalid_fields(response) -> list[str]:
    body = response.json()
    assert body["status"] == "ERROR", body
    assert {problem["errorCode"] for problem in body["errors"]} == {"INVALID_CHARACTER"}, body
    assert all(problem["message"] for problem in body["errors"])
    return [problem["field"] for problem in body["errors"]]


# --- The shared predicate -------------------------------------------------------------------


def test_unstorable_means_nul_or_a_lone_surrogate():
    assert unstorable("a\x00b") and unstorable("a\ud800") and unstorable("\udfff")
    assert not unstorable("plain") and not unstorable(json.loads('"\\ud83d\\ude00"'))  # a pair


def test_unstorable_paths_name_keys_and_list_indexes_in_document_order():
    data = {"a": {"x": NUL, "y": ["ok", SURROGATE]}, f"b{NUL}": {"c": NUL}}

    assert [(path, what) for path, what, _ in unstorable_paths(data)] == [
        ("a.x", "value"),
        ("a.y[1]", "value"),
        ("b\\u0000", "key"),
        ("b\\u0000.c", "value"),
    ]


# --- API bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("character", [NUL, SURROGATE], ids=["nul", "surrogate"])
@pytest.mark.parametrize("path", ["orders?confirm=true", "orders"], ids=["confirm", "submit"])
def test_unstorable_text_in_an_order_body_answers_400_listing_every_field(
    peter_api, character, path
):
    body = seed_order_request(externalOrderNumber=f"MM{character}1")
    body["orderRequest"]["shipTo"]["address"][1]["value"] = f"Or{character}ange"
    body["orderRequest"]["properties"][0]["fields"][0]["text"] = f"203{character}"
    before = counts()

    response = post_json(peter_api, path, body)

    assert response.status_code == 400
    assert invalid_fields(response) == [
        "orderRequest.externalOrderNumber",
        "orderRequest.properties[0].fields[0].text",
        "orderRequest.shipTo.address[1].value",
    ]
    assert counts() == before


def test_unstorable_key_in_an_api_body_is_named_by_its_path(peter_api):
    body = seed_order_request()
    body["orderRequest"]["shipTo"][f"na{NUL}me"] = "Peter"
    body["orderRequest"][f"x{SURROGATE}"] = {"y": NUL}
    before = counts()

    response = post_json(peter_api, "orders", body)

    assert response.status_code == 400
    assert invalid_fields(response) == [
        "orderRequest.shipTo.na\\u0000me",
        "orderRequest.x\\ud800",
        "orderRequest.x\\ud800.y",
    ]
    assert "key" in response.json()["errors"][0]["message"]
    assert counts() == before


def test_a_surrogate_pair_is_ordinary_text(peter_api):
    body = seed_order_request()
    body["orderRequest"]["shipTo"]["name"] = "Peter \U0001f600"  # json.dumps: \ud83d\ude00

    response = post_json(peter_api, "orders?confirm=true", body)

    assert response.status_code == 200, response.json()


def test_unstorable_reason_in_cancel_and_approval_bodies_answers_400(
    peter_api, api_for, peter, maria
):
    order = routed(place_order(peter))
    before = counts()

    cancel = post_json(peter_api, f"orders/{order.pk}/cancel", {"reason": f"oops{NUL}"})
    decide = post_json(
        api_for(maria), f"orders/{order.pk}/approval", {"action": "REJECT", "reason": SURROGATE}
    )

    assert cancel.status_code == 400 and invalid_fields(cancel) == ["reason"]
    assert decide.status_code == 400 and invalid_fields(decide) == ["reason"]
    assert Order.objects.get(pk=order.pk).status == order.status
    assert counts() == before


# --- API query parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("orders?status=%00", "status"),
        ("orders?companyEmployeeId=ab%00", "companyEmployeeId"),
        ("approvals?limit=%00", "limit"),
        ("catalog/accessories?service=%00", "service"),
        ("employees?companyEmployeeId=%00", "companyEmployeeId"),
        ("orders/properties?transactionType=ORDER_ACCESSORIES&service=%00", "service"),
        ("ping?echoText=hi%00", "echoText"),
        ("orders?%00=1", "\\u0000"),
    ],
)
def test_nul_in_an_api_query_parameter_answers_400_naming_the_parameter(peter_api, path, parameter):
    response = peter_api.get(path)

    assert response.status_code == 400
    assert invalid_fields(response) == [parameter]


def test_nul_in_the_query_of_an_api_post_stores_nothing(peter_api):
    before = counts()

    response = peter_api.post("orders?confirm=%00", seed_order_request())

    assert response.status_code == 400 and invalid_fields(response) == ["confirm"]
    assert counts() == before


# --- Page query strings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, parameter, back",
    [
        ("/orders/?q=%00&status=SUBMITTED", "q", "/orders/?status=SUBMITTED"),
        ("/approvals/?q=%00", "q", "/approvals/"),
        ("/catalog/?q=a%00b", "q", "/catalog/"),
        ("/catalog/?manufacturer=%00", "manufacturer", "/catalog/"),
        ("/manage/employees/?q=%00", "q", "/manage/employees/"),
    ],
)
def test_nul_in_search_answers_400_page(ada, url, parameter, back):
    response = browser_for(ada).get(url)

    assert response.status_code == 400
    assert "portal/bad_request.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert f"The parameter “{parameter}” contains a NUL character (U+0000)" in html
    assert f'href="{back}"' in html
    assert "Sign out" in html  # the site's own page, with its navigation


def test_nul_in_the_query_of_a_page_post_stores_nothing(ada):
    before = counts()

    response = browser_for(ada).post("/manage/groups/new/?next=%00", {"name": "Buyers"})

    assert response.status_code == 400
    assert "The parameter “next”" in response.content.decode()
    assert counts() == before


def test_nul_in_an_admin_filter_answers_400_page(demo):
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))

    response = admin.get("/admin/catalog/accessory/?manufacturer__id__exact=%00")

    assert response.status_code == 400
    assert "The parameter “manufacturer__id__exact”" in response.content.decode()


# --- Page forms: the error beside the field ---------------------------------------------------


def test_nul_in_a_new_group_name_is_shown_beside_the_field(ada):
    before = counts()

    response = browser_for(ada).post("/manage/groups/new/", {"name": f"Buy{NUL}ers"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field has-error"' in html
    assert "The name contains a NUL character (U+0000), which is not allowed." in html
    assert counts() == before


def test_nul_in_a_renamed_group_is_shown_beside_the_field(ada):
    group = EmployeeGroup.objects.filter(tenant=ada.tenant).first()

    response = browser_for(ada).post(f"/manage/groups/{group.pk}/", {"name": f"x{NUL}"})

    assert response.status_code == 200
    assert "The name contains a NUL character" in response.content.decode()
    assert EmployeeGroup.objects.get(pk=group.pk).name == group.name


def test_nul_in_a_choice_label_is_shown_beside_the_choice(ada):
    group = PropertyGroup.objects.filter(tenant=ada.tenant).first()
    before = counts()

    response = browser_for(ada).post(
        f"/manage/properties/groups/{group.pk}/fields/new/",
        {"field_id": "COLOUR", "label": "Colour", "type": "CHOICE",
         "choice-0-id": "RED", "choice-0-label": f"R{NUL}ed"},
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["choices"][0]["errors"]["label"] == [
        "The label contains a NUL character (U+0000), which is not allowed."
    ]
    assert counts() == before


def test_nul_in_a_cancel_reason_is_shown_beside_the_field(web, peter):
    order = place_order(peter)
    before = counts()

    response = web.post(f"/orders/{order.pk}/cancel/", {"reason": f"Ordered{NUL} twice"})

    assert response.status_code == 400
    assert response.context["cancel_form"].errors["reason"] == ["Null characters are not allowed."]
    assert 'id="reason-error"' in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == order.status
    assert counts() == before


def test_nul_in_an_email_link_reason_is_shown_on_the_form(peter, maria):
    order = routed(place_order(peter))
    url = links.decision_url(step=step(order, 1), approver=maria, action="REJECT")
    before = counts()

    response = browser_for(maria).post(urlsplit(url).path, {"reason": f"Too{NUL} dear"})

    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == order.status
    assert counts() == before


@pytest.mark.parametrize(
    "escape, what",
    [("\\u0000", "a NUL character (U+0000)"), ("\\ud800", "an unpaired surrogate (U+D800)")],
    ids=["nul", "surrogate"],
)
def test_unstorable_escape_in_an_admin_json_field_is_refused_beside_it(demo, escape, what):
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    region = Region.objects.filter(parent=None).exclude(address_format=[]).first()
    typed = f'[{{"id": "LINE_1", "label": "Line{escape}1"}}]'

    response = admin.post(
        f"/admin/catalog/region/{region.pk}/change/",
        {"id": region.pk, "name": region.name, "code": region.code, "address_format": typed},
    )

    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["adminform"].form.errors["address_format"]
    assert errors == [f"The value at [0].label contains {what}, which is not allowed."]
    assert typed.replace('"', "&quot;") in response.content.decode()  # shown as typed
    assert Region.objects.get(pk=region.pk).address_format == region.address_format


# --- OAuth client forms and cookies -----------------------------------------------------------


@pytest.mark.parametrize(
    "parameter, error", [("client_id", "invalid_request"), ("username", "invalid_grant")]
)
def test_nul_in_a_token_request_answers_400_oauth_error(peter, parameter, error):
    application = OAuthApplication.objects.get(tenant=peter.tenant)
    form = {"grant_type": "password", "username": "peter", "password": "x",
            "client_id": application.client_id}  # fmt: skip
    form[parameter] += NUL
    tokens = AccessToken.objects.count()

    response = Client().post("/o/token/", form)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert f"The parameter {parameter} contains a NUL" in response.json()["error_description"]
    assert AccessToken.objects.count() == tokens


def test_a_cookie_with_nul_is_ignored_not_a_500(demo):
    browser = Client()
    browser.cookies["sessionid"] = f"abcdefgh{NUL}ijklmnop"  # sent quoted, NUL as \000
    sessions = Session.objects.count()

    response = browser.get("/orders/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Session.objects.count() == sessions
