"""GET /api/users/tone-analysis/status: where the voice analysis stands, always a 200 a page can poll."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.voice.models import ToneAnalysis, ToneAnalysisRun

STATUS = "/api/users/tone-analysis/status"


@pytest.fixture
def owner(user_factory):
    return user_factory()


def run(db, user, status: str, *, finished: datetime | None = None, detail: str | None = None, at=None):
    row = ToneAnalysisRun(
        flow_run_id=uuid.uuid4(),
        user_id=user.id,
        status=status,
        detail=detail,
        finished_at=finished,
        requested_at=at or datetime.now(UTC),
    )
    db.add(row)
    db.flush()
    return row


def analysis(db, user, when: datetime) -> ToneAnalysis:
    row = ToneAnalysis(
        user_id=user.id, analysis_data={"primary_tone": "casual"}, posts_analyzed=12, last_updated=when
    )
    db.add(row)
    db.flush()
    return row


class TestAnalysisStatus:
    def test_nothing_asked_for_yet(self, client, owner, auth_headers):
        body = client.get(STATUS, headers=auth_headers(owner)).json()
        assert body["state"] == "none" and body["computed_at"] is None and body["flow_run_id"] is None

    def test_waiting_for_the_first_model_says_so(self, client, db, owner, auth_headers):
        waiting = run(db, owner, "waiting_for_model", detail="waiting for the first tone model")
        response = client.get(STATUS, headers=auth_headers(owner))
        assert response.status_code == 200
        body = response.json()
        assert body["state"] == "waiting_for_model"
        assert "first tone model" in body["detail"]
        assert body["flow_run_id"] == str(waiting.flow_run_id)

    def test_a_run_on_its_way_wins_over_an_older_analysis(self, client, db, owner, auth_headers):
        analysis(db, owner, datetime.now(UTC) - timedelta(days=1))
        run(db, owner, "running")
        body = client.get(STATUS, headers=auth_headers(owner)).json()
        assert body["state"] == "running"
        assert body["computed_at"] is not None and body["posts_analyzed"] == 12

    def test_ready_once_stored_and_nothing_pending(self, client, db, owner, auth_headers):
        now = datetime.now(UTC)
        run(db, owner, "completed", finished=now, at=now - timedelta(minutes=1))
        analysis(db, owner, now)
        assert client.get(STATUS, headers=auth_headers(owner)).json()["state"] == "ready"

    def test_a_failure_after_the_stored_analysis_is_reported(self, client, db, owner, auth_headers):
        now = datetime.now(UTC)
        analysis(db, owner, now - timedelta(hours=1))
        run(db, owner, "failed", finished=now, detail="the tone service refused the request")
        body = client.get(STATUS, headers=auth_headers(owner)).json()
        assert body["state"] == "failed" and "refused the request" in body["detail"]

    def test_another_users_runs_are_not_yours(self, client, db, owner, user_factory, auth_headers):
        run(db, user_factory(), "running")
        assert client.get(STATUS, headers=auth_headers(owner)).json()["state"] == "none"

    def test_needs_a_token(self, client):
        assert client.get(STATUS).status_code == 401
