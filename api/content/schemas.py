"""Bodies of the drafts and single-scheduling endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.core.types import IsoDateTime, Version
from api.platforms.registry import PlatformName

DraftStatus = Literal["draft", "scheduled", "published", "failed"]
# Text of several lines with at least one visible character (a search, not anchored).
VISIBLE_TEXT_PATTERN = r"\S"


ApprovalState = Literal["none", "submitted", "approved", "changes_requested"]


class AttachedMedia(BaseModel):
    """A media asset attached to the draft (GET .../media gives each one's details and previews)."""

    model_config = ConfigDict(from_attributes=True)

    media_id: uuid.UUID
    part: int = Field(description="which post of a thread it goes with, 0 for a single post")
    position: int
    uploaded: bool = Field(
        default=False, validation_alias="external_media_id", description="the publisher has uploaded it"
    )

    @field_validator("uploaded", mode="before")
    @classmethod
    def _uploaded(cls, value: object) -> bool:
        return value is not None and value is not False


class DraftOut(BaseModel):
    """A draft as the API shows it. Send `version` back when you change it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform: str
    content: str
    content_type: str | None
    status: DraftStatus
    scheduled_for: datetime | None
    ai_confidence_score: float | None = Field(
        description="the predicted percentile of this draft within your own posts on its platform, 0 to 1 "
        "(0.5: as good as your typical post); null until predictions are available for you"
    )
    voice_match: dict[str, Any] | None = Field(
        default=None,
        description="generated drafts: {score 0-1, percentile, differences, cluster (the id of the style "
        "it reads most like, see GET /api/content/voice-profile)}; 0.5 = as much like you as a "
        "typical post of yours (calibrated on your newest posts, which the voice profile leaves out)",
    )
    generation: dict[str, Any] | None = Field(
        default=None,
        description="generated drafts: the model, prompt and completion tokens, seconds, tries, the checks "
        "passed and the repairs made; voice_from: with none of your posts on the draft's platform, the "
        "platforms whose posts (their opening sentences) showed the model your voice",
    )
    engagement_prediction: dict[str, Any] | None = Field(
        description="the engagement prediction (as POST /api/content/predict answers it) at the draft's "
        "scheduled time, or at the time it was written; refreshed when its text, platform or time changes"
    )
    template_id: uuid.UUID | None
    first_comment: str | None = Field(
        default=None,
        description="platforms with a first comment: posted under the post right after it is published",
    )
    publish_attempts: int = Field(
        default=0, description="how many times the publisher tried to post it (GET .../attempts lists them)"
    )
    last_error: str | None = Field(
        default=None,
        description="why the last publishing attempt failed or is being retried, in plain words",
    )
    next_attempt_at: datetime | None = Field(
        default=None, description="while a transient error is retried: when the publisher tries again"
    )
    external_id: str | None = Field(default=None, description="published: the post's id on the platform")
    external_url: str | None = Field(default=None, description="published: the post's address")
    published_at: datetime | None = None
    version: int = Field(description="Increases with every change; a write based on an older one is a 409.")
    workspace_id: uuid.UUID
    author_id: uuid.UUID = Field(
        validation_alias="user_id", description="the member whose voice the draft is written in"
    )
    approval: ApprovalState = Field(
        default="none",
        description="in a workspace whose posts need approval: none, submitted, approved, changes_requested",
    )
    last_edited_by: uuid.UUID | None = None
    approved_by: uuid.UUID | None = None
    approved_at: datetime | None = None
    media: list[AttachedMedia] = Field(
        default_factory=list,
        validation_alias="attachments",
        description="attached images or document, in order",
    )
    created_at: datetime
    updated_at: datetime


class DraftPage(BaseModel):
    items: list[DraftOut]
    total: int
    limit: int
    offset: int


class DraftCreate(BaseModel):
    """A draft written by hand. X posts longer than 280 weighted characters need content_type 'thread'."""

    model_config = ConfigDict(extra="forbid")

    platform: PlatformName = Field(description="a registered platform (an alias such as x is accepted)")
    content: str = Field(min_length=1, max_length=20_000)
    content_type: str | None = Field(default=None, max_length=50)
    first_comment: str | None = Field(
        default=None,
        min_length=1,
        max_length=1250,
        description="platforms with a first comment only: posted as the first comment",
    )


class DraftUpdate(BaseModel):
    """Partial update: only the fields sent change. `version` is the one you read (optimistic locking)."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    platform: PlatformName | None = None
    content: str | None = Field(default=None, min_length=1, max_length=20_000)
    content_type: str | None = Field(default=None, max_length=50)
    first_comment: str | None = Field(
        default=None,
        max_length=1250,
        description="platforms with a first comment only; an empty string removes it",
    )


class ScheduleRequest(BaseModel):
    """Schedule an existing draft. The time needs an offset or Z, and must be in the future."""

    model_config = ConfigDict(extra="forbid")

    draft_id: uuid.UUID
    scheduled_for: IsoDateTime
    version: Version | None = Field(default=None, description="If sent, must match the draft's version.")


class ApprovalRequest(BaseModel):
    """Submit or approve the version you read."""

    model_config = ConfigDict(extra="forbid")

    version: Version


class ChangesRequest(BaseModel):
    """Send a draft back with what to change."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    comment: str = Field(min_length=1, max_length=5000, pattern=VISIBLE_TEXT_PATTERN)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=5000, pattern=VISIBLE_TEXT_PATTERN)


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    draft_id: uuid.UUID
    author_id: uuid.UUID | None = Field(description="null once the author's account is deleted")
    body: str
    created_at: datetime


class CommentPage(BaseModel):
    items: list[CommentOut]
    total: int
    limit: int
    offset: int
