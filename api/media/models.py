"""The media library's tables: stored files by content hash, a workspace's assets, and drafts' attachments."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin

MEDIA_KINDS = ("image", "document")
MEDIA_SOURCES = ("upload", "carousel")


class MediaBlob(Base):
    """One stored file, addressed by the SHA-256 of its bytes (`api.media.storage.blob_key`): however many
    assets (in however many workspaces) show the same file, it is stored once. It goes when its last asset
    goes; its thumbnail and page previews are stored beside it under keys made from the same hash."""

    __tablename__ = "media_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime_type: Mapped[str] = mapped_column(String(50), nullable=False)
    byte_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Documents: the pages, whose previews are stored beside the file (and deleted with it).
    pages: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class MediaAsset(UUIDPkMixin, TimestampMixin, Base):
    """An image or a document in a workspace's library. One per file per workspace: uploading the same bytes
    again in the same workspace returns this asset."""

    __tablename__ = "media_assets"
    __table_args__ = (
        CheckConstraint(f"kind IN {MEDIA_KINDS}", name="kind"),
        CheckConstraint(f"source IN {MEDIA_SOURCES}", name="source"),
        UniqueConstraint("workspace_id", "sha256", name="uq_media_assets_workspace_id_sha256"),
        # The library newest first, a page at a time.
        Index("ix_media_assets_workspace_id_created_at", "workspace_id", "created_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )
    # Who uploaded or built it; NULL once their account is deleted (the asset stays with the workspace).
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # A blob is removed only by the service, after its last asset: never under an asset.
    sha256: Mapped[str] = mapped_column(ForeignKey("media_blobs.sha256"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False, server_default="upload")
    mime_type: Mapped[str] = mapped_column(String(50), nullable=False)
    byte_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # Images: pixels and frames (more than 1: animated); documents: the first page's size in points and pages.
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    frames: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    alt_text: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(300))
    filename: Mapped[str | None] = mapped_column(String(255))


class DraftMedia(UUIDPkMixin, Base):
    """A draft's attachment: which asset, in which post of the thread (`part`, 0 for a single post), in which
    order; and once the publisher has uploaded it, the platform's id for it (reused after a crash)."""

    __tablename__ = "draft_media"
    __table_args__ = (
        UniqueConstraint("draft_id", "position", name="uq_draft_media_draft_id_position"),
        UniqueConstraint("draft_id", "part", "media_id", name="uq_draft_media_draft_id_part_media_id"),
        CheckConstraint("part >= 0", name="part"),
    )

    # A draft's attachments go with it; an attached asset cannot be deleted (the service answers 409 naming
    # the drafts; NO ACTION, checked at the end of the statement, lets a workspace's deletion cascade to
    # both).
    draft_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("content_drafts.id", ondelete="CASCADE"), nullable=False
    )
    media_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("media_assets.id"), nullable=False, index=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    part: Mapped[int] = mapped_column(Integer, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    external_media_id: Mapped[str | None] = mapped_column(String(200))
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
