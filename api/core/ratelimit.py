"""Rate limits on sensitive endpoints, per client address and per account (memory, or Redis via REDIS_URL)."""

from __future__ import annotations

import math
import time
from functools import lru_cache

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.core.config import Settings, get_settings
from api.core.errors import TooManyRequests


class RateLimiter:
    """Moving-window limits keyed by (scope, identifier); raises TooManyRequests with Retry-After."""

    def __init__(self, storage_uri: str) -> None:
        self._storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)

    def hit(self, limit: str, scope: str, identifier: str) -> None:
        item: RateLimitItem = parse(limit)
        if self._limiter.hit(item, scope, identifier):
            return
        reset_at, _ = self._limiter.get_window_stats(item, scope, identifier)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(
            retry_after, f"Too many {scope.replace('_', ' ')} attempts; retry in {retry_after} seconds."
        )

    def check(self, limit: str, scope: str, identifier: str) -> None:
        """TooManyRequests when the limit is spent, without spending any of it."""
        item: RateLimitItem = parse(limit)
        if self._limiter.test(item, scope, identifier):
            return
        reset_at, _ = self._limiter.get_window_stats(item, scope, identifier)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(
            retry_after, f"Too many {scope.replace('_', ' ')} attempts; retry in {retry_after} seconds."
        )

    def record(self, limit: str, scope: str, identifier: str) -> None:
        """Count one event (a failed attempt) against the limit without refusing anything now."""
        self._limiter.hit(parse(limit), scope, identifier)

    def reset(self) -> None:
        self._storage.reset()


@lru_cache
def get_rate_limiter() -> RateLimiter:
    """One limiter per process; Redis makes the limits hold across processes and machines."""
    settings = get_settings()
    return RateLimiter(settings.redis_url or "memory://")


def client_address(request: Request, settings: Settings) -> str:
    """The caller's address: the connection's peer, rewritten from X-Forwarded-For only by the proxy-headers
    middleware, and only for connections from the proxies listed in FORWARDED_ALLOW_IPS."""
    return request.client.host if request.client else "unknown"
