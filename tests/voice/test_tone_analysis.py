"""analyze-user-tone and the tone-analysis API, against a throwaway registry whose champion is published here.

The flow runs in its own database sessions (as in production), so the users it analyses are committed for
real and deleted afterwards; users that only the API sees live in the test's rolled-back transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from api.auth.models import User
from api.core.db import session_scope
from api.core.launcher import in_process_launcher
from api.history.models import UserPost
from api.voice import service as voice_service
from api.voice.models import ToneAnalysis
from flows.analyze_user_tone import analyze_user_tone
from models.tone.classifier import ToneClassifier
from testkit.support import publish_champion

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("database_url", "prefect_harness")]

LABELS = ["casual", "inspirational", "professional"]
POSTS = [
    "We are pleased to report that our data platform migration closed on schedule. Thank you, team.",
    "Three lessons from hiring this year:\n- write the scorecard first\n- calibrate weekly\n- close fast",
    "lol the demo gods were not with us today 😂 coffee number four incoming ☕",
    "Your first launch will not be perfect. Ship it anyway! 🚀",
    "Our Q3 review is out: revenue up 12%, churn down to 2.1%. Full report in the comments.",
]


@pytest.fixture(scope="module")
def champion(mlflow_store, bento_store) -> str:
    """An (untrained) classifier as champion: these tests are about the pipeline, not the model's quality."""
    return publish_champion(ToneClassifier.from_base(LABELS), POSTS)


@pytest.fixture
def committed_user() -> Iterator[Callable[[int], User]]:
    """Users with posts committed for real (the flow reads them in its own session); deleted afterwards.

    Name it before `client` in a test: the request transaction records the user's runs and so locks the
    user row until it is rolled back, which must happen before these users are deleted.
    """
    created: list[uuid.UUID] = []

    def make(posts: int) -> User:
        with session_scope() as session:
            user = User(email=f"voice-{uuid.uuid4().hex[:10]}@example.com", password_hash="x", name="Voice")
            session.add(user)
            session.flush()
            start = datetime(2025, 1, 1, tzinfo=UTC)
            for index in range(posts):
                session.add(
                    UserPost(
                        user_id=user.id,
                        platform="linkedin",
                        content=POSTS[index % len(POSTS)],
                        posted_at=start + timedelta(days=index),
                        external_id=f"post-{index}",
                    )
                )
        created.append(user.id)
        return user

    yield make
    with session_scope() as session:
        session.execute(delete(User).where(User.id.in_(created)))


def stored_analyses(user_id: uuid.UUID) -> list[ToneAnalysis]:
    with session_scope() as session:
        return list(session.scalars(select(ToneAnalysis).where(ToneAnalysis.user_id == user_id)))


class TestSummarizeTones:
    def test_primary_is_the_most_common_label_confidence_its_share_and_margin_the_mean_gap(self):
        results = [
            {"label": "casual", "scores": {"casual": 0.6, "professional": 0.4}},
            {"label": "casual", "scores": {"casual": 0.8, "professional": 0.2}},
            {"label": "professional", "scores": {"casual": 0.1, "professional": 0.9}},
        ]
        summary = voice_service.summarize_tones(results)
        assert summary.primary_tone == "casual"
        assert summary.distribution == {"casual": 0.6667, "professional": 0.3333}
        assert summary.confidence == pytest.approx(2 / 3, abs=1e-4)
        assert summary.mean_margin == pytest.approx((0.2 + 0.6 + 0.8) / 3, abs=1e-4)

    def test_a_tie_in_votes_goes_to_the_higher_mean_probability(self):
        results = [
            {"label": "casual", "scores": {"casual": 0.51, "professional": 0.49}},
            {"label": "professional", "scores": {"casual": 0.05, "professional": 0.95}},
        ]
        assert voice_service.summarize_tones(results).primary_tone == "professional"


class TestAnalyzeUserToneFlow:
    def test_writes_one_row_with_model_version_and_post_count(self, champion, committed_user):
        user = committed_user(7)
        outcome = analyze_user_tone(user.id)
        [row] = stored_analyses(user.id)
        assert row.model_version == champion == outcome["model_version"]
        assert row.posts_analyzed == 7
        data = row.analysis_data
        assert data["primary_tone"] in LABELS
        assert sum(data["tone_distribution"].values()) == pytest.approx(1.0, abs=1e-3)
        assert data["style_profile"]["post_count"] == 7
        assert data["style_profile"]["emoji"]["posts_with_emoji_ratio"] > 0
        assert data["model"] == {"name": "tone-classifier", "version": champion}
        # Each post keeps the tone it was given (tone against performance reads them): the label with the
        # most probability, beside every tone's probability.
        with session_scope() as session:
            posts = session.scalars(select(UserPost).where(UserPost.user_id == user.id)).all()
        assert len(posts) == 7
        for post in posts:
            assert post.tone_scores is not None and set(post.tone_scores) == set(LABELS)
            assert post.tone == max(post.tone_scores, key=lambda label: post.tone_scores[label])
            assert sum(post.tone_scores.values()) == pytest.approx(1.0, abs=1e-2)
        counts = {label: sum(p.tone == label for p in posts) / 7 for label in LABELS}
        assert counts == pytest.approx(data["tone_distribution"], abs=1e-3)

    def test_a_second_analysis_replaces_the_row(self, champion, committed_user):
        user = committed_user(3)
        analyze_user_tone(user.id)
        [first] = stored_analyses(user.id)
        analyze_user_tone(user.id)
        [second] = stored_analyses(user.id)
        assert second.id == first.id
        assert second.last_updated > first.last_updated

    def test_a_user_without_posts_fails_the_run_with_a_clear_message(self, champion, committed_user):
        user = committed_user(0)
        state = analyze_user_tone(user.id, return_state=True)
        assert state.is_failed()
        assert "import posts first" in state.message
        assert stored_analyses(user.id) == []


class TestToneAnalysisApi:
    def test_404_with_a_clear_message_before_any_analysis(self, client, user_factory, auth_headers):
        response = client.get("/api/users/tone-analysis", headers=auth_headers(user_factory()))
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": voice_service.NO_ANALYSIS_MESSAGE}

    def test_analyze_posts_without_posts_is_409(self, client, user_factory, auth_headers):
        response = client.post("/api/users/analyze-posts", headers=auth_headers(user_factory()))
        assert response.status_code == 409
        assert "import posts first" in response.json()["detail"]

    def test_analyze_then_read_status_and_analysis(self, committed_user, client, champion, auth_headers):
        user = committed_user(5)
        headers = auth_headers(user)
        accepted = client.post("/api/users/analyze-posts", headers=headers)
        assert accepted.status_code == 202
        run_id = uuid.UUID(accepted.json()["flow_run_id"])
        assert accepted.json()["status_url"] == f"/api/users/tone-analysis/runs/{run_id}"
        in_process_launcher().wait(run_id, timeout=180)

        status = client.get(accepted.json()["status_url"], headers=headers).json()
        assert status["state"] == "COMPLETED"
        assert status["done"] and status["succeeded"]

        analysis = client.get("/api/users/tone-analysis", headers=headers)
        assert analysis.status_code == 200
        body = analysis.json()
        assert body["primary_tone"] in LABELS
        assert set(body["tone_distribution"]) == set(LABELS)
        assert 0 < body["confidence"] <= 1
        assert 0 <= body["mean_margin"] <= 1
        assert body["model_version"] == champion
        assert body["posts_analyzed"] == 5
        assert body["sentence_structure"]["mean_sentences_per_post"] > 0
        assert body["emoji_usage"]["posts_with_emoji_ratio"] > 0
        assert isinstance(body["style_keywords"], list) and isinstance(body["common_phrases"], list)
        assert "voice_embedding" not in analysis.text

    def test_another_users_analysis_and_runs_are_invisible(
        self, committed_user, client, champion, user_factory, auth_headers
    ):
        owner = committed_user(2)
        accepted = client.post("/api/users/analyze-posts", headers=auth_headers(owner)).json()
        in_process_launcher().wait(uuid.UUID(accepted["flow_run_id"]), timeout=180)
        other = auth_headers(user_factory())
        assert client.get("/api/users/tone-analysis", headers=other).status_code == 404
        response = client.get(accepted["status_url"], headers=other)
        assert response.status_code == 404
        assert client.get(f"/api/users/tone-analysis/runs/{uuid.uuid4()}", headers=other).status_code == 404

    def test_with_a_deployment_the_run_is_created_for_the_workers(self, committed_user, client, auth_headers):
        from prefect import get_client

        user = committed_user(1)
        deployment_id = analyze_user_tone.to_deployment(name="analyze-user-tone").apply()
        run_ids = []
        try:
            accepted = client.post("/api/users/analyze-posts", headers=auth_headers(user))
            assert accepted.status_code == 202
            run_ids.append(accepted.json()["flow_run_id"])
            with get_client(sync_client=True) as prefect:
                flow_run = prefect.read_flow_run(run_ids[0])
            assert flow_run.deployment_id == deployment_id
            assert flow_run.parameters == {"user_id": str(user.id)}
            status = client.get(accepted.json()["status_url"], headers=auth_headers(user)).json()
            assert status["state"] == "SCHEDULED" and not status["done"]
        finally:
            # Without the deployment, later tests run their analyses in-process again.
            with get_client(sync_client=True) as prefect:
                for run_id in run_ids:
                    prefect.delete_flow_run(run_id)
                prefect.delete_deployment(deployment_id)
