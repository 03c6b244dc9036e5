"""Predicted against actual: one row per published post whose draft carried a prediction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin


class PredictionAudit(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "prediction_audits"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The draft may be deleted after it went out; the audit keeps what it predicted.
    draft_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("content_drafts.id", ondelete="SET NULL"), index=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_posts.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    model_version: Mapped[str] = mapped_column(String(100), nullable=False)
    predicted: Mapped[float] = mapped_column(Float, nullable=False)
    predicted_low: Mapped[float] = mapped_column(Float, nullable=False)
    predicted_high: Mapped[float] = mapped_column(Float, nullable=False)
    level: Mapped[float] = mapped_column(Float, nullable=False)
    actual: Mapped[float] = mapped_column(Float, nullable=False)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
