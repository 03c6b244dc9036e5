"""Analytics in SQL: every figure is an aggregate computed by PostgreSQL; Python only sees the groups.

Engagement rate of a post = (likes + comments + shares) / followers when the follower count is known, else
/ impressions when those are known; a missing count among likes, comments and shares counts as zero, and a
post whose export carries none of them (LinkedIn's Shares.csv) has no rate. Each figure reports how many
of its posts used each denominator (`basis`). A group's rate is the mean of its posts' rates, every post
weighing the same, so one viral post with a huge audience does not stand for the rest.

Times are read in the user's time zone. Weekday figures use posts whose date is known (precision exact or
day); hour figures only posts with an exact time; dates derived from "3 months ago" are left out of both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

RATE_DEFINITION = (
    "engagement rate = (likes + comments + shares) / followers when followers are known, "
    "else / impressions when known; a group's rate is the mean of its posts' rates; "
    "'basis' counts the posts that used each denominator"
)

# Posts of one user (optionally one platform) with their rate, basis and analysis features.
_FEATURES = r"""
WITH base AS (
    SELECT
        platform,
        content,
        time_precision,
        followers,
        tone,
        posted_at,
        posted_at AT TIME ZONE :tz AS local_ts,
        engagement_metrics AS m,
        engagement_metrics ?| ARRAY['likes', 'comments', 'shares'] AS has_counts,
        COALESCE((engagement_metrics ->> 'likes')::numeric, 0)
            + COALESCE((engagement_metrics ->> 'comments')::numeric, 0)
            + COALESCE((engagement_metrics ->> 'shares')::numeric, 0) AS engagements,
        (engagement_metrics ->> 'impressions')::numeric AS impressions
    FROM user_posts
    WHERE user_id = ANY(:people)
      AND posted_at IS NOT NULL
      AND (CAST(:platform AS text) IS NULL OR platform = CAST(:platform AS text))
), rated AS (
    SELECT
        base.*,
        CASE
            WHEN NOT has_counts THEN NULL
            WHEN followers > 0 THEN 'followers'
            WHEN impressions > 0 THEN 'impressions'
        END AS basis,
        CASE
            WHEN NOT has_counts THEN NULL
            WHEN followers > 0 THEN (engagements / followers)::float8
            WHEN impressions > 0 THEN (engagements / impressions)::float8
        END AS rate
    FROM base
), features AS (
    SELECT
        rated.*,
        CASE WHEN time_precision IN ('exact', 'day') THEN extract(isodow FROM local_ts)::int END AS weekday,
        CASE WHEN time_precision = 'exact' THEN extract(hour FROM local_ts)::int END AS hour,
        CASE
            WHEN char_length(content) <= 100 THEN '0-100'
            WHEN char_length(content) <= 200 THEN '101-200'
            WHEN char_length(content) <= 280 THEN '201-280'
            WHEN char_length(content) <= 1000 THEN '281-1000'
            WHEN char_length(content) <= 2000 THEN '1001-2000'
            ELSE '2001+'
        END AS length_bucket,
        (SELECT count(*) FROM regexp_matches(content, '#\w+', 'g'))::int AS hashtag_count,
        CASE
            WHEN m ? 'media_type' THEN lower(m ->> 'media_type')
            WHEN platform = 'twitter' AND content LIKE '@%' THEN 'reply'
            WHEN (m ->> 'has_media') = 'true' OR COALESCE((m ->> 'media_views')::numeric, 0) > 0 THEN 'media'
            WHEN content ~* 'https?://' THEN 'link'
            WHEN content ~ '\?\s*$' THEN 'question'
            ELSE 'text'
        END AS content_type
    FROM rated
)
"""

_STATS = """
    count(*) AS posts,
    avg(rate) AS mean_rate,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY rate) AS median_rate,
    stddev_samp(rate) AS sd_rate,
    count(*) FILTER (WHERE basis = 'followers') AS by_followers,
    count(*) FILTER (WHERE basis = 'impressions') AS by_impressions
"""

_DIMENSIONS = (
    "platform",
    "content_type",
    "weekday",
    "hour",
    "weekday_hour",
    "length_bucket",
    "hashtag_bucket",
    "tone",
)

# One pass over the posts for every dimension (GROUPING SETS); groups of posts without a usable time are
# dropped for the weekday and hour dimensions.
_PERFORMANCE = (
    _FEATURES
    + """
, bucketed AS (
    SELECT features.*,
        CASE
            WHEN hashtag_count <= 2 THEN hashtag_count::text
            WHEN hashtag_count <= 5 THEN '3-5'
            ELSE '6+'
        END AS hashtag_bucket
    FROM features
    WHERE rate IS NOT NULL
)
SELECT
    CASE
        WHEN GROUPING(platform) = 0 THEN 'platform'
        WHEN GROUPING(content_type) = 0 THEN 'content_type'
        WHEN GROUPING(weekday) = 0 AND GROUPING(hour) = 0 THEN 'weekday_hour'
        WHEN GROUPING(weekday) = 0 THEN 'weekday'
        WHEN GROUPING(hour) = 0 THEN 'hour'
        WHEN GROUPING(length_bucket) = 0 THEN 'length_bucket'
        WHEN GROUPING(hashtag_bucket) = 0 THEN 'hashtag_bucket'
        ELSE 'tone'
    END AS dimension,
    CASE
        WHEN GROUPING(weekday) = 0 AND GROUPING(hour) = 0 THEN weekday || ':' || hour
        ELSE COALESCE(platform, content_type, weekday::text, hour::text, length_bucket, hashtag_bucket, tone)
    END AS bucket,
"""
    + _STATS
    + """
FROM bucketed
GROUP BY GROUPING SETS (
    (platform), (content_type), (weekday), (hour), (weekday, hour), (length_bucket), (hashtag_bucket), (tone)
)
HAVING
    (GROUPING(weekday) = 0 AND GROUPING(hour) = 0 AND weekday IS NOT NULL AND hour IS NOT NULL)
    OR (NOT (GROUPING(weekday) = 0 AND GROUPING(hour) = 0) AND COALESCE(
        platform, content_type, weekday::text, hour::text, length_bucket, hashtag_bucket, tone
    ) IS NOT NULL)
"""
)

# Every rated post of the user in time order with its tone (None before an analysis read it) and local month.
_TONED_POSTS = (
    _FEATURES
    + """
SELECT platform, tone, to_char(local_ts, 'YYYY-MM') AS month, rate
FROM features
WHERE rate IS NOT NULL
ORDER BY platform, posted_at
"""
)

_OVERALL = _FEATURES + "SELECT 'all' AS bucket," + _STATS + "FROM features WHERE rate IS NOT NULL"

_HASHTAGS = (
    _FEATURES
    + """
, tags AS (
    SELECT tagged.tag, features.rate, features.basis
    FROM features
    CROSS JOIN LATERAL (
        SELECT DISTINCT lower(match[1]) AS tag FROM regexp_matches(features.content, '#(\\w+)', 'g') AS match
    ) AS tagged
    WHERE features.rate IS NOT NULL
)
SELECT '#' || tag AS bucket,"""
    + _STATS
    + """
FROM tags
GROUP BY tag
HAVING count(*) >= :min_posts
ORDER BY avg(rate) DESC, count(*) DESC
LIMIT :limit
"""
)

# Posting cadence: for each local week between the first and the last post, how many posts went out and
# the mean rate they earned; the correlation of the two across weeks that had rated posts.
_CADENCE = (
    _FEATURES
    + """
, span AS (
    SELECT date_trunc('week', min(local_ts)) AS first_week, date_trunc('week', max(local_ts)) AS last_week
    FROM features
), weeks AS (
    SELECT generate_series(first_week, last_week, interval '1 week') AS week FROM span
), weekly AS (
    SELECT weeks.week, count(features.local_ts) AS posts, avg(features.rate) AS mean_rate
    FROM weeks
    LEFT JOIN features ON date_trunc('week', features.local_ts) = weeks.week
    GROUP BY weeks.week
)
SELECT
    count(*) AS weeks,
    COALESCE(sum(posts), 0) AS posts,
    count(*) FILTER (WHERE posts > 0) AS active_weeks,
    count(mean_rate) AS rated_weeks,
    corr(posts, mean_rate) AS posts_rate_correlation,
    avg(mean_rate) FILTER (WHERE posts = 1) AS rate_in_single_post_weeks,
    avg(mean_rate) FILTER (WHERE posts >= 3) AS rate_in_busy_weeks
FROM weekly
"""
)

_WEEKLY = (
    _FEATURES
    + """
, weeks AS (
    SELECT generate_series(
        date_trunc('week', CAST(:end_local AS timestamp)) - interval '11 weeks',
        date_trunc('week', CAST(:end_local AS timestamp)),
        interval '1 week'
    ) AS week
)
SELECT
    weeks.week::date AS week_start,
    count(features.local_ts) AS posts,
    COALESCE(sum(features.engagements) FILTER (WHERE features.has_counts), 0) AS engagements,
    count(features.rate) AS rated_posts,
    avg(features.rate) AS mean_rate,
    count(*) FILTER (WHERE features.basis = 'followers') AS by_followers,
    count(*) FILTER (WHERE features.basis = 'impressions') AS by_impressions
FROM weeks
LEFT JOIN features ON date_trunc('week', features.local_ts) = weeks.week
GROUP BY weeks.week
ORDER BY weeks.week
"""
)

_POST_TOTALS = (
    _FEATURES
    + """
SELECT
    platform,
    count(*) AS posts,
    count(*) FILTER (WHERE has_counts) AS with_engagement,
    COALESCE(sum((m ->> 'likes')::numeric), 0) AS likes,
    COALESCE(sum((m ->> 'comments')::numeric), 0) AS comments,
    COALESCE(sum((m ->> 'shares')::numeric), 0) AS shares,
    COALESCE(sum(impressions), 0) AS impressions
FROM features
GROUP BY platform
"""
)

# In one round trip: what identifies the state of the user's posts (a cache key for everything computed
# from them: their count and a digest of every row's id and row version, `xmin`, the transaction that wrote
# it, so any change is seen, whichever transaction made it and when, without reading the rows' contents),
# the drafts by status and the posts scheduled this week.
_DASHBOARD_STATE = """
SELECT
    p.posts,
    p.posts_digest,
    (SELECT COALESCE(jsonb_object_agg(status, n), '{}'::jsonb)
       FROM (SELECT status, count(*) AS n FROM content_drafts
              WHERE workspace_id = :workspace_id GROUP BY status) d
    ) AS drafts,
    (SELECT count(*) FROM content_drafts
      WHERE workspace_id = :workspace_id
        AND status = 'scheduled'
        AND scheduled_for >= (date_trunc('week', now() AT TIME ZONE :tz) AT TIME ZONE :tz)
        AND scheduled_for
            < ((date_trunc('week', now() AT TIME ZONE :tz) + interval '1 week') AT TIME ZONE :tz)
    ) AS scheduled_this_week
FROM (
    SELECT
        count(*) AS posts,
        COALESCE(sum(hashtextextended(posts.id::text || posts.xmin::text, 0)), 0) AS posts_digest
    FROM user_posts AS posts WHERE user_id = ANY(:people)
) p
"""


@dataclass(frozen=True, slots=True)
class Stats:
    """Aggregates of one group of rated posts."""

    bucket: str
    posts: int
    mean_rate: float | None
    median_rate: float | None
    sd_rate: float | None
    by_followers: int
    by_impressions: int


def _stats(row: Any) -> Stats:
    return Stats(
        bucket=str(row.bucket),
        posts=int(row.posts),
        mean_rate=None if row.mean_rate is None else float(row.mean_rate),
        median_rate=None if row.median_rate is None else float(row.median_rate),
        sd_rate=None if row.sd_rate is None else float(row.sd_rate),
        by_followers=int(row.by_followers),
        by_impressions=int(row.by_impressions),
    )


@dataclass(frozen=True, slots=True)
class Whose:
    """Whose figures: the posts of `people` (a personal workspace's owner, or a team's members) and the
    drafts of `workspace_id`; `person` is who asks (their own tone analysis)."""

    people: tuple[uuid.UUID, ...]
    workspace_id: uuid.UUID
    person: uuid.UUID


def _params(whose: Whose, tz: str, platform: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "people": list(whose.people),
        "workspace_id": whose.workspace_id,
        "tz": tz,
        "platform": platform,
        **extra,
    }


def performance(session: Session, whose: Whose, tz: str, platform: str | None) -> dict[str, list[Stats]]:
    """Rate statistics by each dimension, one SQL pass."""
    result: dict[str, list[Stats]] = {dimension: [] for dimension in _DIMENSIONS}
    for row in session.execute(text(_PERFORMANCE), _params(whose, tz, platform)):
        result[row.dimension].append(_stats(row))
    return result


def toned_posts(
    session: Session, whose: Whose, tz: str, platform: str | None
) -> list[tuple[str, str | None, str, float]]:
    """(platform, tone, local month, rate) of every rated post, oldest first within each platform."""
    rows = session.execute(text(_TONED_POSTS), _params(whose, tz, platform))
    return [(row.platform, row.tone, row.month, float(row.rate)) for row in rows]


def overall(session: Session, whose: Whose, tz: str, platform: str | None) -> Stats:
    return _stats(session.execute(text(_OVERALL), _params(whose, tz, platform)).one())


def hashtags(
    session: Session, whose: Whose, tz: str, platform: str | None, *, min_posts: int, limit: int
) -> list[Stats]:
    """Hashtags used on at least `min_posts` rated posts, best mean rate first."""
    params = _params(whose, tz, platform, min_posts=min_posts, limit=limit)
    return [_stats(row) for row in session.execute(text(_HASHTAGS), params)]


def cadence(session: Session, whose: Whose, tz: str, platform: str | None) -> dict[str, Any]:
    return dict(session.execute(text(_CADENCE), _params(whose, tz, platform)).one()._mapping)


def weekly(session: Session, whose: Whose, tz: str, end_local: datetime) -> list[dict[str, Any]]:
    """The 12 local weeks ending with the week of `end_local` (a wall-clock time in `tz`)."""
    params = _params(whose, tz, None, end_local=end_local.replace(tzinfo=None))
    return [dict(row._mapping) for row in session.execute(text(_WEEKLY), params)]


def post_totals(session: Session, whose: Whose, tz: str) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(text(_POST_TOTALS), _params(whose, tz, None))]


@dataclass(frozen=True, slots=True)
class DashboardState:
    """The state of a user's posts (count and a digest of their changes) and their draft counts."""

    posts: int
    posts_digest: int
    drafts: dict[str, int]
    scheduled_this_week: int


def dashboard_state(session: Session, whose: Whose, tz: str) -> DashboardState:
    row = session.execute(text(_DASHBOARD_STATE), _params(whose, tz, None)).one()
    return DashboardState(
        posts=int(row.posts),
        posts_digest=int(row.posts_digest),
        drafts={str(status): int(count) for status, count in row.drafts.items()},
        scheduled_this_week=int(row.scheduled_this_week),
    )


def week_start(day: date) -> date:
    return date.fromordinal(day.toordinal() - day.weekday())
