"""Issue 21's whole story through the API, with real commits: two people in one workspace, an editor and a
reviewer, take an X draft with two images and a LinkedIn draft with a carousel from writing to approved to
published on the fake X and the fake LinkedIn, exactly once, with every step in the activity log, while a
third person in another workspace sees none of it."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import delete

from api.accounts.models import ConnectedAccount
from api.auth.models import User
from api.core.config import get_settings
from api.core.crypto import encrypt
from api.core.db import session_scope
from api.core.security import create_access_token
from api.publishing import publisher
from api.workspaces.models import Workspace, WorkspaceMember
from testkit.fake_platforms import FakePlatforms


def png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64 + seed, 48), (seed * 53 % 256, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def http(app: Any) -> Iterator[TestClient]:
    """The API with its own sessions: every 2xx is committed, as for a real client (the publisher, in
    its own sessions, sees what the requests wrote)."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def people(platforms: FakePlatforms) -> Iterator[dict[str, tuple[uuid.UUID, dict[str, str]]]]:
    made: dict[str, tuple[uuid.UUID, dict[str, str]]] = {}
    with session_scope() as session:
        for name in ("editor", "reviewer", "outsider"):
            user = User(
                email=f"{name}-{uuid.uuid4().hex[:8]}@example.com", password_hash="x", name=name.title()
            )
            session.add(user)
            session.flush()
            token, _ = create_access_token(user.id, get_settings())
            made[name] = (user.id, {"Authorization": f"Bearer {token}"})
    yield made
    with session_scope() as session:
        owned = [uid for uid, _ in made.values()]
        session.execute(
            delete(Workspace).where(
                Workspace.id.in_(
                    WorkspaceMember.__table__.select()
                    .with_only_columns(WorkspaceMember.workspace_id)
                    .where(WorkspaceMember.user_id.in_(owned))
                    .scalar_subquery()
                )
            )
        )
        session.execute(delete(User).where(User.id.in_(owned)))


def _connect(
    fake: FakePlatforms, workspace_id: str, user_id: uuid.UUID, platform: str, external: str
) -> None:
    grant = fake._issue(external)
    with session_scope() as session:
        session.add(
            ConnectedAccount(
                workspace_id=uuid.UUID(workspace_id), user_id=user_id, platform=platform,
                external_user_id=external, handle=f"agency_{external}",
                access_token_encrypted=encrypt(grant["access_token"]),
                refresh_token_encrypted=encrypt(grant["refresh_token"]),
                token_expires_at=datetime.now(UTC) + timedelta(hours=2),
            )
        )  # fmt: skip


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_an_editor_and_a_reviewer_publish_images_and_a_carousel_once(http, platforms, people) -> None:
    (editor_id, editor), (reviewer_id, reviewer), (_, outsider) = (
        people["editor"], people["reviewer"], people["outsider"]
    )  # fmt: skip
    # The editor's agency workspace: posts need approval by someone else.
    workspace = ok(http.post("/api/workspaces", json={"name": "Agency"}, headers=editor), 201)
    in_ws = {"X-Workspace-Id": workspace["id"]}
    ok(http.patch(f"/api/workspaces/{workspace['id']}", json={"needs_approval": True,
                  "approval_rule": "two_people"}, headers=editor))  # fmt: skip
    with session_scope() as session:  # the reviewer joins (invitations are tested on their own)
        session.add(
            WorkspaceMember(workspace_id=uuid.UUID(workspace["id"]), user_id=reviewer_id, role="reviewer")
        )
    _connect(platforms, workspace["id"], editor_id, "twitter", "7001")
    _connect(platforms, workspace["id"], editor_id, "linkedin", "7002")
    ed, rv = editor | in_ws, reviewer | in_ws

    # Media: two images with alt text, and a three-slide carousel.
    images = [
        ok(http.post("/api/media", files={"file": (f"chart{i}.png", png(i), "image/png")},
                     data={"alt_text": f"Chart {i} of our growth"}, headers=ed), 201)
        for i in (1, 2)
    ]  # fmt: skip
    carousel = ok(http.post("/api/media/carousels", json={"title": "Five hiring lessons", "slides": [
        {"title": "Lesson one", "body": "Write the scorecard first."},
        {"title": "Lesson two", "body": "Interview for the job, not the CV."},
        {"title": "Lesson three", "body": "Close within a week."}]}, headers=ed), 201)  # fmt: skip
    assert carousel["kind"] == "document" and carousel["pages"] == 3

    # Writing, attaching, submitting.
    x_text = "Our growth, in two charts."
    li_text = "Five hiring lessons from a year of growing the team."
    x_draft = ok(http.post("/api/content/drafts", json={"platform": "x", "content": x_text}, headers=ed), 201)
    li_draft = ok(
        http.post("/api/content/drafts", json={"platform": "linkedin", "content": li_text}, headers=ed), 201
    )
    ok(http.put(f"/api/content/drafts/{x_draft['id']}/media",
                json={"items": [{"media_id": i["id"], "part": 0} for i in images]}, headers=ed))  # fmt: skip
    ok(http.put(f"/api/content/drafts/{li_draft['id']}/media",
                json={"items": [{"media_id": carousel["id"], "part": 0}]}, headers=ed))  # fmt: skip
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    for draft in (x_draft, li_draft):
        url = f"/api/content/drafts/{draft['id']}"
        current = ok(http.get(url, headers=ed))
        assert len(current["media"]) == (2 if draft is x_draft else 1)
        refused = http.post("/api/content/schedule", json={"draft_id": draft["id"], "scheduled_for": soon},
                            headers=ed)  # fmt: skip
        assert refused.status_code == 409
        submitted = ok(http.post(f"{url}/submit", json={"version": current["version"]}, headers=ed))
        # Two people: the editor cannot approve their own draft, the reviewer can.
        assert (
            http.post(f"{url}/approve", json={"version": submitted["version"]}, headers=ed).status_code == 403
        )
        approved = ok(http.post(f"{url}/approve", json={"version": submitted["version"]}, headers=rv))
        ok(http.post("/api/content/schedule", json={"draft_id": draft["id"], "scheduled_for": soon,
                                                    "version": approved["version"]}, headers=ed))  # fmt: skip

    # The publisher, ten minutes on: both go out once, with their media.
    later = lambda: datetime.now(UTC) + timedelta(minutes=10)  # noqa: E731
    assert publisher.run_pass(later)["published"] == 2
    assert publisher.run_pass(later)["published"] == 0
    x_post, li_post = sorted(platforms.posts, key=lambda p: p.text.startswith("Five"))
    assert x_post.text == "Our growth, in two charts." and len(x_post.media_ids) == 2
    assert [m.alt_text for m in platforms.media_of(x_post)] == [
        "Chart 1 of our growth",
        "Chart 2 of our growth",
    ]
    stored = [http.get(f"/api/media/{i['id']}/file", headers=ed).content for i in images]
    assert [m.data for m in platforms.media_of(x_post)] == stored
    [document] = platforms.media_of(li_post)
    assert document.title == "Five hiring lessons" and document.data.startswith(b"%PDF")
    assert platforms.uploads("twitter") >= 2 and len(platforms.posts) == 2

    # Every step in the activity log, by the right person.
    log = ok(http.get(f"/api/workspaces/{workspace['id']}/activity", params={"subject_id": li_draft["id"]},
                      headers=rv))["items"]  # fmt: skip
    steps = [(e["action"], e["actor_id"]) for e in reversed(log)]
    e, r = str(editor_id), str(reviewer_id)
    assert steps == [
        ("created", e), ("media_changed", e), ("submitted", e), ("approved", r), ("scheduled", e),
        ("published", None),
    ]  # fmt: skip

    # The third person, in their own workspace, sees none of it.
    assert ok(http.get("/api/content/drafts", headers=outsider))["total"] == 0
    assert ok(http.get("/api/media", headers=outsider))["total"] == 0
    hidden = [
        f"/api/content/drafts/{x_draft['id']}",
        f"/api/media/{images[0]['id']}",
        f"/api/media/{carousel['id']}/file",
        f"/api/workspaces/{workspace['id']}/activity",
    ]
    for url in hidden:
        assert http.get(url, headers=outsider).status_code == 404, url
    assert http.get("/api/content/drafts", headers=outsider | in_ws).status_code == 404
    assert [w["name"] for w in ok(http.get("/api/workspaces", headers=outsider))["items"]] == ["Personal"]


def test_other_media_after_approval_sends_the_draft_back(http, platforms, people) -> None:
    (_, editor), (reviewer_id, reviewer) = people["editor"], people["reviewer"]
    workspace = ok(http.post("/api/workspaces", json={"name": "Agency"}, headers=editor), 201)
    ok(http.patch(f"/api/workspaces/{workspace['id']}", json={"needs_approval": True}, headers=editor))
    with session_scope() as session:
        session.add(
            WorkspaceMember(workspace_id=uuid.UUID(workspace["id"]), user_id=reviewer_id, role="reviewer")
        )
    in_ws = {"X-Workspace-Id": workspace["id"]}
    ed, rv = editor | in_ws, reviewer | in_ws
    image = ok(http.post("/api/media", files={"file": ("a.png", png(5), "image/png")},
                         data={"alt_text": "A chart"}, headers=ed), 201)  # fmt: skip
    draft = ok(
        http.post("/api/content/drafts", json={"platform": "x", "content": "One chart."}, headers=ed), 201
    )
    url = f"/api/content/drafts/{draft['id']}"
    submitted = ok(http.post(f"{url}/submit", json={"version": 1}, headers=ed))
    ok(http.post(f"{url}/approve", json={"version": submitted["version"]}, headers=rv))
    ok(http.put(f"{url}/media", json={"items": [{"media_id": image["id"], "part": 0}]}, headers=ed))
    assert ok(http.get(url, headers=ed))["approval"] == "submitted"
