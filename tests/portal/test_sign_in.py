"""Sign-in with sessions: failed sign-ins locked out per username (django-axes, on the pages and
the OAuth password grant alike), each refusal audited; password change, and reset by e-mail under
its limit."""

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
from portal.models import SignInEvent
from portal.tasks import prune_sign_in_events

LOCKED_OUT = re.compile(
    r"Too many failed sign-ins for this username\. Please try again in (\d+) minutes?\."
)
WINDOW = 15 * 60  # LOGIN_FAILURE_WINDOW's default


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


def assert_locked_out(response) -> int:
    """The sign-in form again, 429, saying when to try again; the minutes it says."""
    assert response.status_code == 429
    page = response.content.decode()
    said = LOCKED_OUT.search(page)
    assert said, page
    assert 'name="username"' in page and 'name="password"' in page  # the sign-in form again
    assert 0 < int(response["Retry-After"]) <= WINDOW
    return int(said.group(1))


def assert_grant_locked_out(response) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["error"] == "invalid_grant"
    assert LOCKED_OUT.fullmatch(body["error_description"]), body
    assert 0 < int(response["Retry-After"]) <= WINDOW


def events(*kinds) -> list[tuple]:
    rows = SignInEvent.objects.filter(kind__in=kinds) if kinds else SignInEvent.objects.all()
    return list(rows.order_by("id").values_list("kind", "username", "ip_address", "client_id"))


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


def test_by_default_the_lockout_holds_the_guessing_address_only(client, peter):
    """Nobody can lock a colleague out by typing their name: the owner, elsewhere, signs in."""
    for _ in range(3):
        sign_in(client, "peter", "guess", REMOTE_ADDR="10.0.0.1")
    assert_locked_out(sign_in(client, "peter", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.1"))

    assert sign_in(client, "peter", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.4").status_code == 302


def test_locking_by_username_follows_it_from_any_address(client, peter, settings):
    settings.AXES_LOCKOUT_PARAMETERS = settings.LOGIN_LOCKOUT_CHOICES["username"]
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
    sign_in(client, "peter", "guess")
    assert sign_in(client, "peter", DEMO_PASSWORD).status_code == 302
    client.logout()

    # Counted from zero again.
    assert sign_in(client, "peter", "guess").status_code == 200
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
            "BACKEND": "portal.cache.RedisCache",
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
    ours = [line for line in lines if "username='peter'" in line]
    assert ours == [
        *["Sign-in failed: username='peter' ip=127.0.0.1 client_id=- path=/login/"] * 3,
        "Locked out: username='peter' ip=127.0.0.1 client_id=- path=/login/",
        "Refused while locked out: username='peter' ip=127.0.0.1 client_id=- path=/login/",
    ]
    assert "Secret-guess-42" not in caplog.text
    assert "Secret-guess-42" not in AccessAttempt.objects.get().post_data


def test_every_refusal_is_audited_with_who_where_and_the_correlation_id(client, peter, maria):
    correlation = {"HTTP_X_TNGO_CONTEXT_CORRELATIONID": "corr-7"}
    sign_in(client, "peter", "guess", **correlation)
    password_grant(client, "peter", "guess", REMOTE_ADDR="10.0.0.2")
    sign_in(client, "peter", "guess", REMOTE_ADDR="10.0.0.2")
    password_grant(client, "peter", "guess", REMOTE_ADDR="10.0.0.2")  # the third: locks
    sign_in(client, "peter", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.2")  # refused while locked out
    sign_in(client, "maria", DEMO_PASSWORD)  # a success is not a refusal

    K = SignInEvent.Kind
    assert events() == [
        (K.SIGN_IN_FAILED, "peter", "127.0.0.1", ""),
        (K.SIGN_IN_FAILED, "peter", "10.0.0.2", "demo-client"),
        (K.SIGN_IN_FAILED, "peter", "10.0.0.2", ""),
        (K.SIGN_IN_FAILED, "peter", "10.0.0.2", "demo-client"),
        (K.LOCKED_OUT, "peter", "10.0.0.2", "demo-client"),
        (K.REFUSED_LOCKED_OUT, "peter", "10.0.0.2", ""),
    ]
    first, second = SignInEvent.objects.order_by("id")[:2]
    assert (first.correlation_id, first.path) == ("corr-7", "/login/")
    assert second.path == "/o/token/" and len(second.correlation_id) == 32  # one was made


def test_the_lockout_says_how_long_is_left(client, peter):
    for _ in range(3):
        sign_in(client, "peter", "guess")
    assert assert_locked_out(sign_in(client, "peter", DEMO_PASSWORD)) == 15

    # Ten minutes later, five are left, on the page and the grant alike.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    response = sign_in(client, "peter", DEMO_PASSWORD)
    assert assert_locked_out(response) == 5
    assert 4 * 60 < int(response["Retry-After"]) <= 5 * 60
    grant = password_grant(client, "peter", DEMO_PASSWORD)
    assert_grant_locked_out(grant)
    assert int(grant["Retry-After"]) <= 5 * 60


def test_old_events_are_pruned(client, peter, settings):
    sign_in(client, "peter", "guess")
    sign_in(client, "peter", "guess")
    SignInEvent.objects.filter(id=SignInEvent.objects.earliest("id").id).update(
        at=timezone.now() - timedelta(days=settings.SIGN_IN_EVENT_DAYS, minutes=1)
    )

    assert prune_sign_in_events() == 1
    assert SignInEvent.objects.count() == 1


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
    assert password_grant(client, "peter", "guess").status_code == 400
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


def reset(client, email: str = "peter.edwards@acme.com", **extra):
    return client.post("/password/reset/", {"email": email}, **extra)


def test_password_reset_mails_an_address_three_times_an_hour_at_most(client, peter):
    answers = [reset(client) for _ in range(4)]

    # The fourth looks the same (nothing tells whether the address has an account), unsent.
    assert [r.status_code for r in answers] == [302] * 4
    assert {r["Location"] for r in answers} == {"/password/reset/sent/"}
    assert len(mail.outbox) == 3
    assert [kind for kind, *_ in events()] == [
        *[SignInEvent.Kind.PASSWORD_RESET_REQUESTED] * 3,
        SignInEvent.Kind.PASSWORD_RESET_REFUSED,
    ]
    # Another address is not held back by peter's, and an hour on peter's count starts again.
    assert reset(client, "maria.lopez@acme.com").status_code == 302
    SignInEvent.objects.update(at=timezone.now() - timedelta(hours=1, seconds=1))
    reset(client)
    assert [m.to for m in mail.outbox][-2:] == [
        ["maria.lopez@acme.com"],
        ["peter.edwards@acme.com"],
    ]


def test_password_reset_requests_from_one_client_are_limited(client, peter, settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 2
    reset(client, "one@example.com")
    reset(client, "two@example.com")

    refused = reset(client)

    assert refused.status_code == 429
    assert "Too many password reset requests from your network" in refused.content.decode()
    assert int(refused["Retry-After"]) == settings.PASSWORD_RESET_WINDOW
    assert mail.outbox == []
    # Another client address may still ask.
    assert reset(client, REMOTE_ADDR="10.0.0.9").status_code == 302
    assert [m.to for m in mail.outbox] == [["peter.edwards@acme.com"]]


def test_forms_are_csrf_protected(peter):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert (
        strict.post("/login/", {"username": "peter", "password": DEMO_PASSWORD}).status_code == 403
    )
