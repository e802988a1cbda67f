"""What a bearer token stands for, kept in the cache between API calls.

Validating a token (its row, application and user) and finding its employee (with tenant and
department) are two queries and most of an API call's own CPU, on every call, for an answer
that hardly ever changes. So the token and its employee, once validated, are kept in the cache
under the token's checksum (never the token itself) for AUTH_CACHE_SECONDS at most, and never
past the token's expiry. The headers of each call (tenant, client_id, context employee) are
still checked on every call, against the kept rows (portal.api.context.resolve_context).

The kept answer is dropped at once when anything it was made of changes: the token (revoked,
refreshed, expiry changed), its user (deactivated, password changed), its employee (status,
tenant admin, tenant, department), its department, application or tenant. The receivers below
run on every save and delete of those models, wherever they happen (services, pages, the
Django admin); writes that bypass signals (a queryset's `update()`, raw SQL) are not seen until
AUTH_CACHE_SECONDS have passed, which is why the product makes none to these models.

A cache that cannot be reached is skipped, logged at most once a minute: the database answers,
as it would without the cache.
"""

from __future__ import annotations

import copy
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from redis.exceptions import RedisError

from portal.models import Department, Employee, OAuthApplication, Tenant
from portal.oauth import checksum  # a token's `token_checksum`, as DOT stores it

logger = logging.getLogger(__name__)
PREFIX = "api-token:"
WARN_EVERY_SECONDS = 60
_warned_at = 0.0


def _key(token_checksum: str) -> str:
    return f"{PREFIX}{token_checksum}"


def _unreachable(exc: Exception) -> None:
    global _warned_at
    now = time.monotonic()
    if now - _warned_at > WARN_EVERY_SECONDS:
        _warned_at = now
        logger.warning("token cache skipped: the cache is unreachable (%s)", exc)


def get(raw: str):
    """(token, employee or None) kept for this raw token, if still valid; else None."""
    try:
        kept = cache.get(_key(checksum(raw)))
    except RedisError as exc:
        _unreachable(exc)
        return None
    if kept is None:
        return None
    token, employee = kept
    return None if token.is_expired() else (token, employee)


def keep(raw: str, token, employee: Employee | None) -> None:
    """Keep a validated token and its employee (tenant and department loaded) for later calls."""
    seconds = min(settings.AUTH_CACHE_SECONDS, (token.expires - timezone.now()).total_seconds())
    if seconds < 1:
        return
    try:
        cache.set(_key(checksum(raw)), (_storable(token), employee), timeout=int(seconds))
    except RedisError as exc:
        _unreachable(exc)


def _storable(token):
    """The token as kept: its user without the password hash, which has no business in the
    cache (the kept user loads it from the database, should anything ask for it)."""
    user = token.user
    if user is None:
        return token
    names = [f.attname for f in user._meta.concrete_fields if f.attname != "password"]
    kept = copy.copy(token)  # a model's copy has its own cache of related rows
    kept.user = type(user).from_db(user._state.db, names, [getattr(user, n) for n in names])
    return kept


def forget_tokens(tokens) -> None:
    """Drop what is kept for these access tokens (a queryset or a list of them)."""
    keys = [_key(value) for value in _checksums(tokens) if value]
    if keys:
        _delete(keys)
        # Again once the change is committed: a call in another process may have kept the
        # rows as they were before it, between now and then.
        transaction.on_commit(lambda: _delete(keys))


def _delete(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except RedisError as exc:
        _unreachable(exc)


def _checksums(tokens) -> list[str]:
    if isinstance(tokens, list):
        return [token.token_checksum for token in tokens]
    return list(tokens.values_list("token_checksum", flat=True))


def _tokens():
    return get_access_token_model().objects


# --- Receivers (connected in PortalConfig.ready) ---------------------------------------------


def _on_token_changed(sender, instance, **kwargs) -> None:
    forget_tokens([instance])


def _on_user_changed(sender, instance, **kwargs) -> None:
    forget_tokens(_tokens().filter(user_id=instance.pk))


def _on_employee_changed(sender, instance: Employee, **kwargs) -> None:
    forget_tokens(_tokens().filter(user_id=instance.user_id))


def _on_department_changed(sender, instance: Department, **kwargs) -> None:
    forget_tokens(_tokens().filter(user__employee__department_id=instance.pk))


def _on_application_changed(sender, instance: OAuthApplication, **kwargs) -> None:
    forget_tokens(_tokens().filter(application_id=instance.pk))


def _on_tenant_changed(sender, instance: Tenant, **kwargs) -> None:
    forget_tokens(_tokens().filter(application__tenant_id=instance.pk))


def connect() -> None:
    from django.contrib.auth import get_user_model

    receivers = [
        (get_access_token_model(), _on_token_changed),
        (get_user_model(), _on_user_changed),
        (Employee, _on_employee_changed),
        (Department, _on_department_changed),
        (OAuthApplication, _on_application_changed),
        (Tenant, _on_tenant_changed),
    ]
    for model, receiver in receivers:
        for signal in (post_save, post_delete):
            signal.connect(
                receiver, sender=model, dispatch_uid=f"token_cache.{model.__name__}.{signal}"
            )
