"""Publishing attempts and the posting queue as the API shows them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.core.types import JsonInt, LocalTime, Version
from api.platforms.registry import PlatformName


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    outcome: Literal["started", "published", "retry", "failed"] = Field(
        description="started: under way (or its outcome unknown until the next attempt reconciles it)"
    )
    error: str | None
    http_status: int | None = Field(description="the platform's answer when it gave one")
    posted_ids: list[str] = Field(description="the posts (a thread's parts) on the platform after it")
    created_at: dt.datetime
    finished_at: dt.datetime | None


class AttemptList(BaseModel):
    items: list[AttemptOut]


class QueueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Version | None = Field(default=None, description="If sent, must match the draft's version.")


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: PlatformName = Field(description="a registered platform (an alias such as x is accepted)")
    day_of_week: JsonInt = Field(ge=0, le=6, description="0 = Sunday ... 6 = Saturday")
    time: LocalTime = Field(description="local time in your profile's time zone, HH:MM")


class SlotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform: str
    day_of_week: int = Field(description="0 = Sunday ... 6 = Saturday")
    local_time: LocalTime


class SlotList(BaseModel):
    items: list[SlotOut]
    timezone: str = Field(description="the zone the slots' times are in (your profile's)")


class SuggestionOut(BaseModel):
    day_of_week: int = Field(description="0 = Sunday ... 6 = Saturday")
    time: LocalTime
    reason: str


class SuggestionList(BaseModel):
    items: list[SuggestionOut] = Field(description="empty when your history is too short to tell")
