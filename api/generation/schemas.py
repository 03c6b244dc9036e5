"""Request and response bodies of POST /api/content/generate."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from api.content.schemas import DraftOut
from api.posts.platforms import Platform


class GenerateIn(BaseModel):
    """What to write about, where, and how many variants."""

    model_config = ConfigDict(extra="forbid")

    platform: Platform
    topic: str = Field(min_length=1, max_length=500)
    content_type: str | None = Field(default=None, max_length=50)
    variants: int = Field(default=3, ge=1, le=5)
    template_id: uuid.UUID | None = None
    thread: bool = Field(default=False, description="X only: a thread of several posts separated by ---")
    notes: str | None = Field(default=None, max_length=2000, description="anything else the post must say")


class GenerateOut(BaseModel):
    """The stored drafts, best first (by the documented blend of predicted engagement and voice match)."""

    drafts: list[DraftOut]
