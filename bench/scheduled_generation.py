"""1,000 due recurring schedules drafted by two overlapping runs against a fast fake LLM: each exactly once.

Uses a throwaway database on TEST_DATABASE_URL's server (or an embedded one) migrated to head, and the
fake OpenAI-compatible server of the tests. Figures go to bench/results/scheduled_generation.json.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "scheduled_generation.json"
SCHEDULES = 1000


def main() -> dict[str, Any]:
    from sqlalchemy import func, select

    from api.auth.models import User
    from api.cli import migrate
    from api.core.config import get_settings
    from api.core.db import get_engine, get_sessionmaker, session_scope
    from api.generation import scheduled
    from api.schedules.models import RecurringSchedule, ScheduleSlot
    from testkit.database import create_database
    from testkit.fake_llm import FakeLLM, serve

    server = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    url, drop = create_database(server, "pw_bench_sched")
    os.environ["DATABASE_URL"] = url
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    now = datetime.now(UTC)
    try:
        migrate()
        with session_scope() as session:
            for i in range(SCHEDULES):
                user = User(
                    email=f"bench-{i}-{uuid.uuid4().hex[:6]}@example.com", password_hash="x", name="B"
                )
                session.add(user)
                session.flush()
                session.add(
                    RecurringSchedule(
                        user_id=user.id,
                        name="Weekly notes",
                        platform="linkedin",
                        frequency="weekly",
                        day_of_week=0,
                        time_of_day=clock(9),
                        timezone="UTC",
                        topics=["hiring", "shipping"],
                        next_generation=now - timedelta(minutes=5),
                    )
                )
        fake = FakeLLM(["Notes from this week: what we shipped, what we learned, and what comes next."])
        with serve(fake) as llm_url:
            get_settings().llm_base_url = llm_url
            results: list[dict[str, int]] = []
            started = time.perf_counter()
            runs = [
                threading.Thread(target=lambda: results.append(scheduled.run_pass(now))) for _ in range(2)
            ]
            for run in runs:
                run.start()
            for run in runs:
                run.join()
            seconds = time.perf_counter() - started
        with session_scope() as session:
            slots = int(session.scalar(select(func.count()).select_from(ScheduleSlot)) or 0)
            per_schedule = session.execute(
                select(ScheduleSlot.schedule_id, func.count()).group_by(ScheduleSlot.schedule_id)
            ).all()
            still_due = int(
                session.scalar(
                    select(func.count())
                    .select_from(RecurringSchedule)
                    .where(RecurringSchedule.next_generation <= now)
                )
                or 0
            )
        result = {
            "schedules": SCHEDULES,
            "runs_at_once": 2,
            "seconds": round(seconds, 1),
            "drafts_per_second": round(SCHEDULES / seconds, 1),
            "outcomes_per_run": results,
            "slots": slots,
            "schedules_drafted_more_than_once": sum(1 for _, n in per_schedule if n > 1),
            "still_due": still_due,
            "llm_requests": len(fake.requests),
            "aim_seconds": 30,
        }
    finally:
        get_engine().dispose()
        drop()
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
