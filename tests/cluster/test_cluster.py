"""The product as several machines (see conftest.py for the hosts): what holds only when processes on
different hosts share one database, one Redis, one Prefect server and one registry.

The parts run in order on one cluster; each prints its figures and adds them to figures.json.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import httpx
from sqlalchemy import func, select

from testkit import netns
from tests.cluster.conftest import LEASE_SECONDS, PUBLISH_INTERVAL_SECONDS, WORKER_LIMIT, Cluster

PASSWORD = "a-long-cluster-password"
# Part 4's users, as the issue asks: 40. Each analysis is a flow run in a fresh process (~14 s of CPU here,
# most of it the process's start and the style profile), so 40 users twice (two workers, then one) take
# about 10 minutes on these 2 cores; CLUSTER_TONE_USERS=10 gives a quicker run while working on the test.
TONE_USERS = int(os.environ.get("CLUSTER_TONE_USERS", "40"))


def _flow_run(cl: Cluster, deployment: str) -> str:
    """A run of a prefect.yaml deployment, created now; whichever worker asks first takes it."""
    prefect = cl.urls["prefect"]
    found = httpx.get(f"{prefect}/deployments/name/{deployment}/{deployment}", timeout=10)
    found.raise_for_status()
    made = httpx.post(f"{prefect}/deployments/{found.json()['id']}/create_flow_run", json={}, timeout=10)
    made.raise_for_status()
    return str(made.json()["id"])


def _wait(what: str, condition: Any, timeout: float, cl: Cluster, every: float = 0.5) -> float:
    """Seconds until `condition()` is true; fails with every host's log tail after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout:.0f} s\n{cl.net.tails(1500)}")
        time.sleep(every)
    return time.monotonic() - started


def _users(count: int, prefix: str) -> list[uuid.UUID]:
    from api.auth.models import User
    from api.core.db import session_scope

    with session_scope() as session:
        users = [User(email=f"{prefix}-{i}-{uuid.uuid4().hex[:6]}@example.com", password_hash="x", name="C")
                 for i in range(count)]  # fmt: skip
        session.add_all(users)
        session.flush()
        return [u.id for u in users]


def _connect(cl: Cluster, users: list[uuid.UUID], platform: str) -> None:
    """Connected accounts with real grants from the fake platforms (as the OAuth exchange leaves them)."""
    from api.accounts.models import ConnectedAccount
    from api.core.crypto import encrypt
    from api.core.db import session_scope

    externals = {user: str(uuid.uuid4().int % 10**12) for user in users}
    grants = httpx.post(
        f"{cl.urls['platforms']}/control/grants", json={"users": list(externals.values())}, timeout=30
    ).json()["grants"]
    with session_scope() as session:
        for user, external in externals.items():
            grant = grants[external]
            session.add(
                ConnectedAccount(
                    user_id=user, platform=platform, external_user_id=external, handle=f"h_{external}",
                    access_token_encrypted=encrypt(grant["access_token"]),
                    refresh_token_encrypted=encrypt(grant["refresh_token"]),
                    token_expires_at=datetime.now(UTC) + timedelta(hours=2),
                )
            )  # fmt: skip


def _due_drafts(per_user: dict[uuid.UUID, str], each: int, tag: str) -> list[uuid.UUID]:
    from api.content.models import ContentDraft
    from api.core.db import session_scope

    due = datetime.now(UTC) - timedelta(minutes=1)
    with session_scope() as session:
        drafts = [
            ContentDraft(user_id=user, platform=platform, content=f"{tag} post {k} of {user.hex[:8]}: notes.",
                         status="scheduled", scheduled_for=due)
            for user, platform in per_user.items() for k in range(each)
        ]  # fmt: skip
        session.add_all(drafts)
        session.flush()
        return [d.id for d in drafts]


def _statuses(ids: list[uuid.UUID]) -> Counter[str]:
    from api.content.models import ContentDraft
    from api.core.db import session_scope

    with session_scope() as session:
        rows = session.execute(
            select(ContentDraft.status, func.count())
            .where(ContentDraft.id.in_(ids))
            .group_by(ContentDraft.status)
        )
        return Counter({status: int(n) for status, n in rows})


def _platform_posts(cl: Cluster, tag: str) -> list[str]:
    posts = httpx.get(f"{cl.urls['platforms']}/control/posts", timeout=30).json()["posts"]
    return [p["text"] for p in posts if p["text"].startswith(f"{tag} post ")]


def _callers(cl: Cluster, url: str) -> dict[str, int]:
    by_address = httpx.get(url, timeout=10).json()
    names = {host.address: name for name, host in cl.hosts.items()}
    return {names.get(address, address): n for address, n in by_address.items()}


# ---- 1. sessions and rate limits across the API replicas -------------------------------------------------


def test_a_session_and_its_limits_span_both_replicas(cluster: Cluster) -> None:
    one, two = cluster.urls["api1"], cluster.urls["api2"]
    email = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    with cluster.client() as http:
        registered = http.post(f"{one}/api/auth/register", json={"email": email, "password": PASSWORD,
                                                                  "name": "Ada"})  # fmt: skip
        assert registered.status_code == 201, registered.text
        login = http.post(f"{one}/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        tokens = login.json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        # Signed in on replica 1, working on replica 2: a draft written there, read back on replica 1.
        body = {"platform": "linkedin", "content": "Written on the second replica."}
        made = http.post(f"{two}/api/content/drafts", headers=headers, json=body)
        assert made.status_code == 201, made.text
        read = http.get(f"{one}/api/content/drafts/{made.json()['id']}", headers=headers)
        assert read.status_code == 200 and read.json()["content"] == "Written on the second replica."
        refreshed = http.post(f"{two}/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        # Wrong passwords: the account's limit (5 a minute per account and address) spent on replica 1...
        wrong = {"email": email, "password": "not-the-password"}
        on_one = [http.post(f"{one}/api/auth/login", json=wrong).status_code for _ in range(5)]
        # ...is spent on replica 2 too, which never saw those failures: the counts live in Redis.
        on_two = http.post(f"{two}/api/auth/login", json=wrong)
        right_on_two = http.post(f"{two}/api/auth/login", json={"email": email, "password": PASSWORD})
    cluster.record(
        "1_sessions_and_limits",
        {"draft_written_on": "api2", "draft_read_on": "api1", "refresh_on_api2": refreshed.status_code,
         "failed_logins_api1": on_one, "next_failed_login_api2": on_two.status_code,
         "retry_after_api2": on_two.headers.get("retry-after"),
         "right_password_api2_while_limited": right_on_two.status_code},
    )  # fmt: skip
    assert on_one == [401] * 5
    assert on_two.status_code == 429, on_two.text


# ---- 2. exactly once with two workers ---------------------------------------------------------------------


def test_due_posts_and_slots_are_worked_exactly_once_by_two_workers(cluster: Cluster) -> None:
    from api.core.db import session_scope
    from api.schedules.models import RecurringSchedule, ScheduleSlot

    x_users, li_users = _users(50, "x"), _users(50, "li")
    _connect(cluster, x_users, "twitter")
    _connect(cluster, li_users, "linkedin")
    per_user = {u: "twitter" for u in x_users} | {u: "linkedin" for u in li_users}
    drafts = _due_drafts(per_user, 10, "p2")
    assert len(drafts) == 1000
    slot_users = _users(200, "slot")
    with session_scope() as session:
        schedules = [
            RecurringSchedule(user_id=user, name=f"Weekly notes {i}", platform="linkedin", frequency="weekly",
                              day_of_week=1, time_of_day=clock_time(9), timezone="UTC",
                              topics=["code review"], next_generation=datetime.now(UTC) - timedelta(hours=1))
            for i, user in enumerate(slot_users)
        ]  # fmt: skip
        session.add_all(schedules)
        session.flush()
        schedule_ids = [s.id for s in schedules]
    llm_before = _callers(cluster, cluster.urls["llm"].removesuffix("/v1") + "/control/callers")
    started = time.monotonic()
    # Two runs of each flow at once (as two overlapping schedule ticks): each worker takes some.
    runs = [_flow_run(cluster, name) for name in ("publish-due-posts", "generate-scheduled-content") * 3]

    def slots_drafted() -> int:
        with session_scope() as session:
            return int(session.scalar(
                select(func.count()).select_from(ScheduleSlot).where(ScheduleSlot.schedule_id.in_(schedule_ids))
            ) or 0)  # fmt: skip

    publish_s = _wait("1,000 posts published", lambda: _statuses(drafts)["published"] == 1000, 240, cluster)
    generate_s = _wait("200 slots drafted", lambda: slots_drafted() == 200, 240, cluster)
    total_s = time.monotonic() - started
    texts = _platform_posts(cluster, "p2")
    copies = Counter(texts)
    with session_scope() as session:
        per_schedule = Counter(
            session.scalars(
                select(ScheduleSlot.schedule_id).where(ScheduleSlot.schedule_id.in_(schedule_ids))
            )
        )
        no_draft = session.scalar(
            select(func.count()).select_from(ScheduleSlot)
            .where(ScheduleSlot.schedule_id.in_(schedule_ids), ScheduleSlot.draft_id.is_(None))
        )  # fmt: skip
    llm_after = _callers(cluster, cluster.urls["llm"].removesuffix("/v1") + "/control/callers")
    cluster.record(
        "2_exactly_once",
        {"drafts": len(drafts), "published": _statuses(drafts)["published"], "platform_posts": len(texts),
         "posted_twice": sum(1 for n in copies.values() if n > 1), "publish_seconds": round(publish_s, 1),
         "slots": len(schedule_ids), "slots_drafted": sum(per_schedule.values()),
         "slots_drafted_twice": sum(1 for n in per_schedule.values() if n > 1),
         "generate_seconds_after_publishing": round(generate_s, 1), "total_seconds": round(total_s, 1),
         "flow_runs": runs,
         "platform_posts_by_host": _callers(cluster, f"{cluster.urls['platforms']}/control/callers"),
         "llm_requests_by_host": {k: v - llm_before.get(k, 0) for k, v in llm_after.items()}},
    )  # fmt: skip
    assert len(texts) == 1000 and max(copies.values()) == 1
    assert set(texts) == {f"p2 post {k} of {u.hex[:8]}: notes." for u in per_user for k in range(10)}
    assert len(per_schedule) == 200 and max(per_schedule.values()) == 1 and no_draft == 0


# ---- 3. a worker host lost in the middle of a publishing run ---------------------------------------------


def test_a_killed_worker_host_leaves_no_post_twice_and_the_other_finishes(cluster: Cluster) -> None:
    first, second = cluster.hosts["worker1"], cluster.hosts["worker2"]
    users = _users(30, "kill")
    _connect(cluster, users, "twitter")
    drafts = _due_drafts(dict.fromkeys(users, "twitter"), 10, "p3")
    platforms = cluster.urls["platforms"]
    httpx.post(f"{platforms}/control/delay", json={"seconds": 0.1}, timeout=10)  # a run of ~30 s alone
    # worker1 frozen (every process on its host stopped), so the run below is worker2's.
    frozen = netns.kill_namespace(first.namespace, signal.SIGSTOP)
    try:
        _flow_run(cluster, "publish-due-posts")
        _wait("worker2 publishing", lambda: len(_platform_posts(cluster, "p3")) >= 40, 120, cluster, 0.2)
        killed = second.kill_everything()  # the machine loses power mid-run
        killed_at = time.monotonic()
        at_kill = len(_platform_posts(cluster, "p3"))
    finally:
        netns.kill_namespace(first.namespace, signal.SIGCONT)
    httpx.post(f"{platforms}/control/delay", json={"seconds": 0.0}, timeout=10)
    # Nothing started by hand from here: worker1 takes the rest from the deployment's every-minute
    # schedule, the draft that was mid-call once its lease has run out.
    bound = LEASE_SECONDS + PUBLISH_INTERVAL_SECONDS + 30  # + a flow run's start and the posting itself
    rest_s = _wait(
        "the rest published by worker1", lambda: _statuses(drafts)["published"] == 300, bound, cluster
    )
    texts = _platform_posts(cluster, "p3")
    copies = Counter(texts)
    cluster.record(
        "3_killed_worker",
        {"drafts": len(drafts), "worker1_processes_frozen": frozen, "worker2_processes_killed": killed,
         "posted_before_kill": at_kill, "seconds_from_kill_to_all_published": round(rest_s, 1),
         "bound_seconds": f"lease {LEASE_SECONDS} + schedule {PUBLISH_INTERVAL_SECONDS} + 30",
         "platform_posts": len(texts), "posted_twice": sum(1 for n in copies.values() if n > 1),
         "statuses": dict(_statuses(drafts))},
    )  # fmt: skip
    assert len(texts) == 300 and max(copies.values()) == 1
    assert time.monotonic() - killed_at < bound + 5
    # worker2's host comes back (a fresh start) for what follows.
    assert cluster.start_worker is not None
    cluster.start_worker("worker2")


# ---- 4. tone analyses: one worker against two ------------------------------------------------------------


def _analysis_users(count: int) -> list[uuid.UUID]:
    from api.core.db import session_scope
    from api.history.models import UserPost

    users = _users(count, "tone")
    sentences = [
        "We are pleased to report the programme closed on schedule.",
        "lol the deploy broke twice before lunch haha",
        "Dream big. Start small. Keep going!",
        "Please find below the key results of the review.",
        "ok so the build is fine now, brb",
    ]
    with session_scope() as session:
        session.add_all(
            UserPost(user_id=user, platform="linkedin", content=f"{sentences[k % 5]} ({k})",
                     posted_at=datetime.now(UTC) - timedelta(days=k + 1), engagement_metrics={"likes": k})
            for user in users for k in range(20)
        )  # fmt: skip
    return users


def _analyse_all(cluster: Cluster, users: list[uuid.UUID]) -> tuple[float, Counter[str]]:
    """Every user asks for an analysis at once (half on each API replica); seconds until all are done."""
    from api.core.config import get_settings
    from api.core.db import session_scope
    from api.core.security import create_access_token
    from api.voice.models import ToneAnalysisRun

    settings = get_settings()
    started = time.monotonic()
    runs = []
    with cluster.client() as http:
        for i, user in enumerate(users):
            token, _ = create_access_token(user, settings)
            api = cluster.urls["api1" if i % 2 else "api2"]
            answer = http.post(f"{api}/api/users/analyze-posts", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 202, answer.text
            runs.append(uuid.UUID(answer.json()["flow_run_id"]))

    def finished() -> Counter[str]:
        with session_scope() as session:
            rows = session.execute(
                select(ToneAnalysisRun.status, ToneAnalysisRun.finished_at).where(
                    ToneAnalysisRun.flow_run_id.in_(runs)
                )
            ).all()
        return Counter(status for status, at in rows if at is not None)

    bound = 120 + 20 * len(users)  # far above the ~7 s each takes here with both cores busy
    _wait(f"{len(users)} tone analyses", lambda: sum(finished().values()) == len(users), bound, cluster, 1.0)
    return time.monotonic() - started, finished()


def test_tone_analyses_with_two_workers_against_one(cluster: Cluster) -> None:
    users = _analysis_users(TONE_USERS)
    # Both workers (worker2 freshly restarted by the part above) online first.
    from tests.cluster.conftest import _workers_online

    _wait("two workers online", lambda: _workers_online(cluster.urls["prefect"]) >= 2, 120, cluster, 1.0)
    two_s, two_outcomes = _analyse_all(cluster, users)
    # One worker: every process of worker2's host frozen for the second round (same users, same posts).
    frozen = netns.kill_namespace(cluster.hosts["worker2"].namespace, signal.SIGSTOP)
    try:
        one_s, one_outcomes = _analyse_all(cluster, users)
    finally:
        netns.kill_namespace(cluster.hosts["worker2"].namespace, signal.SIGCONT)
    ratio = one_s / two_s
    # On these 2 cores every flow run is a fresh Python process whose start (imports of Prefect, the API's
    # services and pandas) is CPU work, and the hosts share the same two cores: a second worker adds
    # concurrency (more runs starting and waiting on the database and the tone service at once), not
    # cores. The ratio is therefore far below 2; on machines of their own it would approach 2.
    cluster.record(
        "4_tone_analyses",
        {"users": len(users), "two_workers_seconds": round(two_s, 1), "one_worker_seconds": round(one_s, 1),
         "one_over_two_ratio": round(ratio, 2), "outcomes_two": dict(two_outcomes),
         "outcomes_one": dict(one_outcomes), "worker_limit": WORKER_LIMIT, "frozen_processes": frozen},
    )  # fmt: skip
    assert two_outcomes == one_outcomes == Counter({"completed": len(users)}), (two_outcomes, one_outcomes)
    # What holds here: every analysis is done either way, and a second worker costs little. Sooner would need
    # cores of its own, which namespaces on one 2-core machine cannot give: two workers run twice the flow-run
    # processes on the same two cores, which costs some contention (0.81 measured with 40 users, 0.94-0.99
    # with 10). The ratio is printed for that reason, not asserted above 1.
    assert ratio >= 0.7, f"two workers took {two_s:.0f} s, one worker {one_s:.0f} s (ratio {ratio:.2f})"


# ---- 5. a promotion reaches both replicas of a model service ---------------------------------------------


def test_a_promotion_reaches_both_model_replicas_while_the_api_answers(cluster: Cluster) -> None:
    import subprocess
    import sys

    from api.core.config import get_settings
    from api.core.security import create_access_token

    replicas = {name: cluster.urls[name] for name in ("tone-a", "tone-b")}

    def versions() -> dict[str, str]:
        out = {}
        for name, url in replicas.items():
            answer = httpx.post(f"{url}/classify", json={"texts": ["Dream big, keep going!"]}, timeout=30)
            out[name] = (
                str(answer.json()[0]["model_version"])
                if answer.status_code == 200
                else f"!{answer.status_code}"
            )
        return out

    before = versions()
    assert len(set(before.values())) == 1 and not next(iter(before.values())).startswith("!"), before
    user = _users(1, "promo")[0]
    token, _ = create_access_token(user, get_settings())
    headers = {"Authorization": f"Bearer {token}"}
    promote = subprocess.Popen(
        [sys.executable, "-m", "tests.cluster.promote"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    api_answers: Counter[int] = Counter()
    seen: dict[str, float] = {}
    model_errors: Counter[str] = Counter()
    started = time.monotonic()
    new_version = None
    with cluster.client(timeout=10) as http:
        while time.monotonic() - started < 180:
            for api in ("api1", "api2"):
                try:
                    api_answers[
                        http.get(f"{cluster.urls[api]}/api/content/drafts", headers=headers).status_code
                    ] += 1
                except httpx.HTTPError as error:
                    api_answers[-1] += 1
                    print(f"[cluster] {api}: {error!r}")
            if new_version is None and promote.poll() is not None:
                output = promote.stdout.read() if promote.stdout else ""
                assert promote.returncode == 0, output + (cluster.tmp / "logs" / "promote.log").read_text()
                new_version = output.strip().splitlines()[-1]
                promoted_at = time.monotonic()
            if new_version is not None:
                for name, version in versions().items():
                    if version.startswith("!"):
                        model_errors[name] += 1
                    if version == new_version and name not in seen:
                        seen[name] = round(time.monotonic() - promoted_at, 1)
                if len(seen) == 2:
                    break
            time.sleep(0.2)
    cluster.record(
        "5_promotion",
        {"version_before": before, "promoted_version": new_version,
         "served_seconds_after_the_promoting_process_ended": seen,
         "champion_poll_seconds": 2, "api_answers_during": dict(api_answers),
         "model_errors_during": dict(model_errors)},
    )  # fmt: skip
    assert new_version is not None and set(seen) == {"tone-a", "tone-b"}
    assert set(api_answers) == {200}
    assert not model_errors
