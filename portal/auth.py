"""Signing in: Django's session login, with a lockout after repeated failures (django-axes).

After LOGIN_FAILURE_LIMIT failed sign-ins for one username from one client address (or from any,
LOGIN_LOCKOUT_BY), on the sign-in page or the OAuth password grant (portal.oauth), further
attempts are refused, even with the right password, until LOGIN_FAILURE_WINDOW seconds have passed
since the last counted failure; a successful sign-in clears the count. Other usernames signing in
from the same address are not affected. axes counts in PostgreSQL (its database handler), so
every web process sees the same counts and signing in does not depend on Redis; its settings are
in portal.settings.

Here is what axes calls back into: the window, the client's address behind the proxy, and the
answer to a locked-out sign-in (the sign-in form again, 429, saying when to try again).

Every refused way in is logged and kept as a SignInEvent (username, address, OAuth client,
correlation id): failed sign-ins, lockouts, attempts refused while locked out, and password reset
requests, which are limited per address and per client address (`password_reset_refusal`).
"""

from __future__ import annotations

import ipaddress
import logging
import math
from datetime import timedelta

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from portal import middleware
from portal.models import SignInEvent

logger = logging.getLogger(__name__)


def login_failure_window(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long a locked-out username waits."""
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def lockout_seconds_left(request, username: str) -> int:
    """How long `username` stays locked out for this request's client: the window from the last
    failure counted against it (at least one second, for a Retry-After header)."""
    attempts = AccessAttempt.objects.filter(username=username)
    if settings.AXES_LOCKOUT_PARAMETERS != ["username"]:  # LOGIN_LOCKOUT_BY: with the address
        attempts = attempts.filter(ip_address=getattr(request, "axes_ip_address", None))
    last = attempts.aggregate(last=Max("attempt_time"))
    if last["last"] is None:
        return int(login_failure_window().total_seconds())
    left = (last["last"] + login_failure_window() - timezone.now()).total_seconds()
    return max(1, math.ceil(left))


def locked_out_message(seconds_left: int) -> str:
    minutes = max(1, math.ceil(seconds_left / 60))
    wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"Too many failed sign-ins for this username. Please try again in {wait}."


def client_ip_behind_proxy(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE with BEHIND_PROXY: the last X-Forwarded-For entry, which the proxy
    appended (the entries before it are whatever the client sent), else REMOTE_ADDR."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    try:
        return str(ipaddress.ip_address(forwarded.rsplit(",", 1)[-1].strip()))
    except ValueError:
        return request.META.get("REMOTE_ADDR") or None


class _LockedOutForm(AuthenticationForm):
    """The sign-in form as posted, refused without checking the password."""

    def __init__(self, *args, message: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.message = message

    def clean(self):
        raise ValidationError(self.message, code="locked_out")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying when to try again, status 429."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    seconds_left = lockout_seconds_left(request, username)
    redirect_to = request.POST.get("next", request.GET.get("next", ""))
    if not url_has_allowed_host_and_scheme(
        redirect_to, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        redirect_to = ""
    form = _LockedOutForm(request, data=request.POST, message=locked_out_message(seconds_left))
    response = render(
        request, "registration/login.html", {"form": form, "next": redirect_to}, status=429
    )
    response["Retry-After"] = str(seconds_left)
    return response


# --- The audit of refused ways in -------------------------------------------------------------


def record(kind: str, request, username: str = "") -> SignInEvent:
    """Log and keep one refused way in. `request` is the page's request, or the one the OAuth
    password grant builds (portal.oauth), which carries the client's id."""
    ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    event = SignInEvent.objects.create(
        kind=kind,
        username=username[:254],
        ip_address=ip_address or None,
        client_id=getattr(request, "oauth_client_id", "") or "",
        correlation_id=_correlation_id(),
        path=(getattr(request, "path", "") or "")[:255],
    )
    # The log line's prefix carries the correlation id (portal.settings LOGGING). A reset
    # request is no refusal, but kept to count against the limit.
    level = logging.INFO if kind == SignInEvent.Kind.PASSWORD_RESET_REQUESTED else logging.WARNING
    logger.log(
        level,
        "%s: username=%r ip=%s client_id=%s path=%s",
        event.get_kind_display(),
        event.username,
        event.ip_address or "-",
        event.client_id or "-",
        event.path or "-",
    )
    return event


def _correlation_id() -> str:
    value = middleware.correlation_id.get()
    return "" if value == "-" else value  # "-": outside a request


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """Django's user_login_failed, sent by authenticate() for the page and the grant alike.
    Connected after axes' own receiver (portal.apps), so the request says what axes made of it."""
    if request is None:
        return
    username = credentials.get("username") or ""
    locked_out = getattr(request, "axes_locked_out", False)
    # axes refuses a locked-out username before checking the password and counts nothing then.
    if locked_out and getattr(request, "axes_failures_since_start", None) is None:
        record(SignInEvent.Kind.REFUSED_LOCKED_OUT, request, username)
        return
    record(SignInEvent.Kind.SIGN_IN_FAILED, request, username)
    if locked_out:  # this failure reached the limit
        record(SignInEvent.Kind.LOCKED_OUT, request, username)


# --- Password reset requests ------------------------------------------------------------------


def password_reset_refusal(email: str, request) -> str | None:
    """Why a password reset e-mail to `email` is not sent now, or None: PASSWORD_RESET_LIMIT
    requests per address, and PASSWORD_RESET_ADDRESS_LIMIT per client address (0: no limit), in
    PASSWORD_RESET_WINDOW seconds. Bounds the mails one person can be sent and one client can
    have sent."""
    since = timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_WINDOW)
    requests = SignInEvent.objects.filter(
        kind__in=[
            SignInEvent.Kind.PASSWORD_RESET_REQUESTED,
            SignInEvent.Kind.PASSWORD_RESET_REFUSED,
        ],
        at__gte=since,
    )
    client_limit = settings.PASSWORD_RESET_ADDRESS_LIMIT
    ip_address = get_client_ip_address(request)
    if client_limit and requests.filter(ip_address=ip_address).count() >= client_limit:
        return "client"
    taken = requests.filter(kind=SignInEvent.Kind.PASSWORD_RESET_REQUESTED, username__iexact=email)
    if taken.count() >= settings.PASSWORD_RESET_LIMIT:
        return "email"
    return None


def prune_sign_in_events() -> int:
    """Delete the events older than SIGN_IN_EVENT_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.SIGN_IN_EVENT_DAYS)
    deleted, _ = SignInEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
