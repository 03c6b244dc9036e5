"""The library: listing, one asset, alt text and title, deletion; another workspace's asset is a 404
everywhere, a viewer may look but not change."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from api.media.models import DraftMedia, MediaAsset
from api.workspaces.models import ActivityEvent, Workspace, WorkspaceMember
from tests.media import files
from tests.media.conftest import Member, media_rows, stored_files


def test_the_library_is_listed_newest_first_a_page_at_a_time_by_kind(client, member):
    images = [member.image(client, files.png(seed=seed)) for seed in range(3)]
    document = member.upload(client, files.pdf(1), "deck.pdf").json()
    page = client.get("/api/media", headers=member.headers, params={"limit": 2}).json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 0)
    assert [item["id"] for item in page["items"]] == [document["id"], images[2]["id"]]
    rest = client.get("/api/media", headers=member.headers, params={"limit": 2, "offset": 2}).json()
    assert [item["id"] for item in rest["items"]] == [images[1]["id"], images[0]["id"]]
    only = client.get("/api/media", headers=member.headers, params={"kind": "document"}).json()
    assert only["total"] == 1 and only["items"][0]["id"] == document["id"]
    assert client.get("/api/media", headers=member.headers, params={"kind": "video"}).status_code == 422


def test_one_asset_says_what_keeps_it_from_each_platform(client, member):
    webp = member.upload(client, files.webp(), "a.webp", alt_text="Blocks").json()
    assert webp["problems"]["twitter"] == []
    assert webp["problems"]["linkedin"] == ["LinkedIn takes JPEG, PNG, GIF images, not WebP"]
    document = member.upload(client, files.pdf(1), "deck.pdf").json()
    assert document["problems"] == {"twitter": ["X takes no documents in posts"], "linkedin": []}
    assert client.get(f"/api/media/{webp['id']}", headers=member.headers).json() == webp


def test_alt_text_and_title_can_change_but_an_image_keeps_an_alt_text(client, db, member):
    """And each change is in the activity log."""
    image = member.image(client)
    changed = client.patch(
        f"/api/media/{image['id']}", headers=member.headers, json={"alt_text": "New words", "title": "Blocks"}
    )
    assert changed.status_code == 200 and (changed.json()["alt_text"], changed.json()["title"]) == (
        "New words",
        "Blocks",
    )
    for body, where in (
        ({"alt_text": None}, "alt_text"),
        ({"alt_text": ""}, "alt_text"),
        ({"alt_text": "x" * 1001}, "alt_text"),
        ({"title": "a\nb"}, "title"),
        ({"colour": "red"}, "colour"),
    ):
        answer = client.patch(f"/api/media/{image['id']}", headers=member.headers, json=body)
        assert answer.status_code == 422 and where in str(answer.json()["detail"]), (body, answer.text)
    document = member.upload(client, files.pdf(1), "deck.pdf").json()
    cleared = client.patch(f"/api/media/{document['id']}", headers=member.headers, json={"title": None})
    assert cleared.status_code == 200 and cleared.json()["title"] is None
    assert client.delete(f"/api/media/{document['id']}", headers=member.headers).status_code == 204
    events = db.scalars(
        select(ActivityEvent)
        .where(ActivityEvent.workspace_id == member.workspace_id)
        .order_by(ActivityEvent.created_at)
    ).all()
    assert [(event.action, event.subject_type) for event in events if event.subject_type == "media"] == [
        ("uploaded", "media"),
        ("edited", "media"),
        ("uploaded", "media"),
        ("edited", "media"),
        ("deleted", "media"),
    ]
    assert (
        events[-1].detail == {"kind": "document", "filename": "deck.pdf"}
        and events[-1].actor_id == member.user.id
    )


def test_an_attached_asset_cannot_be_deleted_and_a_deleted_draft_takes_only_its_attachments(
    client, db, member, media_dir, draft_factory
):
    image = member.image(client)
    drafts = [draft_factory(member), draft_factory(member)]
    for draft in drafts:
        answer = client.put(
            f"/api/content/drafts/{draft.id}/media",
            headers=member.headers,
            json={"items": [{"media_id": image["id"], "part": 0}]},
        )
        assert answer.status_code == 200, answer.text
    refused = client.delete(f"/api/media/{image['id']}", headers=member.headers)
    assert refused.status_code == 409
    assert str(drafts[0].id) in refused.json()["detail"] and str(drafts[1].id) in refused.json()["detail"]
    db.delete(drafts[0])
    db.delete(drafts[1])
    db.commit()
    assert db.scalars(select(DraftMedia)).all() == []
    assert client.get(f"/api/media/{image['id']}", headers=member.headers).status_code == 200
    assert client.delete(f"/api/media/{image['id']}", headers=member.headers).status_code == 204
    assert media_rows(db) == (0, 0) and stored_files(media_dir) == []


def test_a_deleted_workspace_leaves_its_files_to_the_sweep(client, db, member_factory, media_dir):
    from api.media import service

    leaving, staying = member_factory(), member_factory()
    shared = files.png(seed=77)
    leaving.image(client, shared)
    staying.image(client, shared)
    own = leaving.image(client, files.png(seed=78))
    db.delete(db.get(Workspace, leaving.workspace_id))  # the account's erasure cascades the same way
    db.commit()
    assert media_rows(db) == (1, 2)
    assert service.sweep_orphans(db) == 1
    db.commit()
    assert media_rows(db) == (1, 1)
    assert own["sha256"] not in " ".join(stored_files(media_dir)) and len(stored_files(media_dir)) == 2
    assert service.sweep_orphans(db) == 0


def test_another_workspaces_asset_is_a_404_everywhere(client, member_factory, draft_factory):
    owner, stranger = member_factory(), member_factory()
    image = owner.image(client)
    document = owner.upload(client, files.pdf(2), "deck.pdf").json()
    for asset in (image, document):
        media = f"/api/media/{asset['id']}"
        for method, path, kwargs in (
            ("GET", media, {}),
            ("GET", f"{media}/file", {}),
            ("GET", f"{media}/thumbnail", {}),
            ("GET", f"{media}/pages/1", {}),
            ("PATCH", media, {"json": {"alt_text": "mine now"}}),
            ("DELETE", media, {}),
        ):
            answer = client.request(method, path, headers=stranger.headers, **kwargs)
            assert answer.status_code == 404, (method, path, answer.text)
            assert asset["id"] in answer.json()["detail"]
    assert client.get("/api/media", headers=stranger.headers).json()["total"] == 0
    theirs = draft_factory(stranger)
    attach = client.put(
        f"/api/content/drafts/{theirs.id}/media",
        headers=stranger.headers,
        json={"items": [{"media_id": image["id"]}]},
    )
    assert attach.status_code == 404 and image["id"] in attach.json()["detail"]
    mine = draft_factory(owner)
    for method, kwargs in (("GET", {}), ("PUT", {"json": {"items": []}})):
        answer = client.request(
            method, f"/api/content/drafts/{mine.id}/media", headers=stranger.headers, **kwargs
        )
        assert answer.status_code == 404
    assert client.get(image["file_url"], headers=owner.headers).status_code == 200


def test_a_viewer_reads_the_library_but_gets_a_403_on_every_write(client, db, member_factory, draft_factory):
    owner, viewer = member_factory(), member_factory()
    team = Workspace(name="Team")
    db.add(team)
    db.flush()
    db.add_all(
        [
            WorkspaceMember(workspace_id=team.id, user_id=owner.user.id, role="owner"),
            WorkspaceMember(workspace_id=team.id, user_id=viewer.user.id, role="viewer"),
        ]
    )
    db.commit()
    in_team = Member(owner.user, {**owner.headers, "X-Workspace-Id": str(team.id)}, team.id)
    as_viewer = {**viewer.headers, "X-Workspace-Id": str(team.id)}
    image = in_team.image(client)
    assert db.get(MediaAsset, uuid.UUID(image["id"])).workspace_id == team.id
    assert client.get("/api/media", headers=owner.headers).json()["total"] == 0  # not in the personal one
    assert client.get("/api/media", headers=as_viewer).json()["total"] == 1
    assert client.get(image["file_url"], headers=as_viewer).status_code == 200
    draft = draft_factory(in_team)
    for method, path, kwargs in (
        (
            "POST",
            "/api/media",
            {"files": {"file": ("a.png", files.png(seed=9), "image/png")}, "data": {"alt_text": "x"}},
        ),
        (
            "POST",
            "/api/media/carousels",
            {"json": {"title": "T", "slides": [{"title": "a"}, {"title": "b"}]}},
        ),
        ("PATCH", f"/api/media/{image['id']}", {"json": {"alt_text": "changed"}}),
        ("DELETE", f"/api/media/{image['id']}", {}),
        ("PUT", f"/api/content/drafts/{draft.id}/media", {"json": {"items": []}}),
    ):
        answer = client.request(method, path, headers=as_viewer, **kwargs)
        assert answer.status_code == 403, (method, path, answer.text)
        assert "viewer" in answer.json()["detail"]
    assert client.get(f"/api/content/drafts/{draft.id}/media", headers=as_viewer).status_code == 200
    assert media_rows(db) == (1, 1)
