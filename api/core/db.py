"""Engine, sessions and the transaction boundaries (request dependency and `session_scope`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

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


def get_session() -> Iterator[Session]:
    """FastAPI dependency owning the request's transaction; services only flush. (Requests inside the
    app never outnumber the connections: see `api.core.admission`.)"""
    with session_scope() as session:
        yield session


def database_ready(engine: Engine | None = None) -> bool:
    """True when the database answers a trivial query."""
    try:
        with (engine or get_engine()).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
