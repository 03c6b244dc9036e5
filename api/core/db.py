"""Engine, sessions and the transaction boundaries (request dependency and `session_scope`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from functools import lru_cache

import anyio
import anyio.to_thread
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from api.core.config import get_settings


@lru_cache
def get_engine() -> Engine:
    """The process's engine, created on first use (never at import)."""
    settings = get_settings()
    return create_engine(
        settings.require_database_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # Past this wait for a connection the request is a 503 (overload), not a 500.
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_pre_ping=True,
        # Bound parameters never reach an exception message or a log line (they hold password hashes).
        hide_parameters=True,
    )


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    """Sessions bound to the process's engine; objects stay usable after commit.

    Registers every table first: a process that imports one model (a flow, a worker) must still resolve
    its foreign keys to the others.
    """
    import api.db.models  # noqa: F401

    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work for flows and scripts: commit on success, roll back on error."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Committing and closing a request's session get their own threads: were they to wait for one of the
# worker threads, a burst that fills every worker with requests waiting for a database connection would
# never release the connections those commits hold (a deadlock until the pool times out).
_SESSION_END_THREADS = 16


@lru_cache
def _session_end_limiter() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(_SESSION_END_THREADS)


async def get_session() -> AsyncIterator[Session]:
    """FastAPI dependency owning the request's transaction; services only flush."""
    session = get_sessionmaker()()
    limiter = _session_end_limiter()
    try:
        yield session
        await anyio.to_thread.run_sync(session.commit, limiter=limiter)
    except BaseException:
        await anyio.to_thread.run_sync(session.rollback, limiter=limiter)
        raise
    finally:
        await anyio.to_thread.run_sync(session.close, limiter=limiter)


def database_ready(engine: Engine | None = None) -> bool:
    """True when the database answers a trivial query."""
    try:
        with (engine or get_engine()).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
