"""Publishing: each attempt at posting a draft, the posting queue's slots, and the metric pulls after."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin

# started: recorded before the platform is called; an attempt still `started` after its lease is an
# unknown outcome, reconciled (the post looked up) before anything is posted again.
ATTEMPT_OUTCOMES = ("started", "published", "retry", "failed")


class PublishAttempt(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "publish_attempts"
    __table_args__ = (
        CheckConstraint(f"outcome IN {ATTEMPT_OUTCOMES}", name="outcome"),
        Index("ix_publish_attempts_draft_id_created_at", "draft_id", "created_at"),
    )

    draft_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("content_drafts.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False, server_default="started")
    # The ids of the parts already on the platform (a thread posts several), committed one by one.
    posted_ids: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    comment_posted: Mapped[bool] = mapped_column(nullable=False, server_default=text("false"))
    error: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PostingSlot(UUIDPkMixin, TimestampMixin, Base):
    """A weekly posting time in the user's zone: "add to queue" fills the next free one."""

    __tablename__ = "posting_slots"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "day_of_week", "local_time"),
        CheckConstraint("day_of_week BETWEEN 0 AND 6", name="day_of_week"),
    )

    # Filled by the database with the author's personal workspace when not given (see migration 0018).
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        server_default=FetchedValue(),
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    day_of_week: Mapped[int] = mapped_column(SmallInteger, nullable=False)  # 0 = Sunday ... 6 = Saturday
    local_time: Mapped[time] = mapped_column(Time, nullable=False)


class MetricPull(UUIDPkMixin, Base):
    """A published post's metrics to fetch at about 1 hour, 24 hours and 7 days."""

    __tablename__ = "metric_pulls"
    __table_args__ = (
        UniqueConstraint("draft_id", "due_at"),
        Index("ix_metric_pulls_due", "due_at", postgresql_where=text("done_at IS NULL")),
    )

    draft_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("content_drafts.id", ondelete="CASCADE"), nullable=False
    )
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tries: Mapped[int] = mapped_column(nullable=False, server_default=text("0"))
    # Held by the run fetching it (api.core.jobs): no other run takes it until then.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
