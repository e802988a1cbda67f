"""OAuth: the password grant under the sign-in lockout, and tokens bound to one tenant.

The password grant under the sign-in lockout (portal.auth, django-axes):

django-oauth-toolkit checks a password grant with authenticate(), passing an HttpRequest it builds
from the token request (its META: REMOTE_ADDR, X-Forwarded-For, User-Agent; its POST: the form
body), so axes counts each failure against the username, as on the sign-in page, and refuses a
locked-out username: the grant would answer 400 invalid_grant. This validator makes that answer
say why, 429 with Retry-After, and clears the count after a successful grant, as a successful
sign-in on the page does.

Tokens belong to one tenant: an application issues them only to employees of its own tenant
(`belongs_to_tenant`), checked once per grant where the grant is issued: the password grant in
`validate_user`, the authorization code when the code is made (`save_authorization_code`), the
implicit grant when its token is made (`save_bearer_token`), a refresh in
`validate_refresh_token`; client-credentials tokens have no user and act only in the
application's tenant (portal.api.context). The consent page refuses before showing its form
(`TenantAuthorizationView`, which also accepts only PKCE S256 there), and introspection answers
only about the asking client's tenant (`TenantIntrospectTokenView`). A replayed authorization
code revokes the tokens it issued (`RedeemedAuthorizationCode`).

As the MobProc documentation asks for tokens (concepts/security/access_tokens; the calls
themselves are portal.tokens): the scope `MOBPROC` is an alias granting what the API needs,
`read` and `write` (`SCOPE_ALIASES`: a token asked for with it is stored with both, so the API's
scope check needs no alias of its own), and a password grant's username may name its source
system, `command://peter` or `rivermine://peter`, which is the user `peter` (`mobproc_username`;
stripped before authenticate(), so the lockout counts both spellings as one username).
"""

from __future__ import annotations

import hashlib
import logging
import re

from axes.handlers.proxy import AxesProxyHandler
from django.db import IntegrityError, router, transaction
from django.http import JsonResponse
from django.utils import timezone
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import (
    get_access_token_model,
    get_refresh_token_model,
    refresh_token_expire_timedelta,
    revoke_access_token,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView, IntrospectTokenView
from oauthlib.common import Request as OauthlibRequest
from oauthlib.oauth2.rfc6749 import utils as oauthlib_utils
from oauthlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidGrantError,
    InvalidRequestError,
)

from portal.auth import locked_out_message, lockout_seconds_left
from portal.models import Employee, RedeemedAuthorizationCode

logger = logging.getLogger(__name__)


def belongs_to_tenant(user, application) -> bool:
    """Whether `user` is an employee of `application`'s tenant: the only users the application
    may issue tokens to (and a user without an employee record belongs to no tenant)."""
    if user is None or application is None or not user.is_authenticated:
        return False
    return Employee.objects.filter(user_id=user.pk, tenant_id=application.tenant_id).exists()


# A scope standing for others: asked for, it grants them too (the token stores all of them).
MOBPROC_SCOPE = "MOBPROC"
SCOPE_ALIASES: dict[str, tuple[str, ...]] = {MOBPROC_SCOPE: ("read", "write")}

# MobProc's service-account usernames name their source system: <source_system>://<username>.
_SOURCE_SYSTEM_USERNAME = re.compile(r"(?:command|rivermine)://(.+)", re.IGNORECASE | re.DOTALL)


def with_aliased_scopes(scopes) -> list[str]:
    """`scopes` in their order, followed by those the aliases among them grant."""
    granted = list(scopes)
    for scope in list(granted):
        granted.extend(s for s in SCOPE_ALIASES.get(scope, ()) if s not in granted)
    return granted


def mobproc_username(username: str) -> str:
    """The Procure username a MobProc one names: `command://peter` and `rivermine://peter` are
    `peter` (the username validator allows neither ':' nor '/': no other user can be meant)."""
    named = _SOURCE_SYSTEM_USERNAME.fullmatch(username)
    return named.group(1) if named else username


def authenticated_application(core, request):
    """The application a client request authenticates as (HTTP Basic, or client_id and
    client_secret among the form parameters), through DOT's validator; None if it does not.
    `core` is a view's OAuthLibCore (OAuthLibMixin.get_oauthlib_core)."""
    uri, http_method, body, headers = core._extract_params(request)
    oauthlib_request = OauthlibRequest(uri, http_method, body, headers)
    if core.server.request_validator.authenticate_client(oauthlib_request):
        return oauthlib_request.client
    return None


def checksum(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def is_implicit(request) -> bool:
    """An authorization-endpoint request for a token (not a token-endpoint grant)."""
    return request.grant_type is None and "token" in (request.response_type or "").split()


class SignInLockedOut(InvalidGrantError):
    """invalid_grant, but 429 Too Many Requests: the client should wait, not ask again."""

    status_code = 429

    def __init__(self, sign_in_request, username: str, **kwargs):
        self.seconds_left = lockout_seconds_left(sign_in_request, username)
        super().__init__(description=locked_out_message(self.seconds_left), **kwargs)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.seconds_left)}


class CodeRedeemedConcurrently(InvalidGrantError):
    """invalid_grant raised when saving the tokens, past where oauthlib adds a token response's
    headers: this error brings them."""

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
        }


class LockoutAwareOAuth2Validator(OAuth2Validator):
    def build_http_request(self, request):
        # Kept to read what axes marked on it during authenticate(); the client's id is for the
        # audit of failures (portal.auth.record).
        request.sign_in_request = http_request = super().build_http_request(request)
        http_request.oauth_client_id = getattr(request.client, "client_id", "") or ""
        return http_request

    def validate_user(self, username, password, client, request, *args, **kwargs):
        if "\x00" in username:  # no user has one, and PostgreSQL cannot even look it up
            return False
        username = mobproc_username(username)
        valid = super().validate_user(username, password, client, request, *args, **kwargs)
        sign_in = request.sign_in_request
        if getattr(sign_in, "axes_locked_out", False):
            raise SignInLockedOut(sign_in, username, request=request)
        if valid and not belongs_to_tenant(request.user, client):
            # The same invalid_grant as a wrong password: nothing tells the user exists elsewhere.
            # Nor does it count as a failure for the lockout, or reset the count.
            logger.warning(
                "password grant refused: %r is no employee of the tenant of %s",
                username,
                client.client_id,
            )
            request.user = None
            return False
        if valid:
            # A grant is no session login (no user_logged_in signal): tell axes it succeeded, so
            # that it clears the count (AXES_RESET_ON_SUCCESS).
            AxesProxyHandler.user_logged_in(type(self), sign_in, request.user)
        return valid

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        # A refresh token without a user (none is issued so) is bound by its application alone.
        if valid and request.user is not None and not belongs_to_tenant(request.user, client):
            logger.warning(
                "refresh refused: %s holds a token of a user outside its tenant", client.client_id
            )
            return False
        return valid

    def is_within_original_scope(self, request_scopes, refresh_token, request, *args, **kwargs):
        # oauthlib asks only when a refresh names a scope the original token lacks: an alias
        # is within it when everything it grants is (MOBPROC of a `read write` token).
        original = set(
            oauthlib_utils.scope_to_list(self.get_original_scopes(refresh_token, request))
        )
        return all(
            scope in original or (scope in SCOPE_ALIASES and set(SCOPE_ALIASES[scope]) <= original)
            for scope in request_scopes
        )

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        # The authorization code grant's check: no code for a user of another tenant. oauthlib
        # has validated the redirect URI by now, so the refusal redirects there with
        # error=access_denied (and the client's state).
        if not belongs_to_tenant(request.user, request.client):
            raise AccessDeniedError(description=NOT_OF_TENANT, request=request)
        return super().save_authorization_code(client_id, code, request, *args, **kwargs)

    def save_bearer_token(self, token, request, *args, **kwargs):
        # Every grant passes here: a token asked for with an alias is stored (and answered)
        # with what the alias grants, e.g. "MOBPROC read write".
        if token.get("scope"):
            token["scope"] = " ".join(with_aliased_scopes(token["scope"].split()))
        if is_implicit(request):
            # The implicit grant's check, for the same reason as save_authorization_code's.
            if not belongs_to_tenant(request.user, request.client):
                raise AccessDeniedError(description=NOT_OF_TENANT, request=request)
        elif request.grant_type == "authorization_code":
            return self._save_code_exchange(token, request, *args, **kwargs)
        return super().save_bearer_token(token, request, *args, **kwargs)

    def _save_code_exchange(self, token, request, *args, **kwargs):
        """Save the tokens a code is exchanged for, and record which they are.

        The record's unique code checksum also serializes two exchanges of one code racing each
        other (both past validate_code before either deleted the Grant): the second is a replay.
        """
        AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
        code_checksum = checksum(request.code)
        try:
            with transaction.atomic(using=router.db_for_write(RedeemedAuthorizationCode)):
                saved = super().save_bearer_token(token, request, *args, **kwargs)
                access_token = AccessToken.objects.get(
                    token_checksum=checksum(token["access_token"])
                )
                RedeemedAuthorizationCode.objects.create(
                    code_checksum=code_checksum,
                    application=request.client,
                    access_token_id=access_token.pk,
                    token_family=RefreshToken.objects.filter(access_token=access_token)
                    .values_list("token_family", flat=True)
                    .first(),
                )
        except IntegrityError:
            if not RedeemedAuthorizationCode.objects.filter(code_checksum=code_checksum).exists():
                raise
            # Our tokens were rolled back with the record; revoke the first exchange's.
            self._revoke_tokens_of_redeemed_code(code_checksum, request.client)
            raise CodeRedeemedConcurrently(request=request) from None
        self._forget_old_redeemed_codes()
        return saved

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        # DOT deleted the Grant when the code was exchanged: a known code here is a replay.
        self._revoke_tokens_of_redeemed_code(checksum(code), client)
        return False

    @staticmethod
    def _revoke_tokens_of_redeemed_code(code_checksum: str, client) -> None:
        """RFC 6749 §4.1.2: a code used twice revokes the tokens it issued. Only a replay by the
        client the code was issued to counts (as DOT binds the code to it)."""
        redeemed = RedeemedAuthorizationCode.objects.filter(
            code_checksum=code_checksum, application=client
        ).first()
        if redeemed is None:
            return
        logger.warning(
            "authorization code replayed by %s: revoking the tokens it issued", client.client_id
        )
        AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
        with transaction.atomic(using=router.db_for_write(AccessToken)):
            # The refresh token's family: the first pair and every rotation since.
            RefreshToken.revoke_family(redeemed.token_family)
            first = AccessToken.objects.filter(pk=redeemed.access_token_id).first()
            if first is not None:  # still there only if it had no refresh token
                revoke_access_token(first)

    @staticmethod
    def _forget_old_redeemed_codes() -> None:
        """A record is kept as long as a refresh token lives without use; a code replayed later
        is still refused, only no longer revokes anything."""
        kept_for = refresh_token_expire_timedelta()
        if kept_for:
            RedeemedAuthorizationCode.objects.filter(
                redeemed_at__lt=timezone.now() - kept_for
            ).delete()


NOT_OF_TENANT = "The signed-in user is not an employee of this application's tenant."


class TenantAuthorizationView(AuthorizationView):
    """DOT's authorization (consent) page, refusing before the form is shown what its POST would
    refuse: a user who is no employee of the application's tenant (access_denied), and an
    authorization code request without a PKCE S256 challenge (invalid_request: a missing
    code_challenge_method means "plain"). oauthlib has validated the client and the redirect URI
    by then, so DOT redirects the error there, with the client's state."""

    def validate_authorization_request(self, request):
        scopes, credentials = super().validate_authorization_request(request)
        oauthlib_request = credentials["request"]
        if "code" in (credentials.get("response_type") or "").split() and (
            credentials.get("code_challenge_method") != "S256"
        ):
            error = InvalidRequestError(
                description='A PKCE code_challenge with code_challenge_method "S256" is required.',
                request=oauthlib_request,
            )
            raise OAuthToolkitError(error=error)
        # An anonymous user signs in first (and comes back here); DOT answers prompt=none.
        if request.user.is_authenticated and not belongs_to_tenant(
            request.user, oauthlib_request.client
        ):
            raise OAuthToolkitError(
                error=AccessDeniedError(description=NOT_OF_TENANT, request=oauthlib_request)
            )
        return scopes, credentials


class TenantIntrospectTokenView(IntrospectTokenView):
    """RFC 7662 introspection answering only about tokens of the asking client's tenant; about
    any other token it answers `{"active": false}`, exactly as about an unknown one (RFC 7662
    §4: the server may answer so to a client it does not allow to know)."""

    asking_application = None

    def authenticate_client(self, request):
        # DOT's OAuthLibCore.authenticate_client, keeping the client it authenticated.
        self.asking_application = authenticated_application(self.get_oauthlib_core(), request)
        return self.asking_application is not None

    def verify_request(self, request):
        # Or a bearer token with the introspection scope: the asking client is its application.
        valid, oauthlib_request = super().verify_request(request)
        if valid:
            self.asking_application = oauthlib_request.client
        return valid, oauthlib_request

    def get_token_response(self, token_value=None):
        if token_value is not None and not self._of_asking_tenant(token_value):
            return JsonResponse({"active": False}, status=200)
        return super().get_token_response(token_value)

    def _of_asking_tenant(self, token_value: str) -> bool:
        asking = self.asking_application
        token = (
            get_access_token_model()
            .objects.select_related("application", "user")
            .filter(token_checksum=checksum(token_value))
            .first()
        )
        return (
            asking is not None
            and token is not None
            and token.application is not None
            and token.application.tenant_id == asking.tenant_id
            and (token.user is None or belongs_to_tenant(token.user, token.application))
        )
