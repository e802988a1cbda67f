"""Signing in: Django's session login, with failed attempts rate-limited.

After LOGIN_FAILURE_LIMIT failures for one username (or from one address) within
LOGIN_FAILURE_WINDOW seconds, further attempts are refused until the window has passed, so
passwords cannot be guessed at speed. Counts live in the cache (Redis when REDIS_URL is set, so
every web process shares them).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import ValidationError


def _keys(request, username: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "")
    return [f"login-failures:user:{username.strip().lower()}", f"login-failures:ip:{address}"]


def is_locked_out(request, username: str) -> bool:
    return any(
        (cache.get(key) or 0) >= settings.LOGIN_FAILURE_LIMIT for key in _keys(request, username)
    )


def record_failure(request, username: str) -> None:
    for key in _keys(request, username):
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def clear_failures(request, username: str) -> None:
    cache.delete(f"login-failures:user:{username.strip().lower()}")


class RateLimitedLoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if is_locked_out(request, username):
            form = self.get_form()
            form.is_valid = lambda: False  # never even check the password
            form.add_error(
                None,
                ValidationError(
                    "Too many failed sign-ins. Please wait a few minutes and try again.",
                    code="rate_limited",
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            clear_failures(request, username)
        else:
            record_failure(request, username)
        return response
