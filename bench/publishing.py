"""1,000 due posts published by two publisher runs at once against the fake X and LinkedIn servers.

Every post must go out exactly once (threads as chained replies). Uses a throwaway database on
TEST_DATABASE_URL's server migrated to head and the tests' fake platforms, with one in fifty post
creations answered 503 first (retried on a later pass). Figures go to bench/results/publishing.json.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "publishing.json"
POSTS = 1000
USERS = 100


def main() -> dict[str, Any]:
    from sqlalchemy import func, select

    from api.accounts.models import ConnectedAccount
    from api.auth.models import User
    from api.cli import migrate
    from api.content.models import ContentDraft
    from api.core.config import get_settings
    from api.core.crypto import encrypt
    from api.core.db import get_engine, get_sessionmaker, session_scope
    from api.publishing import publisher
    from testkit.database import create_database
    from testkit.fake_platforms import FakePlatforms
    from testkit.support import serve_in_thread

    server = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    url, drop = create_database(server, "pw_bench_publish")
    os.environ["DATABASE_URL"] = url
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    fake = FakePlatforms()
    try:
        migrate()
        with serve_in_thread(fake.app) as base:
            settings = get_settings()
            settings.x_api_base_url, settings.x_token_url = f"{base}/x", f"{base}/x/2/oauth2/token"
            settings.linkedin_api_base_url = f"{base}/li"
            settings.linkedin_token_url = f"{base}/li/oauth/v2/accessToken"
            parts_expected = 0
            with session_scope() as session:
                for u in range(USERS):
                    platform = "twitter" if u % 2 == 0 else "linkedin"
                    user = User(
                        email=f"bench-{u}-{uuid.uuid4().hex[:6]}@example.com", password_hash="x", name="B"
                    )
                    session.add(user)
                    session.flush()
                    grant = fake._issue(f"member{u}")
                    session.add(
                        ConnectedAccount(
                            user_id=user.id, platform=platform, external_user_id=f"member{u}",
                            handle=f"member{u}", access_token_encrypted=encrypt(grant["access_token"]),
                            refresh_token_encrypted=encrypt(grant["refresh_token"]),
                            token_expires_at=datetime.now(UTC) + timedelta(hours=2),
                        )
                    )  # fmt: skip
                    for p in range(POSTS // USERS):
                        thread = platform == "twitter" and p % 5 == 0
                        content = (
                            f"Thread {u}-{p} opens\n---\nThread {u}-{p} continues"
                            if thread
                            else f"Post {u}-{p}: what we shipped this week"
                        )
                        parts_expected += 2 if thread else 1
                        session.add(
                            ContentDraft(
                                user_id=user.id, platform=platform, content=content, status="scheduled",
                                content_type="thread" if thread else None,
                                scheduled_for=datetime.now(UTC) - timedelta(minutes=1),
                            )
                        )  # fmt: skip
            fake.fail_next = [503] * (POSTS // 50)
            outcomes: list[dict[str, int]] = []
            started = time.perf_counter()
            runs = [threading.Thread(target=lambda: outcomes.append(publisher.run_pass())) for _ in range(2)]
            for run in runs:
                run.start()
            for run in runs:
                run.join()
            first_pass = time.perf_counter() - started
            # The 503s retry after their backoff: a later pass (as the every-minute schedule would run).
            outcomes.append(publisher.run_pass(lambda: datetime.now(UTC) + timedelta(minutes=1)))
            seconds = time.perf_counter() - started
        texts = Counter(p.text for p in fake.posts)
        with session_scope() as session:
            statuses = dict(
                session.execute(select(ContentDraft.status, func.count()).group_by(ContentDraft.status)).all()
            )
        result = {
            "posts": POSTS,
            "users": USERS,
            "runs_at_once": 2,
            "first_pass_seconds": round(first_pass, 1),
            "seconds_including_the_retry_pass": round(seconds, 1),
            "posts_per_second": round(POSTS / first_pass, 1),
            "outcomes_per_run": outcomes,
            "draft_statuses": statuses,
            "platform_posts": len(fake.posts),
            "platform_posts_expected": parts_expected,
            "posted_more_than_once": sum(1 for n in texts.values() if n > 1),
            "injected_503s": POSTS // 50,
        }
    finally:
        get_engine().dispose()
        drop()
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
