"""Throwaway PostgreSQL databases on a server (the tests' session database, the benchmarks' own)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


def libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(server_url: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """Create a uniquely named database on the server of `server_url`; return its URL and a dropper."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq(server_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with psycopg.connect(libpq(server_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    return url, drop
