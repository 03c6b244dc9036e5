"""The latest tone analysis of a user's posts (one row per user), and the analysis runs asked for."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin


class ToneAnalysis(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "tone_analysis"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    analysis_data: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    confidence_score: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(100))
    posts_analyzed: Mapped[int] = mapped_column(nullable=False, server_default=text("0"))
    last_updated: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


RUN_STATUSES = ("queued", "waiting_for_model", "running", "completed", "failed")


class ToneAnalysisRun(TimestampMixin, Base):
    """One analysis a user asked for (an import or POST /analyze-posts) and the flow run doing it.

    Unfinished until an analysis that read the posts after it was asked for is stored, or until it fails
    for a reason other than a missing model: one asked for before any tone model existed stays
    unfinished, so it is run again when the first champion is registered (`flows.bootstrap`) and is never
    lost. The API answers "which runs are yours" and "what is pending" from here, without the orchestrator.
    """

    __tablename__ = "tone_analysis_runs"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES}", name="status"),
        Index(
            "ix_tone_analysis_runs_unfinished_user_id",
            "user_id",
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    flow_run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    requested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="queued")
    # Why it waits or why it failed, in words a user can act on.
    detail: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
