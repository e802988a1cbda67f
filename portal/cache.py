"""The cache backends Procure configures: Django's, plus a hit counter for the API rate limit.

Django's Redis backend builds a new `redis.Redis` for every operation, and building one
registers the client's ~170 response callbacks: more CPU than the round trip it then makes
(`bench/cpu.py --profile`). A client over a connection pool is safe to share between threads,
so this backend keeps one per pool.

`count(key, timeout)` adds one to a counter that lives `timeout` seconds from its first hit and
returns the new count, in one round trip: what a fixed-window rate limit needs
(portal.api.throttling), where Django's `add` then `incr` would take three.
"""

from __future__ import annotations

import pickle

from django.core.cache.backends import locmem, redis


class _SharedClientRedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object: ids stay
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client

    def count(self, key: str, timeout: int) -> int:
        pipeline = self.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, 0, ex=timeout, nx=True)  # a new window: the counter and its life
        pipeline.incr(key)  # keeps the life SET gave it
        return pipeline.execute()[1]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient

    def count(self, key: str, timeout: int, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        return self._cache.count(key, self.get_backend_timeout(timeout))


class LocMemCache(locmem.LocMemCache):
    """The demo's cache (no Redis): one process, so its lock makes the count exact."""

    def count(self, key: str, timeout: int, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, pickle.dumps(0, self.pickle_protocol), timeout)
            value = pickle.loads(self._cache[key]) + 1
            self._cache[key] = pickle.dumps(value, self.pickle_protocol)
        return value
