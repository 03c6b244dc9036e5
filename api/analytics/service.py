"""Analytics: dashboard, performance by dimension, and insights a user can act on.

The SQL (api.analytics.queries) returns group aggregates; this module turns them into intervals and plain
sentences. An insight is only stated when its interval says so: a weekday is "best" when the lower end of its
95% interval is above the user's overall mean, not because it tops a ranking of five posts.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analytics import queries, tone_impact
from api.analytics.queries import RATE_DEFINITION, Stats, Whose
from api.analytics.schemas import (
    Basis,
    CadenceOut,
    DashboardOut,
    Figure,
    InsightsOut,
    MonthToneImpactOut,
    PerformanceOut,
    PlatformInsights,
    PlatformToneImpactOut,
    PostCounts,
    ToneImpactOut,
    TonePerformanceOut,
    WeekOut,
)
from api.core.ownership import Scope
from api.platforms import registry
from api.schedules.recurrence import zone
from api.voice.models import ToneAnalysis
from api.workspaces.models import WorkspaceMember

# Below this many posts with a known rate, a platform's insights say there is too little history.
MIN_RATED_POSTS = 20
# A group needs this many posts before it is shown as a candidate at all.
MIN_GROUP_POSTS = 5
MIN_HASHTAG_POSTS = 3
MIN_CADENCE_WEEKS = 8
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DRAFT_STATUSES = ("draft", "scheduled", "published", "failed")
# Two-sided 95% Student t quantiles for small samples; the normal 1.96 beyond 30 degrees of freedom.
_T95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
    11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
    20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
    29: 2.045, 30: 2.042,
}  # fmt: skip


def interval95(stats: Stats) -> tuple[float, float] | None:
    """A 95% t-interval for the mean rate of the group, or None below two posts."""
    if stats.posts < 2 or stats.mean_rate is None or stats.sd_rate is None:
        return None
    half = _T95.get(stats.posts - 1, 1.96) * stats.sd_rate / math.sqrt(stats.posts)
    return max(0.0, stats.mean_rate - half), stats.mean_rate + half


def figure(stats: Stats, label: str | None = None, overall_mean: float | None = None) -> Figure:
    """One group's figures, its interval, and how it compares with the overall mean."""
    bounds = interval95(stats)
    lift = None
    if overall_mean and stats.mean_rate is not None:
        lift = stats.mean_rate / overall_mean - 1
    return Figure(
        bucket=label or stats.bucket,
        posts=stats.posts,
        mean_rate=stats.mean_rate,
        median_rate=stats.median_rate,
        ci_low=bounds[0] if bounds else None,
        ci_high=bounds[1] if bounds else None,
        lift_vs_overall=lift,
        basis=Basis(followers=stats.by_followers, impressions=stats.by_impressions),
    )


def _label(dimension: str, bucket: str) -> str:
    if dimension == "weekday":
        return WEEKDAYS[int(bucket) - 1]
    if dimension == "hour":
        return f"{int(bucket):02d}:00"
    if dimension == "weekday_hour":
        day, hour = bucket.split(":")
        return f"{WEEKDAYS[int(day) - 1]} {int(hour):02d}:00"
    return bucket


_BUCKET_ORDER = {
    "length_bucket": ("0-100", "101-200", "201-280", "281-1000", "1001-2000", "2001+"),
    "hashtag_bucket": ("0", "1", "2", "3-5", "6+"),
}


def _order_key(dimension: str, bucket: str) -> tuple[int, str]:
    """Weekdays, hours, lengths and hashtag counts in their natural order; names alphabetically."""
    if dimension in ("weekday", "hour"):
        return int(bucket), ""
    if dimension == "weekday_hour":
        day, hour = bucket.split(":")
        return int(day) * 24 + int(hour), ""
    order = _BUCKET_ORDER.get(dimension)
    if order is not None and bucket in order:
        return order.index(bucket), ""
    return 0, bucket


def whose(session: Session, scope: Scope) -> Whose:
    """A workspace's figures: its drafts, and the posts of its members (a personal workspace: its owner's)."""
    people = session.scalars(
        select(WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == scope.workspace_id)
        .order_by(WorkspaceMember.user_id)
    ).all()
    return Whose(people=tuple(people), workspace_id=scope.workspace_id, person=scope.user_id)


# ---- dashboard --------------------------------------------------------------------------------------


def dashboard(session: Session, whose: Whose, tz: str, end: date | None = None) -> DashboardOut:
    """Counts, totals and the 12-week engagement trend ending with the week of `end` (default: this week)."""
    local_now = datetime.now(UTC).astimezone(zone(tz))
    end_local = datetime.combine(end, time(12)) if end else local_now.replace(tzinfo=None)
    state = queries.dashboard_state(session, whose, tz)
    drafts = state.drafts
    totals, weeks = _post_figures(session, whose, tz, end_local, state)
    return DashboardOut(
        timezone=tz,
        rate_definition=RATE_DEFINITION,
        posts=PostCounts(
            total=sum(int(row["posts"]) for row in totals),
            by_platform={platform: _sum(totals, "posts", platform) for platform in registry.names()},
            with_engagement=sum(int(row["with_engagement"]) for row in totals),
        ),
        drafts={status: drafts.get(status, 0) for status in DRAFT_STATUSES},
        scheduled_this_week=state.scheduled_this_week,
        engagement_totals={
            key: sum(int(row[key]) for row in totals)
            for key in ("likes", "comments", "shares", "impressions")
        },
        weekly=[
            WeekOut(
                week_start=row["week_start"],
                posts=int(row["posts"]),
                engagements=int(row["engagements"]),
                rated_posts=int(row["rated_posts"]),
                mean_rate=None if row["mean_rate"] is None else float(row["mean_rate"]),
                basis=Basis(followers=int(row["by_followers"]), impressions=int(row["by_impressions"])),
            )
            for row in weeks
        ],
    )


# The figures computed from a user's posts (totals and the weekly trend: a scan of every post), kept while
# the posts do not change. The key holds the posts' count and change digest (read with the draft counts in
# the one query every dashboard makes), so an import, an edit or a deletion is seen at once, by every
# worker process, each keeping its own copy.
_PostFigures = tuple[list[dict[str, Any]], list[dict[str, Any]]]
_POST_FIGURES: OrderedDict[tuple[Any, ...], _PostFigures] = OrderedDict()
_POST_FIGURES_SIZE = 512
_POST_FIGURES_LOCK = threading.Lock()


def _post_figures(
    session: Session, whose: Whose, tz: str, end_local: datetime, state: queries.DashboardState
) -> _PostFigures:
    key = (whose, tz, queries.week_start(end_local.date()), state.posts, state.posts_digest)
    with _POST_FIGURES_LOCK:
        if (cached := _POST_FIGURES.get(key)) is not None:
            _POST_FIGURES.move_to_end(key)
            return cached
    figures = (queries.post_totals(session, whose, tz), queries.weekly(session, whose, tz, end_local))
    with _POST_FIGURES_LOCK:
        _POST_FIGURES[key] = figures
        while len(_POST_FIGURES) > _POST_FIGURES_SIZE:
            _POST_FIGURES.popitem(last=False)
    return figures


def _sum(rows: list[dict[str, Any]], key: str, platform: str) -> int:
    return sum(int(row[key]) for row in rows if row["platform"] == platform)


# ---- performance ------------------------------------------------------------------------------------


def performance(session: Session, whose: Whose, tz: str, platform: str | None) -> PerformanceOut:
    """Engagement rate by platform, content type, weekday, hour, length and hashtag count."""
    grouped = queries.performance(session, whose, tz, platform)
    overall = queries.overall(session, whose, tz, platform)
    dimensions = {
        dimension: [
            figure(stats, _label(dimension, stats.bucket), overall.mean_rate)
            for stats in sorted(groups, key=lambda s, d=dimension: _order_key(d, s.bucket))  # type: ignore[misc]
        ]
        for dimension, groups in grouped.items()
    }
    return PerformanceOut(
        timezone=tz,
        platform=platform,
        rate_definition=RATE_DEFINITION,
        overall=figure(overall, "all"),
        dimensions=dimensions,
    )


# ---- insights ---------------------------------------------------------------------------------------


def insights(session: Session, whose: Whose, tz: str) -> InsightsOut:
    """Per platform: best days and hours with their support, hashtags, content types, cadence, sentences."""
    totals = queries.post_totals(session, whose, tz)
    platforms = [platform for platform in registry.names() if _sum(totals, "posts", platform) > 0]
    return InsightsOut(
        timezone=tz,
        rate_definition=RATE_DEFINITION,
        platforms=[_platform_insights(session, whose, tz, platform) for platform in platforms],
        message=None if platforms else "No posts yet: import your post history to get insights.",
    )


def _platform_insights(session: Session, whose: Whose, tz: str, platform: str) -> PlatformInsights:
    overall = queries.overall(session, whose, tz, platform)
    name = registry.get(platform).display_name
    if overall.posts < MIN_RATED_POSTS or not overall.mean_rate:
        return PlatformInsights(
            platform=platform,
            enough_history=False,
            rated_posts=overall.posts,
            overall=figure(overall, "all"),
            sentences=[
                f"Too little {name} history for insights: {overall.posts} post(s) with engagement and "
                f"a known audience or impressions; at least {MIN_RATED_POSTS} are needed. Import more of "
                "your history (an export with likes, comments and impressions)."
            ],
        )
    grouped = queries.performance(session, whose, tz, platform)
    mean = overall.mean_rate
    days = _candidates(grouped["weekday"], "weekday", mean)
    hours = _candidates(grouped["hour"], "hour", mean)
    types = _candidates(grouped["content_type"], "content_type", mean)
    tags = [
        figure(stats, overall_mean=mean)
        for stats in queries.hashtags(session, whose, tz, platform, min_posts=MIN_HASHTAG_POSTS, limit=10)
    ]
    cadence = _cadence(queries.cadence(session, whose, tz, platform))
    sentences = _sentences(name, tz, overall, days, hours, types, tags, cadence)
    return PlatformInsights(
        platform=platform,
        enough_history=True,
        rated_posts=overall.posts,
        overall=figure(overall, "all"),
        best_days=days,
        best_hours=hours,
        content_types=types,
        top_hashtags=tags,
        cadence=cadence,
        sentences=sentences,
    )


def _candidates(groups: list[Stats], dimension: str, mean: float) -> list[Figure]:
    """Groups with enough posts, best mean first, each with its interval and a verdict."""
    figures = [
        figure(stats, _label(dimension, stats.bucket), mean)
        for stats in groups
        if stats.posts >= MIN_GROUP_POSTS
    ]
    for item in figures:
        item.stands_out = item.ci_low is not None and item.ci_low > mean
        item.below_average = item.ci_high is not None and item.ci_high < mean
    return sorted(figures, key=lambda item: item.mean_rate or 0.0, reverse=True)


def _cadence(row: dict[str, Any]) -> CadenceOut:
    weeks = int(row["weeks"] or 0)
    correlation = row["posts_rate_correlation"]
    return CadenceOut(
        weeks=weeks,
        active_weeks=int(row["active_weeks"] or 0),
        posts_per_week=(int(row["posts"]) / weeks) if weeks else 0.0,
        rated_weeks=int(row["rated_weeks"] or 0),
        posts_rate_correlation=None if correlation is None else float(correlation),
        rate_in_single_post_weeks=_float(row["rate_in_single_post_weeks"]),
        rate_in_busy_weeks=_float(row["rate_in_busy_weeks"]),
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _pct(rate: float) -> str:
    return f"{rate * 100:.2f}%"


def _sentences(
    name: str,
    tz: str,
    overall: Stats,
    days: list[Figure],
    hours: list[Figure],
    types: list[Figure],
    tags: list[Figure],
    cadence: CadenceOut,
) -> list[str]:
    assert overall.mean_rate is not None
    said = [
        f"Your {overall.posts} {name} posts with engagement data average an engagement rate of "
        f"{_pct(overall.mean_rate)} (median {_pct(overall.median_rate or 0)})."
    ]
    said += _standouts("Posting on", days, "day", overall.mean_rate)
    said += _standouts("Posting around", hours, "hour", overall.mean_rate, suffix=f" ({tz} time)")
    said += _standouts("Writing", types, "content type", overall.mean_rate, suffix=" posts")
    for item in types:
        if item.below_average and item.mean_rate is not None:
            said.append(
                f"Your {item.bucket} posts do worse: {_pct(item.mean_rate)} over {item.posts} posts, "
                "below your average even at the top of their interval."
            )
    strong_tags = [tag for tag in tags if tag.ci_low is not None and tag.ci_low > overall.mean_rate]
    if strong_tags:
        listed = ", ".join(f"{tag.bucket} ({tag.posts} posts)" for tag in strong_tags[:3])
        said.append(f"Hashtags whose posts clearly beat your average: {listed}.")
    said.append(_cadence_sentence(name, cadence))
    return said


def _standouts(lead: str, figures: list[Figure], kind: str, mean: float, suffix: str = "") -> list[str]:
    winners = [item for item in figures if item.stands_out]
    if not figures:
        return []
    if not winners:
        return [
            f"No {kind} stands out yet: the differences between {kind}s are within what chance gives with "
            "this many posts, so post when it suits you and keep importing history."
        ]
    sentences = []
    for item in winners[:2]:
        assert item.mean_rate is not None and item.ci_low is not None and item.ci_high is not None
        sentences.append(
            f"{lead} {item.bucket}{suffix} works best for you: {_pct(item.mean_rate)} engagement over "
            f"{item.posts} posts ({_pct(item.ci_low)} to {_pct(item.ci_high)}, 95% interval), against "
            f"{_pct(mean)} overall."
        )
    return sentences


def _cadence_sentence(name: str, cadence: CadenceOut) -> str:
    base = (
        f"You post {cadence.posts_per_week:.1f} times a week on {name} on average over {cadence.weeks} weeks"
    )
    r = cadence.posts_rate_correlation
    if cadence.rated_weeks < MIN_CADENCE_WEEKS or r is None:
        return base + "; too few weeks to tell how posting more often relates to engagement."
    if abs(r) < 0.2:
        return base + (
            f"; busier weeks earn about the same per post (correlation {r:+.2f} over {cadence.rated_weeks} "
            "weeks), so posting more often does not seem to cost you engagement."
        )
    direction = "less" if r < 0 else "more"
    return (
        base + f"; in busier weeks each post earned {direction} engagement (correlation {r:+.2f} over "
        f"{cadence.rated_weeks} weeks). Correlation is not cause, but it is worth testing a "
        + ("lighter" if r < 0 else "busier")
        + " schedule."
    )


# ---- tone against performance -----------------------------------------------------------------------


def _impact_out(found: tone_impact.Impact) -> ToneImpactOut:
    return ToneImpactOut(tone=found.tone, posts=found.posts, ratio=found.ratio, low=found.low,
                         high=found.high, verdict=found.verdict, sentence=found.sentence)  # fmt: skip


def tone_performance(session: Session, whose: Whose, tz: str, platform: str | None) -> TonePerformanceOut:
    """Per platform, each tone's posts against the user's own usual, overall and per month (api.analytics.
    tone_impact says how)."""
    posts = [tone_impact.RatedPost(*row) for row in queries.toned_posts(session, whose, tz, platform)]
    compared = tone_impact.with_usual(posts)
    analysis = session.scalar(select(ToneAnalysis).where(ToneAnalysis.user_id == whose.person))
    # Every tone the model knows is listed (with "not enough posts" where few), not only those it found.
    tones = list(analysis.analysis_data.get("tone_distribution", {})) if analysis else []
    platforms = []
    for name in registry.names():
        rated = sum(1 for p in posts if p.platform == name)
        if not rated:
            continue
        members = compared.get(name, [])
        months = sorted({m.month for m in members if m.tone is not None})
        platforms.append(
            PlatformToneImpactOut(
                platform=name,
                rated_posts=rated,
                compared_posts=len(members),
                unread_posts=sum(1 for m in members if m.tone is None),
                tones=[_impact_out(i) for i in tone_impact.by_tone(members, tones)],
                months=[
                    MonthToneImpactOut(
                        month=month,
                        posts=sum(1 for m in members if m.month == month and m.tone is not None),
                        tones=[
                            _impact_out(i)
                            for i in tone_impact.by_tone([m for m in members if m.month == month], [])
                        ],
                    )
                    for month in months
                ],
            )
        )
    message = None
    if not posts:
        message = "No posts with engagement yet: import your history (with likes, comments and impressions)."
    elif analysis is None:
        message = "No tone analysis yet: it starts by itself after an import; this fills in when it is done."
    return TonePerformanceOut(
        timezone=tz,
        rate_definition=RATE_DEFINITION,
        baseline=tone_impact.BASELINE,
        interval=tone_impact.LEVEL,
        min_posts=tone_impact.MIN_POSTS,
        model_version=analysis.model_version if analysis else None,
        platforms=platforms,
        message=message,
    )
