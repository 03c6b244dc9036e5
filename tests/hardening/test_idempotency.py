"""Idempotency-Key: a retried POST returns the first answer and creates nothing twice."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from api.content.models import ContentDraft
from api.history.models import UserPost


def count(db, model, user) -> int:
    return db.scalar(select(func.count()).select_from(model).where(model.user_id == user.id))


class TestDrafts:
    def test_a_retry_with_the_same_key_returns_the_first_draft(self, client, user_factory, auth_headers, db):
        me = user_factory()
        headers = auth_headers(me) | {"Idempotency-Key": "draft-1"}
        body = {"platform": "linkedin", "content": "Once only."}
        first = client.post("/api/content/drafts", json=body, headers=headers)
        again = client.post("/api/content/drafts", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert count(db, ContentDraft, me) == 1

    def test_without_a_key_each_post_creates(self, client, user_factory, auth_headers, db):
        me = user_factory()
        for _ in range(2):
            client.post(
                "/api/content/drafts",
                json={"platform": "linkedin", "content": "Twice."},
                headers=auth_headers(me),
            )
        assert count(db, ContentDraft, me) == 2

    def test_the_same_key_for_another_body_is_422(self, client, user_factory, auth_headers):
        headers = auth_headers(user_factory()) | {"Idempotency-Key": "k"}
        client.post("/api/content/drafts", json={"platform": "linkedin", "content": "A"}, headers=headers)
        response = client.post(
            "/api/content/drafts", json={"platform": "linkedin", "content": "B"}, headers=headers
        )
        assert response.status_code == 422
        assert "different request" in response.json()["detail"]

    def test_keys_are_per_user(self, client, user_factory, auth_headers, db):
        body = {"platform": "linkedin", "content": "Mine."}
        alice, bob = user_factory(), user_factory()
        client.post(
            "/api/content/drafts", json=body, headers=auth_headers(alice) | {"Idempotency-Key": "same"}
        )
        response = client.post(
            "/api/content/drafts", json=body, headers=auth_headers(bob) | {"Idempotency-Key": "same"}
        )
        assert response.status_code == 201
        assert count(db, ContentDraft, bob) == 1

    def test_an_overlong_key_is_422(self, client, user_factory, auth_headers):
        headers = auth_headers(user_factory()) | {"Idempotency-Key": "k" * 201}
        response = client.post(
            "/api/content/drafts", json={"platform": "linkedin", "content": "x"}, headers=headers
        )
        assert response.status_code == 422


class TestImport:
    def test_a_retried_import_returns_the_first_answer(self, client, user_factory, auth_headers, db):
        me = user_factory()
        rows = [
            {"platform": "linkedin", "content": f"p{i}", "posted_at": "2025-01-02T10:00:00Z"}
            for i in range(3)
        ]
        files = {"file": ("p.json", json.dumps(rows).encode(), "application/json")}
        headers = auth_headers(me) | {"Idempotency-Key": "import-1"}
        first = client.post("/api/posts/import", files=files, headers=headers)
        again = client.post("/api/posts/import", files=files, headers=headers)
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json() and first.json()["imported"] == 3
        assert count(db, UserPost, me) == 3
