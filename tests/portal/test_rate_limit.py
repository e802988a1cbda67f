"""The API's rate limit (portal.api.throttling): each caller held to its rate per window, in the
cache the portal really uses (Redis in these tests), refused with the MobProc error body and
told when to come back."""

from __future__ import annotations

import time

import pytest
import redis
from django.core.cache import cache

from portal.api.throttling import ApiUserRateThrottle
from portal.cache import LocMemCache
from tests.portal.test_api_headers import assert_mobproc_error

RATE = 3


@pytest.fixture
def rate_of_three(monkeypatch):
    monkeypatch.setattr(ApiUserRateThrottle, "rate", f"{RATE}/min", raising=False)
    cache.clear()
    yield
    cache.clear()


def test_a_caller_over_the_rate_is_refused_until_the_window_ends(rate_of_three, api_for, peter):
    peter_api = api_for(peter)

    answers = [peter_api.get("me").status_code for _ in range(RATE)]
    refused = peter_api.get("me")

    assert answers == [200] * RATE
    body = assert_mobproc_error(refused, 429, "THROTTLED")
    assert "Request was throttled" in body["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_each_caller_has_a_rate_of_their_own(rate_of_three, api_for, peter, maria):
    peter_api, maria_api = api_for(peter), api_for(maria)
    for _ in range(RATE + 1):
        peter_api.get("me")

    assert peter_api.get("me").status_code == 429
    assert [maria_api.get("me").status_code for _ in range(RATE)] == [200] * RATE


def test_a_new_window_counts_from_zero(rate_of_three, api_for, peter, monkeypatch):
    now = [60 * 16_667 + 20.0]  # 20 s into a minute
    monkeypatch.setattr(ApiUserRateThrottle, "timer", lambda self: now[0])
    peter_api = api_for(peter)
    for _ in range(RATE):
        peter_api.get("me")
    refused = peter_api.get("me")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 40

    now[0] += 40  # the next minute
    assert peter_api.get("me").status_code == 200


def test_the_counter_lives_for_its_window_only(settings):
    """In Redis (the default cache here) and in the demo's cache alike: counting does not
    lengthen the counter's life."""
    demo_cache = LocMemCache("rate-test", {})
    redis_store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    lives = [
        (cache, lambda: redis_store.ttl(cache.make_key("window"))),
        (demo_cache, lambda: demo_cache._expire_info[demo_cache.make_key("window")] - time.time()),
    ]
    for store, life in lives:
        store.delete("window")
        assert [store.count("window", 60) for _ in range(3)] == [1, 2, 3]
        assert 55 < life() <= 60
        store.delete("window")
        assert store.count("window", 60) == 1
