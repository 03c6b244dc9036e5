"""Bodies of the /api/analytics endpoints. Rates are fractions (0.0123 is 1.23%)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class Basis(BaseModel):
    """How many of the figure's posts divided by followers, and how many by impressions."""

    followers: int
    impressions: int


class Figure(BaseModel):
    """The engagement rate of one group of posts, with the number of posts behind it."""

    bucket: str
    posts: int = Field(description="Posts with a known engagement rate in this group.")
    mean_rate: float | None
    median_rate: float | None
    ci_low: float | None = Field(default=None, description="95% interval of the mean rate (t-interval).")
    ci_high: float | None = None
    lift_vs_overall: float | None = Field(default=None, description="mean_rate / overall mean - 1")
    basis: Basis
    stands_out: bool | None = Field(
        default=None, description="Insights only: the whole interval is above the overall mean."
    )
    below_average: bool | None = Field(
        default=None, description="Insights only: the whole interval is below the overall mean."
    )


class PostCounts(BaseModel):
    total: int
    by_platform: dict[str, int]
    with_engagement: int = Field(description="Posts whose export carried likes, comments or shares.")


class WeekOut(BaseModel):
    week_start: date = Field(description="Monday of the week, in your time zone.")
    posts: int
    engagements: int = Field(description="likes + comments + shares of the week's posts")
    rated_posts: int
    mean_rate: float | None
    basis: Basis


class DashboardOut(BaseModel):
    timezone: str
    rate_definition: str
    posts: PostCounts
    drafts: dict[str, int] = Field(description="Drafts by status.")
    scheduled_this_week: int = Field(description="Posts scheduled between this Monday and next, local time.")
    engagement_totals: dict[str, int]
    weekly: list[WeekOut] = Field(description="The last 12 weeks, oldest first.")


class PerformanceOut(BaseModel):
    timezone: str
    platform: str | None
    rate_definition: str
    overall: Figure
    dimensions: dict[str, list[Figure]] = Field(
        description="platform, content_type, weekday, hour, weekday_hour (the best-times grid: each weekday "
        "and hour with posts, bucket 'Monday 09:00'), length_bucket (characters), hashtag_bucket, "
        "tone (each post's tone in your latest tone analysis; posts it has not read yet are left out)"
    )


class CadenceOut(BaseModel):
    weeks: int = Field(description="Weeks from your first to your last post.")
    active_weeks: int
    posts_per_week: float
    rated_weeks: int
    posts_rate_correlation: float | None = Field(
        description="Pearson correlation, across weeks, of posts that week and their mean rate."
    )
    rate_in_single_post_weeks: float | None
    rate_in_busy_weeks: float | None = Field(description="Mean weekly rate in weeks with 3 or more posts.")


class PlatformInsights(BaseModel):
    platform: str
    enough_history: bool
    rated_posts: int
    overall: Figure
    best_days: list[Figure] = Field(default_factory=list, description="Weekdays with 5+ posts, best first.")
    best_hours: list[Figure] = Field(default_factory=list, description="Hours with 5+ posts, best first.")
    content_types: list[Figure] = Field(default_factory=list)
    top_hashtags: list[Figure] = Field(default_factory=list, description="Hashtags on 3+ posts, best first.")
    cadence: CadenceOut | None = None
    sentences: list[str] = Field(description="What the figures say, in plain language.")


class InsightsOut(BaseModel):
    timezone: str
    rate_definition: str
    platforms: list[PlatformInsights]
    message: str | None = None


class AuditGroup(BaseModel):
    """Predicted against actual for a group of published posts (a model version, or a version in a month)."""

    month: datetime | None = Field(default=None, description="the month (drift rows only)")
    model_version: str
    posts: int
    interval_hit_rate: float = Field(description="share of posts whose actual count fell inside the interval")
    level: float = Field(description="the intervals' nominal coverage, to compare the hit rate with")
    mae_log: float = Field(description="mean |log1p(actual) - log1p(predicted)|")
    bias_log: float = Field(
        description="mean log1p(actual) - log1p(predicted): above 0, the model is too low"
    )


class PredictionAuditOut(BaseModel):
    """How the predictions of your drafts held up once the posts were out, per model version and month."""

    posts: int
    versions: list[AuditGroup]
    drift: list[AuditGroup]


class ToneImpactOut(BaseModel):
    """How one tone's posts did against your usual (see `baseline`), with its 90% interval."""

    tone: str
    posts: int = Field(description="Posts in this tone that have a usual to compare with.")
    ratio: float | None = Field(
        description="The median over these posts of their rate / their usual; None below the floor."
    )
    low: float | None = Field(description="90% interval, percentile bootstrap over the posts.")
    high: float | None
    verdict: Literal["better", "worse", "no_difference", "not_enough"]
    sentence: str = Field(description="What the interval supports, in words.")


class MonthToneImpactOut(BaseModel):
    month: str = Field(description="YYYY-MM in your time zone.")
    posts: int
    tones: list[ToneImpactOut]


class PlatformToneImpactOut(BaseModel):
    platform: str
    rated_posts: int = Field(description="Posts with an engagement rate.")
    compared_posts: int = Field(description="Rated posts with a usual (enough posts before them).")
    unread_posts: int = Field(description="Compared posts no tone analysis has read yet (left out).")
    tones: list[ToneImpactOut]
    months: list[MonthToneImpactOut] = Field(description="The same figures per month, oldest first.")


class TonePerformanceOut(BaseModel):
    timezone: str
    rate_definition: str
    baseline: str = Field(description="What 'your usual' is.")
    interval: float = Field(description="The intervals' level (0.9).")
    min_posts: int = Field(description="Posts a tone needs before anything is said about it.")
    model_version: str | None = Field(description="The tone model version of your latest analysis.")
    platforms: list[PlatformToneImpactOut]
    message: str | None = Field(description="Why there is nothing to show, when there is not.")
