"""Request context: the MobProc activity and correlation ids, logged with every line; the
refusal of request input the database cannot take; and the security headers of every response."""

import functools
import logging
import uuid
from contextvars import ContextVar
from urllib.parse import urlsplit

from csp import middleware as csp_middleware
from csp.constants import HEADER
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse

from portal.exceptions import FieldProblem
from portal.text import described, shown, unstorable

ACTIVITY_HEADER = "X-TNGO-CONTEXT-ACTIVITYID"
CORRELATION_HEADER = "X-TNGO-CONTEXT-CORRELATIONID"

logger = logging.getLogger(__name__)

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")
activity_id: ContextVar[str] = ContextVar("activity_id", default="-")


class RequestContextMiddleware:
    """Takes the caller's ids (or makes a correlation id), echoes them in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        corr = request.headers.get(CORRELATION_HEADER, "").strip()[:100] or uuid.uuid4().hex
        act = request.headers.get(ACTIVITY_HEADER, "").strip()[:100]
        corr_token = correlation_id.set(corr)
        act_token = activity_id.set(act or "-")
        request.correlation_id = corr
        # Imported here: settings.LOGGING loads this module before the apps are ready.
        from portal import audit

        # Where a configuration change made by this request comes from (portal.audit); the
        # API's authentication adds the client and the caller (portal.api.context).
        origin_token = audit.origin.set(audit.request_origin(request, _channel(request.path)))
        try:
            response = self.get_response(request)
        finally:
            correlation_id.reset(corr_token)
            activity_id.reset(act_token)
            audit.origin.reset(origin_token)
        response[CORRELATION_HEADER] = corr
        if act:
            response[ACTIVITY_HEADER] = act
        return response


def _channel(path: str) -> str:
    """The audit channel of a request path: the API, the Django admin, or the pages."""
    if path.startswith("/api/"):
        return "API"
    if path.startswith("/admin/"):
        return "ADMIN"
    return "PAGE"


class RequestContextLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        record.activity_id = activity_id.get()
        return True


# The OAuth endpoints that clients (not people) post forms to; there is no page to show an error
# on, so a refused parameter gets an OAuth error body (RFC 6749 section 5.2).
OAUTH_CLIENT_ENDPOINTS = {"token", "revoke-token", "introspect", "mobproc-token", "validate-token"}
BAD_REQUEST_PAGE = "portal/bad_request.html"


class UnstorableInputMiddleware:
    """Refuses, before any view runs, request input that PostgreSQL cannot take (portal.text):
    a NUL in a query string used to reach a lookup and answer 500 on every page with a search.

    - A query parameter (name or value) with one: 400; under /api/ the validation envelope
      with `field` the parameter, elsewhere a page saying which parameter it is.
    - The form body of the OAuth client endpoints (token, revoke, introspect): 400, OAuth error.
    - A cookie with one (a quoted cookie value may spell NUL as \\000): dropped, as if it had not
      been sent; a session key with a NUL would fail the session lookup of every page.

    Page forms are not judged here: their fields refuse NUL and show the error beside the input.
    Placed before SessionMiddleware (cookies); the query is judged in process_view, which runs
    once every middleware has set the request up, so that the page shows the navigation.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, value in list(request.COOKIES.items()):
            if unstorable(name) or unstorable(value):
                del request.COOKIES[name]
                logger.info("ignored cookie %s: a character that is not allowed", shown(name))
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        oauth_client_endpoint = (
            match is not None
            and match.namespace == "oauth2_provider"
            and match.url_name in OAUTH_CLIENT_ENDPOINTS
        )
        refused = _refused_parameters(request.GET)
        if refused:
            # An OAuth client reads OAuth's error body (MobProc's token call takes its
            # parameters in the URL); anyone else the page or the API envelope.
            return (
                _refuse_oauth(refused) if oauth_client_endpoint else _refuse_query(request, refused)
            )
        if oauth_client_endpoint and request.method == "POST":
            # DOT reads these forms through request.POST too, so reading it here first is safe.
            refused = _refused_parameters(request.POST)
            if refused:
                return _refuse_oauth(refused)
        return None


def _refused_parameters(params) -> dict[str, str]:
    """Parameter (as posted) -> what is wrong with it, for each one that may not pass."""
    refused = {}
    for name, values in params.lists():
        bad = next((text for text in [name, *values] if unstorable(text)), None)
        if bad is not None:
            refused[name] = described(bad)
    return refused


def _refuse_query(request, refused: dict[str, str]):
    logger.info("refused query parameters %s", ", ".join(shown(name) for name in refused))
    if request.path.startswith("/api/"):
        # Imported here: settings.LOGGING loads this module before the apps (and DRF) are ready.
        from portal.api.errors import envelope

        problems = [
            FieldProblem(
                shown(name),
                "INVALID_CHARACTER",
                f"The query parameter {shown(name)} contains {what}, which is not allowed.",
            )
            for name, what in refused.items()
        ]
        return JsonResponse(envelope(problems), status=400)
    kept = request.GET.copy()
    for name in refused:
        del kept[name]
    context = {
        "parameters": [{"name": shown(name), "what": what} for name, what in refused.items()],
        "back": f"{request.path}?{kept.urlencode()}" if kept else request.path,
    }
    return render(request, BAD_REQUEST_PAGE, context, status=400)


def _refuse_oauth(refused: dict[str, str]):
    name, what = next(iter(refused.items()))
    body = {
        # A username or password that cannot exist is a wrong credential, answered as any is.
        "error": "invalid_grant" if name in {"username", "password"} else "invalid_request",
        "error_description": f"The parameter {shown(name)} contains {what}, which is not allowed.",
    }
    logger.info("refused OAuth parameters %s", ", ".join(shown(name) for name in refused))
    return JsonResponse(body, status=400, headers={"Cache-Control": "no-store"})


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY as the Permissions-Policy header of every response that
    has none of its own (Django has no setting for it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's, writing the one policy most responses share without building it anew.

    django-csp builds the Content-Security-Policy header from the settings on every response
    (copying the policy's parts, then joining them): a tenth of the CPU of a short API answer
    (`GET /ping`). Here a response that changes nothing of the policy (no decorator, no
    per-response update, no nonce asked for) gets the header built once per process; any
    other response, or settings asking for more than one policy, goes django-csp's own way.
    """

    # What a view or middleware sets on a response to change its policy (csp.decorators,
    # OAuthRedirectFormActionMiddleware).
    CUSTOMISED_BY = (
        "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
        "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
    )  # fmt: skip

    def process_response(self, request, response):
        policy = _shared_policy()
        if (
            policy is None
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in self.CUSTOMISED_BY)
            or (settings.DEBUG and response.status_code in (404, 500))  # Django's debug pages
        ):
            return super().process_response(request, response)
        response.headers.setdefault(HEADER, policy)
        # As django-csp does: a nonce asked for once the header is written is an error.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _shared_policy() -> str | None:
    """The policy header of a response nothing customises; None when the settings ask for a
    report-only policy or exclude paths (django-csp then writes every header itself)."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None):
        return None
    if not policy or policy.get("EXCLUDE_URL_PREFIXES"):
        return None
    return build_policy() or None


@receiver(setting_changed)
def _policy_settings_changed(*, setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _shared_policy.cache_clear()


class OAuthRedirectFormActionMiddleware:
    """Lets the forms that end an OAuth authorization reach the client. Chrome and Safari apply
    the CSP form-action directive to the redirects that follow a form submission too
    (w3c/webappsec-csp#8), so under `form-action 'self'` a POST here answered by a redirect to a
    client's redirect URI stops at a blocked page. On the two pages whose form can be answered
    so, the origin of that redirect URI, once validated for its application, joins form-action:

    - the consent page (Authorize and Cancel both redirect to the client);
    - the sign-in page on the way to it (`next` is /o/authorize/...): an application that skips
      the consent page, or was already granted, redirects straight on from the sign-in POST.

    Placed after CSPMiddleware: its policy is written after this has run.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = request.resolver_match
        context = getattr(response, "context_data", None) or {}
        if match is None or not context:
            return response
        if match.view_name == "oauth2_provider:authorize":
            # The authorization view has validated both for the page with the form (an error
            # page has neither).
            origin = _redirect_origin(context.get("application"), context.get("redirect_uri"))
        elif match.view_name == "login" and context.get("next"):
            origin = _authorize_redirect_origin(context["next"])
        else:
            return response
        if origin:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), origin]
            response._csp_update = update
        return response


def _authorize_redirect_origin(next_url: str) -> str | None:
    """The redirect origin of the authorization request a sign-in continues to, if it is one."""
    from oauth2_provider.models import get_application_model  # needs the apps loaded

    parts = urlsplit(next_url)
    if parts.path != reverse("oauth2_provider:authorize"):
        return None
    params = QueryDict(parts.query)
    client_id = params.get("client_id", "")
    if not client_id or unstorable(client_id):
        return None
    application = get_application_model().objects.filter(client_id=client_id).first()
    if application is None:
        return None
    return _redirect_origin(
        application, params.get("redirect_uri") or application.default_redirect_uri
    )


def _redirect_origin(application, uri: str | None) -> str | None:
    """scheme://host[:port] of uri when it is one of the application's redirect URIs."""
    if application is None or not uri or not application.redirect_uri_allowed(uri):
        return None
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} else None
