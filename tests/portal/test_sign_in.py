"""Sign-in with sessions: failed logins rate-limited, password change and reset by e-mail."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from portal.demo import DEMO_PASSWORD


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_peter_signs_in_and_lands_home(client, peter):
    response = sign_in(client, "peter", DEMO_PASSWORD)

    assert response.status_code == 302
    assert client.get("/").context["employee"] == peter


def test_a_wrong_password_says_so(client, peter):
    response = sign_in(client, "peter", "wrong")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_failed_sign_ins_are_rate_limited_even_with_the_right_password(client, peter, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert sign_in(client, "peter", "guess").status_code == 200

    refused = sign_in(client, "peter", DEMO_PASSWORD)

    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_limit_counts_per_address_too(client, peter, maria, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for username in ["peter", "maria", "ian"]:
        sign_in(client, username, "guess")

    assert sign_in(client, "sam", DEMO_PASSWORD).status_code == 429


def test_a_successful_sign_in_clears_the_users_count(client, peter, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    sign_in(client, "peter", "guess")
    sign_in(client, "peter", "guess")
    assert sign_in(client, "peter", DEMO_PASSWORD).status_code == 302
    client.logout()

    assert sign_in(client, "peter", "guess").status_code == 200  # counted from zero again


def test_password_change(client, peter):
    client.force_login(peter.user)

    response = client.post(
        "/password/change/",
        {"old_password": DEMO_PASSWORD, "new_password1": "N3w-secret-pass",
         "new_password2": "N3w-secret-pass"},
    )  # fmt: skip

    assert response.status_code == 302
    peter.user.refresh_from_db()
    assert peter.user.check_password("N3w-secret-pass")


def test_password_change_shows_every_error(client, peter):
    client.force_login(peter.user)

    response = client.post(
        "/password/change/",
        {"old_password": "nope", "new_password1": "a", "new_password2": "b"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "old password was entered incorrectly" in page
    assert "password fields didn\u2019t match" in page


def test_password_reset_by_email(client, peter):
    response = client.post("/password/reset/", {"email": "peter.edwards@acme.com"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["peter.edwards@acme.com"]]
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    set_password = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Fresh-pass-123", "new_password2": "Fresh-pass-123"},
    )

    assert set_password.status_code == 302
    peter.user.refresh_from_db()
    assert peter.user.check_password("Fresh-pass-123")


def test_password_reset_for_an_unknown_address_reveals_nothing(client, demo):
    response = client.post("/password/reset/", {"email": "nobody@acme.com"})

    assert response.status_code == 302
    assert mail.outbox == []


def test_forms_are_csrf_protected(peter):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert (
        strict.post("/login/", {"username": "peter", "password": DEMO_PASSWORD}).status_code == 403
    )
