"""An analysis asked for before any tone model exists is never lost: it waits for the first champion, or is
run again when one is registered (`flows.bootstrap`), and the user is told it is waiting meanwhile.

The registry of this module starts empty; each test publishes the first champion itself, so the tests
share nothing but the fixtures and each starts from an empty registry (a fresh MLflow store per test).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from api.auth.models import User
from api.core.db import session_scope
from api.core.launcher import in_process_launcher, read_flow_run
from api.history.models import UserPost
from api.voice import service as voice_service
from api.voice.models import ToneAnalysis, ToneAnalysisRun
from flows.bootstrap import ensure_first_champions
from ml.tone import TONE
from models.tone.classifier import ToneClassifier
from testkit.support import isolated_bento_store, publish_champion, throwaway_mlflow

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("database_url", "prefect_harness")]

LABELS = ["casual", "inspirational", "professional"]
POSTS = [
    "We are pleased to report that our data platform migration closed on schedule. Thank you, team.",
    "lol the demo gods were not with us today, coffee number four incoming",
    "Your first launch will not be perfect. Ship it anyway!",
]


@pytest.fixture
def empty_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A registry and Bento store with no tone model at all: a fresh install. A run waits at most two
    minutes for a model here, so a failing test does not keep the session waiting for ten."""
    monkeypatch.setenv("MODEL_WAIT_SECONDS", "120")
    with throwaway_mlflow(tmp_path / "mlflow"), isolated_bento_store(tmp_path / "bento"):
        yield


@pytest.fixture
def committed_user() -> Iterator[Callable[[int], User]]:
    """Users with posts committed for real (the flow reads them in its own session); deleted afterwards.
    Named before `client`: the request transaction locks the user row until it is rolled back."""
    created: list[uuid.UUID] = []

    def make(posts: int) -> User:
        with session_scope() as session:
            user = User(email=f"first-{uuid.uuid4().hex[:10]}@example.com", password_hash="x", name="First")
            session.add(user)
            session.flush()
            for index in range(posts):
                session.add(
                    UserPost(
                        user_id=user.id,
                        platform="linkedin",
                        content=POSTS[index % len(POSTS)],
                        posted_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=index),
                        external_id=f"post-{index}",
                    )
                )
        created.append(user.id)
        return user

    yield make
    with session_scope() as session:
        session.execute(delete(User).where(User.id.in_(created)))


def untrained_classifier() -> ToneClassifier:
    """A tone model for the first champion (untrained: these tests are about the pipeline). Built before
    any flow runs: a flow thread importing the same libraries at the same moment can catch them half
    imported."""
    return ToneClassifier.from_base(LABELS)


def runs_of(user_id: uuid.UUID) -> list[ToneAnalysisRun]:
    with session_scope() as session:
        runs = session.scalars(
            select(ToneAnalysisRun)
            .where(ToneAnalysisRun.user_id == user_id)
            .order_by(ToneAnalysisRun.requested_at)
        ).all()
        session.expunge_all()
        return list(runs)


def analysis_of(user_id: uuid.UUID) -> ToneAnalysis | None:
    with session_scope() as session:
        return session.scalar(select(ToneAnalysis).where(ToneAnalysis.user_id == user_id))


def wait_until_running(flow_run_id: uuid.UUID, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = read_flow_run(flow_run_id)
        if view is not None and view.state_type == "RUNNING":
            return
        time.sleep(0.2)
    raise AssertionError(f"flow run {flow_run_id} never started")


@pytest.mark.usefixtures("empty_registry")
class TestAnalysisAskedForBeforeAnyModel:
    def test_is_accepted_shown_as_waiting_and_completes_once_the_first_champion_is_registered(
        self, committed_user, client, auth_headers
    ):
        user = committed_user(3)
        headers = auth_headers(user)
        classifier = untrained_classifier()
        accepted = client.post("/api/users/analyze-posts", headers=headers)
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["analysis_status"] == "waiting_for_model"
        run_id = uuid.UUID(accepted.json()["flow_run_id"])

        pending = client.get("/api/users/tone-analysis", headers=headers)
        assert pending.status_code == 404
        assert pending.json()["error"] == "analysis_pending"
        assert "waiting for the first tone model" in pending.json()["detail"]
        wait_until_running(run_id)
        status = client.get(f"/api/users/tone-analysis/runs/{run_id}", headers=headers).json()
        assert status["state"] == "RUNNING" and not status["done"]
        assert status["analysis_status"] == "waiting_for_model"
        assert "waiting for the first tone model" in status["message"]

        version = publish_champion(classifier, POSTS)
        in_process_launcher().wait(run_id, timeout=180)

        analysis = client.get("/api/users/tone-analysis", headers=headers)
        assert analysis.status_code == 200, analysis.text
        assert analysis.json()["model_version"] == version
        assert analysis.json()["posts_analyzed"] == 3
        status = client.get(f"/api/users/tone-analysis/runs/{run_id}", headers=headers).json()
        assert status["state"] == "COMPLETED" and status["succeeded"]

    def test_one_that_waited_in_vain_runs_again_when_the_bootstrap_registers_the_first_champion(
        self, committed_user, monkeypatch, tmp_path
    ):
        from api.core.config import get_settings

        user = committed_user(2)
        monkeypatch.setenv("MODEL_WAIT_SECONDS", "1")
        get_settings.cache_clear()
        with session_scope() as session:
            first = voice_service.request_tone_analysis(session, user.id)
        assert first.status == "waiting_for_model"
        in_process_launcher().wait(first.flow_run_id, timeout=180)
        view = read_flow_run(first.flow_run_id)
        assert view is not None and view.final and not view.succeeded
        [waiting] = runs_of(user.id)
        assert waiting.finished_at is None and waiting.status == "waiting_for_model"
        assert "as soon as one is registered" in (waiting.detail or "")
        with session_scope() as session, pytest.raises(voice_service.AnalysisPending):
            voice_service.get_tone_analysis(session, user.id)

        # The bootstrap trains the first champion (here: a tiny quick one) and picks up what waited.
        dataset = write_tiny(tmp_path)
        messages: list[str] = []
        from flows.train_tone_classifier import ToneTrainingParams

        version = ensure_first_champions(
            messages.append,
            params={TONE.name: ToneTrainingParams(recipe="embedding-logreg", dataset=str(dataset))},
            follow_up_in_background=False,
        )[TONE.name]
        assert any("started again the tone analyses of 1 users" in line for line in messages), messages
        first_run, second_run = runs_of(user.id)
        assert first_run.flow_run_id == first.flow_run_id
        in_process_launcher().wait(second_run.flow_run_id, timeout=180)

        analysis = analysis_of(user.id)
        assert analysis is not None and analysis.model_version == version
        assert all(run.finished_at is not None and run.status == "completed" for run in runs_of(user.id))

    def test_a_request_an_earlier_start_left_unfinished_is_started_again(self, committed_user):
        user = committed_user(1)
        cut_off = uuid.uuid4()  # its runner stopped with the platform; Prefect never heard of it here
        with session_scope() as session:
            session.add(ToneAnalysisRun(flow_run_id=cut_off, user_id=user.id, status="running"))
        version = publish_champion(untrained_classifier(), POSTS)
        messages: list[str] = []
        ensure_first_champions(messages.append, started_at=datetime.now(UTC) + timedelta(seconds=1))
        assert any("started again" in line for line in messages), messages
        [_, resumed] = runs_of(user.id)
        in_process_launcher().wait(resumed.flow_run_id, timeout=180)
        analysis = analysis_of(user.id)
        assert analysis is not None and analysis.model_version == version
        assert [run.status for run in runs_of(user.id)] == ["completed", "completed"]


def write_tiny(folder: Path) -> Path:
    from testkit.support import write_tiny_tone_dataset

    return write_tiny_tone_dataset(folder / "tiny.jsonl")


class TestRunStatusWithoutTheOrchestrator:
    def test_an_id_that_is_not_yours_is_a_404_at_once_and_yours_a_503_while_prefect_is_down(
        self, client, user_factory, auth_headers, db
    ):
        from prefect.settings import PREFECT_API_URL, temporary_settings

        user = user_factory()
        mine = uuid.uuid4()
        db.add(ToneAnalysisRun(flow_run_id=mine, user_id=user.id, status="queued"))
        db.commit()  # kept when the 404 below rolls its request back
        # Nothing listens on the discard port: every Prefect call would be retried for about a minute.
        with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
            started = time.monotonic()
            unknown = client.get(f"/api/users/tone-analysis/runs/{uuid.uuid4()}", headers=auth_headers(user))
            assert unknown.status_code == 404
            assert time.monotonic() - started < 2
            started = time.monotonic()
            down = client.get(f"/api/users/tone-analysis/runs/{mine}", headers=auth_headers(user))
            assert down.status_code == 503, down.text
            assert int(down.headers["Retry-After"]) > 0
            assert time.monotonic() - started < 10
