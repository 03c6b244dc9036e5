"""Load on the product API as `make up` serves it: p50/p99 and errors at 100 and 500 requests/s.

The API runs as `make up` runs it (`python -m api.cli api`, once with one worker process and once with as many
as `make up` starts, on the same data) on a throwaway database of
TEST_DATABASE_URL's server, with a user who imported rOpenSci's X history (1,668 posts, one file, through
the API) and has some drafts; the first engagement model is trained from that import (in a child process,
as a flow run without a deployment) before the load starts, so every draft write is predicted as in
`make up`. Without ../shared/datasets, 300 synthetic posts are written straight to the database and
drafts are stored without a prediction. Locust (headless)
offers a constant load for a minute each of: the drafts list, the dashboard, the templates and draft
creation, mixed 3:2:2:1, at 100 and at 500 requests/s; then, in the same run, as fast as it can for 20 s,
the same mix and the bare `/healthz` (the server's ceiling). Each read endpoint is then loaded alone as fast
as it goes, and the SQL one of its requests runs (captured, parameters inlined) is run by pgbench at the
same concurrency: the endpoint's share of its own database ceiling. 429s are counted apart from errors.
Figures go to bench/results/load.json.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import psycopg

from bench._api import api_env, start_api

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "load.json"
LOCUSTFILE = ROOT / "bench" / "loadgen" / "locustfile.py"
LOCUST = Path(sys.executable).parent / "locust"
DATASETS = ROOT.parent / "shared" / "datasets"


def _metrics(i: int) -> dict[str, int]:
    return {"likes": i % 40, "comments": i % 7, "shares": i % 3, "impressions": 900 + i}


def _seed(base: str, database_url: str, work: Path) -> tuple[str, bool]:
    """A user with a post history and 50 drafts; returns the access token and whether drafts are predicted."""
    account = {"email": "load@example.com", "password": "a-long-load-password"}
    httpx.post(f"{base}/api/auth/register", json=account | {"name": "Load"}).raise_for_status()
    token = httpx.post(f"{base}/api/auth/login", json=account).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    exports = sorted((DATASETS / "twitter_analytics_ropensci").glob("tweet_activity_metrics_*.csv"))
    predicted = bool(exports)
    if exports:
        combined = work / "ropensci.csv"
        frames = [pd.read_csv(path, dtype=str) for path in exports]
        pd.concat(frames, ignore_index=True).to_csv(combined, index=False)
        with combined.open("rb") as handle:
            files = {"file": ("ropensci.csv", handle, "text/csv")}
            imported = httpx.post(f"{base}/api/posts/import", headers=headers, files=files, timeout=300)
        imported.raise_for_status()
        _wait_for_engagement_model(base, headers)
    else:
        _write_synthetic_posts(database_url, account["email"])
    for i in range(50):
        body = {"platform": "twitter", "content": f"Seed draft {i}"}
        created = httpx.post(f"{base}/api/content/drafts", headers=headers, json=body, timeout=60)
        created.raise_for_status()
        if predicted and created.json()["engagement_prediction"] is None:
            raise RuntimeError("a draft was stored without a prediction although the model exists")
    return str(token), predicted


def _wait_for_engagement_model(base: str, headers: dict[str, str], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = httpx.get(f"{base}/api/users/engagement-model", headers=headers, timeout=30).json()
        if status["available"]:
            time.sleep(15)  # the import's other flow run (the tone analysis) finishes its child process
            return
        time.sleep(5)
    raise RuntimeError(f"no engagement model after {timeout:.0f} s: {status}")


def _write_synthetic_posts(database_url: str, email: str) -> None:
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        user_id = conn.execute("SELECT id FROM users WHERE email = %s", (email,)).fetchone()[0]
        conn.cursor().executemany(
            "INSERT INTO user_posts (user_id, platform, content, posted_at, engagement_metrics, followers) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (user_id, "twitter", f"Post {i} about shipping and hiring",
                 start + timedelta(hours=13 * i), json.dumps(_metrics(i)), 1200)
                for i in range(300)
            ],
        )  # fmt: skip


def _locust(
    base: str, token: str, scenario: str, users: int, rate: float, seconds: int, out: Path
) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / f"{scenario}-{users}x{rate}"
    env = os.environ | {"BENCH_TOKEN": token, "BENCH_SCENARIO": scenario, "BENCH_USER_RATE": str(rate)}
    subprocess.run(
        [str(LOCUST), "-f", str(LOCUSTFILE), "--headless", "--host", base, "-u", str(users), "-r", str(users),
         "--run-time", f"{seconds}s", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        env=env, check=False, capture_output=True, text=True,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    too_many = errors = 0
    with open(f"{prefix}_failures.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if "429" in row["Error"]:
                too_many += int(row["Occurrences"])
            else:
                errors += int(row["Occurrences"])
    return {
        "offered_rps": round(users * rate) if rate else "as fast as possible",
        "seconds": seconds,
        "requests": int(total["Request Count"]),
        "achieved_rps": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p99_ms": float(total["99%"]),
        "errors": errors,
        "rate_limited_429": too_many,
    }


# The read endpoints of the mix, each also loaded alone beside its own SQL run by pgbench.
READS = {
    "drafts": "/api/content/drafts?limit=20",
    "dashboard": "/api/analytics/dashboard",
    "templates": "/api/templates?limit=20",
}
# Clients at once for the "as fast as possible" runs, the same for locust and pgbench.
CONCURRENCY = 32


def _capture_sql(env: dict[str, str], token: str, work: Path) -> dict[str, Path]:
    """A pgbench script per read endpoint: the statements one request runs in its steady state (the second
    of two requests, so kept figures are kept), with their parameters inlined, in the request's
    transaction, after the pool's liveness ping."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from api.core.config import get_settings
    from api.core.db import get_engine, get_sessionmaker
    from ml.config import get_ml_settings

    os.environ.update(env)
    for cached in (get_settings, get_ml_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    from api.main import create_app

    statements: list[str] = []

    def record(_conn, cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        literal = psycopg.ClientCursor(cursor.connection).mogrify(statement, parameters)
        statements.append(literal.strip().rstrip(";") + ";")

    engine = get_engine()
    client = TestClient(create_app())
    headers = {"Authorization": f"Bearer {token}"}
    scripts = {}
    try:
        for name, path in READS.items():
            client.get(path, headers=headers).raise_for_status()
            statements.clear()
            event.listen(engine, "before_cursor_execute", record)
            try:
                client.get(path, headers=headers).raise_for_status()
            finally:
                event.remove(engine, "before_cursor_execute", record)
            script = work / f"{name}.sql"
            lines = ["SELECT 1;", "BEGIN;", *statements, "COMMIT;"]
            script.write_text("\n".join(lines) + "\n", encoding="utf-8")
            scripts[name] = script
    finally:
        engine.dispose()
    return scripts


def _pgbench(database_url: str, script: Path, seconds: int) -> dict[str, Any]:
    """Transactions per second of a script at CONCURRENCY clients (prepared statements, as psycopg does
    for statements it runs often)."""
    target = database_url.replace("postgresql+psycopg://", "postgresql://")
    done = subprocess.run(
        ["pgbench", "-n", "-M", "prepared", "-c", str(CONCURRENCY), "-j", "2", "-T", str(seconds),
         "-f", str(script), target],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    tps = next(line for line in done.stdout.splitlines() if line.startswith("tps"))
    return {"tps": round(float(tps.split("=")[1].split()[0]), 1), "statements": script.read_text().count(";")}


def _runs(base: str, token: str, work: Path) -> dict[str, Any]:
    # Steady state: a fresh server's first seconds (each worker's first requests, its model's champion
    # lookup) are not what a minute of traffic is made of.
    _locust(base, token, "mix", 16, 2.0, 15, work / "warm-up")
    return {
        "mix_100_rps": _locust(base, token, "mix", 50, 2.0, 60, work),
        "mix_500_rps": _locust(base, token, "mix", 250, 2.0, 60, work),
        "mix_max": _locust(base, token, "mix", CONCURRENCY, 0.0, 20, work),
        "bare_healthz_max": _locust(base, token, "bare", CONCURRENCY, 0.0, 20, work),
    }


def main() -> dict[str, Any]:
    from api.cli import DEFAULT_WORKERS
    from testkit.database import create_database
    from testkit.support import stop_group

    server_url = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    url, drop = create_database(server_url, "pw_bench_load")
    work = Path(tempfile.mkdtemp(prefix="pw-load-"))
    # No tone model exists here: an analysis the import asks for fails at once instead of waiting for one
    # (ten minutes) ahead of the engagement training in the in-process flow queue.
    # Its access token lasts the whole run (a day, the longest allowed).
    env = api_env(work, url, PREFECT_API_URL="", MODEL_WAIT_SECONDS="0", ACCESS_TOKEN_TTL_SECONDS="86400")
    by_workers: dict[str, Any] = {}
    reads: dict[str, Any] = {}
    try:
        # One process as before, then as many as `make up` starts, on the same data, one after the other.
        for workers in sorted({1, DEFAULT_WORKERS}):
            (work / f"w{workers}").mkdir()
            server, base = start_api(work / f"w{workers}", env, workers=workers)
            try:
                if not by_workers:
                    token, predicted = _seed(base, url, work)
                runs = _runs(base, token, work)
                if workers == DEFAULT_WORKERS:
                    for name in READS:
                        reads[name] = {"endpoint_max": _locust(base, token, name, CONCURRENCY, 0.0, 20, work)}
            finally:
                stop_group(server)
            ceiling = runs["bare_healthz_max"]["achieved_rps"] or 1.0
            by_workers[str(workers)] = {
                "runs": runs,
                "mix_max_vs_bare_ceiling": round(runs["mix_max"]["achieved_rps"] / ceiling, 3),
            }
        scripts = _capture_sql(env, token, work)
        for name, script in scripts.items():
            reads[name]["database_ceiling"] = _pgbench(url, script, 20)
            reads[name]["share_of_database_ceiling"] = round(
                reads[name]["endpoint_max"]["achieved_rps"] / reads[name]["database_ceiling"]["tps"], 3
            )
    finally:
        drop()
    served = by_workers[str(DEFAULT_WORKERS)]["runs"]
    result = {
        "machine": f"{os.cpu_count()} cores; load generator, API and PostgreSQL on the same cores",
        "draft_writes_predicted": predicted,
        "api_workers": DEFAULT_WORKERS,
        "concurrency_of_max_runs": CONCURRENCY,
        "by_workers": by_workers,
        "read_endpoints_vs_database_ceiling": reads,
        "aims": {
            "p99_ms_at_100_rps": {"aim": 50, "measured": served["mix_100_rps"]["p99_ms"]},
            "errors_at_500_rps": {"aim": 0, "measured": served["mix_500_rps"]["errors"]},
            "saturated_rps": {"aim": 300, "measured": served["mix_max"]["achieved_rps"]},
            "share_of_database_ceiling": {
                "aim": 0.5,
                "measured": {name: reads[name]["share_of_database_ceiling"] for name in reads},
            },
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
