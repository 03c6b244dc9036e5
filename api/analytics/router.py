"""/api/analytics: dashboard, performance by dimension, and insights, all computed in SQL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.analytics import audit, service
from api.analytics.schemas import (
    DashboardOut,
    InsightsOut,
    PerformanceOut,
    PredictionAuditOut,
    TonePerformanceOut,
)
from api.core.errors import NotFound, Unauthorized, Unprocessable, responses
from api.core.types import IsoDate
from api.deps import CurrentUser, SessionDep
from api.platforms.registry import PlatformParam
from api.workspaces.deps import ReadScope

router = APIRouter(prefix="/api/analytics", tags=["analytics"], responses=responses(Unauthorized, NotFound))


@router.get("/dashboard", response_model=DashboardOut, responses=responses(Unprocessable))
def dashboard(
    user: CurrentUser,
    scope: ReadScope,
    session: SessionDep,
    end: Annotated[
        IsoDate | None, Query(description="Last day of the 12-week trend (default: today)")
    ] = None,
) -> DashboardOut:
    """Posts, drafts by status, posts scheduled this week, engagement totals and the weekly engagement
    rate for the last 12 weeks (in your time zone)."""
    return service.dashboard(session, service.whose(session, scope), user.timezone, end)


@router.get("/performance", response_model=PerformanceOut, responses=responses(Unprocessable))
def performance(
    user: CurrentUser,
    scope: ReadScope,
    session: SessionDep,
    platform: Annotated[
        PlatformParam | None, Query(description="a registered platform or alias; default all")
    ] = None,
) -> PerformanceOut:
    """Engagement rate by platform, content type, weekday, hour, post length, hashtag count and tone, with the
    number of posts behind each figure and the denominator each used."""
    return service.performance(session, service.whose(session, scope), user.timezone, platform)


@router.get("/insights", response_model=InsightsOut)
def insights(user: CurrentUser, scope: ReadScope, session: SessionDep) -> InsightsOut:
    """Per platform: the days and hours that really do better (95% intervals, at least 5 posts each),
    hashtags and content types that perform, posting cadence and engagement, and sentences to act on.
    With too little history it says so instead of guessing."""
    return service.insights(session, service.whose(session, scope), user.timezone)


@router.get("/tone-performance", response_model=TonePerformanceOut, responses=responses(Unprocessable))
def tone_performance(
    user: CurrentUser,
    scope: ReadScope,
    session: SessionDep,
    platform: Annotated[
        PlatformParam | None, Query(description="a registered platform or alias; default all")
    ] = None,
) -> TonePerformanceOut:
    """For each of your tones (your latest tone analysis's label per post), how those posts did against
    your usual (the median of your 20 previous posts on the platform): their ratio with a bootstrap 90%
    interval, the number of posts, and a sentence saying only what the interval supports; below 10 posts
    it says there are not enough to tell. Per platform, and per month to show change."""
    return service.tone_performance(session, service.whose(session, scope), user.timezone, platform)


@router.get("/prediction-audit", response_model=PredictionAuditOut)
def prediction_audit(user: CurrentUser, session: SessionDep) -> PredictionAuditOut:
    """Your drafts' predictions against what the posts really got (matched when their metrics are
    imported): interval hit rate, error and bias per model version, and per month for drift."""
    return audit.audit_report(session, user.id)
