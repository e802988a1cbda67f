"""A bearer token is validated once and then kept (portal.api.token_cache): later calls skip the
token and employee queries, and any change to what the kept answer was made of is seen by the
very next call."""

from __future__ import annotations

import pickle
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from portal.api import token_cache
from portal.demo import DEMO_PASSWORD
from portal.models import OAuthApplication
from portal.oauth import checksum
from tests.conftest import issue_token
from tests.portal.test_api_errors import headers
from tests.portal.test_api_headers import assert_mobproc_error, bare_client, bearer

ME = "/api/v1/me"


@pytest.fixture
def demo_app(demo) -> OAuthApplication:
    return OAuthApplication.objects.get(client_id="demo-client")


def me(raw: str):
    return bare_client(**headers(**bearer(raw))).get(ME)


def queries_of(call) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [query["sql"] for query in captured.captured_queries]


def test_the_second_call_with_a_token_does_not_look_it_up_again(peter, demo_app):
    raw = issue_token(peter, demo_app)

    first, first_queries = queries_of(lambda: me(raw))
    second, second_queries = queries_of(lambda: me(raw))

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    token_table = AccessToken._meta.db_table
    assert any(f'FROM "{token_table}"' in sql for sql in first_queries)
    assert not any(f'FROM "{token_table}"' in sql for sql in second_queries)
    # Neither the token nor the employee behind it is read again.
    assert len(second_queries) == len(first_queries) - 2


def test_a_kept_token_is_refused_once_its_employee_is_deactivated(peter, demo_app):
    raw = issue_token(peter, demo_app)
    assert me(raw).status_code == 200

    peter.status = peter.Status.INACTIVE
    peter.save()

    assert_mobproc_error(me(raw), 403, "NO_EMPLOYEE")


@pytest.mark.parametrize("kept_for", [60, 0], ids=["kept", "not-kept"])
def test_a_token_is_refused_once_its_user_is_deactivated(peter, demo_app, settings, kept_for):
    settings.AUTH_CACHE_SECONDS = kept_for
    raw = issue_token(peter, demo_app)
    assert me(raw).status_code == 200

    peter.user.is_active = False
    peter.user.save()

    assert_mobproc_error(me(raw), 403, "NO_EMPLOYEE")


def test_a_kept_token_sees_a_new_role_at_once(peter, demo_app):
    raw = issue_token(peter, demo_app)
    assert me(raw).json()["isTenantAdmin"] is False

    peter.is_tenant_admin = True
    peter.save()

    assert me(raw).json()["isTenantAdmin"] is True


def test_a_kept_token_is_refused_once_an_admin_expires_it(peter, demo_app):
    raw = issue_token(peter, demo_app)
    assert me(raw).status_code == 200

    token = AccessToken.objects.get(user=peter.user)
    token.expires = timezone.now() - timedelta(seconds=1)
    token.save()

    assert_mobproc_error(me(raw), 401, "TOKEN_EXPIRED")


def test_a_token_is_kept_no_longer_than_it_lives(peter, demo_app, settings):
    raw = issue_token(peter, demo_app)
    AccessToken.objects.filter(user=peter.user).update(
        expires=timezone.now() + timedelta(seconds=settings.AUTH_CACHE_SECONDS // 2)
    )
    assert me(raw).status_code == 200

    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    ttl = store.ttl(cache.make_key(token_cache.PREFIX + checksum(raw)))

    assert 0 < ttl <= settings.AUTH_CACHE_SECONDS // 2


def test_the_cache_holds_neither_the_token_nor_the_password_hash(peter, demo_app):
    raw = issue_token(peter, demo_app)
    assert me(raw).status_code == 200

    key = token_cache.PREFIX + checksum(raw)
    token, employee = cache.get(key)

    assert employee.pk == peter.pk
    assert "password" not in token.user.__dict__  # deferred: read from the database if asked
    assert raw.encode() not in pickle.dumps((token, employee))
    assert peter.user.password.encode() not in pickle.dumps((token, employee))
    assert token.user.check_password(DEMO_PASSWORD)  # the deferred hash loads on demand


def test_with_the_cache_unreachable_the_api_still_answers(peter, demo_app, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    raw = issue_token(peter, demo_app)

    assert me(raw).status_code == 200
    assert me(raw).json()["employee"]["id"] == str(peter.pk)


def test_keeping_can_be_turned_off(peter, demo_app, settings):
    settings.AUTH_CACHE_SECONDS = 0
    raw = issue_token(peter, demo_app)
    me(raw)

    _second, queries = queries_of(lambda: me(raw))

    assert any(f'FROM "{AccessToken._meta.db_table}"' in sql for sql in queries)
