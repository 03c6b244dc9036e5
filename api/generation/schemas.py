"""Request and response bodies of POST /api/content/generate."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from api.content.schemas import DraftOut
from api.core.types import JsonInt
from api.posts.platforms import Platform, normalise_platform


def _platform(value: object) -> object:
    return normalise_platform(value) if isinstance(value, str) else value


class GenerateIn(BaseModel):
    """What to write about, where, and how many variants."""

    model_config = ConfigDict(extra="forbid")

    platform: Platform = Field(description="linkedin or twitter (x is accepted)")
    topic: str = Field(min_length=1, max_length=500)
    content_type: str | None = Field(default=None, max_length=50)
    variants: JsonInt = Field(default=3, ge=1, le=5)
    template_id: uuid.UUID | None = None
    thread: StrictBool = Field(
        default=False, description="X only: a thread of several posts separated by ---"
    )
    notes: str | None = Field(default=None, max_length=2000, description="anything else the post must say")

    _normalise = field_validator("platform", mode="before")(_platform)


class GenerateOut(BaseModel):
    """The stored drafts, best first (by the documented blend of predicted engagement and voice match)."""

    drafts: list[DraftOut]


class VoiceMatchIn(BaseModel):
    """A text to compare with your own posts on a platform."""

    model_config = ConfigDict(extra="forbid")

    platform: Platform = Field(description="linkedin or twitter (x is accepted)")
    content: str = Field(min_length=1, max_length=25_000)

    _normalise = field_validator("platform", mode="before")(_platform)


class VoiceMatchOut(BaseModel):
    """How much a text sounds like you."""

    score: float = Field(
        ge=0, le=1, description="0.5: as much like you as a typical post of yours; 1: more than any of them"
    )
    percentile: float = Field(ge=0, le=100, description="the score as a percentile of your own newest posts")
    closest_posts: list[uuid.UUID] = Field(description="your posts that read most like it, closest first")
    differences: list[str] = Field(description="how it differs from your habits, in plain sentences")
