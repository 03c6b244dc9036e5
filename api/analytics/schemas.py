"""Bodies of the /api/analytics endpoints. Rates are fractions (0.0123 is 1.23%)."""

from __future__ import annotations

from datetime import date, datetime

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
        description="platform, content_type, weekday, hour, length_bucket (characters), hashtag_bucket"
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
