"""The API answers in its own format everywhere (SPEC "Errors"): a path that names no endpoint,
a wrong method, a token that is no good and a missing client_id all answer the MobProc error
body {"status", "errorCode", "id", "message"}, never an HTML page, and say what went wrong.
"""

from __future__ import annotations

import base64
import logging
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from portal.models import OAuthApplication
from tests.conftest import issue_token
from tests.portal.test_api_headers import assert_mobproc_error, bare_client, bearer

ME = "/api/v1/me"

UNMATCHED_PATHS = [
    "/api/v1/orders/abc",
    "/api/v1/me/",
    "/api/v1/order",
    "/api/v1/nothing/here",
    "/api/v1/orders/1/nothing",
    "/api/v1/",
]


@pytest.fixture
def demo_app(demo) -> OAuthApplication:
    return OAuthApplication.objects.get(client_id="demo-client")


def assert_json_not_found(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = assert_mobproc_error(response, 404, "NOT_FOUND")
    assert b"<html" not in response.content.lower()
    assert "urlpatterns" not in body["message"].lower()
    return body


# --- A path that names no endpoint --------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("path", UNMATCHED_PATHS)
def test_unmatched_api_path_answers_the_mobproc_404(peter_api, settings, path, debug):
    settings.DEBUG = debug

    assert_json_not_found(peter_api.get(path))


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unmatched_api_path_answers_404_whatever_the_method_and_without_credentials(
    demo, settings, method, debug
):
    settings.DEBUG = debug

    response = getattr(APIClient(), method)("/api/v1/nothing/here")

    assert_json_not_found(response)


def test_the_404_occurrence_id_is_in_the_log(peter_api, caplog):
    with caplog.at_level(logging.INFO, logger="portal.api"):
        body = assert_json_not_found(peter_api.get("/api/v1/nothing/here"))

    assert any(body["id"] in record.getMessage() for record in caplog.records)


def test_unmatched_api_path_keeps_the_correlation_id(peter_api):
    response = peter_api.get("/api/v1/nothing/here", HTTP_X_TNGO_CONTEXT_CORRELATIONID="c-404")

    assert_json_not_found(response)
    assert response["X-TNGO-CONTEXT-CORRELATIONID"] == "c-404"


def test_real_endpoints_still_answer(peter_api):
    # The catch-all is the last route: everything before it still matches.
    assert peter_api.get("me").status_code == 200
    assert peter_api.get("orders").status_code == 200
    assert peter_api.get("/api/v1/ping").status_code == 200


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", ME), ("put", ME), ("delete", "/api/v1/orders"), ("post", "/api/v1/approvals")],
)
def test_wrong_method_on_a_real_path_answers_the_mobproc_405(
    peter_api, settings, method, path, debug
):
    settings.DEBUG = debug

    response = getattr(peter_api, method)(path)

    assert_mobproc_error(response, 405, "METHOD_NOT_ALLOWED")


# --- Tokens ---------------------------------------------------------------------------------


def headers(**extra) -> dict:
    return {"HTTP_X_TNGO_TENANT": "acme", "HTTP_CLIENT_ID": "demo-client", **extra}


def test_no_authorization_header_is_not_authenticated(demo):
    response = bare_client(**headers()).get(ME)

    assert_mobproc_error(response, 401, "NOT_AUTHENTICATED")
    # RFC 6750 3.1: no credentials at all, no error code in the challenge.
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_another_authorization_scheme_is_not_authenticated(demo):
    response = bare_client(**headers(HTTP_AUTHORIZATION="Basic ZGVtbzpkZW1v")).get(ME)

    body = assert_mobproc_error(response, 401, "NOT_AUTHENTICATED")
    assert "Bearer" in body["message"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer not-a-real-token", id="unknown"),
        pytest.param("Bearer", id="no-token"),
        pytest.param("Bearer two parts", id="malformed"),
    ],
)
def test_unknown_or_malformed_token_is_invalid(demo, authorization):
    response = bare_client(**headers(HTTP_AUTHORIZATION=authorization)).get(ME)

    body = assert_mobproc_error(response, 401, "INVALID_TOKEN")
    assert "not provided" not in body["message"]
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge


def test_expired_token_says_it_expired(peter, demo_app):
    raw = issue_token(peter, demo_app)
    AccessToken.objects.filter(user=peter.user).update(
        expires=timezone.now() - timedelta(minutes=5)
    )

    response = bare_client(**headers(**bearer(raw))).get(ME)

    body = assert_mobproc_error(response, 401, "TOKEN_EXPIRED")
    assert "expired" in body["message"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert "expired" in response["WWW-Authenticate"]


def test_expired_token_is_refused_on_writes_too(peter, demo_app):
    raw = issue_token(peter, demo_app)
    AccessToken.objects.filter(user=peter.user).update(expires=timezone.now())

    response = bare_client(**headers(**bearer(raw))).post("/api/v1/orders", {}, format="json")

    assert_mobproc_error(response, 401, "TOKEN_EXPIRED")


def test_revoked_token_is_invalid(peter, demo_app):
    # django-oauth-toolkit revokes an access token by deleting it, so a revoked token is
    # indistinguishable from an unknown one: INVALID_TOKEN.
    raw = issue_token(peter, demo_app)
    assert bare_client(**headers(**bearer(raw))).get(ME).status_code == 200

    revoked = Client().post(
        "/o/revoke_token/",
        {"token": raw, "token_type_hint": "access_token"},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"demo-client:demo-secret").decode(),
    )

    assert revoked.status_code == 200, revoked.content
    assert not AccessToken.objects.filter(user=peter.user).exists()
    response = bare_client(**headers(**bearer(raw))).get(ME)
    assert_mobproc_error(response, 401, "INVALID_TOKEN")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_valid_token_still_answers(peter, demo_app):
    raw = issue_token(peter, demo_app)

    response = bare_client(**headers(**bearer(raw))).get(ME)

    assert response.status_code == 200, response.content


def test_token_errors_come_before_header_errors(demo):
    # A bad token without X-TNGO-TENANT or client_id: the token is what is wrong first.
    response = bare_client(**bearer("not-a-real-token")).get(ME)

    assert_mobproc_error(response, 401, "INVALID_TOKEN")


# --- client_id ------------------------------------------------------------------------------


@pytest.fixture
def peter_token(peter, demo_app) -> str:
    return issue_token(peter, demo_app)


@pytest.mark.parametrize("value", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_missing_client_id_is_named_as_missing(peter_token, value):
    extra = {} if value is None else {"HTTP_CLIENT_ID": value}

    response = bare_client(**bearer(peter_token), HTTP_X_TNGO_TENANT="acme", **extra).get(ME)

    body = assert_mobproc_error(response, 400, "MISSING_HEADER")
    assert body["message"] == "The client_id header is required."


def test_missing_client_dash_id_is_named_as_missing_too(peter_token):
    response = APIClient().get(
        ME,
        headers={
            "Authorization": f"Bearer {peter_token}",
            "X-TNGO-TENANT": "acme",
            "Client-Id": "",
        },
    )

    assert_mobproc_error(response, 400, "MISSING_HEADER")


@pytest.mark.parametrize("value", ["globex-client", "no-such-client"])
def test_wrong_client_id_stays_forbidden(peter_token, value):
    client = bare_client(**bearer(peter_token), HTTP_X_TNGO_TENANT="acme", HTTP_CLIENT_ID=value)

    response = client.get(ME)

    assert_mobproc_error(response, 403, "INVALID_CLIENT")


def test_options_describes_every_documented_path_and_never_fails(peter_api):
    # DRF's field listing answered 500 on serializers that describe MobProc shapes by hand
    # (OPTIONS /order-properties, found by schemathesis).
    generator = SchemaGenerator(patterns=None)
    paths = generator.get_schema(request=None, public=True)["paths"]
    assert len(paths) > 40

    for path in paths:
        response = peter_api.options(re.sub(r"\{[^}]+\}", "1", path))

        assert response.status_code < 500, (path, response.status_code)
    described = peter_api.options("/api/v1/order-properties")
    assert described.status_code == 200
    assert described.json()["name"]
    assert "actions" not in described.json()
