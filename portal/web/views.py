"""Pages of the whole site: the error pages (JSON under /api/), and the password reset request
under its limit."""

import re

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from portal import auth
from portal.api.errors import json_error_view
from portal.models import SignInEvent

# Django's own words when a lookup finds nothing (get_object_or_404, DetailView): they name a
# model, not a reason, so the page says its generic line instead.
_LOOKUP_MISSED = re.compile(r"No .+ (matches the given query|found matching the query)\.?")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _reason(exception) -> str:
    """The message the code gave the exception (`PermissionDenied("Only tenant admins may
    open this page.")`, `Http404("No such line.")`), or "" when it gave none. A URL that
    matched no pattern carries a dict of patterns tried: never shown."""
    message = exception.args[0] if exception is not None and exception.args else None
    if not isinstance(message, str) or _LOOKUP_MISSED.fullmatch(message.strip()):
        return ""
    return message.strip()


@requires_csrf_token
def not_found(request, exception=None):
    if _is_api(request):
        return json_error_view(404, "NOT_FOUND", "No such resource.")
    return render(request, "404.html", {"reason": _reason(exception)}, status=404)


@requires_csrf_token
def permission_denied(request, exception=None):
    if _is_api(request):
        return json_error_view(403, "FORBIDDEN", _reason(exception) or "Not allowed.")
    return render(request, "403.html", {"reason": _reason(exception)}, status=403)


@requires_csrf_token
def server_error(request):
    if _is_api(request):
        return json_error_view(500, "INTERNAL_ERROR", "An unexpected error occurred.")
    return render(request, "500.html", status=500)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, under portal.auth.password_reset_refusal. An address past its
    limit gets the same "sent" page as any other (nothing tells whether it has an account) and
    no mail; a client past its own limit is told to wait (429)."""

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        refusal = auth.password_reset_refusal(email, self.request)
        if refusal is None:
            auth.record(SignInEvent.Kind.PASSWORD_RESET_REQUESTED, self.request, email)
            return super().form_valid(form)
        auth.record(SignInEvent.Kind.PASSWORD_RESET_REFUSED, self.request, email)
        if refusal == "email":
            return HttpResponseRedirect(self.get_success_url())
        minutes = max(1, settings.PASSWORD_RESET_WINDOW // 60)
        form.add_error(
            None,
            "Too many password reset requests from your network. "
            f"Please try again in {minutes} minutes.",
        )
        response = self.form_invalid(form)
        response.status_code = 429
        response["Retry-After"] = str(settings.PASSWORD_RESET_WINDOW)
        return response
