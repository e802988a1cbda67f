"""Error pages of the whole site (JSON under /api/)."""

import re

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from portal.api.errors import json_error_view

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
