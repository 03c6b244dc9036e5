"""A draft's media go out with it: each attachment uploaded once through the platform's media API (its id
committed right after), named in the post that carries it, and the post still published exactly once through
failures and crashes between the uploads and the post."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update

from api.content import attachments
from api.content.attachments import AttachmentIn, AttachmentsIn
from api.content.models import ContentDraft
from api.core.db import session_scope
from api.media import service as media_service
from api.media.models import DraftMedia
from api.media.storage import get_storage, staging_file
from api.publishing import publisher
from api.workspaces.service import scope_for
from tests.publishing.world import World


def later(seconds: float):
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)


def png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40 + seed, 30), (seed * 37 % 256, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def pdf(pages: int = 2) -> bytes:
    buffer = io.BytesIO()
    first, *rest = [Image.new("RGB", (200, 280), (255, 255, 255 - 40 * i)) for i in range(pages)]
    first.save(buffer, "PDF", save_all=True, append_images=rest)
    return buffer.getvalue()


def attach(
    user_id: uuid.UUID,
    draft_id: uuid.UUID,
    files: list[tuple[bytes, str, dict[str, str]]],
    parts: list[int] | None = None,
) -> list[bytes]:
    """Put the files in the user's library and attach them to the draft (in order, to `parts`); the bytes as
    stored (the library strips metadata), which is what the platform must receive."""
    with session_scope() as session:
        scope = scope_for(session, user_id, None)
        assets = []
        for data, mime_type, names in files:
            staged = staging_file(get_storage(), ".upload")
            staged.write_bytes(data)
            asset, _ = media_service.ingest(
                session, scope, staged, mime_type, alt_text=names.get("alt_text"),
                title=names.get("title"), filename=names.get("filename"),
            )  # fmt: skip
            assets.append(asset)
        items = [
            AttachmentIn(media_id=a.id, part=(parts or [0] * len(files))[i]) for i, a in enumerate(assets)
        ]
        attachments.replace_attachments(session, scope, draft_id, AttachmentsIn(items=items))
        return [a.read() for a in attachments.attachments_for_publish(session, draft_id)]


def recorded(draft_id: uuid.UUID) -> list[str | None]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(DraftMedia.external_media_id)
                .where(DraftMedia.draft_id == draft_id)
                .order_by(DraftMedia.position)
            )
        )


def test_a_draft_with_two_images_goes_out_once_on_x(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "Two pictures of the launch")
    stored = attach(user, draft_id, [(png(1), "image/png", {"alt_text": "The rocket on its pad"}),
                                     (png(2), "image/png", {"alt_text": "The crowd watching"})])  # fmt: skip

    assert publisher.run_pass()["published"] == 1

    [post] = world.fake.posts
    media = world.fake.media_of(post)
    assert [m.data for m in media] == stored
    assert [m.alt_text for m in media] == ["The rocket on its pad", "The crowd watching"]
    assert world.fake.uploads("twitter") == 2
    assert recorded(draft_id) == post.media_ids
    assert world.get(draft_id).status == "published"
    assert publisher.run_pass()["published"] == 0


def test_each_post_of_a_thread_carries_its_own_media(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "First, no picture\n---\nSecond, with one", content_type="thread")
    [stored] = attach(user, draft_id, [(png(3), "image/png", {"alt_text": "A chart"})], parts=[1])

    assert publisher.run_pass()["published"] == 1

    first, second = world.fake.posts
    assert first.media_ids == [] and second.reply_to == first.id
    assert [m.data for m in world.fake.media_of(second)] == [stored]


def test_a_linkedin_document_post_goes_out_with_its_title(world: World) -> None:
    user = world.user("linkedin")
    draft_id = world.draft(user, "Our quarterly report", "linkedin")
    [stored] = attach(user, draft_id, [(pdf(), "application/pdf", {"title": "Q3 report"})])

    assert publisher.run_pass()["published"] == 1

    [post] = world.fake.posts
    [document] = world.fake.media_of(post)
    assert document.kind == "document" and document.data == stored and document.title == "Q3 report"
    assert post.media_ids[0].startswith("urn:li:document:") and recorded(draft_id) == post.media_ids


def test_a_crash_after_the_first_upload_uploads_only_what_was_missing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = world.user()
    draft_id = world.draft(user, "Crash between the uploads")
    stored = attach(
        user, draft_id, [(png(4), "image/png", {"alt_text": "a"}), (png(5), "image/png", {"alt_text": "b"})]
    )
    original = publisher._save_media

    def save_then_crash(*args, **kwargs):
        original(*args, **kwargs)
        raise KeyboardInterrupt("the process died right after the first upload was recorded")

    monkeypatch.setattr(publisher, "_save_media", save_then_crash)
    with pytest.raises(KeyboardInterrupt):
        publisher.run_pass()
    first_id, missing = recorded(draft_id)
    assert first_id is not None and missing is None and world.fake.posts == []

    monkeypatch.setattr(publisher, "_save_media", original)
    assert publisher.run_pass(later(publisher.LEASE.total_seconds() + 5))["published"] == 1

    assert world.fake.uploads("twitter") == 2  # the recorded one was reused
    [post] = world.fake.posts
    assert post.media_ids[0] == first_id and [m.data for m in world.fake.media_of(post)] == stored


def test_a_post_refused_after_the_uploads_reuses_them_on_the_next_pass(world: World) -> None:
    user = world.user("linkedin")
    draft_id = world.draft(user, "Two photos, posted on the second try", "linkedin")
    attach(
        user,
        draft_id,
        [(png(6), "image/png", {"alt_text": "one"}), (png(7), "image/png", {"alt_text": "two"})],
    )
    world.fake.fail_next = [503]

    assert publisher.run_pass()["retry"] == 1
    assert world.fake.posts == [] and world.fake.uploads("linkedin") == 2
    assert None not in recorded(draft_id)

    assert publisher.run_pass(later(40))["published"] == 1
    assert world.fake.uploads("linkedin") == 2
    [post] = world.fake.posts
    assert post.media_ids == recorded(draft_id)
    assert [m.alt_text for m in world.fake.media_of(post)] == ["one", "two"]


def test_a_failed_upload_is_retried_and_the_post_goes_out_once(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "The upload failed once")
    [stored] = attach(user, draft_id, [(png(8), "image/png", {"alt_text": "retried"})])
    world.fake.fail_upload(503)

    assert publisher.run_pass()["retry"] == 1
    assert recorded(draft_id) == [None] and world.fake.posts == []
    draft = world.get(draft_id)
    assert draft.status == "scheduled" and "starting an X media upload: 503" in (draft.last_error or "")

    assert publisher.run_pass(later(40))["published"] == 1
    [post] = world.fake.posts
    assert [m.data for m in world.fake.media_of(post)] == [stored]


def test_media_that_no_longer_fit_fail_the_draft_in_words(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "One\n---\nTwo", content_type="thread")
    attach(user, draft_id, [(png(9), "image/png", {"alt_text": "c"})], parts=[1])
    with session_scope() as session:  # the thread lost its second post after the media were attached
        session.execute(update(ContentDraft).where(ContentDraft.id == draft_id).values(content="One"))

    assert publisher.run_pass()["failed"] == 1

    draft = world.get(draft_id)
    assert draft.status == "failed" and "media do not fit X" in (draft.last_error or "")
    assert world.fake.uploads("twitter") == 0 and world.fake.posts == []


def test_retrying_a_failed_post_by_hand_uploads_its_media_afresh(world: World) -> None:
    """A platform's media ids expire (X's after about a day): a retry days later must not reuse them."""
    from api.content import service as content_service

    user = world.user()
    draft_id = world.draft(user, "Refused, then retried by hand")
    attach(user, draft_id, [(png(8), "image/png", {"alt_text": "a chart"})])
    world.fake.fail_next = [403]  # a permanent refusal after the upload
    assert publisher.run_pass()["failed"] == 1
    assert world.fake.uploads("twitter") == 1 and recorded(draft_id) != [None]

    with session_scope() as session:
        content_service.retry_failed(session, scope_for(session, user, None), draft_id)
    assert recorded(draft_id) == [None]
    assert publisher.run_pass()["published"] == 1
    assert world.fake.uploads("twitter") == 2
    [post] = world.fake.posts
    assert post.media_ids == recorded(draft_id)
