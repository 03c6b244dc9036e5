"""Bodies of the /api/posts endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.history.importers import ImportFormat

ToneAnalysisOutcome = Literal["started", "waiting_for_model", "failed_to_start", "not_needed"]


class RejectedRowOut(BaseModel):
    """A row that was not imported: its line in the file (1 is a CSV's header) and why."""

    line: int
    reason: str


class ImportResultOut(BaseModel):
    """What an import did. Every data row of the file is counted in exactly one of the four counts."""

    format: ImportFormat
    imported: int = Field(description="New posts stored.")
    updated: int = Field(
        description="Posts already stored (same platform id, or same text for posts without one) whose "
        "text, time, follower count or metrics changed, e.g. fresher counts from a newer export."
    )
    skipped_duplicates: int = Field(
        description="Rows repeated within the file, or identical to a post already stored."
    )
    rejected_count: int = Field(description="Rows that could not be imported.")
    rejected: list[RejectedRowOut] = Field(
        description="The rejected rows with line and reason (the first 1,000 when there are more)."
    )
    tone_analysis: ToneAnalysisOutcome = Field(
        description="What happened to the tone analysis of your updated history: `started` (poll "
        "GET /api/users/tone-analysis), `waiting_for_model` (started; it waits for the first tone model, "
        "which a fresh install trains in about a minute, and runs as soon as it is ready), "
        "`failed_to_start` (your posts are stored; start it again with POST /api/users/analyze-posts) or "
        "`not_needed` (nothing new was imported)."
    )


class PostOut(BaseModel):
    """One of the user's past posts."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform: str
    content: str
    posted_at: datetime | None
    time_precision: str = Field(description="exact, day (date only) or approximate (from a relative age)")
    external_id: str | None
    followers: int | None
    engagement_metrics: dict[str, Any]
    source_format: str | None
    created_at: datetime
    updated_at: datetime


class PostPage(BaseModel):
    """A page of posts, newest first, with the total that matched the filters."""

    items: list[PostOut]
    total: int
    limit: int
    offset: int
