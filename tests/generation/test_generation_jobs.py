"""Generation jobs: POST /api/content/generate/jobs answers 202 at once; the job is followed by polling.

Most tests run the job with the test's own session (`jobs.execute`, the same code the thread pool runs), so
they stay inside the rolled-back transaction. `TestThroughTheThreadPool` runs the real pool on committed
rows, with a fake LLM that lets one request through at a time, and deletes what it made.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from api.auth.models import User
from api.content.models import ContentDraft
from api.core.config import get_settings
from api.core.db import session_scope
from api.core.security import create_access_token
from api.generation import jobs
from api.generation.models import GenerationJob
from testkit.fake_llm import Raw
from tests.conftest import TEST_PASSWORD

REPLIES = [
    "Hiring is a team sport: who interviews on your team, and who writes the scorecard?",
    "Onboarding starts before day one. Send the laptop early and a plan for the first week.",
    "Our best hires came from referrals. Ask your team who they would gladly work with again.",
]
JOBS = "/api/content/generate/jobs"


class Recorder:
    """Takes jobs instead of the thread pool; `run` executes them with the test's session."""

    def __init__(self) -> None:
        self.submitted: list[uuid.UUID] = []
        self.full = False

    def busy(self) -> bool:
        return self.full

    def submit(self, job_id: uuid.UUID) -> None:
        self.submitted.append(job_id)

    def run(self, db) -> None:
        while self.submitted:
            jobs.execute(db, self.submitted.pop(0))


@pytest.fixture
def runner(app) -> Iterator[Recorder]:
    recorder = Recorder()
    app.dependency_overrides[jobs.get_runner] = lambda: recorder
    try:
        yield recorder
    finally:
        app.dependency_overrides.pop(jobs.get_runner, None)


def start(client, headers, **body):
    payload = {"platform": "linkedin", "topic": "hiring engineers", "variants": 3} | body
    return client.post(JOBS, headers=headers, json=payload)


def jobs_of(db, user) -> int:
    return db.scalar(select(func.count()).select_from(GenerationJob).where(GenerationJob.user_id == user.id))


def rank(draft: dict) -> float:
    """The documented blend (api.generation.service.rank_score), from a draft as the API shows it."""
    voice = (draft["voice_match"] or {}).get("score", 0.5)
    if draft["ai_confidence_score"] is None:
        return voice
    return 0.5 * draft["ai_confidence_score"] + 0.5 * voice


class TestStartingAJob:
    def test_a_job_is_accepted_at_once_with_its_location(
        self, client, auth_headers, user_factory, llm, runner
    ):
        me = user_factory()
        fake = llm(REPLIES)
        response = start(client, auth_headers(me), platform="x", topic="hiring", variants=2)
        assert response.status_code == 202, response.text
        job = response.json()
        assert response.headers["Location"] == f"{JOBS}/{job['id']}"
        assert job["status"] == "queued" and job["drafts"] == [] and job["error"] is None
        assert job["variants_requested"] == 2 and job["finished_at"] is None
        assert job["request"] == {
            "platform": "twitter", "topic": "hiring", "content_type": None, "variants": 2,
            "template_id": None, "thread": False, "notes": None, "write_as": None,
        }  # fmt: skip
        assert runner.submitted == [uuid.UUID(job["id"])]
        assert fake.requests == []  # nothing generated while the request was answered
        polled = client.get(response.headers["Location"], headers=auth_headers(me))
        assert polled.status_code == 200 and polled.json() == job

    @pytest.mark.parametrize(
        ("body", "status"),
        [
            ({"thread": True}, 409),  # a thread on LinkedIn
            ({"template_id": str(uuid.UUID(int=7))}, 404),
            ({"variants": 6}, 422),
        ],
    )
    def test_what_can_be_refused_up_front_is_refused_at_once(
        self, client, auth_headers, user_factory, llm, runner, db, body, status
    ):
        me = user_factory()
        llm(REPLIES)
        response = start(client, auth_headers(me), **body)
        assert response.status_code == status
        assert set(response.json()) == {"error", "detail"}
        assert jobs_of(db, me) == 0 and runner.submitted == []

    def test_no_llm_configured_is_503_at_once(
        self, client, auth_headers, user_factory, runner, db, monkeypatch
    ):
        me = user_factory()
        monkeypatch.setattr(get_settings(), "llm_base_url", None)
        response = start(client, auth_headers(me))
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
        assert "LLM_BASE_URL" in response.json()["detail"]
        assert jobs_of(db, me) == 0 and runner.submitted == []

    def test_too_many_jobs_waiting_is_503(self, client, auth_headers, user_factory, llm, runner, db):
        me = user_factory()
        llm(REPLIES)
        runner.full = True
        response = start(client, auth_headers(me))
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
        assert jobs_of(db, me) == 0

    def test_an_idempotency_key_replay_returns_the_same_job_as_it_is_now(
        self, client, auth_headers, user_factory, llm, runner, db
    ):
        me = user_factory()
        llm(REPLIES)
        headers = auth_headers(me) | {"Idempotency-Key": "job-1"}
        first = start(client, headers, variants=1)
        again = start(client, headers, variants=1)
        assert first.status_code == again.status_code == 202
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["Location"] == first.headers["Location"]
        assert jobs_of(db, me) == 1 and len(runner.submitted) == 1
        runner.run(db)
        replay = start(client, headers, variants=1)
        assert replay.json()["id"] == first.json()["id"] and replay.json()["status"] == "succeeded"
        assert len(runner.submitted) == 0 and jobs_of(db, me) == 1
        assert start(client, headers, variants=2).status_code == 422  # the key named another request


class TestRunningAJob:
    def test_a_job_succeeds_with_its_drafts_best_first_and_one_webhook_event(
        self, client, auth_headers, writer, llm, runner, db
    ):
        from api.core.crypto import encrypt
        from api.webhooks.models import Webhook, WebhookDelivery

        hook = Webhook(user_id=writer.id, url="https://hooks.example/in", secret_encrypted=encrypt("s"),
                       events=["draft.generated"])  # fmt: skip
        db.add(hook)
        db.commit()
        llm(REPLIES)
        headers = auth_headers(writer)
        location = start(client, headers).headers["Location"]
        runner.run(db)
        job = client.get(location, headers=headers).json()
        assert job["status"] == "succeeded" and job["error"] is None and job["finished_at"] is not None
        drafts = job["drafts"]
        assert {draft["content"] for draft in drafts} == set(REPLIES)
        assert all(draft["voice_match"] and draft["generation"]["tries"] == 1 for draft in drafts)
        assert [rank(draft) for draft in drafts] == sorted((rank(draft) for draft in drafts), reverse=True)
        stored = db.scalars(select(ContentDraft.id).where(ContentDraft.user_id == writer.id)).all()
        assert sorted(stored) == sorted(uuid.UUID(draft["id"]) for draft in drafts)
        [delivery] = db.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)).all()
        assert delivery.payload["data"]["draft_ids"] == [draft["id"] for draft in drafts]

    def test_an_llm_failing_midway_fails_the_job_with_its_error_and_keeps_what_was_stored(
        self, client, auth_headers, user_factory, llm, runner, db
    ):
        me = user_factory()
        llm([REPLIES[0], 500])
        headers = auth_headers(me)
        location = start(client, headers).headers["Location"]
        runner.run(db)
        job = client.get(location, headers=headers).json()
        assert job["status"] == "failed" and job["finished_at"] is not None
        assert job["error"]["error"] == "service_unavailable" and job["error"]["retry_after"] == 30
        assert "did not answer" in job["error"]["detail"]
        assert [draft["content"] for draft in job["drafts"]] == [REPLIES[0]]
        assert db.scalar(select(func.count()).where(ContentDraft.user_id == me.id)) == 1

    def test_an_llm_answering_nonsense_fails_the_job_with_retry_after(
        self, client, auth_headers, user_factory, llm, runner, db
    ):
        me = user_factory()
        llm([Raw("<html><body>Welcome to nginx!</body></html>", "text/html")])
        headers = auth_headers(me)
        location = start(client, headers).headers["Location"]
        runner.run(db)
        job = client.get(location, headers=headers).json()
        assert job["status"] == "failed" and job["drafts"] == []
        assert job["error"]["error"] == "service_unavailable" and job["error"]["retry_after"] == 60
        assert "not JSON" in job["error"]["detail"]
        assert db.scalar(select(func.count()).where(ContentDraft.user_id == me.id)) == 0

    def test_the_draft_quota_reached_midway_fails_the_job_as_a_conflict(
        self, client, auth_headers, user_factory, llm, runner, db, monkeypatch
    ):
        me = user_factory()
        llm(REPLIES)
        monkeypatch.setattr(get_settings(), "max_drafts_per_user", 2)
        headers = auth_headers(me)
        location = start(client, headers).headers["Location"]
        runner.run(db)
        job = client.get(location, headers=headers).json()
        assert job["status"] == "failed" and len(job["drafts"]) == 2
        assert job["error"]["error"] == "conflict" and job["error"]["retry_after"] is None

    def test_an_unexpected_error_fails_the_job_with_a_generic_message(self, user_factory, db):
        """A row no code of today writes (an older version's request) must not leave the job running."""
        me = user_factory()
        job = GenerationJob(user_id=me.id, status="queued", request={"platform": "fax"}, draft_ids=[])
        db.add(job)
        db.commit()
        jobs.execute(db, job.id)
        db.refresh(job)
        assert job.status == "failed" and job.finished_at is not None
        assert job.error == {"error": "internal_error", "detail": jobs.INTERNAL, "retry_after": None}

    def test_a_job_no_longer_queued_is_left_alone(self, client, auth_headers, user_factory, llm, db):
        me = user_factory()
        fake = llm(REPLIES)
        job = GenerationJob(user_id=me.id, status="failed", request={"platform": "linkedin", "topic": "t"},
                            draft_ids=[], error={"error": "interrupted", "detail": jobs.INTERRUPTED,
                                                 "retry_after": None})  # fmt: skip
        db.add(job)
        db.commit()
        jobs.execute(db, job.id)
        assert fake.requests == []
        assert client.get(f"{JOBS}/{job.id}", headers=auth_headers(me)).json()["status"] == "failed"


class TestReadingAJob:
    def test_another_users_job_and_an_unknown_one_are_404(
        self, client, auth_headers, user_factory, llm, runner
    ):
        me, other = user_factory(), user_factory()
        llm(REPLIES)
        location = start(client, auth_headers(me)).headers["Location"]
        for response in (
            client.get(location, headers=auth_headers(other)),
            client.get(f"{JOBS}/{uuid.uuid4()}", headers=auth_headers(me)),
        ):
            assert response.status_code == 404
            assert set(response.json()) == {"error", "detail"}
        assert client.get(location).status_code == 401

    def test_an_interrupted_job_is_failed_when_read(self, client, auth_headers, user_factory, db):
        me = user_factory()
        long_ago = datetime.now(UTC) - jobs.stale_after(3) - timedelta(minutes=1)
        request = {"platform": "linkedin", "topic": "t", "variants": 3}
        job = GenerationJob(user_id=me.id, status="running", request=request, draft_ids=[],
                            created_at=long_ago, updated_at=long_ago)  # fmt: skip
        db.add(job)
        db.commit()
        shown = client.get(f"{JOBS}/{job.id}", headers=auth_headers(me)).json()
        assert shown["status"] == "failed" and shown["finished_at"] is not None
        assert shown["error"] == {"error": "interrupted", "detail": jobs.INTERRUPTED, "retry_after": None}

    def test_the_startup_sweep_fails_only_jobs_older_than_any_job_can_run(self, user_factory, db):
        me = user_factory()
        now = datetime.now(UTC)
        made = {}
        for name, status, age, variants in [
            ("queued-long-ago", "queued", jobs.stale_after(1) + timedelta(seconds=5), 1),
            ("running-long-ago", "running", jobs.stale_after(5) + timedelta(seconds=5), 5),
            ("running-recently", "running", jobs.stale_after(1) + timedelta(seconds=5), 5),
            ("succeeded-long-ago", "succeeded", timedelta(days=3), 1),
        ]:
            made[name] = job = GenerationJob(
                user_id=me.id, status=status, request={"variants": variants}, draft_ids=[],
                created_at=now - age, updated_at=now - age,
            )  # fmt: skip
            db.add(job)
        db.commit()
        assert jobs.recover_interrupted(db, now) == 2
        statuses = {
            name: db.get(GenerationJob, job.id, populate_existing=True).status for name, job in made.items()
        }
        assert statuses == {
            "queued-long-ago": "failed", "running-long-ago": "failed",
            "running-recently": "running", "succeeded-long-ago": "succeeded",
        }  # fmt: skip

    def test_erasing_the_account_erases_its_jobs(self, client, auth_headers, user_factory, llm, runner, db):
        me = user_factory()
        llm(REPLIES)
        headers = auth_headers(me)
        assert start(client, headers).status_code == 202
        response = client.request(
            "DELETE", "/api/users/profile", json={"password": TEST_PASSWORD}, headers=headers
        )
        assert response.status_code == 204
        assert jobs_of(db, me) == 0


@pytest.fixture
def committed_user(database_url) -> Iterator[User]:
    """A committed user (the pool's sessions see only committed rows); deleted with all it owns after."""
    with session_scope() as session:
        user = User(email=f"jobs-{uuid.uuid4().hex[:10]}@example.com", password_hash="x", name="Jobs")
        session.add(user)
    yield user
    with session_scope() as session:
        session.execute(delete(User).where(User.id == user.id))


def poll(client, location, headers, until, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(location, headers=headers).json()
        if until(job) or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


class TestThroughTheThreadPool:
    def test_variants_appear_one_at_a_time_while_the_job_runs(self, app, committed_user, llm):
        fake = llm(REPLIES, gated=True)
        token, _ = create_access_token(committed_user.id, get_settings())
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(app) as client:  # the app's own sessions: every request commits for real
            response = start(client, headers)
            assert response.status_code == 202, response.text
            location = response.headers["Location"]
            fake.release(1)
            fake.wait_for_requests(2)  # the first variant is stored and committed before the second is asked
            job = client.get(location, headers=headers).json()
            assert job["status"] == "running" and job["finished_at"] is None
            assert [draft["content"] for draft in job["drafts"]] == [REPLIES[0]]
            fake.release(1)
            fake.wait_for_requests(3)
            job = client.get(location, headers=headers).json()
            assert job["status"] == "running"
            assert [draft["content"] for draft in job["drafts"]] == REPLIES[:2]  # in the order stored
            fake.release(1)
            job = poll(client, location, headers, lambda job: job["status"] != "running")
        assert job["status"] == "succeeded", job
        assert sorted(draft["content"] for draft in job["drafts"]) == sorted(REPLIES)
        with session_scope() as session:
            drafts = session.scalar(select(func.count()).where(ContentDraft.user_id == committed_user.id))
        assert drafts == 3

    def test_the_apps_start_fails_jobs_a_stopped_process_left_running(self, app, committed_user):
        long_ago = datetime.now(UTC) - jobs.stale_after(1) - timedelta(minutes=1)
        with session_scope() as session:
            job = GenerationJob(user_id=committed_user.id, status="running", request={"variants": 1},
                                draft_ids=[], created_at=long_ago, updated_at=long_ago)  # fmt: skip
            session.add(job)
        with TestClient(app):  # the lifespan: the sweep runs on the pool, off the start's path
            deadline = time.monotonic() + 30
            while True:
                with session_scope() as session:
                    status = session.get(GenerationJob, job.id).status
                if status != "running" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        assert status == "failed"
