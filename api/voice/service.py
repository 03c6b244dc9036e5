"""Tone analysis: turn a user's posts into their tone and style, store it, start and track the analysis runs.

The analysis itself is plain functions over a Session (the flow and the tests call them); starting a run
goes through `start_tone_analysis`, which the posts import also calls.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from api.core.config import get_settings
from api.core.db import session_scope
from api.core.errors import Conflict, NotFound
from api.core.ownership import get_owned
from api.history.models import UserPost
from api.voice.models import ToneAnalysis, ToneAnalysisRun
from api.voice.schemas import AnalysisRunStatus, RunProgress, RunState, StartStatus, ToneAnalysisOut
from ml.client import get_client
from ml.tone import TONE, ToneResult
from models.style.profile import StyleProfile

# The newest posts carry the current voice; older ones add cost more than signal.
MAX_POSTS_ANALYZED = 500
_TOP_TERMS = 10
NO_ANALYSIS_MESSAGE = (
    "No tone analysis yet: import your posts, then POST /api/users/analyze-posts (an import starts one too)."
)
NO_POSTS_MESSAGE = "You have no posts to analyse: import posts first."


class NoPostsToAnalyze(RuntimeError):
    """The user has no posts; the analysis run fails with this message."""


# ----- reading posts and the stored analysis ------------------------------------------------------------


def posts_to_analyze(
    session: Session, user_id: uuid.UUID, limit: int = MAX_POSTS_ANALYZED
) -> list[tuple[uuid.UUID, str]]:
    """The ids and texts of the posts an analysis reads: the user's newest non-empty ones (undated last)."""
    rows = session.execute(
        select(UserPost.id, UserPost.content)
        .where(UserPost.user_id == user_id, func.length(func.trim(UserPost.content)) > 0)
        .order_by(UserPost.posted_at.desc().nulls_last(), UserPost.created_at.desc())
        .limit(limit)
    )
    return [(row.id, row.content) for row in rows]


def save_post_tones(
    session: Session, user_id: uuid.UUID, post_ids: Sequence[uuid.UUID], results: Sequence[ToneResult]
) -> int:
    """Store each post's tone and tone probabilities (a post deleted meanwhile is skipped); rows written."""
    if len(post_ids) != len(results):
        raise ValueError(f"{len(post_ids)} posts but {len(results)} tone results")
    if not post_ids:
        return 0
    rows = [
        {"pid": post_id, "uid": user_id, "tone": result["label"],
         "scores": {label: round(float(p), 4) for label, p in result["scores"].items()}}
        for post_id, result in zip(post_ids, results, strict=True)
    ]  # fmt: skip
    table = cast(Table, UserPost.__table__)
    statement = (
        update(table)
        .where(table.c.id == bindparam("pid"), table.c.user_id == bindparam("uid"))
        .values(tone=bindparam("tone"), tone_scores=bindparam("scores"))
    )
    session.execute(statement, rows)  # one executemany
    return len(rows)


def count_posts(session: Session, user_id: uuid.UUID) -> int:
    """How many posts the user has imported."""
    return int(session.scalar(select(func.count()).where(UserPost.user_id == user_id)) or 0)


def to_response(analysis: ToneAnalysis) -> ToneAnalysisOut:
    """The API view of a stored analysis."""
    data = analysis.analysis_data
    profile = data.get("style_profile", {})
    return ToneAnalysisOut(
        primary_tone=data["primary_tone"],
        tone_distribution=data["tone_distribution"],
        confidence=float(analysis.confidence_score or 0.0),
        mean_margin=float(data.get("mean_margin", 0.0)),
        style_keywords=data.get("style_keywords", []),
        common_phrases=data.get("common_phrases", []),
        sentence_structure=data.get("sentence_structure", {}),
        emoji_usage=profile.get("emoji", {}),
        model_version=analysis.model_version,
        posts_analyzed=analysis.posts_analyzed,
        computed_at=analysis.last_updated,
    )


# ----- the analysis --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToneSummary:
    """What the classifier says about a set of posts as a whole."""

    primary_tone: str
    distribution: dict[str, float]
    mean_scores: dict[str, float]
    confidence: float
    mean_margin: float


def summarize_tones(results: Sequence[ToneResult]) -> ToneSummary:
    """Share of posts per predicted tone; the primary tone is the most common one.

    Ties go to the tone with the higher mean probability. `confidence` is the share of posts whose top
    tone is the primary one (how consistent the voice is); `mean_margin` is the mean gap between each
    post's top two tone probabilities (how sure the classifier is, post by post).
    """
    if not results:
        raise ValueError("no classified posts to summarise")
    labels = list(results[0]["scores"])
    votes = Counter(result["label"] for result in results)
    mean_scores = {label: sum(r["scores"][label] for r in results) / len(results) for label in labels}
    primary = max(labels, key=lambda label: (votes[label], mean_scores[label]))
    return ToneSummary(
        primary_tone=primary,
        distribution={label: round(votes[label] / len(results), 4) for label in labels},
        mean_scores={label: round(score, 4) for label, score in mean_scores.items()},
        confidence=round(votes[primary] / len(results), 4),
        mean_margin=round(sum(_margin(r["scores"]) for r in results) / len(results), 4),
    )


def _margin(scores: dict[str, float]) -> float:
    """Top probability minus the runner-up's (the top one alone when there is a single tone)."""
    ranked = sorted(scores.values(), reverse=True)
    return ranked[0] - (ranked[1] if len(ranked) > 1 else 0.0)


def compose_analysis(results: Sequence[ToneResult], profile: StyleProfile) -> dict[str, Any]:
    """The `analysis_data` document: tone summary plus the style profile it was computed with."""
    summary = summarize_tones(results)
    return {
        "primary_tone": summary.primary_tone,
        "tone_distribution": summary.distribution,
        "mean_tone_scores": summary.mean_scores,
        "confidence": summary.confidence,
        "mean_margin": summary.mean_margin,
        "style_keywords": [term.term for term in profile.characteristic_words[:_TOP_TERMS]],
        "common_phrases": [term.term for term in profile.characteristic_phrases[:_TOP_TERMS]],
        "sentence_structure": {
            **profile.sentences.model_dump(),
            "question_sentence_ratio": profile.questions.question_sentence_ratio,
            "single_paragraph_ratio": profile.layout.single_paragraph_ratio,
            "posts_with_list_ratio": profile.layout.posts_with_list_ratio,
            "line_breaks_per_post": profile.layout.line_breaks_per_post,
        },
        "style_profile": profile.model_dump(mode="json"),
    }


def save_tone_analysis(
    session: Session,
    user_id: uuid.UUID,
    analysis_data: dict[str, Any],
    model_version: str,
    posts_analyzed: int,
) -> ToneAnalysis:
    """Insert or replace the user's single analysis row (flushes; the caller owns the transaction)."""
    analysis = session.scalar(select(ToneAnalysis).where(ToneAnalysis.user_id == user_id).with_for_update())
    if analysis is None:
        analysis = ToneAnalysis(user_id=user_id)
        session.add(analysis)
    analysis.analysis_data = {**analysis_data, "model": {"name": TONE.name, "version": str(model_version)}}
    analysis.confidence_score = float(analysis_data["confidence"])
    analysis.model_version = str(model_version)
    analysis.posts_analyzed = posts_analyzed
    analysis.last_updated = datetime.now(UTC)
    session.flush()
    return analysis


# ----- runs ----------------------------------------------------------------------------------------------


ANALYSIS_FLOW = "analyze-user-tone"
WAITING_FOR_MODEL = (
    "waiting for the first tone model, which is being trained (about a minute on a fresh install); "
    "the analysis runs as soon as it is ready."
)
STILL_NO_MODEL = (
    "waiting for the first tone model ({reason}); the analysis runs as soon as one is registered."
)


@dataclass(frozen=True)
class StartedRun:
    """A started analysis run, and whether it waits for the first tone model."""

    flow_run_id: uuid.UUID
    status: StartStatus
    detail: str | None


def tone_model_missing() -> str | None:
    """None when a tone model can answer now, else what is missing (the first one is being prepared)."""
    return get_client(TONE, get_settings()).ready()


def start_tone_analysis(user_id: uuid.UUID) -> StartedRun:
    """Start the analyze-user-tone flow for a user (call after the posts commit). Without a tone model
    it starts all the same: the run waits for the first one. The caller records it with `record_run`."""
    from api.core.launcher import get_launcher

    missing = tone_model_missing()
    flow_run_id = get_launcher().start(ANALYSIS_FLOW, {"user_id": str(user_id)})
    if missing is None:
        return StartedRun(flow_run_id, "queued", None)
    return StartedRun(flow_run_id, "waiting_for_model", WAITING_FOR_MODEL)


def record_run(session: Session, user_id: uuid.UUID, run: StartedRun) -> None:
    """Remember a started run as the user's (a run id the launcher handed out twice is kept once)."""
    session.execute(
        pg_insert(ToneAnalysisRun)
        .values(flow_run_id=run.flow_run_id, user_id=user_id, status=run.status, detail=run.detail)
        .on_conflict_do_nothing(index_elements=[ToneAnalysisRun.flow_run_id])
    )


def request_tone_analysis(session: Session, user_id: uuid.UUID) -> StartedRun:
    """The POST endpoint's logic: refuse when there is nothing to analyse, else start and record a run."""
    if count_posts(session, user_id) == 0:
        raise Conflict(NO_POSTS_MESSAGE)
    run = start_tone_analysis(user_id)
    record_run(session, user_id, run)
    return run


def latest_run(session: Session, user_id: uuid.UUID, *, unfinished: bool) -> ToneAnalysisRun | None:
    """The user's newest unfinished run (or newest finished one)."""
    done = ToneAnalysisRun.finished_at.is_(None) if unfinished else ToneAnalysisRun.finished_at.is_not(None)
    return session.scalar(
        select(ToneAnalysisRun)
        .where(ToneAnalysisRun.user_id == user_id, done)
        .order_by(ToneAnalysisRun.requested_at.desc())
        .limit(1)
    )


class AnalysisPending(NotFound):
    """No analysis stored yet, but the one asked for is on its way (the detail says what it is doing)."""

    code = "analysis_pending"


def get_tone_analysis(session: Session, user_id: uuid.UUID) -> ToneAnalysis:
    """The user's stored analysis. Without one, a 404 that says where things stand: the analysis on its
    way (`analysis_pending`: queued, running, or waiting for the first tone model), the last one's
    failure, or how to get one."""
    analysis = session.scalar(select(ToneAnalysis).where(ToneAnalysis.user_id == user_id))
    if analysis is not None:
        return analysis
    pending = latest_run(session, user_id, unfinished=True)
    if pending is not None:
        raise AnalysisPending(
            f"No tone analysis yet: {run_progress_detail(pending)} "
            f"Follow it at /api/users/tone-analysis/runs/{pending.flow_run_id}."
        )
    finished = latest_run(session, user_id, unfinished=False)
    if finished is not None and finished.status == "failed":
        raise NotFound(
            f"No tone analysis yet: the last run failed ({finished.detail}). "
            "Start another with POST /api/users/analyze-posts."
        )
    raise NotFound(NO_ANALYSIS_MESSAGE)


def run_progress_detail(run: ToneAnalysisRun) -> str:
    """What a pending run is doing, in words."""
    if run.status == "waiting_for_model":
        return run.detail or WAITING_FOR_MODEL
    if run.status == "running":
        return "your posts are being analysed."
    return "the analysis is queued and starts shortly."


def analysis_run_status(session: Session, user_id: uuid.UUID, flow_run_id: uuid.UUID) -> AnalysisRunStatus:
    """The state of one of the user's analysis runs. Another user's run, or an id that is no run of
    theirs, is a 404 answered from the database without asking the orchestrator; an orchestrator that
    does not answer in time is a 503 with Retry-After."""
    from api.core.launcher import read_flow_run_within

    run = get_owned(session, ToneAnalysisRun, user_id, flow_run_id, "tone analysis run")
    view = read_flow_run_within(flow_run_id)
    if view is None:  # the orchestrator forgot it (its database was reset): our record is all there is
        state = _RECORDED_STATE[run.status]
        return AnalysisRunStatus(
            flow_run_id=flow_run_id,
            state=state,
            state_name=state.title(),
            done=run.finished_at is not None,
            succeeded=None if run.finished_at is None else run.status == "completed",
            message=run.detail,
            analysis_status=cast(RunProgress, run.status),
        )
    message = view.message
    if not view.final and run.status == "waiting_for_model":
        message = run_progress_detail(run)
    return AnalysisRunStatus(
        flow_run_id=flow_run_id,
        state=cast(RunState, view.state_type),
        state_name=view.state_name,
        done=view.final,
        succeeded=view.succeeded if view.final else None,
        message=message,
        analysis_status=cast(RunProgress, run.status),
    )


_RECORDED_STATE: dict[str, RunState] = {
    "queued": "SCHEDULED",
    "waiting_for_model": "RUNNING",
    "running": "RUNNING",
    "completed": "COMPLETED",
    "failed": "FAILED",
}


# ----- the flow's side of a run --------------------------------------------------------------------------


def mark_run(
    session: Session, flow_run_id: uuid.UUID, status: RunProgress, detail: str | None = None
) -> None:
    """Say what an unfinished run is doing (a run the API has not recorded yet is left alone)."""
    session.execute(
        update(ToneAnalysisRun)
        .where(ToneAnalysisRun.flow_run_id == flow_run_id, ToneAnalysisRun.finished_at.is_(None))
        .values(status=status, detail=detail)
    )


def fail_run(session: Session, flow_run_id: uuid.UUID, detail: str) -> None:
    """End a run that failed for a reason other than a missing model (the user is told why)."""
    session.execute(
        update(ToneAnalysisRun)
        .where(ToneAnalysisRun.flow_run_id == flow_run_id, ToneAnalysisRun.finished_at.is_(None))
        .values(status="failed", detail=detail[:2000], finished_at=func.now())
    )


def finish_runs(
    session: Session, user_id: uuid.UUID, flow_run_id: uuid.UUID | None, posts_read_at: datetime
) -> None:
    """Mark done every run a stored analysis covers: its own, and every one asked for before it read the
    posts (their posts were committed before they were asked for, so it saw them)."""
    covered = ToneAnalysisRun.requested_at <= posts_read_at
    if flow_run_id is not None:
        covered = or_(covered, ToneAnalysisRun.flow_run_id == flow_run_id)
    session.execute(
        update(ToneAnalysisRun)
        .where(ToneAnalysisRun.user_id == user_id, ToneAnalysisRun.finished_at.is_(None), covered)
        .values(status="completed", detail=None, finished_at=func.now())
    )


def count_unfinished_runs(session: Session, since: datetime) -> int:
    """How many analyses asked for since `since` are not done yet (all users)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ToneAnalysisRun)
            .where(ToneAnalysisRun.finished_at.is_(None), ToneAnalysisRun.requested_at >= since)
        )
        or 0
    )


def resume_pending_analyses(is_live: Callable[[ToneAnalysisRun], bool]) -> list[uuid.UUID]:
    """Start a new run for every user whose requested analysis has no live run (one that waited for a
    model in vain, or that a stop interrupted); return those users. The new run covers the old ones."""
    with session_scope() as session:
        pending = session.scalars(
            select(ToneAnalysisRun)
            .where(ToneAnalysisRun.finished_at.is_(None))
            .order_by(ToneAnalysisRun.requested_at)
        ).all()
        by_user: dict[uuid.UUID, list[ToneAnalysisRun]] = {}
        for run in pending:
            by_user.setdefault(run.user_id, []).append(run)
        session.expunge_all()
    resumed = []
    for user_id, runs in by_user.items():
        if any(is_live(run) for run in runs):
            continue
        started = start_tone_analysis(user_id)
        with session_scope() as session:
            record_run(session, user_id, started)
        resumed.append(user_id)
    return resumed


def classify_with_champion(texts: Sequence[str]) -> tuple[list[ToneResult], str]:
    """Classify with the tone champion (its service or in-process) and the version that answered."""
    prediction = get_client(TONE, get_settings()).predict(list(texts))
    return prediction.results, prediction.version
