"""The MobProc token calls, made as concepts/security/access_tokens/* of the MobProc documentation
makes them: each page's example request (with the demo client and user), and every key path of
its example response present in the answer; then the refusals, with OAuth 2's error bodies (the
pages document none; PingFederate, the server they describe, answers RFC 6749 5.2 bodies)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from portal.demo import DEMO_CLIENT_SECRET, DEMO_PASSWORD
from portal.models import Employee, SignInEvent
from tests.conftest import issue_token

TOKEN_URL = "/as/token.oauth2"  # PingFederate's, as the pages give it (base URL changed)
VALIDATOR_URL = "/o/validate_token/"  # the validator host of validate_token's table
VALIDATE_BEARER = "urn:pingidentity.com:oauth2:grant_type:validate_bearer"

# The example responses, verbatim from the pages.
REQUEST_TOKEN_PASSWORD_EXAMPLE = json.loads(
    """{
  "token_type": "Bearer",
  "expires_in": 7199,
  "refresh_token": "a9AhNvcffquYkV4bSw0O6gt4gKZRvTUGR2lfR8nJf4",
  "access_token": "ts5grB07RB2GHAuOs67tJ4zJjV1R"
 }"""
)
REFRESH_TOKEN_EXAMPLE = json.loads(
    """{
   "token_type": "Bearer",
   "expires_in": 7200,
   "refresh_token": "wBzXpMnRjAyiLMDrn0vmhnO89pMbm22WJVXuf0RazH",
   "access_token": "Ql0mwXlo8lWHmczeiopaDt5rLMTO"
 }"""
)
VALIDATE_TOKEN_EXAMPLE = json.loads(
    """{
    "scope": "MOBPROC",
    "expires_in": 7186,
    "client_id": "286ff94127c8801e9227d89337c14351",
    "access_token": {
        "platform": "command",
        "tenant": "XYZ",
        "multitenant": "false",
        "domain": "*",
        "identityProvider": "pcv_edge",
        "identifier": "api.account.xyz"
    }
  }"""
)
OAUTH_ERROR_KEYS = {"error", "error_description", "error_uri"}
NOT_VALID = "token not found, expired or invalid"  # PingFederate's words


def key_paths(example: dict, prefix: str = ""):
    for key, value in example.items():
        path = f"{prefix}.{key}" if prefix else key
        yield path
        if isinstance(value, dict):
            yield from key_paths(value, path)


def assert_key_paths(answer: dict, example: dict) -> None:
    missing = []
    for path in key_paths(example):
        node = answer
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                missing.append(path)
                break
            node = node[part]
    assert not missing, (missing, answer)


def assert_oauth_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error, body
    assert set(body) <= OAUTH_ERROR_KEYS, body
    assert response["Cache-Control"] == "no-store"
    return body


def doc_post(client, query: str, content_type: str = "application/octet-stream"):
    """POST with every parameter in the URL and no body, as the pages' examples (`curl -X POST
    '<url>'` sends neither a body nor a form content type)."""
    return client.generic("POST", f"{TOKEN_URL}?{query}", "", content_type)


def password_query(
    username: str = "command://peter",
    password: str = DEMO_PASSWORD,
    client_id: str = "demo-client",
    secret: str = DEMO_CLIENT_SECRET,
    scope: str = "MOBPROC",
) -> str:
    # As the page writes it: unencoded, `username=command://myusername` included.
    return (
        f"grant_type=password&client_id={client_id}&client_secret={secret}&scope={scope}"
        f"&username={username}&password={password}"
    )


def refresh_query(
    refresh_token: str,
    client_id: str = "demo-client",
    secret: str = DEMO_CLIENT_SECRET,
    scope: str = "MOBPROC",
) -> str:
    return (
        f"grant_type=refresh_token&client_id={client_id}&client_secret={secret}&scope={scope}"
        f"&refresh_token={refresh_token}"
    )


def validate(
    client, token: str, client_id: str = "demo-client", secret=DEMO_CLIENT_SECRET, **extra
):
    """The validate_token page's example: a GET with everything in the URL."""
    return client.get(
        f"{TOKEN_URL}?grant_type={VALIDATE_BEARER}&token={token}&client_id={client_id}"
        f"&client_secret={secret}",
        **extra,
    )


def basic_auth(client_id: str = "demo-client", secret: str = DEMO_CLIENT_SECRET) -> dict:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def me(client, token: str, tenant: str = "acme", client_id: str = "demo-client"):
    return client.get(
        "/api/v1/me",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_TNGO_TENANT=tenant,
        HTTP_CLIENT_ID=client_id,
    )


def doc_tokens(client) -> dict:
    response = doc_post(client, password_query())
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture(autouse=True)
def limit_of_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def globex_token(gina, demo) -> str:
    from portal.models import OAuthApplication

    return issue_token(gina, OAuthApplication.objects.get(client_id="globex-client"))


# --- request_token_password ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/octet-stream", "application/x-www-form-urlencoded"],
    ids=["no-form-body", "empty-form-body"],
)
def test_request_token_password_example_as_documented(client, peter, content_type):
    response = doc_post(client, password_query(), content_type)

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert_key_paths(body, REQUEST_TOKEN_PASSWORD_EXAMPLE)
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int) and 0 < body["expires_in"] <= 7200
    assert body["access_token"] and body["refresh_token"]
    token = AccessToken.objects.get(user=peter.user)
    assert token.application.client_id == "demo-client"
    # MOBPROC grants what the API needs: read and write.
    assert set(token.scope.split()) == {"MOBPROC", "read", "write"}


def test_a_documented_token_opens_the_api_to_read_and_to_write(client, peter):
    token = doc_tokens(client)["access_token"]

    assert me(client, token).status_code == 200
    written = client.post(
        "/api/v1/orders",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_TNGO_TENANT="acme",
        HTTP_CLIENT_ID="demo-client",
    )
    # Past the scope check (403 INSUFFICIENT_SCOPE): the empty order is what is refused.
    assert written.status_code == 400, written.content


@pytest.mark.parametrize("username", ["peter", "rivermine://peter", "COMMAND://peter"])
def test_the_username_may_name_its_source_system_or_not(client, peter, username):
    response = doc_post(client, password_query(username=username))

    assert response.status_code == 200, response.content
    assert AccessToken.objects.get(user=peter.user)


def test_the_password_grant_keeps_taking_a_form_body_with_basic_auth(client, peter):
    response = client.post(
        TOKEN_URL,
        {"grant_type": "password", "username": "peter", "password": DEMO_PASSWORD},
        **basic_auth(),
    )

    assert response.status_code == 200, response.content
    assert set(response.json()["scope"].split()) == {"read", "write"}


def test_the_password_grant_takes_the_client_credentials_in_the_form_body(client, peter):
    response = client.post(
        TOKEN_URL,
        {
            "grant_type": "password",
            "client_id": "demo-client",
            "client_secret": DEMO_CLIENT_SECRET,
            "scope": "MOBPROC",
            "username": "command://peter",
            "password": DEMO_PASSWORD,
        },
    )

    assert response.status_code == 200, response.content
    assert_key_paths(response.json(), REQUEST_TOKEN_PASSWORD_EXAMPLE)


def test_o_token_takes_the_mobproc_scope_in_its_form(client, peter):
    response = client.post(
        "/o/token/",
        {
            "grant_type": "password",
            "scope": "MOBPROC",
            "username": "peter",
            "password": DEMO_PASSWORD,
        },
        **basic_auth(),
    )

    assert response.status_code == 200, response.content
    assert set(response.json()["scope"].split()) == {"MOBPROC", "read", "write"}


def test_o_token_still_takes_no_url_parameters(client, peter):
    # The RFC 6749 endpoint stays as it was; the documented URL is /as/token.oauth2.
    response = client.generic("POST", f"/o/token/?{password_query()}", "")

    assert response.status_code == 400, response.content
    assert json.loads(response.content)["error"] == "invalid_request"
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_a_parameter_in_both_the_url_and_the_body_is_refused(client, peter):
    response = client.post(
        f"{TOKEN_URL}?{password_query()}",
        {"password": "something-else"},
    )

    body = assert_oauth_error(response, 400, "invalid_request")
    assert "password" in body["error_description"]
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_a_nul_in_the_form_body_is_refused_not_a_server_error(client, peter):
    response = client.post(TOKEN_URL, {"grant_type": "password", "client_id": "demo\x00client"})

    assert_oauth_error(response, 400, "invalid_request")


def test_a_nul_in_the_url_is_refused_in_oauths_words(client, peter):
    response = doc_post(client, password_query(username="command://pe%00ter"))

    assert_oauth_error(response, 400, "invalid_grant")


def test_tokens_are_requested_by_post(client, peter):
    response = client.get(f"{TOKEN_URL}?{password_query()}")

    assert_oauth_error(response, 405, "invalid_request")
    assert not AccessToken.objects.filter(user=peter.user).exists()


# --- refresh_token ---------------------------------------------------------------------------


def test_refresh_token_example_as_documented(client, peter):
    first = doc_tokens(client)

    response = doc_post(client, refresh_query(first["refresh_token"]))

    assert response.status_code == 200, response.content
    body = response.json()
    assert_key_paths(body, REFRESH_TOKEN_EXAMPLE)
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int) and 0 < body["expires_in"] <= 7200
    assert body["access_token"] != first["access_token"]
    assert body["refresh_token"] != first["refresh_token"]
    assert me(client, body["access_token"]).status_code == 200
    token = AccessToken.objects.get(user=peter.user)
    assert set(token.scope.split()) == {"MOBPROC", "read", "write"}


def test_a_refreshed_token_replaces_the_old_one_even_where_the_api_kept_it(client, peter):
    first = doc_tokens(client)
    assert me(client, first["access_token"]).status_code == 200  # validated, kept in the cache

    refreshed = doc_post(client, refresh_query(first["refresh_token"])).json()

    assert me(client, first["access_token"]).status_code == 401
    assert_oauth_error(validate(client, first["access_token"]), 400, "invalid_grant")
    assert validate(client, refreshed["access_token"]).status_code == 200


def test_mobproc_refreshes_a_token_granted_read_and_write(client, peter):
    # Issued without the alias (the RFC 6749 form): MOBPROC asks no more than it had.
    first = client.post(
        "/o/token/",
        {"grant_type": "password", "username": "peter", "password": DEMO_PASSWORD},
        **basic_auth(),
    ).json()

    response = doc_post(client, refresh_query(first["refresh_token"]))

    assert response.status_code == 200, response.content
    assert set(response.json()["scope"].split()) == {"MOBPROC", "read", "write"}


def test_mobproc_is_refused_on_refresh_of_a_read_only_token(client, peter):
    first = client.post(
        "/o/token/",
        {"grant_type": "password", "scope": "read", "username": "peter", "password": DEMO_PASSWORD},
        **basic_auth(),
    ).json()

    response = doc_post(client, refresh_query(first["refresh_token"]))

    assert_oauth_error(response, 400, "invalid_scope")


def test_the_refresh_keeps_taking_a_form_body_without_a_scope(client, peter):
    first = doc_tokens(client)

    response = client.post(
        TOKEN_URL,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        **basic_auth(),
    )

    assert response.status_code == 200, response.content
    assert set(response.json()["scope"].split()) == {"MOBPROC", "read", "write"}


# --- validate_token --------------------------------------------------------------------------


def test_validate_token_example_as_documented(client, peter):
    token = doc_tokens(client)["access_token"]

    response = validate(client, token)

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert_key_paths(body, VALIDATE_TOKEN_EXAMPLE)
    assert "MOBPROC" in body["scope"].split()
    assert isinstance(body["expires_in"], int) and 0 < body["expires_in"] <= 7200
    assert body["client_id"] == "demo-client"
    assert body["access_token"] == {
        "platform": "procure",
        "tenant": "acme",
        "multitenant": "false",
        "domain": "*",
        "identityProvider": "procure",
        "identifier": "peter",
    }


def test_validate_token_by_the_validator_host_with_access_token(client, peter):
    # The page's table: GET <validator>?access_token=..., with the client's credentials.
    token = doc_tokens(client)["access_token"]

    response = client.get(
        f"{VALIDATOR_URL}?access_token={token}&client_id=demo-client"
        f"&client_secret={DEMO_CLIENT_SECRET}"
    )

    assert response.status_code == 200, response.content
    assert_key_paths(response.json(), VALIDATE_TOKEN_EXAMPLE)


def test_validate_token_by_post_with_basic_auth(client, peter):
    # PingFederate's own form of the same call.
    token = doc_tokens(client)["access_token"]

    response = client.post(
        TOKEN_URL, {"grant_type": VALIDATE_BEARER, "token": token}, **basic_auth()
    )

    assert response.status_code == 200, response.content
    assert_key_paths(response.json(), VALIDATE_TOKEN_EXAMPLE)


def test_validate_a_client_credentials_token(client, demo):
    from portal.models import OAuthApplication

    token = issue_token(None, OAuthApplication.objects.get(client_id="demo-client"))

    body = validate(client, token).json()

    assert body["scope"] == "read write"
    assert body["access_token"]["identifier"] == "demo-client"
    assert body["access_token"]["tenant"] == "acme"


def test_validate_names_the_token_once(client, peter):
    token = doc_tokens(client)["access_token"]

    no_token = client.get(
        f"{TOKEN_URL}?grant_type={VALIDATE_BEARER}&client_id=demo-client"
        f"&client_secret={DEMO_CLIENT_SECRET}"
    )
    two_tokens = client.get(
        f"{VALIDATOR_URL}?access_token={token}&token=other&client_id=demo-client"
        f"&client_secret={DEMO_CLIENT_SECRET}"
    )

    assert_oauth_error(no_token, 400, "invalid_request")
    assert_oauth_error(two_tokens, 400, "invalid_request")


# --- Refusals: wrong secret -----------------------------------------------------------------


def test_password_grant_with_a_wrong_client_secret_is_invalid_client(client, peter):
    response = doc_post(client, password_query(secret="81f40d2777ea4a41A992535F17AC92EC"))

    assert_oauth_error(response, 401, "invalid_client")
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_password_grant_with_a_wrong_password_is_invalid_grant(client, peter):
    response = doc_post(client, password_query(password="mypassword"))

    assert_oauth_error(response, 400, "invalid_grant")
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_refresh_with_a_wrong_client_secret_is_invalid_client(client, peter):
    first = doc_tokens(client)

    response = doc_post(client, refresh_query(first["refresh_token"], secret="wrong"))

    assert_oauth_error(response, 401, "invalid_client")
    assert me(client, first["access_token"]).status_code == 200  # nothing rotated


def test_validate_with_a_wrong_client_secret_is_invalid_client(client, peter):
    token = doc_tokens(client)["access_token"]

    response = validate(client, token, secret="wrong")
    without_credentials = client.get(f"{VALIDATOR_URL}?access_token={token}")

    assert_oauth_error(response, 401, "invalid_client")
    assert_oauth_error(without_credentials, 401, "invalid_client")


# --- Refusals: wrong tenant -----------------------------------------------------------------


def test_password_grant_for_a_user_of_another_tenant_is_invalid_grant(client, peter):
    response = doc_post(
        client, password_query(client_id="globex-client", username="command://peter")
    )

    assert_oauth_error(response, 400, "invalid_grant")
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_refresh_by_a_client_of_another_tenant_is_invalid_grant(client, peter):
    first = doc_tokens(client)

    response = doc_post(client, refresh_query(first["refresh_token"], client_id="globex-client"))

    assert_oauth_error(response, 400, "invalid_grant")


def test_a_token_of_another_tenant_is_not_valid_for_this_one(client, peter, globex_token):
    acme_token = doc_tokens(client)["access_token"]

    # Each tenant's client validates only its own tenant's tokens, the same answer as unknown.
    other = assert_oauth_error(validate(client, globex_token), 400, "invalid_grant")
    unknown = assert_oauth_error(validate(client, "no-such-token"), 400, "invalid_grant")
    assert other == unknown
    assert other == {"error": "invalid_grant", "error_description": NOT_VALID}
    assert_oauth_error(
        validate(client, acme_token, client_id="globex-client"), 400, "invalid_grant"
    )
    assert validate(client, globex_token, client_id="globex-client").status_code == 200


def test_a_token_named_for_another_tenant_in_the_header_is_not_valid(client, peter):
    token = doc_tokens(client)["access_token"]

    response = validate(client, token, HTTP_X_TNGO_TENANT="globex")

    assert_oauth_error(response, 400, "invalid_grant")
    assert validate(client, token, HTTP_X_TNGO_TENANT="acme").status_code == 200


def test_a_token_of_an_employee_no_longer_active_is_not_valid(client, peter):
    token = doc_tokens(client)["access_token"]
    peter.status = Employee.Status.INACTIVE
    peter.save()

    assert_oauth_error(validate(client, token), 400, "invalid_grant")


# --- Refusals: revoked ----------------------------------------------------------------------


def test_a_revoked_access_token_is_not_valid(client, peter):
    token = doc_tokens(client)["access_token"]
    assert me(client, token).status_code == 200  # kept in the API's cache

    revoked = client.post("/o/revoke_token/", {"token": token}, **basic_auth())

    assert revoked.status_code == 200
    assert_oauth_error(validate(client, token), 400, "invalid_grant")
    assert me(client, token).status_code == 401


def test_a_revoked_refresh_token_is_refused(client, peter):
    first = doc_tokens(client)
    client.post(
        "/o/revoke_token/",
        {"token": first["refresh_token"], "token_type_hint": "refresh_token"},
        **basic_auth(),
    )

    response = doc_post(client, refresh_query(first["refresh_token"]))

    assert_oauth_error(response, 400, "invalid_grant")


def test_a_refresh_token_used_twice_is_refused(client, peter):
    first = doc_tokens(client)
    assert doc_post(client, refresh_query(first["refresh_token"])).status_code == 200

    replay = doc_post(client, refresh_query(first["refresh_token"]))

    assert_oauth_error(replay, 400, "invalid_grant")


# --- Refusals: expired ----------------------------------------------------------------------


def test_an_expired_access_token_is_not_valid(client, peter):
    token = doc_tokens(client)["access_token"]
    AccessToken.objects.filter(user=peter.user).update(
        expires=timezone.now() - timedelta(seconds=1)
    )

    assert_oauth_error(validate(client, token), 400, "invalid_grant")


def test_an_expired_refresh_token_is_refused(client, peter, settings):
    first = doc_tokens(client)
    lifetime = timedelta(seconds=settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"])
    AccessToken.objects.filter(user=peter.user).update(
        expires=timezone.now() - lifetime - timedelta(seconds=1)
    )

    response = doc_post(client, refresh_query(first["refresh_token"]))

    assert_oauth_error(response, 400, "invalid_grant")
    assert RefreshToken.objects.filter(user=peter.user).count() == 1  # none issued


# --- Refusals: unknown scope ----------------------------------------------------------------


@pytest.mark.parametrize("scope", ["MOBPROCX", "mobproc", "MOBPROC%20admin"])
def test_password_grant_with_an_unknown_scope_is_invalid_scope(client, peter, scope):
    response = doc_post(client, password_query(scope=scope))

    assert_oauth_error(response, 400, "invalid_scope")
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_refresh_with_an_unknown_scope_is_invalid_scope(client, peter):
    first = doc_tokens(client)

    response = doc_post(client, refresh_query(first["refresh_token"], scope="ADMIN"))

    assert_oauth_error(response, 400, "invalid_scope")


# --- The lockout holds on the documented form ------------------------------------------------


def test_the_documented_form_counts_towards_the_lockout_under_either_spelling(client, peter):
    # Three failures lock (the limit here), whichever way the username is spelt.
    assert doc_post(client, password_query("command://peter", "guess")).status_code == 400
    assert doc_post(client, password_query("peter", "guess")).status_code == 400
    third = doc_post(client, password_query("rivermine://peter", "guess"))

    locked = doc_post(client, password_query("command://peter", DEMO_PASSWORD))

    for response in (third, locked):
        body = assert_oauth_error(response, 429, "invalid_grant")
        assert "Too many failed sign-ins" in body["error_description"]
        assert int(response["Retry-After"]) > 0
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"peter"}
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_secrets_in_the_documented_url_are_not_kept_in_the_audit(client, peter):
    doc_post(client, password_query("command://peter", "guess-" + quote("s3cr3t")))

    event = SignInEvent.objects.get()
    assert event.username == "peter"
    assert event.client_id == "demo-client"
    assert event.path == TOKEN_URL
    assert "s3cr3t" not in event.path and DEMO_CLIENT_SECRET not in event.path


def test_a_nul_in_the_documented_url_is_refused_not_a_server_error(client, peter):
    response = doc_post(client, password_query(username="pe%00ter"))

    assert response.status_code == 400
    assert not AccessToken.objects.filter(user=peter.user).exists()
