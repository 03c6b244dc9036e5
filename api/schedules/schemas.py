"""Bodies of the /api/schedules endpoints: single scheduled posts and recurring schedules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from api.content.schemas import DraftCreate, DraftOut
from api.core.types import IsoDateTime, JsonInt, LocalTime, TimeZoneName, Version, Weekday
from api.platforms.registry import PlatformName
from api.schedules.recurrence import Frequency, zone

WeekOfMonth = Literal[1, 2, 3, 4, -1]


class ScheduledPostCreate(DraftCreate):
    """Schedule an existing draft (`draft_id`), or write and schedule a post in one go: then every field
    of a new draft (`DraftCreate`: platform, content, content_type, first_comment) is accepted here too."""

    model_config = ConfigDict(extra="forbid")

    scheduled_for: IsoDateTime
    draft_id: uuid.UUID | None = None
    version: Version | None = Field(default=None, description="With draft_id: must match the draft's.")
    # Required for a new post, absent with draft_id (the model validator says which).
    platform: PlatformName | None = None  # type: ignore[assignment]
    content: str | None = Field(default=None, min_length=1, max_length=20_000)  # type: ignore[assignment]

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        inline = {name for name in DraftCreate.model_fields if getattr(self, name) is not None}
        if self.draft_id is not None and inline:
            raise ValueError(f"send either draft_id or a new post's {', '.join(sorted(inline))}, not both")
        if self.draft_id is None and (self.platform is None or self.content is None):
            raise ValueError("send draft_id, or platform and content")
        return self

    def new_draft(self) -> DraftCreate:
        """The post to write, when there is no draft_id."""
        return DraftCreate.model_validate(self.model_dump(include=set(DraftCreate.model_fields)))


class ScheduledPostUpdate(BaseModel):
    """Move a scheduled post to another time, or record how it went (published or failed)."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    scheduled_for: IsoDateTime | None = None
    status: Literal["published", "failed"] | None = None

    @model_validator(mode="after")
    def _one_change(self) -> Self:
        if (self.scheduled_for is None) == (self.status is None):
            raise ValueError("send exactly one of scheduled_for or status")
        return self


class ScheduledPostPage(BaseModel):
    items: list[DraftOut]
    total: int
    limit: int
    offset: int


class RecurringCreate(BaseModel):
    """A recurring slot: every week, every other week, or monthly on the n-th (or last) weekday."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    platform: PlatformName
    content_type: str | None = Field(default=None, max_length=50)
    frequency: Frequency
    day_of_week: JsonInt = Field(ge=0, le=6, description="0 = Sunday, 1 = Monday ... 6 = Saturday")
    time_of_day: LocalTime = Field(description="Local wall-clock time, e.g. 09:30")
    timezone: TimeZoneName | None = Field(default=None, description="IANA zone; defaults to your profile's")
    week_of_month: WeekOfMonth | None = Field(
        default=None, description="Monthly only: 1-4, or -1 for the last; defaults to 1"
    )
    active: StrictBool = True
    topics: list[Annotated[str, Field(min_length=2, max_length=500)]] = Field(
        default_factory=list, max_length=50, description="topics drafted in turn; the schedule's name if none"
    )
    template_id: uuid.UUID | None = Field(
        default=None, description="a template used as each draft's structure"
    )

    @model_validator(mode="after")
    def _week_only_monthly(self) -> Self:
        if self.week_of_month is not None and self.frequency != "monthly":
            raise ValueError("week_of_month applies to monthly schedules only")
        return self


class RecurringUpdate(BaseModel):
    """Partial update; changing the timing, the zone or `active` recomputes next_generation."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    platform: PlatformName | None = None
    content_type: str | None = Field(default=None, max_length=50)
    frequency: Frequency | None = None
    day_of_week: Weekday | None = Field(default=None, description="0 = Sunday ... 6 = Saturday")
    time_of_day: LocalTime | None = None
    timezone: TimeZoneName | None = None
    week_of_month: WeekOfMonth | None = None
    active: StrictBool | None = None
    topics: list[Annotated[str, Field(min_length=2, max_length=500)]] | None = Field(
        default=None, max_length=50
    )
    template_id: uuid.UUID | None = None


class RecurringOut(BaseModel):
    """A recurring schedule with its next firing (UTC, and in the schedule's zone)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    platform: str
    content_type: str | None
    frequency: str
    day_of_week: int = Field(description="0 = Sunday ... 6 = Saturday")
    time_of_day: LocalTime
    timezone: str
    week_of_month: int | None
    active: bool
    topics: list[str]
    template_id: uuid.UUID | None
    failure_count: int = Field(
        description="consecutive failed drafting attempts; at 5 the schedule pauses itself"
    )
    last_error: str | None = Field(description="why the last drafting attempt failed, in plain words")
    last_generated: datetime | None
    next_generation: datetime | None
    next_generation_local: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="after")
    def _localise(self) -> Self:
        if self.next_generation is not None:
            self.next_generation_local = self.next_generation.astimezone(zone(self.timezone))
        return self


class RecurringPage(BaseModel):
    items: list[RecurringOut]
    total: int
    limit: int
    offset: int
