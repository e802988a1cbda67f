"""API rate limits that never take the API down with their store.

Counted per fixed window: one counter per caller and window, added to in one round trip
(`count` of portal.cache). DRF's own throttle keeps the time of every request of the window in
one cached list, read and written whole on every request: at the default rate, up to 6,000
floats unpickled and pickled again per call. A fixed window lets a caller who splits a burst
across two windows send twice the rate in a moment; over any window it is held to the rate.

The counts live in the cache (Redis in production). When it cannot be reached the limit is not
enforced for that request (logged, at most once a minute per process) rather than failing the
request: a rate limit protects the service, it must not be the reason it is unavailable. The
sign-in lockout, which guards passwords, keeps its counts in the database instead (django-axes).
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError
from rest_framework.throttling import UserRateThrottle

logger = logging.getLogger(__name__)
WARN_EVERY_SECONDS = 60


class ApiUserRateThrottle(UserRateThrottle):
    _warned_at = 0.0
    window_ends_at = 0.0

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        window = int(self.timer() // self.duration)
        self.window_ends_at = (window + 1) * self.duration
        try:
            return self.cache.count(f"{ident}:{window}", self.duration) <= self.num_requests
        except RedisError as exc:
            now = time.monotonic()
            if now - ApiUserRateThrottle._warned_at > WARN_EVERY_SECONDS:
                ApiUserRateThrottle._warned_at = now
                logger.warning("rate limit not enforced: its cache is unreachable (%s)", exc)
            return True

    def wait(self) -> float:
        """Seconds until the window ends and the caller may send again (Retry-After)."""
        return max(self.window_ends_at - self.timer(), 1.0)
