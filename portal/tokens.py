"""The MobProc token calls, made as the MobProc documentation makes them.

concepts/security/access_tokens/* sends every call to PingFederate's token endpoint,
`/as/token.oauth2`, with all its parameters in the URL's query string (client_id and
client_secret among them, no body):

- request_token_password: POST `grant_type=password&client_id&client_secret&scope=MOBPROC
  &username=command://myusername&password` -> `{token_type, expires_in, refresh_token,
  access_token}`;
- refresh_token: POST `grant_type=refresh_token&client_id&client_secret&scope=MOBPROC
  &refresh_token` -> the same keys;
- validate_token: GET `grant_type=urn:pingidentity.com:oauth2:grant_type:validate_bearer&token
  &client_id&client_secret` -> `{scope, expires_in, client_id, access_token: {platform, tenant,
  multitenant, domain, identityProvider, identifier}}`. The page's table names the parameter
  `access_token` and a validator host of its own: `/o/validate_token/` is that host's call,
  taking `token` or `access_token`.

Here `/as/token.oauth2` is django-oauth-toolkit's TokenView (the same validator, lockout and
tenant binding as `/o/token/`, portal.oauth) with one difference: the query string is read as
the form it stands for. The parameters are moved into the form body before DOT sees the request,
so oauthlib (which refuses URL parameters on a token POST) checks them as a form, and nothing
downstream (the sign-in audit's path, error reports, which hide `password` and `client_secret`
of a form) sees the secrets in a URL. A parameter given both in the URL and in the body is
refused. The form body, HTTP Basic client authentication and a scope of `read write` keep
working there as at `/o/token/`, which keeps refusing URL parameters (RFC 6749 form only).

Validation is bound to a tenant, the validating client's: a token is valid only if it is
unexpired, of an application of that tenant, and its user (if any) an active employee of it, as
the API would take it (portal.api.context). Anything else, an unknown or revoked token (DOT
deletes a revoked one) included, gets the one answer PingFederate gives, `invalid_grant`, so the
answer tells nothing of a token of another tenant. The pages document no error bodies; the
refusals are OAuth 2's (RFC 6749 5.2), as PingFederate answers them.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.models import get_access_token_model
from oauth2_provider.views import TokenView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
)

from portal.models import Employee
from portal.oauth import authenticated_application, checksum
from portal.text import shown

logger = logging.getLogger(__name__)

VALIDATE_BEARER = "urn:pingidentity.com:oauth2:grant_type:validate_bearer"
# PingFederate's words for a token that does not validate, whatever the reason.
NOT_VALID = "token not found, expired or invalid"
# What the validation answers about where a token comes from (the doc's example says "command"
# and "pcv_edge": Tangoe's platform and identity provider; ours is Procure itself).
PLATFORM = "procure"
IDENTITY_PROVIDER = "procure"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error(error: OAuth2Error, status: int | None = None) -> HttpResponse:
    """An OAuth 2 error answer (RFC 6749 5.2): `{"error", "error_description"}`."""
    response = HttpResponse(
        error.json, status=status or error.status_code, content_type="application/json"
    )
    for name, value in {**error.headers, **NO_STORE}.items():
        response[name] = value
    return response


def take_query_as_form(request) -> HttpResponse | None:
    """Move the URL's query parameters into the request's form (`request.POST`), leaving no
    query behind; an answer refusing the request instead, if it cannot be read so."""
    query, form = request.GET, request.POST
    merged = form.copy()
    twice = sorted(set(query) & set(form))
    if twice:
        return oauth_error(
            InvalidRequestError(
                description=f"The parameter {shown(twice[0])} is given both in the URL and in "
                "the body."
            )
        )
    # Input PostgreSQL cannot take, in the URL or the body, was refused before the view
    # (portal.middleware.UnstorableInputMiddleware, in OAuth's words for these endpoints).
    for name, values in query.lists():
        merged.setlist(name, values)
    if query:
        merged._mutable = False
        request.POST = merged
        request.GET = QueryDict()
        request.META["QUERY_STRING"] = ""
    return None


class QueryAsFormMixin:
    """Reads the URL's parameters as the form, as MobProc's clients send them there
    (`take_query_as_form`), before the view sees the request."""

    def dispatch(self, request, *args, **kwargs):
        refused = take_query_as_form(request)
        if refused is not None:
            return refused
        return super().dispatch(request, *args, **kwargs)


@sensitive_post_parameters("client_secret", "token", "access_token")
def validate_bearer(request, core) -> HttpResponse:
    """The validate_token call, its parameters in `request.POST` (see take_query_as_form);
    `core` is the view's OAuthLibCore."""
    application = authenticated_application(core, request)
    if application is None:
        return oauth_error(InvalidClientError())
    params = request.POST
    given = {params.get(name, "").strip() for name in ("token", "access_token")} - {""}
    if len(given) != 1:
        return oauth_error(
            InvalidRequestError(
                description="Name the one access token to validate: token (or access_token)."
            )
        )
    token = _valid_token(given.pop(), application, request.headers.get("X-TNGO-TENANT", ""))
    if token is None:
        logger.info("token validation for %s: not valid", application.client_id)
        return oauth_error(InvalidGrantError(description=NOT_VALID))
    seconds_left = int((token.expires - timezone.now()).total_seconds())
    body = {
        "scope": token.scope,
        "expires_in": max(seconds_left, 0),
        "client_id": token.application.client_id,
        "access_token": {
            "platform": PLATFORM,
            "tenant": token.application.tenant.slug,
            # A string, as the doc's example has it; a Procure token is never multi-tenant.
            "multitenant": "false",
            "domain": "*",
            "identityProvider": IDENTITY_PROVIDER,
            # Whom the token stands for: its user, or (client credentials) its application.
            "identifier": token.user.get_username() if token.user else token.application.client_id,
        },
    }
    return JsonResponse(body, headers=NO_STORE)


def _valid_token(raw: str, application, tenant_header: str):
    """The access token `raw` if it opens the API of `application`'s tenant now; else None."""
    token = (
        get_access_token_model()
        .objects.select_related("application__tenant", "user")
        .filter(token_checksum=checksum(raw))
        .first()
    )
    if token is None or token.is_expired() or token.application is None:
        return None
    tenant = token.application.tenant
    if tenant.pk != application.tenant_id:
        return None
    if tenant_header.strip() and tenant_header.strip() != tenant.slug:
        return None
    if token.user is not None:
        active_employee = Employee.objects.filter(
            user_id=token.user_id, tenant_id=tenant.pk, status=Employee.Status.ACTIVE
        ).exists()
        if not (token.user.is_active and active_employee):
            return None
    return token


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class MobProcTokenView(QueryAsFormMixin, TokenView):
    """`/as/token.oauth2`: DOT's token endpoint taking its parameters from the URL too, and the
    validate_bearer grant (by GET, as the doc sends it, or POST, as PingFederate takes it)."""

    http_method_names = ["get", "post"]

    def post(self, request, *args, **kwargs):
        if request.POST.get("grant_type") == VALIDATE_BEARER:
            return validate_bearer(request, self.get_oauthlib_core())
        return super().post(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if request.POST.get("grant_type") == VALIDATE_BEARER:
            return validate_bearer(request, self.get_oauthlib_core())
        response = oauth_error(
            InvalidRequestError(
                description="Tokens are requested by POST; GET takes only the grant_type "
                f"{VALIDATE_BEARER}."
            ),
            status=405,
        )
        response["Allow"] = "GET, POST"
        return response

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = oauth_error(
            InvalidRequestError(description=f"The method {request.method} is not allowed."),
            status=405,
        )
        response["Allow"] = "GET, POST"
        return response


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class ValidateTokenView(QueryAsFormMixin, OAuthLibMixin, View):
    """`/o/validate_token/`: the validator host of validate_token's table, `?access_token=`
    (or `token=`), with the client's credentials as at `/as/token.oauth2`."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        return validate_bearer(request, self.get_oauthlib_core())

    post = get

    http_method_not_allowed = MobProcTokenView.http_method_not_allowed
