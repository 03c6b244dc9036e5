"""Style clusters through the API: a team account's writers, and which one a draft reads like."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.history.models import UserPost
from tests.models.test_voice_match import NEW_CHATTY, NEW_TERSE, TEAM, TEAM_WRITERS, TERSE


def _account(db, user_factory, texts):
    me = user_factory()
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    for i, text in enumerate(texts):
        db.add(
            UserPost(
                user_id=me.id,
                platform="linkedin",
                content=text,
                posted_at=start + timedelta(days=i),
                external_id=f"p{i}",
            )
        )
    db.commit()
    return me


@pytest.fixture
def team(db, user_factory):
    return _account(db, user_factory, TEAM)


def _profile(client, headers):
    response = client.get("/api/content/voice-profile", headers=headers, params={"platform": "linkedin"})
    assert response.status_code == 200, response.text
    return response.json()


def _match(client, headers, content):
    response = client.post(
        "/api/content/voice-match", headers=headers, json={"platform": "linkedin", "content": content}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_team_account_has_a_cluster_per_writer_with_its_posts(client, auth_headers, db, team):
    headers = auth_headers(team)
    profile = _profile(client, headers)
    assert profile["posts"] == 48 and profile["calibration_posts"] == 12
    assert len(profile["clusters"]) == 2 and profile["silhouette"] >= 0.15
    posts = {post.id: post.content for post in db.query(UserPost).filter(UserPost.user_id == team.id)}
    writer_of = dict(zip(TEAM, TEAM_WRITERS, strict=True))
    seen = set()
    for cluster in profile["clusters"]:
        assert cluster["posts"] in (23, 25) and 0.4 <= cluster["share"] <= 0.6
        assert cluster["label"] and cluster["phrases"]
        writers = {writer_of[posts[uuid.UUID(post_id)]] for post_id in cluster["example_posts"]}
        assert len(writers) == 1 and len(cluster["example_posts"]) == 3
        seen |= writers
    assert seen == {"terse", "chatty"}


def test_a_draft_says_which_writer_it_reads_like(client, auth_headers, db, team):
    headers = auth_headers(team)
    clusters = _profile(client, headers)["clusters"]
    posts = {str(post.id): post.content for post in db.query(UserPost).filter(UserPost.user_id == team.id)}
    writer_of = dict(zip(TEAM, TEAM_WRITERS, strict=True))
    cluster_of = {writer_of[posts[c["example_posts"][0]]]: c["id"] for c in clusters}
    chatty = _match(client, headers, NEW_CHATTY[0])
    terse = _match(client, headers, NEW_TERSE[0])
    assert chatty["clusters"] == terse["clusters"] == 2
    assert chatty["cluster"]["id"] == cluster_of["chatty"] and terse["cluster"]["id"] == cluster_of["terse"]
    assert chatty["cluster"]["label"] == next(c["label"] for c in clusters if c["id"] == cluster_of["chatty"])
    assert chatty["cluster"]["similarity"] > 0.5 and terse["cluster"]["similarity"] > 0.5
    stranger = _match(client, headers, "OMG!!! 🔥🔥🔥 best pizza in town #food #yum #weekend #pizza")
    assert stranger["score"] < min(chatty["score"], terse["score"])


def test_a_one_writer_account_has_one_cluster(client, auth_headers, db, user_factory):
    headers = auth_headers(_account(db, user_factory, TERSE[:30]))
    profile = _profile(client, headers)
    assert len(profile["clusters"]) == 1 and profile["silhouette"] == 0.0
    [cluster] = profile["clusters"]
    assert cluster == {**cluster, "id": 0, "label": "style 1", "share": 1.0, "posts": 24, "phrases": []}
    match = _match(client, headers, TERSE[35])
    assert match["clusters"] == 1 and match["cluster"]["id"] == 0


def test_too_little_history_is_409(client, auth_headers, user_factory):
    response = client.get(
        "/api/content/voice-profile", headers=auth_headers(user_factory()), params={"platform": "linkedin"}
    )
    assert response.status_code == 409 and "at least 10" in response.json()["detail"]
