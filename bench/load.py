"""Load on the product API as `make up` serves it: p50/p99 and errors at 100 and 500 requests/s.

The API runs as `make up` runs it (one uvicorn process, the same options) on a throwaway database of
TEST_DATABASE_URL's server, with a user who imported rOpenSci's X history (1,668 posts, one file, through
the API) and has some drafts; the first engagement model is trained from that import (in a child process,
as a flow run without a deployment) before the load starts, so every draft write is predicted as in
`make up`. Without ../shared/datasets, 300 synthetic posts are written straight to the database and
drafts are stored without a prediction. Locust (headless)
offers a constant load for a minute each of: the drafts list, the dashboard, the templates and draft
creation, mixed 3:2:2:1, at 100 and at 500 requests/s; then, in the same run, as fast as it can for 20 s,
the same mix and the bare `/healthz` (the server's ceiling). 429s are counted apart from errors.
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


def main() -> dict[str, Any]:
    from tests.conftest import create_database
    from tests.support import stop_group

    server_url = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    url, drop = create_database(server_url, "pw_bench_load")
    work = Path(tempfile.mkdtemp(prefix="pw-load-"))
    try:
        server, base = start_api(work, api_env(work, url, PREFECT_API_URL=""))
    except BaseException:
        drop()
        raise
    try:
        token, predicted = _seed(base, url, work)
        runs = {
            "mix_100_rps": _locust(base, token, "mix", 50, 2.0, 60, work),
            "mix_500_rps": _locust(base, token, "mix", 250, 2.0, 60, work),
            "mix_max": _locust(base, token, "mix", 64, 0.0, 20, work),
            "bare_healthz_max": _locust(base, token, "bare", 64, 0.0, 20, work),
        }
    finally:
        stop_group(server)
        drop()
    ceiling = runs["bare_healthz_max"]["achieved_rps"] or 1.0
    result = {
        "machine": f"{os.cpu_count()} cores; load generator and API on the same cores",
        "draft_writes_predicted": predicted,
        "runs": runs,
        "mix_max_vs_bare_ceiling": round(runs["mix_max"]["achieved_rps"] / ceiling, 3),
        "aims": {"p99_ms_at_100_rps": 50, "errors_at_500_rps": 0, "share_of_bare_throughput": 0.4},
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
