"""`analyze-user-tone`: classify a user's posts with the champion, profile their style, store the result.

A run asked for before any tone model exists waits for the first one (bounded by MODEL_WAIT_SECONDS,
with its progress logged and shown to the user); if that runs out, what was asked for stays pending and
`flows.bootstrap` runs it again once the first champion is registered, so it is never lost.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from api.core.config import get_settings
from api.core.db import session_scope
from api.voice import service as voice_service
from api.voice.schemas import RunProgress
from ml.client import ModelUnavailable, get_client, wait_until_ready
from ml.tone import TONE, ToneResult
from models.style.profile import StyleProfile, build_style_profile


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load_posts(user_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """Read the user's newest posts (ids and texts)."""
    with session_scope() as session:
        return voice_service.posts_to_analyze(session, user_id)


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def record_progress(flow_run_id: uuid.UUID | None, status: RunProgress, detail: str | None = None) -> None:
    """Say on the user's run record what this run is doing (or why it failed)."""
    if flow_run_id is None:
        return
    with session_scope() as session:
        if status == "failed":
            voice_service.fail_run(session, flow_run_id, detail or "the analysis failed")
        else:
            voice_service.mark_run(session, flow_run_id, status, detail)


@task(cache_policy=NO_CACHE)
def wait_for_tone_model(flow_run_id: uuid.UUID | None) -> float:
    """Wait until a tone champion can answer (at most MODEL_WAIT_SECONDS, progress logged); seconds waited."""
    logger = get_run_logger()
    limit = get_settings().model_wait_seconds
    waited_at_all = False

    def waiting(waited: float, reason: str) -> None:
        nonlocal waited_at_all
        if not waited_at_all:
            waited_at_all = True
            logger.info("no tone model can answer yet (%s): waiting at most %.0fs", reason, limit)
        else:
            logger.info("still waiting for the first tone model: %.0fs of at most %.0fs", waited, limit)

    waited = wait_until_ready(get_client(TONE, get_settings()), limit, on_wait=waiting)
    if waited_at_all:
        logger.info("a tone model answers after %.0fs of waiting", waited)
    record_progress.fn(flow_run_id, "running")
    return waited


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def classify_posts(texts: list[str]) -> tuple[list[ToneResult], str]:
    """Classify every post with the champion (serving endpoint or in-process) and name its version."""
    results, version = voice_service.classify_with_champion(texts)
    get_run_logger().info("classified %d posts with tone-classifier v%s", len(results), version)
    return results, version


@task(cache_policy=NO_CACHE)
def profile_style(texts: list[str]) -> StyleProfile:
    """Measure the user's writing habits and voice embedding."""
    return build_style_profile(texts)


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def store_analysis(
    user_id: uuid.UUID,
    analysis_data: dict[str, Any],
    model_version: str,
    post_ids: list[uuid.UUID],
    results: list[ToneResult],
    flow_run_id: uuid.UUID | None,
    posts_read_at: datetime,
) -> None:
    """Write (or replace) the user's tone_analysis row, each post's tone, and mark done the runs it answers,
    in one transaction."""
    with session_scope() as session:
        voice_service.save_tone_analysis(session, user_id, analysis_data, model_version, len(post_ids))
        voice_service.save_post_tones(session, user_id, post_ids, results)
        voice_service.finish_runs(session, user_id, flow_run_id, posts_read_at)


@flow(name="analyze-user-tone", log_prints=True)
def analyze_user_tone(user_id: uuid.UUID) -> dict[str, Any]:
    """Analyse a user's posts: tone with the champion classifier (stored per post too), style profile,
    one tone_analysis row."""
    run_id = uuid.UUID(flow_run.id) if flow_run.id else None
    posts_read_at = datetime.now(UTC)
    posts = load_posts(user_id)
    post_ids, texts = [post_id for post_id, _ in posts], [text for _, text in posts]
    try:
        if not texts:
            raise voice_service.NoPostsToAnalyze(voice_service.NO_POSTS_MESSAGE)
        if voice_service.tone_model_missing() is None:
            record_progress(run_id, "running")
        else:
            record_progress(run_id, "waiting_for_model", voice_service.WAITING_FOR_MODEL)
        # The style needs no model: it is measured while the first one may still be in training.
        profile = profile_style(texts)
        wait_for_tone_model(run_id)
        results, version = classify_posts(texts)
    except ModelUnavailable as error:
        # Still wanted: the record stays unfinished and the run is started again with the first champion.
        record_progress(run_id, "waiting_for_model", voice_service.STILL_NO_MODEL.format(reason=error))
        raise
    except Exception as error:
        record_progress(run_id, "failed", str(error))
        raise
    analysis_data = voice_service.compose_analysis(results, profile)
    store_analysis(user_id, analysis_data, version, post_ids, results, run_id, posts_read_at)
    return {
        "user_id": str(user_id),
        "primary_tone": analysis_data["primary_tone"],
        "confidence": analysis_data["confidence"],
        "model_version": version,
        "posts_analyzed": len(texts),
    }
