"""API rate limits that never take the API down with their store.

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

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError as exc:
            now = time.monotonic()
            if now - ApiUserRateThrottle._warned_at > WARN_EVERY_SECONDS:
                ApiUserRateThrottle._warned_at = now
                logger.warning("rate limit not enforced: its cache is unreachable (%s)", exc)
            return True
