"""A draft's attachments: the platforms' rules, each broken one a 422 at its item naming the limit; a
published draft refuses changes; what the publisher reads and records."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.content import attachments
from api.media.models import MediaAsset, MediaBlob
from tests.media import files


@pytest.fixture
def asset_factory(db):
    """Assets made directly in the database with the properties a rule looks at (no file behind them)."""

    def make(member, mime="image/png", byte_size=100_000, frames=1, pages=None, title=None, size=(800, 600)):
        sha = hashlib.sha256(os.urandom(16)).hexdigest()
        kind = "document" if mime == "application/pdf" else "image"
        db.add(MediaBlob(sha256=sha, mime_type=mime, byte_size=byte_size, pages=pages))
        db.flush()
        asset = MediaAsset(
            workspace_id=member.workspace_id,
            created_by=member.user.id,
            sha256=sha,
            kind=kind,
            mime_type=mime,
            byte_size=byte_size,
            width=size[0],
            height=size[1],
            frames=frames if kind == "image" else None,
            pages=pages,
            alt_text="Something" if kind == "image" else None,
            title=title,
        )
        db.add(asset)
        db.commit()
        return asset

    return make


def _put(client, member, draft, *items):
    return client.put(
        f"/api/content/drafts/{draft.id}/media",
        headers=member.headers,
        json={"items": [{"media_id": str(asset.id), "part": part} for asset, part in items]},
    )


def _errors(answer) -> dict[tuple, str]:
    """Each place's messages (several joined with " | ")."""
    assert answer.status_code == 422, answer.text
    found: dict[tuple, str] = {}
    for error in answer.json()["detail"]:
        loc = tuple(error["loc"])
        found[loc] = f"{found[loc]} | {error['msg']}" if loc in found else error["msg"]
    return found


def test_x_takes_four_images_a_post_and_each_post_of_a_thread_its_own(
    client, member, draft_factory, asset_factory
):
    images = [asset_factory(member) for _ in range(9)]
    single = draft_factory(member, "twitter", "One post")
    answer = _put(client, member, single, *[(image, 0) for image in images[:4]])
    assert answer.status_code == 200, answer.text
    assert [item["media_id"] for item in answer.json()["items"]] == [str(image.id) for image in images[:4]]
    errors = _errors(_put(client, member, single, *[(image, 0) for image in images[:5]]))
    assert errors == {("body", "items", 4, "media_id"): "X takes at most 4 images per post; the post has 5."}
    assert _errors(_put(client, member, single, (images[0], 1))) == {
        ("body", "items", 0, "part"): "The draft is 1 post(s) on X; part 1 does not exist (0 is the first; "
        "a thread splits posts on --- lines)."
    }
    thread = draft_factory(member, "twitter", "First\n---\nSecond\n---\nThird", content_type="thread")
    items = [(image, 0) for image in images[:4]] + [(image, 2) for image in images[4:8]]
    answer = _put(client, member, thread, *items)
    assert answer.status_code == 200, answer.text
    assert [item["part"] for item in answer.json()["items"]] == [0] * 4 + [2] * 4
    errors = _errors(_put(client, member, thread, (images[0], 3), (images[1], 1), (images[1], 1)))
    assert set(errors) == {("body", "items", 0, "part"), ("body", "items", 2, "media_id")}
    assert "Attached twice to part 1" in errors[("body", "items", 2, "media_id")]


def test_x_refuses_documents_big_images_and_a_gif_beside_other_media(
    client, member, draft_factory, asset_factory
):
    draft = draft_factory(member, "twitter")
    document = asset_factory(member, "application/pdf", pages=3, title="Deck")
    big = asset_factory(member, "image/jpeg", byte_size=5_000_001)
    big_gif = asset_factory(member, "image/gif", byte_size=15_000_001, frames=10)
    gif = asset_factory(member, "image/gif", byte_size=9_000_000, frames=10)
    still = asset_factory(member)
    errors = _errors(_put(client, member, draft, (document, 0), (big, 0), (big_gif, 0)))
    assert errors[("body", "items", 0, "media_id")] == "X takes no documents in posts."
    assert errors[("body", "items", 1, "media_id")] == "The JPEG is 5.0 MB; X takes images up to 5 MB."
    assert "The GIF is 15.0 MB; X takes GIFs up to 15 MB" in errors[("body", "items", 2, "media_id")]
    assert _put(client, member, draft, (gif, 0)).status_code == 200  # 9 MB: a GIF may be up to 15
    errors = _errors(_put(client, member, draft, (still, 0), (gif, 0)))
    assert errors == {
        (
            "body",
            "items",
            1,
            "media_id",
        ): "An animated GIF must be the only media of its post on X (the post has 2)."
    }


def test_linkedin_takes_up_to_20_images_or_one_titled_document(client, member, draft_factory, asset_factory):
    draft = draft_factory(member, "linkedin")
    images = [asset_factory(member) for _ in range(21)]
    assert _put(client, member, draft, *[(image, 0) for image in images[:20]]).status_code == 200
    errors = _errors(_put(client, member, draft, *[(image, 0) for image in images]))
    assert errors == {
        ("body", "items", 20, "media_id"): "LinkedIn takes at most 20 images per post; the post has 21."
    }
    titled = asset_factory(member, "application/pdf", pages=12, title="Deck")
    untitled = asset_factory(member, "application/pdf", pages=2)
    long = asset_factory(member, "application/pdf", pages=301, title="Too long")
    assert _put(client, member, draft, (titled, 0)).status_code == 200
    errors = _errors(_put(client, member, draft, (images[0], 0), (titled, 0)))
    assert "images or one document in a post, not both" in errors[("body", "items", 1, "media_id")]
    errors = _errors(_put(client, member, draft, (titled, 0), (long, 0)))
    assert "one document per post" in errors[("body", "items", 1, "media_id")]
    assert "301 pages; LinkedIn takes at most 300" in errors[("body", "items", 1, "media_id")]
    errors = _errors(_put(client, member, draft, (untitled, 0)))
    assert "needs a title" in errors[("body", "items", 0, "media_id")]
    webp = asset_factory(member, "image/webp")
    huge = asset_factory(member, "image/png", size=(6100, 6000))
    frames = asset_factory(member, "image/gif", frames=251)
    errors = _errors(_put(client, member, draft, (webp, 0), (huge, 0), (frames, 0)))
    assert errors[("body", "items", 0, "media_id")] == "LinkedIn takes JPEG, PNG, GIF images, not WebP."
    assert (
        "36,600,000 pixels; LinkedIn takes fewer than 36,152,320" in errors[("body", "items", 1, "media_id")]
    )
    assert "251 frames; LinkedIn takes at most 250" in errors[("body", "items", 2, "media_id")]
    assert _errors(_put(client, member, draft, (images[0], 1)))[("body", "items", 0, "part")].startswith(
        "The draft is 1 post(s) on LinkedIn"
    )


def test_a_published_draft_or_one_being_published_refuses_changes(
    client, member, draft_factory, asset_factory
):
    image = asset_factory(member)
    published = draft_factory(member, status="published")
    answer = _put(client, member, published, (image, 0))
    assert answer.status_code == 409 and "published" in answer.json()["detail"]
    leased = draft_factory(
        member,
        status="scheduled",
        scheduled_for=datetime.now(UTC),
        lease_until=datetime.now(UTC) + timedelta(minutes=5),
    )
    assert _put(client, member, leased, (image, 0)).status_code == 409
    for status in ("draft", "failed"):
        assert _put(client, member, draft_factory(member, status=status), (image, 0)).status_code == 200
    assert client.get(f"/api/content/drafts/{published.id}/media", headers=member.headers).json() == {
        "items": []
    }


def test_the_publisher_reads_the_bytes_in_order_and_reuses_a_recorded_upload(
    client, db, member, draft_factory
):
    draft = draft_factory(member, "twitter", "One\n---\nTwo", content_type="thread")
    first = member.image(client, files.png(seed=1), alt_text="First picture")
    second = member.image(client, files.jpeg(), alt_text="Second picture")
    items = [{"media_id": second["id"], "part": 1}, {"media_id": first["id"], "part": 0}]
    answer = client.put(
        f"/api/content/drafts/{draft.id}/media", headers=member.headers, json={"items": items}
    )
    assert answer.status_code == 200
    listed = client.get(f"/api/content/drafts/{draft.id}/media", headers=member.headers).json()["items"]
    assert [(item["media_id"], item["part"], item["position"]) for item in listed] == [
        (second["id"], 1, 0),
        (first["id"], 0, 1),
    ]
    out = attachments.attachments_for_publish(db, draft.id)
    assert [(a.part, str(a.media_id), a.kind, a.mime_type, a.alt_text) for a in out] == [
        (0, first["id"], "image", "image/png", "First picture"),
        (1, second["id"], "image", "image/jpeg", "Second picture"),
    ]
    assert out[0].read() == client.get(first["file_url"], headers=member.headers).content
    assert out[0].byte_size == len(out[0].read()) and out[0].external_media_id is None

    assert attachments.record_uploaded(db, draft.id, uuid.UUID(first["id"]), 0, "1850000000000000001")
    assert not attachments.record_uploaded(db, draft.id, uuid.UUID(first["id"]), 1, "nope")
    db.commit()
    assert attachments.uploaded_id(db, draft.id, uuid.UUID(first["id"]), 0) == "1850000000000000001"
    assert attachments.attachments_for_publish(db, draft.id)[0].external_media_id == "1850000000000000001"
    # Reordering keeps what was uploaded; a removed attachment's record goes with it.
    answer = client.put(
        f"/api/content/drafts/{draft.id}/media", headers=member.headers, json={"items": list(reversed(items))}
    )
    assert answer.json()["items"][0]["external_media_id"] == "1850000000000000001"
    assert answer.json()["items"][0]["uploaded_at"] is not None
    by_draft = attachments.attachments_of(db, [draft.id, uuid.uuid4()])
    assert [item.media_id for item in by_draft[draft.id]] == [uuid.UUID(first["id"]), uuid.UUID(second["id"])]
    assert list(by_draft.values())[1] == []
    assert attachments.publish_problems(db, draft) == []
    draft.content = "Only one post now"
    db.commit()
    assert attachments.publish_problems(db, draft) == [
        "attachment 2: The draft is 1 post(s) on X; part 1 does not exist (0 is the first; a thread splits "
        "posts on --- lines)."
    ]
    cleared = client.put(f"/api/content/drafts/{draft.id}/media", headers=member.headers, json={"items": []})
    assert cleared.json() == {"items": []}


def test_the_request_body_is_validated(client, member, draft_factory):
    draft = draft_factory(member)
    for body in (
        {"items": [{"media_id": "not-a-uuid"}]},
        {"items": [{"media_id": str(uuid.uuid4()), "part": -1}]},
        {"items": [{"media_id": str(uuid.uuid4()), "extra": 1}]},
        {"items": [{"media_id": str(uuid.uuid4())}] * 101},
    ):
        answer = client.put(f"/api/content/drafts/{draft.id}/media", headers=member.headers, json=body)
        assert answer.status_code == 422, body
    missing = uuid.uuid4()
    answer = client.put(
        f"/api/content/drafts/{draft.id}/media",
        headers=member.headers,
        json={"items": [{"media_id": str(missing)}]},
    )
    assert answer.status_code == 404 and "body.items[0].media_id" in answer.json()["detail"]
