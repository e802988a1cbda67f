"""The two error bodies of the API (SPEC "Errors"), produced in one place.

A request body that fails validation answers 400 with the order envelope listing every problem:
    {"status": "ERROR", "errors": [{"errorCode", "field", "message"}]}
Anything else answers the MobProc error body, whose `id` is also written to the log:
    {"status": 404, "errorCode": "NOT_FOUND", "id": "...", "message": "..."}
"""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from portal.exceptions import DomainError, FieldProblem, RequestInvalid
from portal.validation import flatten_errors

logger = logging.getLogger("portal.api")


def envelope(problems: list[FieldProblem]) -> dict:
    return {"status": "ERROR", "errors": [p.as_dict() for p in problems]}


def error_body(http_status: int, code: str, message: str) -> tuple[dict, str]:
    occurrence = uuid.uuid4().hex
    body = {"status": http_status, "errorCode": code, "id": occurrence, "message": message}
    return body, occurrence


def _mobproc_response(http_status: int, code: str, message: str, headers=None) -> Response:
    body, occurrence = error_body(http_status, code, message)
    log = logger.error if http_status >= 500 else logger.info
    log("error id=%s status=%s code=%s %s", occurrence, http_status, code, message)
    return Response(body, status=http_status, headers=headers)


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF exception handler: every error becomes one of the two SPEC bodies, never a bare 500."""
    set_rollback()
    if isinstance(exc, exceptions.ParseError):
        problem = FieldProblem(field="", code="MALFORMED_JSON", message=str(exc.detail))
        return Response(envelope([problem]), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ValidationError):
        return Response(envelope(list(flatten_errors(exc.detail))), status=400)
    if isinstance(exc, RequestInvalid):
        return Response(envelope(exc.problems), status=400)
    if isinstance(exc, DomainError):
        return _mobproc_response(exc.status, exc.code, exc.message)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            # The challenge DRF got from the authenticator (RFC 6750 3: `error="invalid_token"`
            # when a token was sent and refused, no error code when none was sent).
            headers["WWW-Authenticate"] = getattr(exc, "auth_header", None) or 'Bearer realm="api"'
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = getattr(exc, "error_code", None) or str(exc.default_code).upper()
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return _mobproc_response(exc.status_code, code, detail, headers=headers)
    logger.exception("unhandled API error")
    return _mobproc_response(500, "INTERNAL_ERROR", "An unexpected error occurred.")


def json_error_view(http_status: int, code: str, message: str) -> JsonResponse:
    body, occurrence = error_body(http_status, code, message)
    logger.info("error id=%s status=%s code=%s %s", occurrence, http_status, code, message)
    return JsonResponse(body, status=http_status)


@csrf_exempt
def no_such_endpoint(request, path: str = "") -> JsonResponse:
    """The last route of the API: a path under /api/v1/ that names no endpoint answers the
    MobProc 404, whatever the method and whether DEBUG is on (Django's own 404, with DEBUG on,
    is an HTML page listing every URL pattern). Nothing about credentials is checked: there is
    nothing here to protect, and nothing is said beyond "no such endpoint"."""
    return json_error_view(404, "NOT_FOUND", "There is no API endpoint at this path.")
