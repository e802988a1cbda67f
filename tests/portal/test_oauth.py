"""OAuth 2 at /o/: the grants each application enables, PKCE (S256 only), rotating refresh tokens,
and only the four endpoints clients need."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from oauth2_provider.models import AccessToken

from portal.demo import DEMO_CLIENT_SECRET, DEMO_PASSWORD
from portal.models import OAuthApplication

TOKEN_URL = "/o/token/"
AUTHORIZE_URL = "/o/authorize/"
REDIRECT_URI = "https://client.example.com/callback"


def basic_auth(client_id: str = "demo-client", secret: str = DEMO_CLIENT_SECRET) -> dict:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def password_grant(client, username: str = "peter", **auth):
    return client.post(
        TOKEN_URL,
        {"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
        **(auth or basic_auth()),
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorize(client, **params):
    """The consent form's POST: what the user's browser sends after clicking Authorize."""
    form = {
        "client_id": "demo-client",
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "read write",
        "state": "xyz-state",
        "allow": True,
    }
    form.update(params)
    return client.post(AUTHORIZE_URL, {k: v for k, v in form.items() if v is not None})


def redirect_params(response) -> dict[str, str]:
    """Query and fragment parameters of a redirect, merged."""
    parts = urlsplit(response["Location"])
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    params.update({k: v[0] for k, v in parse_qs(parts.fragment).items()})
    return params


def redirect_target(response) -> str:
    parts = urlsplit(response["Location"])
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@pytest.fixture(autouse=True)
def unhashed_static_files(settings):
    """HTML pages (consent form, 404) link static files; without `collectstatic` the production
    manifest storage has no entries, so tests serve them unhashed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def demo_app(demo) -> OAuthApplication:
    return OAuthApplication.objects.get(client_id="demo-client")


@pytest.fixture
def logged_in(client, peter):
    client.force_login(peter.user)
    return client


def assert_oauth_error(response, status: int, *errors: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"] in errors, response.json()


# --- Password grant ----------------------------------------------------------------------------


def test_password_grant_for_an_enabled_confidential_client_issues_access_and_refresh_tokens(
    client, peter
):
    response = password_grant(client)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"] and body["refresh_token"]
    assert 0 < body["expires_in"] <= 7200
    assert set(body["scope"].split()) == {"read", "write"}
    token = AccessToken.objects.get(user=peter.user)
    assert token.application.client_id == "demo-client"


def test_issued_password_token_opens_the_api_for_its_user(client, peter):
    token = password_grant(client).json()["access_token"]

    response = client.get(
        "/api/v1/me",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_TNGO_TENANT="acme",
        HTTP_CLIENT_ID="demo-client",
    )

    assert response.status_code == 200, response.content
    assert response.json()["user"] == {"username": "peter"}


def test_password_grant_is_refused_when_the_application_has_not_enabled_it(client, peter, demo_app):
    demo_app.allow_password = False
    demo_app.save()

    response = password_grant(client)

    assert_oauth_error(response, 400, "unauthorized_client", "unsupported_grant_type")
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_password_grant_with_a_wrong_client_secret_is_refused_as_invalid_client(client, peter):
    response = password_grant(client, **basic_auth(secret="not-the-secret"))

    assert_oauth_error(response, 401, "invalid_client")
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_password_grant_with_a_wrong_user_password_is_refused(client, peter):
    response = client.post(
        TOKEN_URL,
        {"grant_type": "password", "username": "peter", "password": "wrong"},
        **basic_auth(),
    )

    assert_oauth_error(response, 400, "invalid_grant")
    assert not AccessToken.objects.filter(user=peter.user).exists()


# --- Client credentials ------------------------------------------------------------------------


def test_client_credentials_grant_issues_a_token_without_a_user_to_an_enabled_app(client, demo_app):
    response = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, **basic_auth())

    assert response.status_code == 200, response.content
    body = response.json()
    assert 0 < body["expires_in"] <= 7200
    token = AccessToken.objects.get(application=demo_app)
    assert token.user is None


def test_client_credentials_grant_is_refused_when_the_application_has_not_enabled_it(
    client, demo_app
):
    demo_app.allow_client_credentials = False
    demo_app.save()

    response = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, **basic_auth())

    assert_oauth_error(response, 400, "unauthorized_client", "unsupported_grant_type")
    assert not AccessToken.objects.filter(application=demo_app).exists()


def test_client_credentials_grant_is_refused_for_a_public_client_even_if_flagged(client, demo_app):
    demo_app.client_type = OAuthApplication.CLIENT_PUBLIC
    demo_app.save()

    response = client.post(
        TOKEN_URL, {"grant_type": "client_credentials", "client_id": "demo-client"}
    )

    assert response.status_code in (400, 401), response.content
    assert response.json()["error"] in {"unauthorized_client", "invalid_client"}
    assert not AccessToken.objects.filter(application=demo_app).exists()


# --- Refresh tokens ----------------------------------------------------------------------------


def test_refresh_token_rotates_and_the_old_refresh_token_is_refused_on_reuse(client, peter):
    first = password_grant(client).json()

    refreshed = client.post(
        TOKEN_URL,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        **basic_auth(),
    )

    assert refreshed.status_code == 200, refreshed.content
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert 0 < second["expires_in"] <= 7200

    replay = client.post(
        TOKEN_URL,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        **basic_auth(),
    )

    assert_oauth_error(replay, 400, "invalid_grant")


def test_refresh_token_of_one_client_is_refused_to_another_client(client, peter, demo):
    first = password_grant(client).json()

    response = client.post(
        TOKEN_URL,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        **basic_auth("globex-client"),
    )

    assert_oauth_error(response, 400, "invalid_grant")


# --- Authorization code with PKCE --------------------------------------------------------------


def test_authorization_code_with_pkce_s256_issues_a_token_for_the_signed_in_user(logged_in, peter):
    verifier, challenge = pkce_pair()

    response = authorize(logged_in, code_challenge=challenge, code_challenge_method="S256")

    assert response.status_code == 302, response.content
    assert redirect_target(response) == REDIRECT_URI
    params = redirect_params(response)
    assert params["state"] == "xyz-state"
    assert "error" not in params
    exchanged = logged_in.post(
        TOKEN_URL,
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        **basic_auth(),
    )
    assert exchanged.status_code == 200, exchanged.content
    body = exchanged.json()
    assert body["access_token"] and body["refresh_token"]
    assert 0 < body["expires_in"] <= 7200
    assert AccessToken.objects.get(user=peter.user).application.client_id == "demo-client"


def test_authorization_page_shows_the_consent_form_to_a_signed_in_user(logged_in, peter):
    _, challenge = pkce_pair()

    response = logged_in.get(
        AUTHORIZE_URL,
        {
            "client_id": "demo-client",
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "read write",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )

    assert response.status_code == 200, response.content
    assert response.context["form"].initial["code_challenge"] == challenge


def test_authorization_code_exchange_with_the_wrong_code_verifier_is_refused(logged_in, peter):
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    code = redirect_params(
        authorize(logged_in, code_challenge=challenge, code_challenge_method="S256")
    )["code"]

    response = logged_in.post(
        TOKEN_URL,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": other_verifier,
        },
        **basic_auth(),
    )

    assert_oauth_error(response, 400, "invalid_grant")
    assert not AccessToken.objects.filter(user=peter.user).exists()


def assert_authorize_refused(response, error: str = "invalid_request") -> dict[str, str]:
    """DOT sends a refused authorization request back to the client's registered redirect_uri
    with `error` (and the client's state), never with a code or token."""
    assert response.status_code == 302, response.content
    assert redirect_target(response) == REDIRECT_URI
    params = redirect_params(response)
    assert params.get("error") == error, params
    assert params.get("state") == "xyz-state"
    assert "code" not in params and "access_token" not in params
    return params


def test_authorization_code_without_a_code_challenge_is_refused_because_pkce_is_required(
    logged_in, peter
):
    response = authorize(logged_in)

    params = assert_authorize_refused(response)
    assert "challenge" in params["error_description"].lower()


def test_authorization_code_with_the_plain_pkce_method_is_refused(logged_in, peter):
    verifier, _ = pkce_pair()

    response = authorize(logged_in, code_challenge=verifier, code_challenge_method="plain")

    params = assert_authorize_refused(response)
    assert "S256" in params["error_description"]


def test_authorization_code_with_a_challenge_but_no_method_is_refused_as_plain(logged_in, peter):
    # RFC 7636: a missing code_challenge_method means "plain", which we do not accept.
    _, challenge = pkce_pair()

    response = authorize(logged_in, code_challenge=challenge)

    params = assert_authorize_refused(response)
    assert "S256" in params["error_description"]


def test_authorization_get_without_a_code_challenge_is_refused_before_consent(logged_in):
    response = logged_in.get(
        AUTHORIZE_URL,
        {
            "client_id": "demo-client",
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "read write",
            "state": "xyz-state",
        },
    )

    assert_authorize_refused(response)


def test_authorization_with_an_unregistered_redirect_uri_never_redirects_there(logged_in):
    _, challenge = pkce_pair()

    response = authorize(
        logged_in,
        redirect_uri="https://attacker.example.com/callback",
        code_challenge=challenge,
        code_challenge_method="S256",
    )

    assert response.status_code == 400, response.content
    assert "attacker.example.com" not in response.get("Location", "")


def test_authorization_code_is_refused_when_the_application_has_not_enabled_it(logged_in, demo_app):
    demo_app.authorization_grant_type = OAuthApplication.GRANT_PASSWORD
    demo_app.allow_authorization_code = False
    demo_app.save()
    _, challenge = pkce_pair()

    response = authorize(logged_in, code_challenge=challenge, code_challenge_method="S256")

    assert_authorize_refused(response, "unauthorized_client")


# --- Implicit grant ----------------------------------------------------------------------------


def test_implicit_grant_for_an_enabled_app_returns_the_token_in_the_url_fragment(logged_in, peter):
    response = authorize(logged_in, response_type="token")

    assert response.status_code == 302, response.content
    parts = urlsplit(response["Location"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI
    fragment = {k: v[0] for k, v in parse_qs(parts.fragment).items()}
    assert fragment["access_token"]
    assert fragment["state"] == "xyz-state"
    assert 0 < int(fragment["expires_in"]) <= 7200
    assert "access_token" not in parse_qs(parts.query)
    assert AccessToken.objects.filter(user=peter.user).exists()


def test_implicit_grant_is_refused_when_the_application_has_not_enabled_it(
    logged_in, peter, demo_app
):
    demo_app.allow_implicit = False
    demo_app.save()

    response = authorize(logged_in, response_type="token")

    assert_authorize_refused(response, "unauthorized_client")
    assert not AccessToken.objects.filter(user=peter.user).exists()


# --- Mounted endpoints -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/o/applications/", "/o/applications/register/", "/o/authorized_tokens/"]
)
def test_self_service_application_management_is_not_mounted(logged_in, path):
    response = logged_in.get(path)

    assert response.status_code == 404


def test_the_four_oauth_endpoints_are_mounted(client, demo):
    # Each answers something other than 404 even when called without parameters.
    assert client.get(AUTHORIZE_URL).status_code != 404
    assert client.post(TOKEN_URL).status_code != 404
    assert client.post("/o/revoke_token/").status_code != 404
    assert client.post("/o/introspect/").status_code != 404


def test_revoked_access_token_no_longer_opens_the_api(client, peter):
    token = password_grant(client).json()["access_token"]

    revoked = client.post("/o/revoke_token/", {"token": token}, **basic_auth())
    response = client.get(
        "/api/v1/me",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_TNGO_TENANT="acme",
        HTTP_CLIENT_ID="demo-client",
    )

    assert revoked.status_code == 200
    assert response.status_code == 401
