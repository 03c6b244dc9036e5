"""Generation jobs: a generation a client follows by polling while its variants are stored one by one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, CheckConstraint, DateTime, FetchedValue, ForeignKey, Index, String, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin

JOB_STATUSES = ("queued", "running", "succeeded", "failed")
UNFINISHED = ("queued", "running")


class GenerationJob(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "generation_jobs"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_STATUSES}", name="status"),
        # The sweep for jobs a stopped process left behind reads only the unfinished ones.
        Index(
            "ix_generation_jobs_unfinished_updated_at",
            "updated_at",
            postgresql_where=text(f"status IN {UNFINISHED}"),
        ),
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
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="queued")
    # The request as validated (GenerateIn in JSON), so the worker and a reader see the same thing.
    request: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # The drafts stored so far, in the order they were stored; best first once the job succeeded. Not a
    # foreign key (an array cannot be one): a draft deleted since is left out when the job is read.
    draft_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(Uuid), nullable=False, server_default=text("'{}'::uuid[]")
    )
    # {"error": code, "detail": message, "retry_after": seconds | null} once failed.
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
