"""Error pages of the whole site (JSON under /api/)."""

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from portal.api.errors import json_error_view


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return json_error_view(404, "NOT_FOUND", "No such resource.")
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    if _is_api(request):
        return json_error_view(500, "INTERNAL_ERROR", "An unexpected error occurred.")
    return render(request, "500.html", status=500)
