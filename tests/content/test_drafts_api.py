"""Drafts and single scheduling: filters, length rules, optimistic locking, the status machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from api.content.models import ContentDraft

SOON = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)


def create(client, headers, **fields):
    body = {"platform": "linkedin", "content": "A draft worth posting."} | fields
    response = client.post("/api/content/drafts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def schedule(client, headers, draft, when=SOON):
    return client.post(
        "/api/content/schedule",
        json={"draft_id": draft["id"], "scheduled_for": when.isoformat()},
        headers=headers,
    )


@pytest.fixture
def me(user_factory):
    return user_factory()


@pytest.fixture
def headers(me, auth_headers):
    return auth_headers(me)


class TestListing:
    def test_filters_and_total(self, client, headers):
        create(client, headers, content="one")
        create(client, headers, platform="x", content="two", content_type="question")
        scheduled = create(client, headers, content="three")
        assert schedule(client, headers, scheduled).status_code == 200

        def contents(**params):
            body = client.get("/api/content/drafts", params=params, headers=headers).json()
            return body["total"], sorted(item["content"] for item in body["items"])

        assert contents() == (3, ["one", "three", "two"])
        assert contents(status="scheduled") == (1, ["three"])
        assert contents(status=["draft", "scheduled"], platform="linkedin") == (2, ["one", "three"])
        assert contents(platform="twitter", content_type="question") == (1, ["two"])
        assert contents(limit=1)[0] == 3
        assert (
            len(client.get("/api/content/drafts", params={"limit": 1}, headers=headers).json()["items"]) == 1
        )
        future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        assert contents(**{"from": future}) == (0, [])
        total, items = contents(offset=2, limit=5)
        assert (total, len(items)) == (3, 1)  # the total rides on the page's rows
        assert contents(offset=10) == (3, [])  # past the end: no row carries it, and it is still right

    def test_bad_filter_values_are_422(self, client, headers):
        assert (
            client.get("/api/content/drafts", params={"status": "lost"}, headers=headers).status_code == 422
        )
        assert (
            client.get("/api/content/drafts", params={"platform": "myspace"}, headers=headers).status_code
            == 422
        )

    def test_another_users_drafts_are_404(self, client, headers, user_factory, auth_headers):
        draft = create(client, headers)
        other = auth_headers(user_factory())
        assert client.get("/api/content/drafts", headers=other).json()["total"] == 0
        assert client.get(f"/api/content/drafts/{draft['id']}", headers=other).status_code == 404
        assert (
            client.put(
                f"/api/content/drafts/{draft['id']}",
                json={"version": 1, "content": "mine now"},
                headers=other,
            ).status_code
            == 404
        )
        assert client.delete(f"/api/content/drafts/{draft['id']}", headers=other).status_code == 404
        assert schedule(client, other, draft).status_code == 404
        assert (
            client.get(f"/api/content/drafts/{draft['id']}", headers=headers).json()["content"]
            == draft["content"]
        )


class TestEditing:
    def test_partial_update_bumps_the_version(self, client, headers):
        draft = create(client, headers, content_type="story")
        response = client.put(
            f"/api/content/drafts/{draft['id']}",
            json={"version": 1, "content": "Better words."},
            headers=headers,
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["content"], body["content_type"], body["version"]) == ("Better words.", "story", 2)

    def test_an_edit_based_on_an_old_version_is_409_not_a_lost_update(self, client, headers):
        draft = create(client, headers)
        url = f"/api/content/drafts/{draft['id']}"
        first = client.put(url, json={"version": 1, "content": "Edit from the laptop."}, headers=headers)
        second = client.put(url, json={"version": 1, "content": "Edit from the phone."}, headers=headers)
        assert first.status_code == 200
        assert second.status_code == 409 and second.json()["error"] == "conflict"
        assert client.get(url, headers=headers).json()["content"] == "Edit from the laptop."

    def test_version_is_required(self, client, headers):
        draft = create(client, headers)
        response = client.put(f"/api/content/drafts/{draft['id']}", json={"content": "x"}, headers=headers)
        assert response.status_code == 422

    @pytest.mark.parametrize(
        ("platform", "content", "content_type", "ok"),
        [
            ("x", "a" * 280, None, True),
            ("x", "a" * 281, None, False),
            ("x", "日" * 141, None, False),
            ("x", "a" * 250 + " https://example.com/" + "b" * 200, None, True),
            ("x", "a" * 250 + "\n---\n" + "b" * 250, "thread", True),
            ("x", "a" * 250 + "\n---\n" + "b" * 281, "thread", False),
            ("linkedin", "a" * 3000, None, True),
            ("linkedin", "a" * 3001, None, False),
        ],
    )
    def test_length_is_checked_against_the_platform(
        self, client, headers, platform, content, content_type, ok
    ):
        draft = create(client, headers, platform="linkedin", content="short")
        body = {"version": 1, "platform": platform, "content": content, "content_type": content_type}
        response = client.put(f"/api/content/drafts/{draft['id']}", json=body, headers=headers)
        assert response.status_code == (200 if ok else 422), response.text

    def test_switching_to_x_checks_the_existing_text(self, client, headers):
        draft = create(client, headers, content="a" * 400)
        response = client.put(
            f"/api/content/drafts/{draft['id']}", json={"version": 1, "platform": "x"}, headers=headers
        )
        assert response.status_code == 422
        assert "thread" in response.json()["detail"]

    def test_delete(self, client, headers):
        draft = create(client, headers)
        assert client.delete(f"/api/content/drafts/{draft['id']}", headers=headers).status_code == 204
        assert client.get(f"/api/content/drafts/{draft['id']}", headers=headers).status_code == 404


class TestScheduling:
    def test_schedule_moves_draft_to_scheduled_in_utc(self, client, headers):
        draft = create(client, headers)
        local = SOON.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
        response = client.post(
            "/api/content/schedule", json={"draft_id": draft["id"], "scheduled_for": local}, headers=headers
        )
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "scheduled"
        assert datetime.fromisoformat(body["scheduled_for"]) == datetime.fromisoformat(local)

    @pytest.mark.parametrize(
        "when",
        [
            (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None).isoformat(),
        ],
        ids=["past", "naive"],
    )
    def test_past_or_naive_times_are_422(self, client, headers, when):
        draft = create(client, headers)
        response = client.post(
            "/api/content/schedule", json={"draft_id": draft["id"], "scheduled_for": when}, headers=headers
        )
        assert response.status_code == 422

    def test_scheduling_twice_is_409(self, client, headers):
        draft = create(client, headers)
        assert schedule(client, headers, draft).status_code == 200
        assert schedule(client, headers, draft).status_code == 409

    def test_a_too_long_draft_cannot_be_scheduled(self, client, me, headers, db):
        # written before the rules, e.g. by an older client
        draft = ContentDraft(user_id=me.id, platform="twitter", content="a" * 300)
        db.add(draft)
        db.commit()
        response = schedule(client, headers, {"id": str(draft.id)})
        assert response.status_code == 422

    def test_schedule_with_a_stale_version_is_409(self, client, headers):
        draft = create(client, headers)
        client.put(
            f"/api/content/drafts/{draft['id']}", json={"version": 1, "content": "new"}, headers=headers
        )
        response = client.post(
            "/api/content/schedule",
            json={"draft_id": draft["id"], "scheduled_for": SOON.isoformat(), "version": 1},
            headers=headers,
        )
        assert response.status_code == 409


def test_openapi_documents_draft_errors(app):
    paths = app.openapi()["paths"]
    assert {"401", "404", "409", "422"} <= set(paths["/api/content/drafts/{draft_id}"]["put"]["responses"])
    assert {"401", "404", "409", "422"} <= set(paths["/api/content/schedule"]["post"]["responses"])
