"""Recurring content schedules (weekly, biweekly, monthly) in the user's time zone."""

from __future__ import annotations

import uuid
from datetime import datetime, time

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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin

FREQUENCIES = ("weekly", "biweekly", "monthly")


class RecurringSchedule(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "recurring_schedules"
    __table_args__ = (
        CheckConstraint(f"frequency IN {FREQUENCIES}", name="frequency"),
        CheckConstraint("day_of_week BETWEEN 0 AND 6", name="day_of_week"),
        CheckConstraint("week_of_month IN (1, 2, 3, 4, -1)", name="week_of_month"),
        # The generation flow claims active schedules that are due.
        Index(
            "ix_recurring_schedules_due",
            "next_generation",
            postgresql_where=text("active"),
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
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    content_type: Mapped[str | None] = mapped_column(String(50))
    frequency: Mapped[str] = mapped_column(String(20), nullable=False)
    day_of_week: Mapped[int] = mapped_column(nullable=False)  # 0 = Sunday ... 6 = Saturday
    time_of_day: Mapped[time] = mapped_column(Time, nullable=False)
    # The IANA zone time_of_day is in: the user's zone when the schedule was made, kept with the schedule so
    # the generation flow can advance it without loading the user.
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, server_default="UTC")
    # Monthly schedules: the n-th weekday of the month (1-4) or the last (-1); None means the first.
    week_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(nullable=False, server_default=text("true"))
    last_generated: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_generation: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What to write about: topics taken in turn, and an optional template used as structure.
    topics: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'"))
    template_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("content_templates.id", ondelete="SET NULL"), index=True
    )
    # Consecutive failed generations; at MAX_FAILURES the schedule stops being claimed until it is edited.
    failure_count: Mapped[int] = mapped_column(nullable=False, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Held by the run drafting its due slot (api.core.jobs): no other run takes it until then.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScheduleSlot(UUIDPkMixin, TimestampMixin, Base):
    """One drafted slot of a recurring schedule: the unique key that makes each slot drafted once."""

    __tablename__ = "schedule_slots"
    __table_args__ = (UniqueConstraint("schedule_id", "slot_at"),)

    schedule_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recurring_schedules.id", ondelete="CASCADE"), nullable=False
    )
    slot_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    draft_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("content_drafts.id", ondelete="SET NULL"), index=True
    )
