"""Request and response bodies of POST /api/content/generate and its jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.content.schemas import DraftOut
from api.core.types import JsonInt
from api.platforms.registry import PlatformName


class GenerateIn(BaseModel):
    """What to write about, where, and how many variants."""

    model_config = ConfigDict(extra="forbid")

    platform: PlatformName = Field(description="a registered platform (an alias such as x is accepted)")
    topic: str = Field(min_length=1, max_length=500)
    content_type: str | None = Field(default=None, max_length=50)
    variants: JsonInt = Field(default=3, ge=1, le=5)
    template_id: uuid.UUID | None = None
    thread: StrictBool = Field(
        default=False, description="platforms with threads only: a thread of several posts separated by ---"
    )
    notes: str | None = Field(default=None, max_length=2000, description="anything else the post must say")
    write_as: uuid.UUID | None = Field(
        default=None, description="the member of the workspace whose voice to write in (default: you)"
    )


class GenerateOut(BaseModel):
    """The stored drafts, best first (by the documented blend of predicted engagement and voice match)."""

    drafts: list[DraftOut]


class VoiceMatchIn(BaseModel):
    """A text to compare with your own posts on a platform."""

    model_config = ConfigDict(extra="forbid")

    platform: PlatformName = Field(description="a registered platform (an alias such as x is accepted)")
    content: str = Field(min_length=1, max_length=25_000)


class VoiceClusterMatch(BaseModel):
    """The style of yours a text reads most like (an account with several writers has several)."""

    id: int = Field(ge=0, description="the cluster's id in GET /api/content/voice-profile (0: the largest)")
    label: str = Field(description="a short name: the cluster's most characteristic phrase, or its number")
    share: float = Field(ge=0, le=1, description="the cluster's share of your profile's posts")
    similarity: float = Field(
        ge=-1, le=1, description="cosine of the text's embedding with the cluster's centre"
    )


class VoiceMatchOut(BaseModel):
    """How much a text sounds like you."""

    score: float = Field(
        ge=0, le=1, description="0.5: as much like you as a typical post of yours; 1: more than any of them"
    )
    percentile: float = Field(ge=0, le=100, description="the score as a percentile of your own newest posts")
    closest_posts: list[uuid.UUID] = Field(description="your posts that read most like it, closest first")
    differences: list[str] = Field(description="how it differs from your habits, in plain sentences")
    clusters: int = Field(ge=1, description="how many styles your profile holds (1: a single voice)")
    cluster: VoiceClusterMatch = Field(description="the style of yours the text reads most like")


class VoiceClusterOut(BaseModel):
    """One style within your voice: several writers on one account, or kinds of posts that read apart."""

    id: int = Field(ge=0, description="0: the largest cluster")
    label: str = Field(description="a short name: the cluster's most characteristic phrase, or its number")
    posts: int = Field(ge=1, description="how many of the profile's posts fall in it")
    share: float = Field(ge=0, le=1, description="its share of the profile's posts")
    phrases: list[str] = Field(description="words and phrases it uses more than the rest of your posts")
    example_posts: list[uuid.UUID] = Field(description="your posts most typical of it, most typical first")


class VoiceProfileOut(BaseModel):
    """What your voice profile on a platform is made of: the posts it learned from and its styles."""

    platform: str
    posts: int = Field(description="posts the profile learned from (your newest are kept out to calibrate)")
    calibration_posts: int = Field(description="your newest posts, kept out, that calibrate the score")
    clusters: list[VoiceClusterOut] = Field(
        description="its styles, largest first; one unless your posts split clearly (a team's writers)"
    )
    silhouette: float = Field(
        description="how clearly the posts split into the clusters (cosine silhouette; 0 with one cluster)"
    )


JobStatus = Literal["queued", "running", "succeeded", "failed"]


class GenerationRequest(GenerateIn):
    """The request a job was started with, as validated (`x` reads `twitter`)."""


class GenerationJobError(BaseModel):
    """Why a job failed: the error an HTTP request would have answered."""

    error: str = Field(description="the error code, e.g. service_unavailable, conflict, interrupted")
    detail: str
    retry_after: int | None = Field(description="seconds to wait before trying again, when the error says")


class GenerationJobOut(BaseModel):
    """A generation followed by polling: its drafts appear as each is stored."""

    id: uuid.UUID
    status: JobStatus = Field(description="queued, running, succeeded or failed")
    request: GenerationRequest
    variants_requested: int = Field(ge=1, le=5)
    drafts: list[DraftOut] = Field(
        description="the drafts stored so far, in the order they were stored; best first once succeeded. "
        "A failed job keeps those stored before the failure."
    )
    error: GenerationJobError | None = Field(description="null unless failed")
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = Field(description="when it succeeded or failed")
