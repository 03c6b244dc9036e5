"""POST /api/content/predict, GET /api/users/engagement-model, and drafts that carry their prediction."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.history.models import UserPost

DAY = timedelta(days=1)


@pytest.fixture
def history(db):
    """Give a user `n` twitter posts with engagement (rolled back with the test)."""

    def make(user, n: int, platform: str = "twitter") -> None:
        start = datetime(2025, 3, 1, 9, tzinfo=UTC)
        for index in range(n):
            question = index % 3 == 0
            db.add(
                UserPost(
                    user_id=user.id,
                    platform=platform,
                    content=f"Post {index} about hiring." + (" What do you think?" if question else ""),
                    posted_at=start + index * DAY,
                    engagement_metrics={"likes": 40 + 30 * question + index, "comments": 2, "shares": 1},
                    external_id=f"h{index}",
                    followers=1200,
                )
            )
        db.commit()

    return make


def predict(client, headers, **body):
    payload = {"platform": "twitter", "content": "Three things I learned hiring this year. #hiring"} | body
    return client.post("/api/content/predict", headers=headers, json=payload)


class TestPredict:
    def test_a_prediction_relative_to_your_own_history(
        self, client, user_factory, auth_headers, history, engagement_champion
    ):
        me = user_factory()
        history(me, 12)
        response = predict(client, auth_headers(me), scheduled_for="2026-12-01T09:00:00Z")
        assert response.status_code == 200, response.text
        engagement = response.json()["engagement"]
        assert engagement["interval"]["low"] <= engagement["expected"] <= engagement["interval"]["high"]
        assert engagement["interval"]["level"] == 0.8
        assert engagement["model_version"] == engagement_champion[0]
        assert 0 <= engagement["percentile"] <= 100
        assert engagement["vs_your_median"] > 0
        assert engagement["rate_basis"] == "followers"
        assert engagement["rate"] == pytest.approx(engagement["expected"] / 1200, rel=1e-3)
        assert all({"factor", "effect_pct", "text"} <= set(r) for r in engagement["reasons"])

    def test_candidate_times_are_answered_best_first(
        self, client, user_factory, auth_headers, history, engagement_champion
    ):
        me = user_factory()
        history(me, 12)
        times = ["2026-12-01T09:00:00Z", "2026-12-01T13:00:00Z", "2026-12-01T18:00:00Z"]
        body = predict(client, auth_headers(me), candidate_times=times).json()
        expected = [entry["engagement"]["expected"] for entry in body["times"]]
        assert len(expected) == 3 and expected == sorted(expected, reverse=True)

    def test_too_little_history_is_409_saying_how_many_posts_are_needed(
        self, client, user_factory, auth_headers, history, engagement_champion
    ):
        me = user_factory()
        history(me, 3)
        response = predict(client, auth_headers(me))
        assert response.status_code == 409
        assert "at least 5" in response.json()["detail"] and "you have 3" in response.json()["detail"]

    def test_no_model_yet_is_503_with_retry_after(
        self, client, user_factory, auth_headers, history, tmp_path
    ):
        from testkit.support import throwaway_mlflow

        me = user_factory()
        history(me, 12)
        with throwaway_mlflow(tmp_path / "empty"):
            response = predict(client, auth_headers(me))
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert "30 posts" in response.json()["detail"]

    @pytest.mark.parametrize(
        "body",
        [{"platform": "myspace"}, {"content": ""}, {"scheduled_for": "2026-12-01T09:00:00"}, {"extra": 1}],
    )
    def test_bad_input_is_422_naming_the_field(self, client, user_factory, auth_headers, body):
        response = predict(client, auth_headers(user_factory()), **body)
        assert response.status_code == 422
        assert response.json()["error"] == "validation_error"


class TestDrafts:
    def test_a_new_draft_carries_its_prediction_and_percentile(
        self, client, user_factory, auth_headers, history, engagement_champion
    ):
        me = user_factory()
        history(me, 12)
        body = {"platform": "twitter", "content": "What is the one hiring habit you would keep?"}
        draft = client.post("/api/content/drafts", headers=auth_headers(me), json=body).json()
        assert draft["engagement_prediction"]["model_version"] == engagement_champion[0]
        assert draft["ai_confidence_score"] == pytest.approx(
            draft["engagement_prediction"]["percentile"] / 100, abs=1e-3
        )

    def test_without_history_a_draft_is_stored_without_a_prediction(
        self, client, user_factory, auth_headers, engagement_champion
    ):
        body = {"platform": "twitter", "content": "A first post."}
        response = client.post("/api/content/drafts", headers=auth_headers(user_factory()), json=body)
        assert response.status_code == 201
        assert response.json()["engagement_prediction"] is None
        assert response.json()["ai_confidence_score"] is None

    def test_editing_the_text_refreshes_the_prediction(
        self, client, user_factory, auth_headers, history, engagement_champion
    ):
        me = user_factory()
        history(me, 12)
        headers = auth_headers(me)
        draft = client.post(
            "/api/content/drafts", headers=headers, json={"platform": "twitter", "content": "Plain words."}
        ).json()
        edited = client.put(
            f"/api/content/drafts/{draft['id']}",
            headers=headers,
            json={"version": draft["version"], "content": "Plain words? What do you think? #a #b #c"},
        ).json()
        assert edited["engagement_prediction"] != draft["engagement_prediction"]
        assert edited["version"] == draft["version"] + 1  # the edit and its new prediction: one change


def media_seen(monkeypatch):
    """The media type of every row the engagement model is asked about, in order."""
    from api.engagement import service

    seen: list[str | None] = []
    original = service.rows_from_frame

    def spy(frame, habits=None):
        rows = original(frame, habits)
        seen.extend(row["media_type"] for row in rows)
        return rows

    monkeypatch.setattr(service, "rows_from_frame", spy)
    return seen


def image_asset(db, user):
    """An image in the user's library (made in the database: the rules look at its properties only)."""
    from api.media.models import MediaAsset, MediaBlob
    from api.workspaces.service import personal_workspace_id

    sha = hashlib.sha256(os.urandom(16)).hexdigest()
    db.add(MediaBlob(sha256=sha, mime_type="image/png", byte_size=10_000, pages=None))
    db.flush()
    asset = MediaAsset(
        workspace_id=personal_workspace_id(db, user.id),
        created_by=user.id,
        sha256=sha,
        kind="image",
        mime_type="image/png",
        byte_size=10_000,
        width=800,
        height=600,
        frames=1,
        alt_text="A chart",
    )
    db.add(asset)
    db.commit()
    return asset


class TestMedia:
    def test_the_media_type_asked_for_reaches_the_model_and_unknown_is_the_default(
        self, client, user_factory, auth_headers, history, engagement_champion, monkeypatch
    ):
        me = user_factory()
        history(me, 12)
        seen = media_seen(monkeypatch)
        assert predict(client, auth_headers(me), media_type="video").status_code == 200
        assert predict(client, auth_headers(me)).status_code == 200
        assert seen == ["video", None]
        refused = predict(client, auth_headers(me), media_type="hologram")
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "media_type"]

    def test_attaching_an_image_refreshes_the_drafts_prediction_with_it(
        self, client, db, user_factory, auth_headers, history, engagement_champion, monkeypatch
    ):
        me = user_factory()
        history(me, 12)
        headers = auth_headers(me)
        draft = client.post(
            "/api/content/drafts", headers=headers, json={"platform": "twitter", "content": "Our new chart."}
        ).json()
        seen = media_seen(monkeypatch)
        items = [{"media_id": str(image_asset(db, me).id), "part": 0}]
        answer = client.put(
            f"/api/content/drafts/{draft['id']}/media", headers=headers, json={"items": items}
        )
        assert answer.status_code == 200, answer.text
        assert seen == ["image"]
        # Detaching it: unknown media again.
        client.put(f"/api/content/drafts/{draft['id']}/media", headers=headers, json={"items": []})
        assert seen == ["image", None]
        stored = client.get(f"/api/content/drafts/{draft['id']}", headers=headers).json()
        assert stored["engagement_prediction"]["model_version"] == engagement_champion[0]


class TestWarmUp:
    def test_a_fresh_process_loads_the_champion_before_the_first_prediction(self, engagement_champion):
        # A new API worker loads the champion at start (api.main's lifespan), not inside the first
        # draft write; a second warm-up finds it loaded and loads nothing.
        from ml.client import _cached_model, warm
        from ml.engagement import ENGAGEMENT

        _cached_model.cache_clear()
        assert warm(ENGAGEMENT) == engagement_champion[0]
        loaded = _cached_model.cache_info()
        assert (loaded.misses, loaded.currsize) == (1, 1)
        assert warm(ENGAGEMENT) == engagement_champion[0]
        assert _cached_model.cache_info().misses == 1

    def test_nothing_is_loaded_while_there_is_no_champion(self, mlflow_store):
        from ml.client import _cached_model, forget_champions, warm
        from ml.engagement import ENGAGEMENT
        from testkit.support import throwaway_mlflow

        _cached_model.cache_clear()
        forget_champions()
        with throwaway_mlflow(Path(tempfile.mkdtemp())):
            assert warm(ENGAGEMENT) is None
        assert _cached_model.cache_info().currsize == 0


class TestModelStatus:
    def test_available_with_history_and_a_champion(
        self, client, user_factory, auth_headers, history, engagement_champion
    ):
        me = user_factory()
        history(me, 12)
        body = client.get("/api/users/engagement-model", headers=auth_headers(me)).json()
        assert body["available"] is True and body["reason"] is None
        assert body["model_version"] == engagement_champion[0]
        assert body["history"]["posts"] == 12 and body["history"]["baseline"] > 0

    def test_not_available_without_history_and_says_why(
        self, client, user_factory, auth_headers, engagement_champion
    ):
        body = client.get("/api/users/engagement-model", headers=auth_headers(user_factory())).json()
        assert body["available"] is False
        assert "at least 5" in body["reason"]
        assert body["history"] == {"posts": 0, "baseline": None}


class TestPredictionAudit:
    def test_a_published_posts_metrics_are_audited_against_its_drafts_prediction(
        self, client, user_factory, auth_headers, history, engagement_champion
    ):
        import json

        me = user_factory()
        history(me, 12)
        headers = auth_headers(me)
        text = "What is the one hiring habit you would keep?"
        draft = client.post(
            "/api/content/drafts", headers=headers, json={"platform": "twitter", "content": text}
        )
        prediction = draft.json()["engagement_prediction"]

        def import_result(likes: int) -> None:
            row = {"platform": "twitter", "content": "  what is the one  hiring habit you would keep? ",
                   "posted_at": "2026-11-20T09:00:00Z", "likes": likes, "comments": 1, "shares": 0,
                   "external_id": "published-1"}  # fmt: skip
            files = {"file": ("p.json", json.dumps([row]).encode(), "application/json")}
            assert client.post("/api/posts/import", headers=headers, files=files).status_code == 200

        import_result(likes=10_000)
        report = client.get("/api/analytics/prediction-audit", headers=headers).json()
        assert report["posts"] == 1
        [version] = report["versions"]
        assert version["model_version"] == prediction["model_version"]
        assert version["interval_hit_rate"] == 0.0  # 10,001 engagements: far above any interval here
        assert version["bias_log"] > 0
        assert len(report["drift"]) == 1 and report["drift"][0]["month"].startswith("2026-11")

        import_result(likes=int(prediction["expected"]))  # newer counts update the same audit row
        report = client.get("/api/analytics/prediction-audit", headers=headers).json()
        assert report["posts"] == 1
        assert report["versions"][0]["interval_hit_rate"] == 1.0

        other = client.get("/api/analytics/prediction-audit", headers=auth_headers(user_factory())).json()
        assert other == {"posts": 0, "versions": [], "drift": []}
