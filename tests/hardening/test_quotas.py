"""Per-user quotas: posts an import keeps, drafts, webhooks, posting slots and pending authorisations."""

from __future__ import annotations

import json

import pytest

from api.core.config import get_settings


@pytest.fixture
def headers(user_factory, auth_headers):
    return auth_headers(user_factory())


def test_an_import_past_the_post_quota_keeps_what_fits_and_reports_the_rest(client, headers, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_posts_per_user", 3)
    rows = [
        {"platform": "linkedin", "content": f"Post {i}", "posted_at": f"2024-05-0{i + 1}T09:00:00Z"}
        for i in range(5)
    ]
    document = "[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]"
    files = {"file": ("posts.json", document.encode(), "application/json")}
    answer = client.post("/api/posts/import", headers=headers, files=files)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["imported"] == 3 and body["rejected_count"] == 2
    assert [row["line"] for row in body["rejected"]] == [5, 6]
    assert all("quota of 3 posts" in row["reason"] for row in body["rejected"])
    assert client.get("/api/posts", headers=headers).json()["total"] == 3


def test_drafts_past_the_quota_are_409(client, headers, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_drafts_per_user", 2)
    statuses = [
        client.post(
            "/api/content/drafts", headers=headers, json={"platform": "x", "content": f"Draft {i}"}
        ).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 409]
