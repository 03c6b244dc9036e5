"""A user's past posts with their engagement, as imported from X/LinkedIn exports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin

# How far posted_at can be trusted: analytics by hour use only exact times, by weekday exact or day.
TIME_PRECISIONS = ("exact", "day", "approximate")


class UserPost(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "user_posts"
    __table_args__ = (
        # Re-importing the same export updates rows instead of duplicating them.
        UniqueConstraint("user_id", "platform", "external_id"),
        Index("ix_user_posts_user_id_posted_at", "user_id", "posted_at"),
        # Posts whose source has no id (scraped exports, hand-written JSON) are the same post when the same
        # user has the same text on the same platform: re-importing them must not duplicate them.
        Index(
            "uq_user_posts_content_without_external_id",
            "user_id",
            "platform",
            func.md5(text("content")),
            unique=True,
            postgresql_where=text("external_id IS NULL"),
        ),
        CheckConstraint(f"time_precision IN {TIME_PRECISIONS}", name="time_precision"),
    )

    # No index of its own: the (user_id, posted_at) and (user_id, platform, external_id) indexes lead with it,
    # and every extra index is paid on each row of a large import.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    engagement_metrics: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    external_id: Mapped[str | None] = mapped_column(String(100))
    followers: Mapped[int | None] = mapped_column()
    time_precision: Mapped[str] = mapped_column(String(12), nullable=False, server_default="exact")
    # The export the post came from (api.history.importers.ImportFormat), None when created otherwise.
    source_format: Mapped[str | None] = mapped_column(String(30))
    # The tone the champion gave it in the user's latest analysis (api.voice), and every tone's probability;
    # None until an analysis has read it.
    tone: Mapped[str | None] = mapped_column(String(40))
    tone_scores: Mapped[dict[str, float] | None] = mapped_column(JSONB)
