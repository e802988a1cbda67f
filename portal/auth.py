"""Signing in: Django's session login, with a lockout after repeated failures (django-axes).

After LOGIN_FAILURE_LIMIT failed sign-ins for one username, from any address, on the sign-in page
or the OAuth password grant (portal.oauth), further attempts for it are refused, even with the right
password, until LOGIN_FAILURE_WINDOW seconds have passed since the last counted failure; a
successful sign-in clears the count. Other usernames signing in from the same address are not
affected. axes counts in PostgreSQL (its database handler), so every web process sees the same
counts and signing in does not depend on Redis; its settings are in portal.settings.

Here is what axes calls back into: the window, the client's address behind the proxy, and the
answer to a locked-out sign-in (the sign-in form again, 429).
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger(__name__)

LOCKED_OUT_MESSAGE = "Too many failed sign-ins. Please wait a few minutes and try again."


def login_failure_window(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long a locked-out username waits."""
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def retry_after_seconds() -> int:
    """For a Retry-After header: the longest a lockout can still last."""
    return int(login_failure_window().total_seconds())


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

    def clean(self):
        raise ValidationError(LOCKED_OUT_MESSAGE, code="locked_out")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, with the lockout message, status 429."""
    if getattr(request, "axes_failures_since_start", None) is None:
        # Not the failure that locked the username out (axes logs that one) but an attempt
        # refused while it is locked out, which axes neither counts nor logs.
        username = (credentials or {}).get("username") or request.POST.get("username", "")
        logger.warning("sign-in refused: username %r is locked out", username)
    redirect_to = request.POST.get("next", request.GET.get("next", ""))
    if not url_has_allowed_host_and_scheme(
        redirect_to, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        redirect_to = ""
    context = {"form": _LockedOutForm(request, data=request.POST), "next": redirect_to}
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(retry_after_seconds())
    return response
