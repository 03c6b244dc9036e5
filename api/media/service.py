"""The media library's logic: storing checked files once per content hash, a workspace's assets, their files,
thumbnails and page previews, carousels, and freeing a file when its last asset goes.

Same bytes twice: a second upload of the same (cleaned) file in the same workspace returns the existing
asset unchanged (`created` False: 200 instead of 201); in another workspace it makes a new asset pointing at
the same stored file. Either way nothing is stored twice.

A blob (stored file) and its row change together under the row's lock: an upload takes it (`INSERT ... ON
CONFLICT DO UPDATE`) before storing the file; the last asset's deletion takes it, deletes the row and the
files, then the request commits. So an upload of the same bytes racing that deletion either comes first
(the blob keeps an asset and stays) or waits and stores the file again.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.core.errors import Conflict, NotFound, Unprocessable
from api.core.ownership import Scope, get_owned, owned_rows
from api.core.pagination import paginate
from api.media import carousel, limits, validation
from api.media.models import DraftMedia, MediaAsset, MediaBlob
from api.media.schemas import CarouselIn, MediaOut, MediaUpdate
from api.media.storage import (
    Storage,
    blob_key,
    get_media_settings,
    get_storage,
    preview_key,
    put_bytes,
    staging_file,
    thumbnail_key,
)
from api.platforms import registry
from api.workspaces import activity
from api.workspaces.models import Workspace

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def limit_for(mime_type: str) -> tuple[int, str]:
    """The library's byte limit for a type, and the words that explain it."""
    settings = get_media_settings()
    if limits.FORMATS[mime_type][0] == "document":
        return settings.document_max_bytes, "LinkedIn's limit for documents"
    return settings.image_max_bytes, "the largest image a platform takes (X's limit for animated GIFs)"


# ---- text fields -------------------------------------------------------------------------------------------


def _field_error(name: str, message: str) -> Unprocessable:
    return Unprocessable([{"loc": ["body", name], "msg": message, "type": "value_error"}])


def clean_alt_text(value: str | None, kind: str) -> str | None:
    """The alt text to store: required for images, at most ALT_TEXT_MAX_CHARS, line breaks allowed."""
    value = value.strip() if value is not None else None
    if not value:
        if kind == "image":
            raise _field_error(
                "alt_text",
                "Required for images: describe the image for people who cannot see it "
                f"(at most {limits.ALT_TEXT_MAX_CHARS} characters).",
            )
        return None
    if len(value) > limits.ALT_TEXT_MAX_CHARS:
        raise _field_error(
            "alt_text",
            f"At most {limits.ALT_TEXT_MAX_CHARS} characters (X's limit for image descriptions); "
            f"this one has {len(value)}.",
        )
    if _CONTROL.search(value):
        raise _field_error("alt_text", "No control characters (line breaks and tabs are fine).")
    return value


def clean_title(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    if not value:
        return None
    if len(value) > limits.TITLE_MAX_CHARS:
        raise _field_error(
            "title", f"At most {limits.TITLE_MAX_CHARS} characters; this one has {len(value)}."
        )
    if _LINE_CONTROL.search(value):
        raise _field_error("title", "One line: no line breaks or control characters.")
    return value


def _title_from(filename: str | None) -> str | None:
    if not filename:
        return None
    stem = Path(filename.replace("\\", "/")).name.rsplit(".", 1)[0]
    stem = _LINE_CONTROL.sub(" ", stem).strip()
    return stem[: limits.TITLE_MAX_CHARS] or None


def _safe_filename(filename: str | None) -> str | None:
    if not filename:
        return None
    name = _LINE_CONTROL.sub("", Path(filename.replace("\\", "/")).name).strip()
    return name[:255] or None


# ---- storing -----------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def ingest(
    session: Session,
    scope: Scope,
    staged: Path,
    mime_type: str,
    *,
    alt_text: str | None,
    title: str | None,
    filename: str | None,
    source: str = "upload",
    storage: Storage | None = None,
) -> tuple[MediaAsset, bool]:
    """Check the staged file, store its cleaned copy once, and return the workspace's asset for it and
    whether it is new. The staged file and any copy are gone afterwards, whatever happens."""
    storage = storage or get_storage()
    kind = limits.FORMATS[mime_type][0]
    alt_text = clean_alt_text(alt_text, kind)
    title = clean_title(title) or (_title_from(filename) if kind == "document" else None)
    cleaned = staging_file(storage, ".clean")
    try:
        checked = validation.check(staged, mime_type, cleaned)
        sha = _sha256(checked.path)
        size = checked.path.stat().st_size
        existing = session.scalar(owned_rows(MediaAsset, scope).where(MediaAsset.sha256 == sha))
        if existing is not None:
            return existing, False
        _store_blob(session, storage, sha, checked, size)
        asset_id = session.scalar(
            insert(MediaAsset)
            .values(
                id=uuid.uuid4(),
                workspace_id=scope.workspace_id,
                created_by=scope.user_id,
                sha256=sha,
                kind=kind,
                source=source,
                mime_type=mime_type,
                byte_size=size,
                width=checked.width,
                height=checked.height,
                frames=checked.frames,
                pages=checked.pages,
                alt_text=alt_text,
                title=title,
                filename=_safe_filename(filename),
                # The moment of this statement, not of the transaction: the library's order is the uploads'.
                created_at=func.clock_timestamp(),
            )
            .on_conflict_do_nothing(index_elements=["workspace_id", "sha256"])
            .returning(MediaAsset.id)
        )
        created = asset_id is not None
        found = session.scalar(owned_rows(MediaAsset, scope).where(MediaAsset.sha256 == sha))
        assert found is not None
        if created:
            _log(session, scope, found, "uploaded" if source == "upload" else "created")
        return found, created
    finally:
        staged.unlink(missing_ok=True)
        cleaned.unlink(missing_ok=True)


def _store_blob(session: Session, storage: Storage, sha: str, checked: validation.Checked, size: int) -> None:
    """The blob's row, locked for this transaction, and its files in storage (stored again if missing)."""
    session.execute(
        insert(MediaBlob)
        .values(sha256=sha, mime_type=checked.mime_type, byte_size=size, pages=checked.pages)
        .on_conflict_do_update(index_elements=["sha256"], set_={"sha256": sha})
    )
    if not storage.exists(blob_key(sha)):
        storage.put(blob_key(sha), checked.path)
    if checked.thumbnail and not storage.exists(thumbnail_key(sha)):
        put_bytes(storage, thumbnail_key(sha), checked.thumbnail)


def _release_blob(session: Session, storage: Storage, sha: str) -> bool:
    """Delete the blob and its files if no asset points at it any more; whether it went."""
    blob = session.get(MediaBlob, sha, with_for_update=True, populate_existing=True)
    if blob is None:
        return False
    if session.scalar(select(exists().where(MediaAsset.sha256 == sha))):
        return False
    pages = blob.pages or 0
    session.delete(blob)
    session.flush()
    # Under the row's lock and before the commit: an upload of these bytes waits, then stores them again.
    for key in (blob_key(sha), thumbnail_key(sha), *(preview_key(sha, n) for n in range(1, pages + 1))):
        storage.delete(key)
    return True


def sweep_orphans(session: Session, storage: Storage | None = None, batch: int = 100) -> int:
    """Free blobs no asset points at (left by a workspace's or an account's deletion, which cascade in the
    database); the number freed. Meant for a periodic job."""
    storage = storage or get_storage()
    orphans = session.scalars(
        select(MediaBlob.sha256)
        .where(~exists().where(MediaAsset.sha256 == MediaBlob.sha256))
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    return sum(_release_blob(session, storage, sha) for sha in orphans)


# ---- the library -------------------------------------------------------------------------------------------


def problems(asset: MediaAsset) -> dict[str, list[str]]:
    """Per platform with media rules, what keeps the asset from a post there."""
    found: dict[str, list[str]] = {}
    for plugin in registry.plugins():
        rules = limits.PLATFORM_MEDIA.get(plugin.name)
        if rules is None:
            found[plugin.name] = [f"Postwright has no media rules for {plugin.display_name} yet"]
            continue
        found[plugin.name] = limits.file_problems(
            rules,
            plugin.display_name,
            kind=asset.kind,
            mime_type=asset.mime_type,
            byte_size=asset.byte_size,
            width=asset.width,
            height=asset.height,
            frames=asset.frames,
            pages=asset.pages,
        )
    return found


def to_out(asset: MediaAsset) -> MediaOut:
    return MediaOut.model_validate(
        {
            **{column: getattr(asset, column) for column in MediaOut.model_fields if hasattr(asset, column)},
            "file_url": f"/api/media/{asset.id}/file",
            "thumbnail_url": f"/api/media/{asset.id}/thumbnail",
            "problems": problems(asset),
        }
    )


def _log(session: Session, scope: Scope, asset: MediaAsset, action: str) -> None:
    activity.record(
        session,
        scope.workspace_id,
        scope.user_id,
        action,
        "media",
        asset.id,
        kind=asset.kind,
        title=asset.title,
        filename=asset.filename,
    )


def list_media(
    session: Session, scope: Scope, kind: str | None, limit: int, offset: int
) -> tuple[list[MediaAsset], int]:
    query = owned_rows(MediaAsset, scope)
    if kind is not None:
        query = query.where(MediaAsset.kind == kind)
    return paginate(session, query, (MediaAsset.created_at.desc(), MediaAsset.id.desc()), limit, offset)


def get_media(session: Session, scope: Scope, media_id: uuid.UUID, **options: Any) -> MediaAsset:
    return get_owned(session, MediaAsset, scope, media_id, "media", **options)


def update_media(session: Session, scope: Scope, media_id: uuid.UUID, body: MediaUpdate) -> MediaAsset:
    asset = get_media(session, scope, media_id, with_for_update=True)
    if "alt_text" in body.model_fields_set:
        asset.alt_text = clean_alt_text(body.alt_text, asset.kind)
    if "title" in body.model_fields_set:
        asset.title = clean_title(body.title)
    session.flush()
    _log(session, scope, asset, "edited")
    return asset


def attached_to(session: Session, media_id: uuid.UUID) -> list[uuid.UUID]:
    """The drafts the asset is attached to."""
    return list(
        session.scalars(
            select(DraftMedia.draft_id)
            .where(DraftMedia.media_id == media_id)
            .distinct()
            .order_by(DraftMedia.draft_id)
        )
    )


def delete_media(session: Session, scope: Scope, media_id: uuid.UUID, storage: Storage | None = None) -> None:
    """Delete the asset (409 naming the drafts it is attached to) and, if it was the last one showing its
    file, the file, its thumbnail and its previews."""
    asset = get_media(session, scope, media_id, with_for_update=True)
    drafts = attached_to(session, asset.id)
    if drafts:
        names = ", ".join(str(draft) for draft in drafts[:20])
        more = f" and {len(drafts) - 20} more" if len(drafts) > 20 else ""
        raise Conflict(
            f"Media {media_id} is attached to {len(drafts)} draft(s): {names}{more}. Detach it first "
            "(PUT /api/content/drafts/{draft_id}/media) or delete those drafts."
        )
    sha = asset.sha256
    _log(session, scope, asset, "deleted")
    session.delete(asset)
    session.flush()
    _release_blob(session, storage or get_storage(), sha)


# ---- reading files -----------------------------------------------------------------------------------------


@dataclass
class FileOut:
    """What the router streams: the bytes (a chunk iterator holding the file open), their type and size."""

    chunks: Iterator[bytes]
    mime_type: str
    byte_size: int
    filename: str


def _chunks(storage: Storage, key: str) -> tuple[Iterator[bytes], int]:
    """Open `key` now (a missing file fails before any response starts) and iterate it in chunks."""
    stack = contextlib.ExitStack()
    handle: BinaryIO = stack.enter_context(storage.open(key))
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)

    def iterate() -> Iterator[bytes]:
        with stack:
            while chunk := handle.read(256 * 1024):
                yield chunk

    return iterate(), size


_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def download_name(asset: MediaAsset) -> str:
    """The file name to offer: the uploaded name with the extension of what is stored, else the id."""
    extension = _EXTENSIONS[asset.mime_type]
    stem = (asset.filename or "").rsplit(".", 1)[0] or str(asset.id)
    return f"{stem}.{extension}"


def open_file(session: Session, scope: Scope, media_id: uuid.UUID) -> FileOut:
    asset = get_media(session, scope, media_id)
    chunks, size = _chunks(get_storage(), blob_key(asset.sha256))
    return FileOut(chunks, asset.mime_type, size, download_name(asset))


def thumbnail(session: Session, scope: Scope, media_id: uuid.UUID) -> bytes:
    """The asset's WebP thumbnail (made again from the file if it went missing)."""
    asset = get_media(session, scope, media_id)
    storage = get_storage()
    key = thumbnail_key(asset.sha256)
    with contextlib.suppress(FileNotFoundError), storage.open(key) as handle:
        return handle.read()
    with storage.open(blob_key(asset.sha256)) as handle:
        if asset.kind == "document":
            data, _ = validation.render_page(handle, 1, limits.THUMBNAIL_SIDE)
        else:
            data = validation.thumbnail_of(handle, asset.mime_type)
    put_bytes(storage, key, data)
    return data


def page_preview(session: Session, scope: Scope, media_id: uuid.UUID, page: int) -> bytes:
    """Page `page` (1-based) of a document as PNG, rendered once and kept beside the file."""
    asset = get_media(session, scope, media_id)
    if asset.kind != "document":
        raise NotFound(f"Media {media_id} is an image; only documents have pages.")
    pages = asset.pages or 0
    if not 1 <= page <= pages:
        raise NotFound(f"No page {page}: the document has {pages} page(s).")
    storage = get_storage()
    key = preview_key(asset.sha256, page)
    with contextlib.suppress(FileNotFoundError), storage.open(key) as handle:
        return handle.read()
    with storage.open(blob_key(asset.sha256)) as handle:
        data, _ = validation.render_page(handle, page)
    put_bytes(storage, key, data)
    return data


# ---- carousels ---------------------------------------------------------------------------------------------


def create_carousel(session: Session, scope: Scope, body: CarouselIn) -> tuple[MediaAsset, bool]:
    """Draw the slides as a PDF document and store it like an upload."""
    brand = session.scalar(select(Workspace.brand_colors).where(Workspace.id == scope.workspace_id)) or {}
    given = body.colors.model_dump(exclude_none=True) if body.colors else {}
    defaults = {"background": "#ffffff", "text": "#1a1a2e", "accent": "#0a66c2"}
    chosen = {
        name: given.get(name) or _brand_colour(brand.get(name)) or default
        for name, default in defaults.items()
    }
    colours = carousel.Colors(**{name: value.lower() for name, value in chosen.items()})
    slides = [carousel.Slide(slide.title.strip(), slide.body.strip()) for slide in body.slides]
    storage = get_storage()
    out = staging_file(storage, ".pdf")
    try:
        try:
            carousel.build(body.title.strip(), slides, colours, out)
        except carousel.DoesNotFit as exc:
            raise Unprocessable(
                [{"loc": ["body", "slides", exc.index, exc.field], "msg": str(exc), "type": "value_error"}]
            ) from exc
        except ValueError as exc:
            raise Unprocessable(
                [{"loc": ["body", "colors"], "msg": str(exc), "type": "value_error"}]
            ) from exc
        return ingest(
            session,
            scope,
            out,
            "application/pdf",
            alt_text=None,
            title=body.title,
            filename=None,
            source="carousel",
            storage=storage,
        )
    finally:
        out.unlink(missing_ok=True)


def _brand_colour(value: object) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value) else None
