"""A draft's media: which images or document go with it, in which post of a thread, in which order; the
platforms' rules for them; and what the publisher needs (the bytes, and the platform's id once uploaded).

Rules (numbers and sources in `api.media.limits`), each broken rule a 422 at `body.items[i]...` naming it:
- every attachment fits the platform on its own (type, bytes, frames, pixels, pages);
- X: images only, up to 4 in each post of a thread (`part`: 0 for the first post or a single post), an
  animated GIF alone in its post;
- LinkedIn: no thread (part 0); 1 to 20 images, or exactly one document with a title, never both;
- a part must exist in the draft (a thread's posts are split on `---` lines); an asset at most once a part.

A draft that is published, or being published right now, refuses changes (409). Attaching keeps the asset in
the library; deleting the draft removes its attachments, not the assets.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.content import approval
from api.content.models import ContentDraft
from api.core.errors import Conflict, NotFound, Unprocessable
from api.core.ownership import Scope, get_owned, owned_rows
from api.media import limits
from api.media.models import DraftMedia, MediaAsset
from api.media.storage import blob_key, get_storage
from api.platforms import registry
from api.platforms.base import THREAD_CONTENT_TYPE, PlatformPlugin, split_thread
from api.workspaces import activity

# The statuses in which a draft's media may change.
EDITABLE_STATUSES = ("draft", "scheduled", "failed")
MAX_ATTACHMENTS = 100

# ---- bodies ------------------------------------------------------------------------------------------------


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_id: uuid.UUID
    part: int = Field(
        default=0,
        ge=0,
        le=999,
        description="the post of a thread it goes with: 0 for the first (or only) post",
    )


class AttachmentsIn(BaseModel):
    """The draft's attachments, in order (replacing the ones it has); an empty list removes them all."""

    model_config = ConfigDict(extra="forbid")

    items: list[AttachmentIn] = Field(max_length=MAX_ATTACHMENTS)


class AttachmentOut(BaseModel):
    """One of a draft's attachments, with what the UI shows of its asset."""

    model_config = ConfigDict(from_attributes=True)

    media_id: uuid.UUID
    part: int
    position: int
    kind: str
    mime_type: str
    byte_size: int
    width: int | None
    height: int | None
    frames: int | None
    pages: int | None
    alt_text: str | None
    title: str | None
    thumbnail_url: str
    file_url: str
    external_media_id: str | None = Field(description="the platform's id once the publisher uploaded it")
    uploaded_at: datetime | None


class AttachmentList(BaseModel):
    items: list[AttachmentOut]


# ---- the rules ---------------------------------------------------------------------------------------------


def _error(loc: list[str | int], message: str) -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": message, "type": "value_error"}


def draft_parts(plugin: PlatformPlugin, draft: ContentDraft) -> int:
    """How many posts the draft is: a thread's `---`-separated parts on a platform with threads, else 1."""
    if plugin.threads and draft.content_type == THREAD_CONTENT_TYPE:
        return len(split_thread(draft.content))
    return 1


def rule_problems(
    draft: ContentDraft, items: list[tuple[int, AttachmentIn, MediaAsset]]
) -> list[dict[str, Any]]:
    """Every rule `items` (index, request item, asset) break on the draft's platform, as validation errors."""
    if not items:
        return []
    try:
        plugin = registry.get(draft.platform)
    except registry.UnknownPlatform:
        return [_error(["items"], f"The platform {draft.platform!r} is not registered: it takes no media.")]
    rules = limits.PLATFORM_MEDIA.get(plugin.name)
    if rules is None:
        return [
            _error(["items"], f"Postwright has no media rules for {plugin.display_name}: it takes no media.")
        ]
    name = plugin.display_name
    errors: list[dict[str, Any]] = []
    parts = draft_parts(plugin, draft)
    seen: set[tuple[int, uuid.UUID]] = set()
    by_part: dict[int, list[tuple[int, MediaAsset]]] = {}
    for index, item, asset in items:
        if item.part >= parts:
            errors.append(
                _error(
                    ["items", index, "part"],
                    f"The draft is {parts} post(s) on {name}; part {item.part} does not exist "
                    f"(0 is the first{'; a thread splits posts on --- lines' if plugin.threads else ''}).",
                )
            )
            continue
        if (item.part, item.media_id) in seen:
            errors.append(_error(["items", index, "media_id"], f"Attached twice to part {item.part}."))
            continue
        seen.add((item.part, item.media_id))
        for problem in limits.file_problems(
            rules,
            name,
            kind=asset.kind,
            mime_type=asset.mime_type,
            byte_size=asset.byte_size,
            width=asset.width,
            height=asset.height,
            frames=asset.frames,
            pages=asset.pages,
        ):
            errors.append(_error(["items", index, "media_id"], problem[0].upper() + problem[1:] + "."))
        by_part.setdefault(item.part, []).append((index, asset))
    for part, attached in sorted(by_part.items()):
        errors += _part_problems(name, rules, part, attached)
    return errors


def _part_problems(
    name: str, rules: limits.PlatformMedia, part: int, attached: list[tuple[int, MediaAsset]]
) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    images = [(index, asset) for index, asset in attached if asset.kind == "image"]
    documents = [(index, asset) for index, asset in attached if asset.kind == "document"]
    where = f"part {part}" if part else "the post"
    if documents and rules.documents:
        if images:
            errors.append(
                _error(
                    ["items", documents[0][0], "media_id"],
                    f"{name} takes images or one document in a post, not both ({where} has "
                    f"{len(images)} image(s) and a document).",
                )
            )
        for index, _ in documents[1:]:
            errors.append(
                _error(["items", index, "media_id"], f"{name} takes one document per post; {where} has more.")
            )
        for index, asset in documents[:1]:
            if rules.document_needs_title and not (asset.title or "").strip():
                errors.append(
                    _error(
                        ["items", index, "media_id"],
                        f"A {name} document post needs a title: give the document one "
                        f"(PATCH /api/media/{asset.id} with a title).",
                    )
                )
    if len(images) > rules.images_per_post:
        errors.append(
            _error(
                ["items", images[rules.images_per_post][0], "media_id"],
                f"{name} takes at most {rules.images_per_post} images per post; {where} has {len(images)}.",
            )
        )
    if rules.animated_gif_alone and len(attached) > 1:
        for index, asset in attached:
            if asset.mime_type == "image/gif" and (asset.frames or 1) > 1:
                errors.append(
                    _error(
                        ["items", index, "media_id"],
                        f"An animated GIF must be the only media of its post on {name} ({where} has "
                        f"{len(attached)}).",
                    )
                )
    return errors


# ---- reading and replacing ---------------------------------------------------------------------------------


def _editable(draft: ContentDraft) -> None:
    if draft.status not in EDITABLE_STATUSES:
        raise Conflict(f"The draft is {draft.status}: its media can no longer change.")
    lease = draft.lease_until
    if lease is not None and lease > datetime.now(UTC):
        raise Conflict("The draft is being published right now: its media cannot change until that ends.")


def _rows(session: Session, draft_ids: Iterable[uuid.UUID]) -> list[tuple[DraftMedia, MediaAsset]]:
    ids = list(draft_ids)
    if not ids:
        return []
    rows = session.execute(
        select(DraftMedia, MediaAsset)
        .join(MediaAsset, MediaAsset.id == DraftMedia.media_id)
        .where(DraftMedia.draft_id.in_(ids))
        .order_by(DraftMedia.draft_id, DraftMedia.position)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _out(attachment: DraftMedia, asset: MediaAsset) -> AttachmentOut:
    return AttachmentOut(
        media_id=asset.id,
        part=attachment.part,
        position=attachment.position,
        kind=asset.kind,
        mime_type=asset.mime_type,
        byte_size=asset.byte_size,
        width=asset.width,
        height=asset.height,
        frames=asset.frames,
        pages=asset.pages,
        alt_text=asset.alt_text,
        title=asset.title,
        thumbnail_url=f"/api/media/{asset.id}/thumbnail",
        file_url=f"/api/media/{asset.id}/file",
        external_media_id=attachment.external_media_id,
        uploaded_at=attachment.uploaded_at,
    )


def attachments_of(session: Session, draft_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[AttachmentOut]]:
    """Each draft's attachments in order (an empty list for a draft without), in one query. The caller has
    already checked the drafts are the caller's to read (for `DraftOut.media`)."""
    ids = list(draft_ids)
    found: dict[uuid.UUID, list[AttachmentOut]] = {draft_id: [] for draft_id in ids}
    for attachment, asset in _rows(session, ids):
        found[attachment.draft_id].append(_out(attachment, asset))
    return found


def list_attachments(session: Session, scope: Scope, draft_id: uuid.UUID) -> list[AttachmentOut]:
    get_owned(session, ContentDraft, scope, draft_id, "draft")
    return attachments_of(session, [draft_id])[draft_id]


def replace_attachments(
    session: Session, scope: Scope, draft_id: uuid.UUID, body: AttachmentsIn
) -> list[AttachmentOut]:
    """Replace the draft's attachments with `body.items`, in that order, after checking every rule. An
    attachment kept (same asset, same part) keeps the platform id the publisher recorded for it."""
    draft = get_owned(session, ContentDraft, scope, draft_id, "draft", with_for_update=True)
    _editable(draft)
    wanted = {item.media_id for item in body.items}
    # KEY SHARE: an asset being deleted now is either gone (a 404 here) or waits for this request.
    assets = {
        asset.id: asset
        for asset in session.scalars(
            owned_rows(MediaAsset, scope).where(MediaAsset.id.in_(wanted)).with_for_update(key_share=True)
        )
    }
    for index, item in enumerate(body.items):
        if item.media_id not in assets:
            raise NotFound(f"No media {item.media_id} (body.items[{index}].media_id).")
    errors = rule_problems(draft, [(i, item, assets[item.media_id]) for i, item in enumerate(body.items)])
    if errors:
        raise Unprocessable(errors)
    before = list(session.scalars(select(DraftMedia).where(DraftMedia.draft_id == draft.id)))
    kept = {(row.part, row.media_id): (row.external_media_id, row.uploaded_at) for row in before}
    in_order = [(row.part, row.media_id) for row in sorted(before, key=lambda row: row.position)]
    if in_order != [(item.part, item.media_id) for item in body.items]:
        # Other media is another post: an approved draft goes back to its reviewers.
        approval.edited(draft, scope.user_id)
    session.execute(delete(DraftMedia).where(DraftMedia.draft_id == draft.id))
    for position, item in enumerate(body.items):
        external_id, uploaded_at = kept.get((item.part, item.media_id), (None, None))
        session.add(
            DraftMedia(
                draft_id=draft.id,
                media_id=item.media_id,
                workspace_id=draft.workspace_id,
                part=item.part,
                position=position,
                external_media_id=external_id,
                uploaded_at=uploaded_at,
            )
        )
    session.flush()
    if in_order != [(item.part, item.media_id) for item in body.items]:
        # An image or a document changes how the post will do: the stored prediction follows it.
        from api.content.service import refresh_prediction

        refresh_prediction(session, draft)
        session.flush()
    activity.record(
        session,
        draft.workspace_id,
        scope.user_id,
        "media_changed",
        "draft",
        draft.id,
        media=[str(item.media_id) for item in body.items],
    )
    return attachments_of(session, [draft.id])[draft.id]


# ---- for the publisher -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishAttachment:
    """One attachment as the publisher uploads it: where it goes, what it is, and its bytes (`open`)."""

    media_id: uuid.UUID
    part: int
    position: int
    kind: str  # image | document
    mime_type: str
    byte_size: int
    alt_text: str | None
    title: str | None
    filename: str
    sha256: str
    # The platform's id from an earlier upload of this attachment (reuse it instead of uploading again).
    external_media_id: str | None

    @contextlib.contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The stored bytes as a readable, seekable file."""
        with get_storage().open(blob_key(self.sha256)) as handle:
            yield handle

    def read(self) -> bytes:
        with self.open() as handle:
            return handle.read()


def attachments_for_publish(session: Session, draft_id: uuid.UUID) -> list[PublishAttachment]:
    """The draft's attachments in order (by part, then position) for the publisher."""
    found = [
        PublishAttachment(
            media_id=asset.id,
            part=attachment.part,
            position=attachment.position,
            kind=asset.kind,
            mime_type=asset.mime_type,
            byte_size=asset.byte_size,
            alt_text=asset.alt_text,
            title=asset.title,
            filename=f"{asset.id}.{asset.mime_type.rsplit('/', 1)[1]}",
            sha256=asset.sha256,
            external_media_id=attachment.external_media_id,
        )
        for attachment, asset in _rows(session, [draft_id])
    ]
    return sorted(found, key=lambda attachment: (attachment.part, attachment.position))


def record_uploaded(
    session: Session, draft_id: uuid.UUID, media_id: uuid.UUID, part: int, external_id: str
) -> bool:
    """Remember the platform's id for an uploaded attachment (commit it before using the id, so a publisher
    that stops after this reuses it); whether the attachment exists."""
    result = session.execute(
        update(DraftMedia)
        .where(DraftMedia.draft_id == draft_id, DraftMedia.media_id == media_id, DraftMedia.part == part)
        .values(external_media_id=external_id, uploaded_at=datetime.now(UTC))
    )
    return bool(getattr(result, "rowcount", 0))


def uploaded_id(session: Session, draft_id: uuid.UUID, media_id: uuid.UUID, part: int) -> str | None:
    """The platform's id recorded for the attachment, if it was uploaded."""
    return session.scalar(
        select(DraftMedia.external_media_id).where(
            DraftMedia.draft_id == draft_id, DraftMedia.media_id == media_id, DraftMedia.part == part
        )
    )


def publish_problems(session: Session, draft: ContentDraft) -> list[str]:
    """What keeps the draft's attachments from going out as they are now (the text may have changed since
    they were attached: a thread with fewer posts); empty when they fit. For the publisher, before posting."""
    rows = _rows(session, [draft.id])
    items = [
        (index, AttachmentIn(media_id=asset.id, part=attachment.part), asset)
        for index, (attachment, asset) in enumerate(rows)
    ]
    problems = []
    for error in rule_problems(draft, items):
        loc = error["loc"]
        where = f"attachment {loc[2] + 1}: " if len(loc) > 2 else ""
        problems.append(where + error["msg"])
    return problems
