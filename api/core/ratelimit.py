"""Rate limits on sensitive endpoints, per client address and per account.

Where the counts live: Redis when REDIS_URL is set (every process on every host shares them); else the
database when the API runs as several worker processes (`API_WORKERS` > 1: a limit held in each process's
memory would let an attacker spend it once per worker); else this process's memory.
"""

from __future__ import annotations

import math
import time
import zlib
from functools import lru_cache

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import BigInteger, Double, Engine, Index, String, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from api.core.config import Settings, get_settings
from api.core.errors import TooManyRequests
from api.db.base import Base


class RateLimitEvent(Base):
    """One counted event of a moving window (the database storage's rows; unlogged: a crash forgets them,
    which only resets the windows)."""

    __tablename__ = "rate_limit_events"
    __table_args__ = (
        Index("ix_rate_limit_events_key_at", "key", "at"),
        # Expired events of every key are swept (a key that is never hit again leaves nothing behind).
        Index("ix_rate_limit_events_expires_at", "expires_at"),
        {"prefixes": ["UNLOGGED"]},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400), nullable=False)
    at: Mapped[float] = mapped_column(Double, nullable=False)
    expires_at: Mapped[float] = mapped_column(Double, nullable=False)


class DatabaseStorage(Storage, MovingWindowSupport):
    """Moving windows in PostgreSQL, shared by every process of the API. Each key's check-and-count runs in
    one transaction under a transaction-scoped advisory lock on the key, so two workers never both take
    the last place of a window."""

    STORAGE_SCHEME = None  # made from the engine, never from a URI

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _lock_id(key)})
            # Every key's expired events, not only this key's (each key has one window length).
            connection.execute(text("DELETE FROM rate_limit_events WHERE expires_at <= :now"), {"now": now})
            held = connection.scalar(
                text("SELECT count(*) FROM rate_limit_events WHERE key = :key"), {"key": key}
            )
            if int(held or 0) + amount > limit:
                return False
            connection.execute(
                text("INSERT INTO rate_limit_events (key, at, expires_at) VALUES (:key, :at, :expires_at)"),
                [{"key": key, "at": now, "expires_at": now + expiry}] * amount,
            )
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self._engine.connect() as connection:
            oldest, count = connection.execute(
                text("SELECT min(at), count(*) FROM rate_limit_events WHERE key = :key AND at > :oldest"),
                {"key": key, "oldest": now - expiry},
            ).one()
        return (float(oldest), int(count)) if count else (now, 0)

    # The fixed-window methods (the moving-window strategy never calls them).
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("the database storage keeps moving windows only")

    def get(self, key: str) -> int:
        raise NotImplementedError("the database storage keeps moving windows only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("the database storage keeps moving windows only")

    def check(self) -> bool:
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def reset(self) -> int | None:
        with self._engine.begin() as connection:
            return connection.execute(text("DELETE FROM rate_limit_events")).rowcount

    def clear(self, key: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(text("DELETE FROM rate_limit_events WHERE key = :key"), {"key": key})


def _lock_id(key: str) -> int:
    """A signed 32-bit advisory-lock number for the key (a collision only makes two keys wait for each
    other)."""
    return zlib.crc32(f"rate-limit:{key}".encode()) - 2**31


class RateLimiter:
    """Moving-window limits keyed by (scope, identifier); raises TooManyRequests with Retry-After."""

    def __init__(self, storage: str | Storage) -> None:
        self._storage = storage_from_string(storage) if isinstance(storage, str) else storage
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
    """One limiter per process; Redis or the database make the limits hold across processes."""
    settings = get_settings()
    if settings.redis_url:
        return RateLimiter(settings.redis_url)
    if settings.api_workers > 1:
        # A small pool of its own: limits are checked on a few endpoints only, and a burst of logins
        # must not take the connections the requests' sessions need.
        engine = create_engine(
            settings.require_database_url(),
            pool_size=2,
            max_overflow=3,
            pool_pre_ping=True,
            hide_parameters=True,
        )
        return RateLimiter(DatabaseStorage(engine))
    return RateLimiter("memory://")


def client_address(request: Request, settings: Settings) -> str:
    """The caller's address: the connection's peer, rewritten from X-Forwarded-For only by the proxy-headers
    middleware, and only for connections from the proxies listed in FORWARDED_ALLOW_IPS."""
    return request.client.host if request.client else "unknown"
