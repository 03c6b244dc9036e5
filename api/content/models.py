"""Drafts and single scheduled posts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db.base import Base, TimestampMixin, UUIDPkMixin
from api.media.models import DraftMedia

DRAFT_STATUSES = ("draft", "scheduled", "published", "failed")
# Where a draft stands with its reviewers, in a workspace whose posts need approval: not asked yet,
# submitted (waiting), approved, or sent back with changes requested.
APPROVAL_STATES = ("none", "submitted", "approved", "changes_requested")


class ContentDraft(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "content_drafts"
    __table_args__ = (
        CheckConstraint(f"status IN {DRAFT_STATUSES}", name="status"),
        CheckConstraint(f"approval IN {APPROVAL_STATES}", name="approval"),
        Index("ix_content_drafts_workspace_id_status", "workspace_id", "status"),
        # A workspace's drafts newest first, a page at a time, without sorting all of them.
        Index("ix_content_drafts_workspace_id_created_at", "workspace_id", "created_at"),
        # The publisher scans only what is due.
        Index(
            "ix_content_drafts_scheduled_due",
            "scheduled_for",
            postgresql_where=text("status = 'scheduled'"),
        ),
    )

    # Filled by the database with the author's personal workspace when not given (see migration 0018).
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        server_default=FetchedValue(),
    )
    # The author: the member whose voice the draft is written in.
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    content_type: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="draft")
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ai_confidence_score: Mapped[float | None] = mapped_column(Float)
    engagement_prediction: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Generated drafts: how much they sound like the user, and which model wrote them at what cost.
    voice_match: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    generation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    template_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("content_templates.id", ondelete="SET NULL"), index=True
    )
    # LinkedIn: a comment posted under the post right after it.
    first_comment: Mapped[str | None] = mapped_column(Text)
    # Publishing: where it went, and (while scheduled) when the publisher may try again and who holds it.
    external_id: Mapped[str | None] = mapped_column(String(100))
    external_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    publish_attempts: Mapped[int] = mapped_column(nullable=False, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Approval (api.content.approval): its state, who last edited the text, who approved it and when.
    approval: Mapped[str] = mapped_column(String(20), nullable=False, server_default="none")
    last_edited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    approved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Optimistic locking: an edit based on an old version is a 409, not a lost update.
    version: Mapped[int] = mapped_column(nullable=False, server_default=text("1"))

    # Its attachments in order (read only here: api.content.attachments changes them), loaded with the draft.
    attachments: Mapped[list[DraftMedia]] = relationship(
        DraftMedia, viewonly=True, lazy="selectin", order_by=DraftMedia.position
    )

    __mapper_args__ = {"version_id_col": version}


class DraftComment(UUIDPkMixin, TimestampMixin, Base):
    """A member's comment on a draft (a reviewer's request for changes is one too)."""

    __tablename__ = "draft_comments"
    __table_args__ = (Index("ix_draft_comments_draft_id_created_at", "draft_id", "created_at"),)

    draft_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("content_drafts.id", ondelete="CASCADE"), nullable=False
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # NULL once the author's account is deleted: the comment stays, unsigned.
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # The moment of the write (not of its transaction's start), so a conversation keeps its order.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
