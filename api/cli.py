"""Operator commands: `python -m api.cli up|migrate`.

`up` is what `make up` runs: database (embedded unless DATABASE_URL is set), migrations, first models, API.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from alembic import command
from alembic.config import Config

from api.core.config import PROJECT_ROOT, Settings, get_settings
from api.core.logging import configure_logging
from api.embedded_pg import EmbeddedPostgres

logger = logging.getLogger("postwright.cli")
EMBEDDED_DATABASE = "postwright"


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    return config


def migrate() -> None:
    """Bring the database schema to the newest migration."""
    logger.info("migrating the database to head")
    command.upgrade(alembic_config(), "head")


def _use_embedded_database(settings: Settings) -> EmbeddedPostgres:
    server = EmbeddedPostgres(settings.var_dir / "pgdata")
    server.start()
    os.environ["DATABASE_URL"] = server.ensure_database(EMBEDDED_DATABASE)
    get_settings.cache_clear()
    return server


def up(host: str, port: int) -> None:
    """Database, migrations, then serve the API until interrupted; the embedded database stops with us."""
    import uvicorn

    # Until uvicorn installs its own handlers, a SIGTERM must still unwind through `finally`
    # (the default action would kill us and orphan the embedded database).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    settings = get_settings()
    embedded = None if settings.database_url else _use_embedded_database(settings)
    try:
        migrate()
        get_settings().jwt_signing_key()  # generates the development secret once, refuses weak ones in production
        logger.info(
            "serving the API", extra={"url": f"http://{host}:{port}", "docs": f"http://{host}:{port}/docs"}
        )
        uvicorn.run("api.main:app", host=host, port=port, log_config=None)
    finally:
        if embedded is not None:
            embedded.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="start the database (embedded by default), migrate, serve the API")
    up_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    up_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    sub.add_parser("migrate", help="apply migrations to DATABASE_URL")
    args = parser.parse_args(argv)
    configure_logging(get_settings().log_level)
    if args.command == "up":
        up(args.host, args.port)
    elif args.command == "migrate":
        migrate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
