"""Engagement predictions for a user's drafts: their history from the database, the champion model,
and the numbers a user reads (counts, interval, ratio to their median, percentile, rate)."""

from __future__ import annotations

import logging
import math
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.models import User
from api.core.config import get_settings
from api.core.errors import Conflict
from api.engagement.data import history_frame
from api.engagement.schemas import (
    EngagementModelOut,
    EngagementOut,
    HistoryOut,
    PredictOut,
    TimedEngagement,
)
from api.history.models import UserPost
from ml.client import ModelUnavailable, get_client
from ml.engagement import ENGAGEMENT, EngagementResult, rows_from_frame
from ml.registry import champion_version, configure_tracking
from models.engagement.habits import habits_of
from models.engagement.history import WINDOW, add_history_to_new
from models.engagement.model import EngagementConfig
from models.engagement.reasons import Habits

logger = logging.getLogger("postwright.engagement")

MIN_HISTORY = 5  # posts with engagement on the platform before a prediction means anything
TRAINING_THRESHOLD = 30  # posts in the database before the first model trains itself
TRAINING_FLOW = "train-engagement-model"
LEVEL = EngagementConfig().level


# A user's history frame and habits, per platform, while their posts do not change: building them reads
# every post and measures each one's form (tens of milliseconds for a few hundred posts), and every draft
# written or edited asks for a prediction. The key holds the posts' count and newest change, so an import
# or a new post is seen at once; habits look a week ahead from `now`, kept to ten-minute steps.
_HISTORY_CACHE: OrderedDict[tuple[Any, ...], tuple[pd.DataFrame, int, Habits]] = OrderedDict()
_HISTORY_CACHE_SIZE = 256
_HISTORY_LOCK = threading.Lock()
_HABITS_STEP_SECONDS = 600


def _history(session: Session, user: User, platform: str, now: datetime) -> tuple[pd.DataFrame, int, Habits]:
    """The user's dated posts with engagement on the platform, how many there are, and their habits."""
    dated, changed = session.execute(
        select(func.count(), func.max(UserPost.updated_at)).where(
            UserPost.user_id == user.id, UserPost.platform == platform, UserPost.posted_at.is_not(None)
        )
    ).one()
    # Most drafts of a new user have no history: one count answers them without building a frame.
    if int(dated or 0) < MIN_HISTORY:
        return pd.DataFrame(columns=["engagements"]), int(dated or 0), Habits()
    key = (
        user.id,
        platform,
        int(dated),
        changed,
        user.timezone,
        int(now.timestamp()) // _HABITS_STEP_SECONDS,
    )
    with _HISTORY_LOCK:
        if key in _HISTORY_CACHE:
            _HISTORY_CACHE.move_to_end(key)
            return _HISTORY_CACHE[key]
    frame = history_frame(session, [user.id])
    frame = frame[(frame["platform"] == platform) & frame["engagements"].notna()].reset_index(drop=True)
    entry = (frame, len(frame), habits_of(frame.tail(WINDOW * 4), user.timezone, now))
    with _HISTORY_LOCK:
        _HISTORY_CACHE[key] = entry
        while len(_HISTORY_CACHE) > _HISTORY_CACHE_SIZE:
            _HISTORY_CACHE.popitem(last=False)
    return entry


def predict(
    session: Session,
    user: User,
    platform: str,
    content: str,
    times: Sequence[datetime],
    now: datetime | None = None,
    media_type: str | None = None,
) -> list[tuple[datetime, EngagementOut]]:
    """One prediction per time (409 with too little history; ModelUnavailable -> 503 with no model);
    `media_type` is what the post carries besides its text (None: unknown, as the model treats an export
    that does not say)."""
    client = get_client(ENGAGEMENT, get_settings())
    now = now or datetime.now(UTC)
    history, known, habits = _history(session, user, platform, now)
    if known < MIN_HISTORY:
        raise Conflict(
            f"Predictions need at least {MIN_HISTORY} of your {platform} posts with engagement counts; "
            f"you have {known}. Import more of your history (POST /api/posts/import)."
        )
    followers = history["followers"].dropna()
    drafts = pd.DataFrame(
        {
            "post_id": [f"draft-{i}" for i in range(len(times))],
            "author": str(user.id),
            "platform": platform,
            "posted_at": pd.to_datetime(list(times), utc=True),
            "content": content,
            "followers": float(followers.iloc[-1]) if not followers.empty else np.nan,
            "timezone": user.timezone,
            "media_type": media_type,
            "engagements": np.nan,
        }
    )
    draft_rows = add_history_to_new(history, drafts)
    prediction = client.predict(rows_from_frame(draft_rows, [habits] * len(times)))
    return [
        (time, _present(result, prediction.version, history))
        for time, result in zip(times, prediction.results, strict=True)
    ]


def _present(result: EngagementResult, version: str, history: pd.DataFrame) -> EngagementOut:
    expected = max(0.0, math.expm1(result["expected_log"]))
    past = history["engagements"].to_numpy(dtype=float)
    rate, basis = None, None
    followers = history["followers"].dropna()
    impressions = history["impressions"].dropna()
    if not followers.empty and float(followers.iloc[-1]) > 0:
        rate, basis = expected / float(followers.iloc[-1]), "followers"
    elif not impressions.empty and float(impressions.tail(WINDOW).median()) > 0:
        rate, basis = expected / float(impressions.tail(WINDOW).median()), "impressions"
    return EngagementOut.model_validate(
        {
            "expected": round(expected, 2),
            "interval": {
                "low": round(max(0.0, math.expm1(result["low_log"])), 2),
                "high": round(max(0.0, math.expm1(result["high_log"])), 2),
                "level": LEVEL,
            },
            "vs_your_median": round(math.exp(result["expected_log"] - result["baseline_log"]), 3),
            "percentile": round(100.0 * float(np.mean(past < expected)), 1),
            "rate": None if rate is None else round(rate, 6),
            "rate_basis": basis,
            "reasons": result["reasons"],
            "suggestions": result["suggestions"],
            "model_version": version,
        }
    )


def predict_draft(
    session: Session,
    user: User,
    platform: str,
    content: str,
    scheduled_for: datetime | None,
    candidate_times: Sequence[datetime] | None,
    media_type: str | None = None,
) -> PredictOut:
    """The predict endpoint: at `scheduled_for` (default now) and at each candidate time, best first."""
    at = scheduled_for or datetime.now(UTC)
    predictions = predict(
        session, user, platform, content, [at, *(candidate_times or [])], media_type=media_type
    )
    timed = [TimedEngagement(scheduled_for=time, engagement=out) for time, out in predictions[1:]]
    timed.sort(key=lambda item: -item.engagement.expected)
    return PredictOut(engagement=predictions[0][1], times=timed)


def prediction_for_storage(
    session: Session,
    user: User,
    platform: str,
    content: str,
    scheduled_for: datetime | None,
    media_type: str | None = None,
) -> tuple[dict[str, Any] | None, float | None]:
    """(engagement_prediction, ai_confidence_score) for a draft, or (None, None) when no prediction can be
    made yet (too little history, no model): a draft is never refused for that."""
    try:
        [(_, out)] = predict(
            session, user, platform, content, [scheduled_for or datetime.now(UTC)], media_type=media_type
        )
    except (Conflict, ModelUnavailable) as error:
        logger.info("draft stored without an engagement prediction: %s", error)
        return None, None
    return out.model_dump(mode="json"), round(out.percentile / 100.0, 4)


def model_status(session: Session, user: User) -> EngagementModelOut:
    """Whether predictions are available for this user, why not, and the champion's test metrics."""
    history = history_frame(session, [user.id])
    engaged = history[history["engagements"].notna()]
    baseline = float(engaged["engagements"].tail(WINDOW).median()) if not engaged.empty else None
    version: str | None = None
    metrics: dict[str, float] = {}
    reason = get_client(ENGAGEMENT, get_settings()).ready()
    if reason is None:
        configure_tracking(get_settings())
        client = MlflowClient()
        champion = champion_version(client, ENGAGEMENT.name)
        if champion is not None:
            version = str(champion.version)
            if champion.run_id:
                run = client.get_run(champion.run_id)
                metrics = {k: v for k, v in run.data.metrics.items() if k.startswith(("test_", "baseline_"))}
    per_platform = engaged["platform"].value_counts()
    if reason is None and (per_platform.empty or int(per_platform.max()) < MIN_HISTORY):
        reason = (
            f"Predictions need at least {MIN_HISTORY} of your posts with engagement counts on a platform."
        )
    return EngagementModelOut(
        available=reason is None,
        reason=reason,
        model_version=version,
        test_metrics=metrics,
        history=HistoryOut(posts=len(engaged), baseline=baseline),
    )


def maybe_start_training(session: Session) -> uuid.UUID | None:
    """Cold start: with no engagement champion and enough posts in the database, start the first training."""
    configure_tracking(get_settings())
    if champion_version(MlflowClient(), ENGAGEMENT.name) is not None:
        return None
    posts = int(
        session.scalar(select(func.count()).select_from(UserPost).where(UserPost.posted_at.is_not(None))) or 0
    )
    if posts < TRAINING_THRESHOLD:
        return None
    from api.core.launcher import get_launcher

    run_id = get_launcher().start(TRAINING_FLOW, {})
    logger.info("first engagement model training started", extra={"flow_run_id": str(run_id), "posts": posts})
    return run_id


# ----- prediction audit -----------------------------------------------------------------------------------
