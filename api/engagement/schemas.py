"""Request and response bodies of the engagement endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.core.types import IsoDateTime
from api.platforms.registry import StoredPlatformName


class PredictIn(BaseModel):
    """A draft to predict: what, where and (optionally) when."""

    model_config = ConfigDict(extra="forbid")

    platform: StoredPlatformName
    content: str = Field(min_length=1, max_length=25_000)
    scheduled_for: IsoDateTime | None = Field(
        default=None, description="when it would go out (past or future); default now"
    )
    content_type: str | None = Field(default=None, max_length=50)
    candidate_times: list[IsoDateTime] | None = Field(
        default=None, max_length=48, description="predict at each of these times too; answers best first"
    )
    media_type: Literal["text", "image", "video", "article", "document"] | None = Field(
        default=None,
        description="what the post carries besides its text (text: nothing); default unknown, as for an "
        "export that does not say",
    )


class Interval(BaseModel):
    low: float = Field(description="lower bound of the engagement count")
    high: float = Field(description="upper bound of the engagement count")
    level: float = Field(
        description="the interval's nominal coverage (its measured coverage is in the model's test metrics)"
    )


class Reason(BaseModel):
    factor: str = Field(
        description="timing, length, hashtags, question, links, mentions, emoji, list, reply, media, topic, "
        "momentum or audience"
    )
    effect_pct: float = Field(description="how much this moves the prediction, in percent of the count")
    text: str


class Suggestion(BaseModel):
    change: str = Field(description="time, question, shorter or hashtags")
    text: str
    predicted_change_pct: float = Field(description="the model's predicted change in engagements, in percent")


class EngagementOut(BaseModel):
    """What to expect from one post, relative to the author's own history."""

    expected: float = Field(description="expected engagements (likes + comments + shares)")
    interval: Interval
    vs_your_median: float = Field(
        description="expected relative to your typical post on this platform: (expected + 1) / (median + 1), "
        "where median is the median engagement of your last 50 posts there"
    )
    percentile: float = Field(
        ge=0, le=100, description="share of your own posts on this platform it would beat"
    )
    rate: float | None = Field(description="expected engagements per follower or per impression, when known")
    rate_basis: Literal["followers", "impressions"] | None
    reasons: list[Reason]
    suggestions: list[Suggestion]
    model_version: str


class TimedEngagement(BaseModel):
    scheduled_for: datetime
    engagement: EngagementOut


class PredictOut(BaseModel):
    """The prediction at `scheduled_for` (or now), and at each candidate time, best first."""

    engagement: EngagementOut
    times: list[TimedEngagement]


class HistoryOut(BaseModel):
    posts: int = Field(description="your posts with engagement counts")
    baseline: float | None = Field(description="median engagements of your last 50 posts, all platforms")


class EngagementModelOut(BaseModel):
    """Whether predictions are available for you, and which model makes them."""

    available: bool
    reason: str | None
    model_version: str | None
    test_metrics: dict[str, Any]
    history: HistoryOut
