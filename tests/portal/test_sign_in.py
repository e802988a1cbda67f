"""Sign-in with sessions: failed sign-ins locked out per username (django-axes, on the pages and
the OAuth password grant alike), password change and reset by e-mail."""

import base64
import logging
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import caches
from django.utils import timezone
from oauth2_provider.models import AccessToken

from portal.demo import DEMO_CLIENT_SECRET, DEMO_PASSWORD

LOCKED_OUT = "Too many failed sign-ins. Please wait a few minutes and try again."


@pytest.fixture(autouse=True)
def limit_of_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(client, username: str, password: str, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def password_grant(client, username: str, password: str, **extra):
    basic = base64.b64encode(f"demo-client:{DEMO_CLIENT_SECRET}".encode()).decode()
    return client.post(
        "/o/token/",
        {"grant_type": "password", "username": username, "password": password},
        HTTP_AUTHORIZATION=f"Basic {basic}",
        **extra,
    )


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_OUT in page
    assert 'name="username"' in page and 'name="password"' in page  # the sign-in form again
    assert int(response["Retry-After"]) > 0


def assert_grant_locked_out(response) -> None:
    assert response.status_code == 429, response.content
    assert response.json() == {"error": "invalid_grant", "error_description": LOCKED_OUT}
    assert int(response["Retry-After"]) > 0


def test_peter_signs_in_and_lands_home(client, peter):
    response = sign_in(client, "peter", DEMO_PASSWORD)

    assert response.status_code == 302
    assert client.get("/").context["employee"] == peter


def test_a_wrong_password_says_so(client, peter):
    response = sign_in(client, "peter", "wrong")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_failed_sign_ins_are_locked_out_even_with_the_right_password(client, peter):
    assert sign_in(client, "peter", "guess").status_code == 200
    assert sign_in(client, "peter", "guess").status_code == 200
    assert_locked_out(sign_in(client, "peter", "guess"))  # the third failure locks

    refused = sign_in(client, "peter", DEMO_PASSWORD)

    assert_locked_out(refused)
    assert 'value="peter"' in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_follows_the_username_from_any_address(client, peter):
    for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3"]:
        sign_in(client, "peter", "guess", REMOTE_ADDR=address)

    assert_locked_out(sign_in(client, "peter", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.4"))


def test_other_users_at_the_same_address_are_not_locked_out(client, peter, maria, sam):
    """The limit counts per username, never per address alone: people behind one proxy share an
    address, and one of them guessing must not lock out the others."""
    for username in ["peter", "peter", "peter", "maria", "ian", "nobody"]:
        sign_in(client, username, "guess", REMOTE_ADDR="10.0.0.1")

    assert sign_in(client, "sam", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 302
    client.logout()
    assert sign_in(client, "maria", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 302
    client.logout()
    assert_locked_out(sign_in(client, "peter", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.1"))


def test_a_successful_sign_in_clears_the_users_count(client, peter):
    sign_in(client, "peter", "guess")
    sign_in(client, "peter", "guess", REMOTE_ADDR="10.0.0.2")
    assert sign_in(client, "peter", DEMO_PASSWORD).status_code == 302
    client.logout()

    # Counted from zero again, from every address.
    assert sign_in(client, "peter", "guess", REMOTE_ADDR="10.0.0.2").status_code == 200
    assert sign_in(client, "peter", "guess").status_code == 200
    assert_locked_out(sign_in(client, "peter", "guess"))


def test_the_lockout_ends_after_the_window(client, peter, settings):
    for _ in range(3):
        sign_in(client, "peter", "guess")
    assert_locked_out(sign_in(client, "peter", DEMO_PASSWORD))

    # The window (LOGIN_FAILURE_WINDOW seconds, 15 minutes by default) passes.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW + 1)
    )

    assert sign_in(client, "peter", DEMO_PASSWORD).status_code == 302


def test_the_lockout_holds_for_the_whole_window_and_no_longer(client, peter, settings):
    for _ in range(3):
        sign_in(client, "peter", "guess")
    locked_at = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW - 60)
    AccessAttempt.objects.update(attempt_time=locked_at)

    assert_locked_out(sign_in(client, "peter", DEMO_PASSWORD))
    assert_locked_out(sign_in(client, "peter", "guess"))

    # Attempts refused while locked out are not counted: the lockout still ends on time.
    assert AccessAttempt.objects.get().attempt_time == locked_at
    assert AccessAttempt.objects.get().failures_since_start == 3


def test_signing_in_and_the_lockout_work_with_the_cache_unreachable(client, peter, maria, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    with pytest.raises(Exception):  # noqa: B017 (whatever redis-py raises: the cache is down)
        caches["default"].get("anything")

    assert client.get("/login/").status_code == 200
    assert sign_in(client, "peter", "guess").status_code == 200
    assert sign_in(client, "peter", DEMO_PASSWORD).status_code == 302
    client.logout()
    for _ in range(3):
        sign_in(client, "maria", "guess")
    assert_locked_out(sign_in(client, "maria", DEMO_PASSWORD))


def test_failures_and_lockouts_are_logged_with_the_username_never_the_password(
    client, peter, caplog
):
    caplog.set_level(logging.WARNING)
    for _ in range(4):
        sign_in(client, "peter", "Secret-guess-42")

    lines = [record.getMessage() for record in caplog.records]
    failures = [line for line in lines if "login failure by" in line]
    assert len(failures) == 3 and all('username: "peter"' in line for line in failures)
    assert any("Locking out" in line and 'username: "peter"' in line for line in lines)
    assert [line for line in lines if "refused" in line] == [
        "sign-in refused: username 'peter' is locked out"  # the fourth attempt
    ]
    assert "Secret-guess-42" not in caplog.text
    assert "Secret-guess-42" not in AccessAttempt.objects.get().post_data


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(client, peter, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "portal.auth.client_ip_behind_proxy"

    # The proxy appends the address it saw; what comes before is the client's own claim.
    sign_in(client, "peter", "guess", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    sign_in(client, "peter", "guess", HTTP_X_FORWARDED_FOR="not an address")

    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"203.0.113.7", "127.0.0.1"}  # the second: REMOTE_ADDR


def test_without_a_proxy_x_forwarded_for_is_ignored(client, peter):
    sign_in(client, "peter", "guess", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


# --- The OAuth password grant shares the lockout ------------------------------------------------


def test_the_password_grant_is_locked_out_after_the_limit(client, peter):
    assert password_grant(client, "peter", "guess").status_code == 400
    assert password_grant(client, "peter", "guess", REMOTE_ADDR="10.0.0.2").status_code == 400
    assert_grant_locked_out(password_grant(client, "peter", "guess"))

    assert_grant_locked_out(password_grant(client, "peter", DEMO_PASSWORD))
    assert not AccessToken.objects.filter(user=peter.user).exists()
    assert password_grant(client, "maria", DEMO_PASSWORD).status_code == 200  # only peter


def test_a_lockout_on_the_sign_in_page_locks_the_password_grant(client, peter):
    for _ in range(3):
        sign_in(client, "peter", "guess")

    assert_grant_locked_out(password_grant(client, "peter", DEMO_PASSWORD))
    assert not AccessToken.objects.filter(user=peter.user).exists()


def test_failed_password_grants_lock_the_sign_in_page(client, peter):
    password_grant(client, "peter", "guess")
    sign_in(client, "peter", "guess")
    password_grant(client, "peter", "guess")

    assert_locked_out(sign_in(client, "peter", DEMO_PASSWORD))


def test_a_successful_password_grant_clears_the_count(client, peter):
    sign_in(client, "peter", "guess")
    password_grant(client, "peter", "guess")
    assert password_grant(client, "peter", DEMO_PASSWORD).status_code == 200

    assert sign_in(client, "peter", "guess").status_code == 200
    assert password_grant(client, "peter", "guess").status_code == 400  # two, not four


def test_a_nul_in_the_grant_username_is_refused_not_a_server_error(client, peter):
    response = password_grant(client, "pe\x00ter", DEMO_PASSWORD)

    # portal.middleware refuses it before the view (invalid_request); portal.oauth would too.
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_request", "invalid_grant"}


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
