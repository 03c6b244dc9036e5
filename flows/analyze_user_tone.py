"""`analyze-user-tone`: classify a user's posts with the champion, profile their style, store the result."""

from __future__ import annotations

import uuid
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from api.core.db import session_scope
from api.voice import service as voice_service
from ml.tone import ToneResult
from models.style.profile import StyleProfile, build_style_profile


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load_posts(user_id: uuid.UUID) -> list[str]:
    """Read the user's newest posts."""
    with session_scope() as session:
        return voice_service.post_texts(session, user_id)


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
def store_analysis(user_id: uuid.UUID, analysis_data: dict[str, Any], model_version: str, posts: int) -> None:
    """Write (or replace) the user's tone_analysis row."""
    with session_scope() as session:
        voice_service.save_tone_analysis(session, user_id, analysis_data, model_version, posts)


@flow(name="analyze-user-tone", log_prints=True)
def analyze_user_tone(user_id: uuid.UUID) -> dict[str, Any]:
    """Analyse a user's posts: tone with the champion classifier, style profile, one tone_analysis row."""
    texts = load_posts(user_id)
    if not texts:
        raise voice_service.NoPostsToAnalyze(voice_service.NO_POSTS_MESSAGE)
    results, version = classify_posts(texts)
    profile = profile_style(texts)
    analysis_data = voice_service.compose_analysis(results, profile)
    store_analysis(user_id, analysis_data, version, len(texts))
    return {
        "user_id": str(user_id),
        "primary_tone": analysis_data["primary_tone"],
        "confidence": analysis_data["confidence"],
        "model_version": version,
        "posts_analyzed": len(texts),
    }
