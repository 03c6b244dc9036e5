"""Tone analysis: turn a user's posts into their tone and style, store it, start and track the analysis runs.

The analysis itself is plain functions over a Session (the flow and the tests call them); starting a run
goes through `start_tone_analysis`, which the posts import also calls.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.config import get_settings
from api.core.errors import Conflict, NotFound, ServiceUnavailable
from api.posts.models import UserPost
from api.voice.models import ToneAnalysis
from api.voice.schemas import AnalysisRunStatus, RunState, ToneAnalysisOut
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


def post_texts(session: Session, user_id: uuid.UUID, limit: int = MAX_POSTS_ANALYZED) -> list[str]:
    """The user's newest non-empty posts (undated ones last)."""
    rows = session.scalars(
        select(UserPost.content)
        .where(UserPost.user_id == user_id, func.length(func.trim(UserPost.content)) > 0)
        .order_by(UserPost.posted_at.desc().nulls_last(), UserPost.created_at.desc())
        .limit(limit)
    )
    return list(rows)


def count_posts(session: Session, user_id: uuid.UUID) -> int:
    """How many posts the user has imported."""
    return int(session.scalar(select(func.count()).where(UserPost.user_id == user_id)) or 0)


def get_tone_analysis(session: Session, user_id: uuid.UUID) -> ToneAnalysis:
    """The user's stored analysis, or 404 telling them how to get one."""
    analysis = session.scalar(select(ToneAnalysis).where(ToneAnalysis.user_id == user_id))
    if analysis is None:
        raise NotFound(NO_ANALYSIS_MESSAGE)
    return analysis


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


def tone_model_ready() -> None:
    """503 with Retry-After while no tone model can answer (the first one is still being prepared)."""
    reason = get_client(TONE, get_settings()).ready()
    if reason is not None:
        raise ServiceUnavailable(reason, retry_after=30)


def start_tone_analysis(user_id: uuid.UUID) -> uuid.UUID:
    """Start the analyze-user-tone flow for a user and return its flow run id (call after posts commit)."""
    from api.core.launcher import get_launcher

    return get_launcher().start(ANALYSIS_FLOW, {"user_id": str(user_id)})


def request_tone_analysis(session: Session, user_id: uuid.UUID) -> uuid.UUID:
    """The POST endpoint's logic: refuse early when there is nothing to analyse or no model, else start."""
    if count_posts(session, user_id) == 0:
        raise Conflict(NO_POSTS_MESSAGE)
    tone_model_ready()
    return start_tone_analysis(user_id)


def analysis_run_status(user_id: uuid.UUID, flow_run_id: uuid.UUID) -> AnalysisRunStatus:
    """The state of one of the user's analysis runs; another user's run id is a 404 like a missing one."""
    from api.core.launcher import read_flow_run

    run = read_flow_run(flow_run_id)
    if run is None or run.flow_name != ANALYSIS_FLOW or str(run.parameters.get("user_id")) != str(user_id):
        raise NotFound(f"No tone analysis run {flow_run_id}.")
    return AnalysisRunStatus(
        flow_run_id=flow_run_id,
        state=cast(RunState, run.state_type),
        state_name=run.state_name,
        done=run.final,
        succeeded=run.succeeded if run.final else None,
        message=run.message,
    )


def classify_with_champion(texts: Sequence[str]) -> tuple[list[ToneResult], str]:
    """Classify with the tone champion (its service or in-process) and the version that answered."""
    prediction = get_client(TONE, get_settings()).predict(list(texts))
    return prediction.results, prediction.version
