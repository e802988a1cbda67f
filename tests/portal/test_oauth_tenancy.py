"""OAuth tokens belong to one tenant: an application issues them only to employees of its own
tenant, whatever the grant; introspection answers only about the asking client's tenant; a
replayed authorization code revokes what it issued; the consent page refuses a request without a
PKCE S256 challenge before showing its form."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken, set_token_value

from portal.demo import DEMO_CLIENT_SECRET, DEMO_PASSWORD
from portal.models import OAuthApplication, RedeemedAuthorizationCode
from tests.conftest import issue_token
from tests.portal.test_oauth import basic_auth, pkce_pair, redirect_params, redirect_target

TOKEN_URL = "/o/token/"
AUTHORIZE_URL = "/o/authorize/"
INTROSPECT_URL = "/o/introspect/"
REDIRECT_URI = "https://client.example.com/callback"
STATE = "xyz-state"


@pytest.fixture
def demo_app(demo) -> OAuthApplication:
    return OAuthApplication.objects.get(client_id="demo-client")


@pytest.fixture
def globex_app(demo) -> OAuthApplication:
    return OAuthApplication.objects.get(client_id="globex-client")


@pytest.fixture
def nobody(demo):
    """A user with a password but no employee record, in no tenant."""
    return get_user_model().objects.create_user("nobody", password=DEMO_PASSWORD)


def password_grant(client, username: str, client_id: str = "demo-client"):
    return client.post(
        TOKEN_URL,
        {"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
        **basic_auth(client_id),
    )


def refresh(client, refresh_token: str, client_id: str = "demo-client"):
    return client.post(
        TOKEN_URL,
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        **basic_auth(client_id),
    )


def exchange(client, code: str, verifier: str, client_id: str = "demo-client"):
    return client.post(
        TOKEN_URL,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        **basic_auth(client_id),
    )


def authorization_query(client_id: str = "demo-client", **params) -> dict[str, str]:
    query = {
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "read write",
        "state": STATE,
    }
    query.update(params)
    return {k: v for k, v in query.items() if v is not None}


def consent_page(client, client_id: str = "demo-client", **params):
    return client.get(AUTHORIZE_URL, authorization_query(client_id, **params))


def submit_consent(client, client_id: str = "demo-client", **params):
    """The consent form's POST, as a browser sends it after Authorize (or as anyone may send it
    without ever having been shown the form)."""
    return client.post(AUTHORIZE_URL, {**authorization_query(client_id, **params), "allow": True})


def authorize_through_the_consent_page(client, client_id: str = "demo-client", **params):
    """GET the consent page and submit the form it shows: the real browser flow."""
    page = consent_page(client, client_id, **params)
    assert page.status_code == 200, page.content
    form = {k: v for k, v in page.context["form"].initial.items() if v}
    return client.post(AUTHORIZE_URL, {**form, "allow": True})


def code_for(client, client_id: str = "demo-client") -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    response = authorize_through_the_consent_page(
        client, client_id, code_challenge=challenge, code_challenge_method="S256"
    )
    params = redirect_params(response)
    assert "code" in params, params
    return params["code"], verifier


def assert_refused_redirect(response, error: str) -> dict[str, str]:
    """Back to the client's registered redirect URI with `error` and its state; no code, no
    token, and no consent form shown."""
    assert response.status_code == 302, response.content
    assert redirect_target(response) == REDIRECT_URI
    params = redirect_params(response)
    assert params.get("error") == error, params
    assert params.get("state") == STATE
    assert "code" not in params and "access_token" not in params
    return params


def assert_invalid_grant(response) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_grant", response.json()


def me(client, access_token: str, tenant: str = "acme", client_id: str = "demo-client", **headers):
    return client.get(
        "/api/v1/me",
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
        HTTP_X_TNGO_TENANT=tenant,
        HTTP_CLIENT_ID=client_id,
        **headers,
    )


def introspect(client, token: str, client_id: str):
    return client.post(INTROSPECT_URL, {"token": token}, **basic_auth(client_id))


# --- Password grant ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_id, username", [("demo-client", "gina"), ("globex-client", "peter")]
)
def test_password_grant_for_a_user_of_another_tenant_is_invalid_grant(
    client, peter, gina, client_id, username
):
    response = password_grant(client, username, client_id)

    assert_invalid_grant(response)
    assert not AccessToken.objects.filter(user__username=username).exists()
    assert not RefreshToken.objects.filter(user__username=username).exists()


@pytest.mark.parametrize(
    "client_id, username", [("demo-client", "peter"), ("globex-client", "gina")]
)
def test_password_grant_for_a_user_of_the_own_tenant_is_issued(
    client, peter, gina, client_id, username
):
    response = password_grant(client, username, client_id)

    assert response.status_code == 200, response.content
    token = AccessToken.objects.get(user__username=username)
    assert token.application.client_id == client_id


def test_password_grant_for_a_user_without_an_employee_is_invalid_grant(client, nobody):
    assert_invalid_grant(password_grant(client, "nobody"))
    assert not AccessToken.objects.filter(user=nobody).exists()


def test_the_refusal_says_no_more_than_a_wrong_password(client, peter, gina):
    wrong_tenant = password_grant(client, "gina")
    wrong_password = client.post(
        TOKEN_URL,
        {"grant_type": "password", "username": "peter", "password": "wrong"},
        **basic_auth(),
    )

    assert wrong_tenant.status_code == wrong_password.status_code == 400
    assert wrong_tenant.json() == wrong_password.json()


# --- Authorization code (PKCE S256), through the consent page ---------------------------------


def test_the_consent_page_refuses_a_user_of_another_tenant_before_showing_the_form(client, gina):
    client.force_login(gina.user)
    _, challenge = pkce_pair()

    response = consent_page(client, code_challenge=challenge, code_challenge_method="S256")

    assert_refused_redirect(response, "access_denied")
    assert not Grant.objects.filter(user=gina.user).exists()


def test_the_consent_form_posted_anyway_issues_no_code_to_a_user_of_another_tenant(client, gina):
    client.force_login(gina.user)
    _, challenge = pkce_pair()

    response = submit_consent(client, code_challenge=challenge, code_challenge_method="S256")

    assert_refused_redirect(response, "access_denied")
    assert not Grant.objects.filter(user=gina.user).exists()
    assert not AccessToken.objects.filter(user=gina.user).exists()


def test_the_consent_page_refuses_a_signed_in_user_without_an_employee(client, nobody):
    client.force_login(nobody)
    _, challenge = pkce_pair()

    assert_refused_redirect(
        consent_page(client, code_challenge=challenge, code_challenge_method="S256"),
        "access_denied",
    )
    assert_refused_redirect(
        submit_consent(client, code_challenge=challenge, code_challenge_method="S256"),
        "access_denied",
    )
    assert not Grant.objects.filter(user=nobody).exists()


def test_a_skip_authorization_application_issues_no_code_to_a_user_of_another_tenant(
    client, gina, demo_app
):
    demo_app.skip_authorization = True
    demo_app.save()
    client.force_login(gina.user)
    _, challenge = pkce_pair()

    response = consent_page(client, code_challenge=challenge, code_challenge_method="S256")

    assert_refused_redirect(response, "access_denied")
    assert not Grant.objects.filter(user=gina.user).exists()


def test_the_consent_page_issues_a_code_to_a_user_of_the_own_tenant(client, gina):
    client.force_login(gina.user)

    code, verifier = code_for(client, "globex-client")
    exchanged = exchange(client, code, verifier, "globex-client")

    assert exchanged.status_code == 200, exchanged.content
    assert AccessToken.objects.get(user=gina.user).application.client_id == "globex-client"


# --- Implicit grant ----------------------------------------------------------------------------


def test_the_implicit_grant_refuses_a_user_of_another_tenant_on_the_page_and_on_the_post(
    client, gina, demo_app
):
    assert demo_app.allows_grant_type(OAuthApplication.GRANT_IMPLICIT)
    client.force_login(gina.user)

    assert_refused_redirect(consent_page(client, response_type="token"), "access_denied")
    assert_refused_redirect(submit_consent(client, response_type="token"), "access_denied")
    assert not AccessToken.objects.filter(user=gina.user).exists()


def test_the_implicit_grant_issues_a_token_to_a_user_of_the_own_tenant(client, peter):
    client.force_login(peter.user)

    response = authorize_through_the_consent_page(client, response_type="token")

    assert response.status_code == 302, response.content
    assert redirect_params(response)["access_token"]
    assert AccessToken.objects.filter(user=peter.user, application__client_id="demo-client")


# --- Refresh token -----------------------------------------------------------------------------


def foreign_refresh_token(employee, application: OAuthApplication) -> str:
    """A refresh token of `application` for a user of another tenant, as none is issued now."""
    access_token = AccessToken(
        user=employee.user,
        application=application,
        scope="read write",
        expires=timezone.now() + timedelta(hours=1),
    )
    set_token_value(access_token, secrets.token_urlsafe(30))
    access_token.save()
    raw = secrets.token_urlsafe(30)
    refresh_token = RefreshToken(
        user=employee.user,
        application=application,
        access_token=access_token,
        token_family=uuid.uuid4(),
    )
    set_token_value(refresh_token, raw)
    refresh_token.save()
    return raw


def test_refresh_of_a_token_of_a_user_of_another_tenant_is_invalid_grant(client, gina, demo_app):
    raw = foreign_refresh_token(gina, demo_app)
    before = set(AccessToken.objects.values_list("pk", flat=True))

    assert_invalid_grant(refresh(client, raw))
    assert set(AccessToken.objects.values_list("pk", flat=True)) == before


def test_refresh_of_a_token_of_the_own_tenant_is_issued(client, peter):
    first = password_grant(client, "peter").json()

    response = refresh(client, first["refresh_token"])

    assert response.status_code == 200, response.content


# --- Client credentials: already bound to the application's tenant ----------------------------


def test_a_client_credentials_token_acts_only_in_its_applications_tenant(client, demo, gina):
    response = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, **basic_auth())
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    stored = AccessToken.objects.get(application__client_id="demo-client", user=None)
    assert stored.application.tenant == demo.acme

    as_gina_in_globex = me(
        client, token, tenant="globex", HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(gina.pk)
    )
    as_gina_in_acme = me(client, token, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(gina.pk))

    assert as_gina_in_globex.status_code == 403, as_gina_in_globex.content
    assert as_gina_in_acme.status_code == 404, as_gina_in_acme.content


# --- Introspection -----------------------------------------------------------------------------


@pytest.fixture
def acme_token(client, peter) -> str:
    response = password_grant(client, "peter")
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_introspection_by_another_tenants_client_answers_as_for_an_unknown_token(
    client, acme_token, globex_app
):
    foreign = introspect(client, acme_token, "globex-client")
    unknown = introspect(client, secrets.token_urlsafe(30), "globex-client")

    assert foreign.status_code == unknown.status_code == 200
    assert foreign.json() == unknown.json() == {"active": False}
    assert foreign.content == unknown.content


def test_introspection_by_the_own_tenants_client_answers_active(client, acme_token):
    response = introspect(client, acme_token, "demo-client")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["active"] is True
    assert body["username"] == "peter"
    assert body["client_id"] == "demo-client"


def test_introspection_is_tenant_bound_with_the_credentials_in_the_body_and_by_get(
    client, acme_token, globex_app
):
    credentials = {"client_id": "globex-client", "client_secret": DEMO_CLIENT_SECRET}

    by_body = client.post(INTROSPECT_URL, {"token": acme_token, **credentials})
    by_get = client.get(INTROSPECT_URL, {"token": acme_token}, **basic_auth("globex-client"))

    assert by_body.json() == {"active": False}
    assert by_get.json() == {"active": False}


def test_introspection_of_a_token_for_a_user_outside_the_applications_tenant_is_inactive(
    client, gina, demo_app
):
    token = issue_token(gina, demo_app)  # should not exist

    assert introspect(client, token, "demo-client").json() == {"active": False}


def test_introspection_of_an_own_client_credentials_token_answers_active(client, demo_app):
    token = issue_token(None, demo_app)

    assert introspect(client, token, "demo-client").json()["active"] is True
    assert introspect(client, token, "globex-client").json() == {"active": False}


def test_introspection_still_needs_client_authentication(client, acme_token):
    response = client.post(INTROSPECT_URL, {"token": acme_token})

    assert response.status_code == 403


# --- Authorization code replay -----------------------------------------------------------------


@pytest.fixture
def signed_in_peter(client, peter):
    client.force_login(peter.user)
    return client


def test_a_replayed_code_is_refused_and_revokes_the_tokens_it_issued(signed_in_peter, peter):
    client = signed_in_peter
    code, verifier = code_for(client)
    first = exchange(client, code, verifier)
    assert first.status_code == 200, first.content
    tokens = first.json()
    assert me(client, tokens["access_token"]).status_code == 200

    replay = exchange(client, code, verifier)

    assert_invalid_grant(replay)
    assert me(client, tokens["access_token"]).status_code == 401
    assert_invalid_grant(refresh(client, tokens["refresh_token"]))
    assert not AccessToken.objects.filter(user=peter.user).exists()
    assert not RefreshToken.objects.filter(user=peter.user, revoked__isnull=True).exists()


def test_a_replayed_code_also_revokes_the_tokens_refreshed_since(signed_in_peter, peter):
    client = signed_in_peter
    code, verifier = code_for(client)
    first = exchange(client, code, verifier).json()
    rotated = refresh(client, first["refresh_token"]).json()
    assert me(client, rotated["access_token"]).status_code == 200

    assert_invalid_grant(exchange(client, code, verifier))

    assert me(client, rotated["access_token"]).status_code == 401
    assert_invalid_grant(refresh(client, rotated["refresh_token"]))


def test_a_replay_leaves_other_tokens_of_the_user_alone(signed_in_peter, peter):
    client = signed_in_peter
    other = password_grant(client, "peter").json()
    code, verifier = code_for(client)
    exchange(client, code, verifier)

    assert_invalid_grant(exchange(client, code, verifier))

    assert me(client, other["access_token"]).status_code == 200


def test_a_code_presented_by_another_client_is_refused_and_revokes_nothing(signed_in_peter):
    client = signed_in_peter
    code, verifier = code_for(client)
    tokens = exchange(client, code, verifier).json()

    assert_invalid_grant(exchange(client, code, verifier, "globex-client"))

    assert me(client, tokens["access_token"]).status_code == 200


def test_two_exchanges_of_one_code_racing_each_other_the_second_is_a_replay(signed_in_peter, peter):
    # Both exchanges pass validate_code before the first deletes the Grant: the Grant is put
    # back after the first, as the second exchange would still have found it.
    client = signed_in_peter
    code, verifier = code_for(client)
    grant = Grant.objects.get(code=code)
    first = exchange(client, code, verifier).json()
    grant.pk = None
    grant.save()

    second = exchange(client, code, verifier)

    assert_invalid_grant(second)
    assert second["Cache-Control"] == "no-store"
    assert me(client, first["access_token"]).status_code == 401
    assert not AccessToken.objects.filter(user=peter.user).exists()
    assert RedeemedAuthorizationCode.objects.count() == 1


def test_the_code_is_recorded_by_checksum_never_in_clear(signed_in_peter):
    client = signed_in_peter
    code, verifier = code_for(client)
    exchange(client, code, verifier)

    record = RedeemedAuthorizationCode.objects.get()
    assert code not in record.code_checksum
    assert record.application.client_id == "demo-client"
    assert record.token_family is not None


# --- PKCE S256 before the consent form ---------------------------------------------------------


@pytest.mark.parametrize(
    "pkce",
    [
        pytest.param({"code_challenge_method": "plain"}, id="plain"),
        pytest.param({"code_challenge_method": None}, id="challenge-without-method"),
        pytest.param({"code_challenge": None, "code_challenge_method": None}, id="no-challenge"),
    ],
)
def test_the_consent_page_refuses_a_code_request_without_pkce_s256_before_the_form(
    signed_in_peter, pkce
):
    verifier, _ = pkce_pair()
    params = {"code_challenge": verifier, **pkce}

    response = consent_page(signed_in_peter, **params)

    assert_refused_redirect(response, "invalid_request")
    assert response.context is None or "form" not in response.context


def test_the_consent_page_shows_the_form_for_a_pkce_s256_code_request(signed_in_peter):
    _, challenge = pkce_pair()

    response = consent_page(signed_in_peter, code_challenge=challenge, code_challenge_method="S256")

    assert response.status_code == 200, response.content
    assert response.context["form"].initial["code_challenge_method"] == "S256"
