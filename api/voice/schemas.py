"""Request and response bodies of the voice endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

RunState = Literal[
    "SCHEDULED", "PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "CRASHED", "PAUSED", "CANCELLING"
]
# What an analysis run is doing, as the product records it (the orchestrator's RunState says how it runs).
RunProgress = Literal["queued", "waiting_for_model", "running", "completed", "failed"]
StartStatus = Literal["queued", "waiting_for_model"]


class ToneAnalysisOut(BaseModel):
    """A user's tone and writing style, as of the last analysis of their posts."""

    primary_tone: str = Field(description="the tone most of the posts were classified as")
    tone_distribution: dict[str, float] = Field(description="share of posts per tone (sums to 1)")
    confidence: float = Field(
        ge=0,
        le=1,
        description="share of your analysed posts whose most likely tone is the primary tone: 1.0 means "
        "every post reads in that tone, 0.4 a voice that mixes several",
    )
    mean_margin: float = Field(
        ge=0,
        le=1,
        description="mean gap between each post's two most likely tones (0 to 1): how clear-cut the "
        "classifier finds your posts one by one; low values mean posts sit between tones",
    )
    style_keywords: list[str] = Field(description="words this user uses far more than most writers")
    common_phrases: list[str] = Field(description="two- and three-word phrases characteristic of the user")
    sentence_structure: dict[str, float] = Field(
        description="sentence length, sentences per post, questions, paragraphs and lists"
    )
    emoji_usage: dict[str, Any] = Field(description="emoji per post, share of posts with emoji, favourites")
    model_version: str | None = Field(
        description="version of the tone-classifier model in the MLflow registry"
    )
    posts_analyzed: int
    computed_at: datetime


class AnalysisRunAccepted(BaseModel):
    """A tone analysis was started; poll `status_url`, or GET the analysis once the run is done."""

    flow_run_id: uuid.UUID
    status_url: str
    tone_analysis_url: str
    analysis_status: StartStatus = Field(
        description="`queued`, or `waiting_for_model` when no tone model exists yet (a fresh install "
        "trains its first one in about a minute): the run waits for it and is never dropped"
    )
    detail: str | None = Field(default=None, description="why it waits, when it does")


class AnalysisRunStatus(BaseModel):
    """Where one analysis run stands."""

    flow_run_id: uuid.UUID
    state: RunState
    state_name: str
    done: bool
    succeeded: bool | None = Field(description="null until the run is done")
    message: str | None = None
    analysis_status: RunProgress = Field(
        description="what the analysis is doing: `waiting_for_model` while no tone model exists yet"
    )


class ToneAnalysisStatusOut(BaseModel):
    """Where your voice analysis stands: always a 200, so a page can follow it (`GET /tone-analysis` is the
    analysis itself, a 404 until the first one is stored)."""

    state: Literal["none", "queued", "waiting_for_model", "running", "ready", "failed"] = Field(
        description="`ready`: an analysis is stored and none is on its way; `queued`, `waiting_for_model` "
        "(a fresh install trains its first tone model) and `running`: one is on its way (an older one may be "
        "stored meanwhile, see computed_at); `failed`: the last run failed; `none`: nothing asked for yet"
    )
    detail: str = Field(description="the state in words")
    computed_at: datetime | None = Field(description="when the stored analysis was made; null without one")
    posts_analyzed: int | None
    flow_run_id: uuid.UUID | None = Field(description="the newest analysis run, if any")
