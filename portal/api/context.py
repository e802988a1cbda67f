"""Who is calling, for which tenant, acting as whom: the API's request context.

Every API request names its tenant (X-TNGO-TENANT) and client application (client_id); it may
act for another employee (X-TNGO-CONTEXT-EMPLOYEEID / -COMPANYEMPLOYEEID) and pick a hierarchy
(X-TNGO-CONTEXT-HIERARCHYID). The checks run once, here, after the bearer token is validated.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import get_access_token_model
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from portal import audit, selectors
from portal.api import token_cache
from portal.api.exceptions import ApiError
from portal.ids import is_id
from portal.models import Employee, Hierarchy, OAuthApplication, Tenant
from portal.oauth import checksum


@dataclass(frozen=True)
class ApiContext:
    tenant: Tenant
    application: OAuthApplication
    token: object
    # The signed-in employee behind the token (None for a client-credentials token).
    caller: Employee | None
    # Whom the call acts as: the caller, or the employee named by a context header.
    actor: Employee
    hierarchy: Hierarchy | None

    @property
    def client_id(self) -> str:
        return self.application.client_id

    @property
    def acting_for_other(self) -> bool:
        return self.caller is None or self.caller.pk != self.actor.pk

    def is_valid(self, scopes=None) -> bool:  # lets DOT's scope permissions inspect us
        return self.token.is_valid(scopes)


def header(request, name: str) -> str:
    """A request header; blank values count as absent (SPEC)."""
    return request.headers.get(name, "").strip()


class TokenRejected(exceptions.AuthenticationFailed):
    """A bearer token was sent but is no good (401): INVALID_TOKEN or TOKEN_EXPIRED."""

    def __init__(self, error_code: str, message: str) -> None:
        self.error_code = error_code
        super().__init__(message)


class TenantOAuth2Authentication(OAuth2Authentication):
    """Bearer token, then the MobProc headers; `request.auth` becomes an ApiContext.

    Without an Authorization header (or with another scheme than Bearer) the request is simply
    unauthenticated: NOT_AUTHENTICATED, 401, `WWW-Authenticate: Bearer realm="api"` (RFC 6750
    3.1: no error code). A bearer token that was sent but refused answers 401 saying which:
    TOKEN_EXPIRED, or INVALID_TOKEN (unknown, malformed, or revoked: django-oauth-toolkit
    deletes a revoked access token, so a revoked token is an unknown one), with
    `WWW-Authenticate: Bearer realm="api",error="invalid_token",error_description="..."`.
    """

    def authenticate(self, request):
        raw = _bearer(request)
        kept = token_cache.get(raw) if raw else None
        if kept is not None:
            token, caller = kept
            return token.user, resolve_context(request, token, caller)
        result = super().authenticate(request)
        if result is None:
            self._refuse_presented_token(request)
            return None
        user, token = result
        caller = selectors.employee_of_user(user) if token.user_id is not None else None
        context = resolve_context(request, token, caller)
        if raw:
            token_cache.keep(raw, token, caller)
        return user, context

    def _refuse_presented_token(self, request) -> None:
        authorization = request.META.get("HTTP_AUTHORIZATION", "").strip()
        if authorization:
            scheme, _, credentials = authorization.partition(" ")
            if scheme.lower() != "bearer":
                raise exceptions.NotAuthenticated(
                    "The API takes an OAuth 2 bearer token (Authorization: Bearer <token>)."
                )
            raw = credentials.strip()
        elif getattr(request, "oauth2_error", None):
            # A token sent as the `access_token` parameter (RFC 6750 2.3), which DOT refused.
            raw = request.GET.get("access_token", "").strip()
        else:
            return  # no credentials: NotAuthenticated, once the permission asks for a context
        if raw and " " not in raw and _is_expired(raw):
            self._reject(request, "TOKEN_EXPIRED", "The access token has expired.")
        self._reject(request, "INVALID_TOKEN", "The access token is invalid.")

    @staticmethod
    def _reject(request, error_code: str, message: str):
        # authenticate_header() (DOT's) turns this into the WWW-Authenticate challenge.
        request.oauth2_error = OrderedDict(
            [("error", "invalid_token"), ("error_description", message)]
        )
        raise TokenRejected(error_code, message)


def _bearer(request) -> str:
    """The token of an `Authorization: Bearer` header ("" without one)."""
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _is_expired(raw: str) -> bool:
    """Whether the token is one we issued and it has expired (django-oauth-toolkit stores the
    sha256 of each access token as `token_checksum` and looks tokens up by it)."""
    tokens = get_access_token_model().objects.filter(token_checksum=checksum(raw))
    token = tokens.only("expires").first()
    return token is not None and token.is_expired()


def resolve_context(request, token, caller: Employee | None) -> ApiContext:
    """The context of a call with a valid token and the employee behind it (None for a
    client-credentials token): the headers checked against them."""
    slug = header(request, "X-TNGO-TENANT")
    if not slug:
        raise ApiError(400, "MISSING_TENANT", "The X-TNGO-TENANT header is required.")
    application = token.application
    # The header is spelled `client_id` in MobProc; servers that keep underscores and those
    # that take `Client-Id` both deliver it as HTTP_CLIENT_ID.
    client_id = request.META.get("HTTP_CLIENT_ID", "").strip()
    if not client_id:
        raise ApiError(400, "MISSING_HEADER", "The client_id header is required.")
    if application is None or client_id != application.client_id:
        raise ApiError(403, "INVALID_CLIENT", "client_id does not match the token's application.")
    if token.user_id is not None:
        # A deactivated user signs in nowhere, and their tokens open nothing either.
        active = caller is not None and caller.status == Employee.Status.ACTIVE
        if not (active and token.user.is_active):
            raise ApiError(403, "NO_EMPLOYEE", "The token's user is not an active employee.")
        tenant = caller.tenant
    else:
        tenant = application.tenant
    if tenant.slug != slug or application.tenant_id != tenant.pk:
        raise ApiError(403, "TENANT_MISMATCH", "The token does not belong to this tenant.")
    actor = _context_employee(request, tenant, caller)
    context = ApiContext(
        tenant=tenant,
        application=application,
        token=token,
        caller=caller,
        actor=actor,
        hierarchy=_context_hierarchy(request, tenant),
    )
    _set_audit_origin(request, context)
    return context


def _set_audit_origin(request, context: ApiContext) -> None:
    """Completes the request's audit origin (portal.audit): a change this call makes is the
    client's, and, when it acts as someone else, names who really called. The middleware
    resets the origin once the request is answered."""
    here = audit.origin.get()
    if here.channel != audit.API:
        here = audit.request_origin(request, audit.API)
    acting = context.acting_for_other and context.caller is not None
    audit.origin.set(
        here.but(
            channel=audit.API,
            client_id=context.client_id,
            caller=context.caller if acting else None,
            acting_as=context.actor if acting else None,
        )
    )


def _context_employee(request, tenant: Tenant, caller: Employee | None) -> Employee:
    by_id = header(request, "X-TNGO-CONTEXT-EMPLOYEEID")
    by_company_id = header(request, "X-TNGO-CONTEXT-COMPANYEMPLOYEEID")
    if not by_id and not by_company_id:
        if caller is None:
            raise ApiError(
                403,
                "CONTEXT_REQUIRED",
                "A client-credentials token must name the employee it acts for "
                "(X-TNGO-CONTEXT-EMPLOYEEID or X-TNGO-CONTEXT-COMPANYEMPLOYEEID).",
            )
        return caller
    # EMPLOYEEID wins (concepts/headers): COMPANYEMPLOYEEID is read only without it, so a
    # COMPANYEMPLOYEEID naming someone else beside it changes nothing.
    if by_id and not is_id(by_id):
        raise ApiError(400, "INVALID_HEADER", "X-TNGO-CONTEXT-EMPLOYEEID must be an employee id.")
    if by_id:
        target = selectors.employee_in_tenant(tenant, pk=int(by_id))
    else:
        target = selectors.employee_in_tenant(tenant, company_employee_id=by_company_id)
    if target is None:
        raise ApiError(404, "EMPLOYEE_NOT_FOUND", "The context employee does not exist.")
    if caller is not None and not selectors.may_act_for(caller, target):
        raise ApiError(
            403, "CONTEXT_NOT_ALLOWED", "Only tenant admins and named delegates may act for others."
        )
    return target


def _context_hierarchy(request, tenant: Tenant) -> Hierarchy | None:
    raw = header(request, "X-TNGO-CONTEXT-HIERARCHYID")
    if not raw:
        return None
    if not is_id(raw):
        raise ApiError(400, "INVALID_HEADER", "X-TNGO-CONTEXT-HIERARCHYID must be a hierarchy id.")
    hierarchy = tenant.hierarchies.filter(pk=int(raw)).first()
    if hierarchy is None:
        raise ApiError(404, "HIERARCHY_NOT_FOUND", "The context hierarchy does not exist.")
    return hierarchy


class HasApiContext(BasePermission):
    """Authenticated through TenantOAuth2Authentication, with the scope the method needs:
    `read` for GET/HEAD/OPTIONS, `write` for everything else."""

    message = "Authentication credentials were not provided."

    def has_permission(self, request, view) -> bool:
        ctx = request.auth
        if not isinstance(ctx, ApiContext):
            return False
        scope = "read" if request.method in SAFE_METHODS else "write"
        if not ctx.token.allow_scopes([scope]):
            raise ApiError(403, "INSUFFICIENT_SCOPE", f"The token lacks the '{scope}' scope.")
        return True
