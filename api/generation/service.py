"""Drafts in the user's voice: prompt, LLM (any OpenAI-compatible endpoint), checks and repairs, voice
match and engagement prediction, ranked and stored. Nothing is stored unless every step succeeded."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import openai
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.content import service as content_service
from api.content.models import ContentDraft
from api.core.config import Settings, get_settings
from api.core.errors import Conflict, NotFound, ServiceUnavailable
from api.generation.checks import Allowed, Checked, check
from api.generation.schemas import GenerateIn, VoiceMatchOut
from api.posts.models import UserPost
from api.templates.models import ContentTemplate
from api.users.models import User
from api.webhooks import service as webhooks
from models.style.profile import default_embedder
from models.voice.match import MIN_POSTS, VoiceProfile

logger = logging.getLogger("postwright.generation")

TRIES_PER_VARIANT = 3
EXAMPLES = 4
MAX_PROFILE_POSTS = 300
# Varied wording, and a mild penalty on tokens already used: a small model's repetition loops (a post of
# one emoji a hundred times) start with a token repeated. Both are standard OpenAI parameters.
TEMPERATURE = 0.9
FREQUENCY_PENALTY = 0.5
# Ranking: predicted engagement percentile and voice-match score weigh the same; without an engagement
# prediction (too little history, no model) the voice match alone ranks.
ENGAGEMENT_WEIGHT = 0.5


@dataclass
class Generated:
    text: str
    checked: Checked
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    tries: int


def _client(settings: Settings) -> openai.OpenAI:
    """The OpenAI client for the configured endpoint (one per process and configuration: creating one
    builds a TLS context, which costs more than a local completion)."""
    if not settings.llm_base_url:
        raise ServiceUnavailable(
            "No LLM is configured: set LLM_BASE_URL to an OpenAI-compatible endpoint (`make up` starts a "
            "local one).",
            retry_after=60,
        )
    return _cached_client(
        settings.llm_base_url, settings.llm_api_key.get_secret_value(), settings.llm_timeout_seconds
    )


@lru_cache(maxsize=8)
def _cached_client(base_url: str, api_key: str, timeout: float) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=1)


def _own_posts(session: Session, user: User, platform: str) -> list[UserPost]:
    return list(
        session.scalars(
            select(UserPost)
            .where(UserPost.user_id == user.id, UserPost.platform == platform)
            .order_by(UserPost.posted_at.asc().nulls_first())
            .limit(MAX_PROFILE_POSTS)
        )
    )


def _engagement(post: UserPost) -> float:
    metrics = post.engagement_metrics or {}
    return float(
        sum(
            v
            for k, v in metrics.items()
            if k in ("likes", "comments", "shares") and isinstance(v, int | float)
        )
    )


def _history_key(posts: list[UserPost]) -> tuple[str, ...]:
    """Identifies a user's post history as it is now: a new or edited post makes a new key."""
    return tuple(f"{post.id}:{post.updated_at.isoformat()}" for post in posts)


@lru_cache(maxsize=64)
def _cached_vectors(key: tuple[str, ...], texts: tuple[str, ...]) -> Any:
    return default_embedder().embed(list(texts))


@lru_cache(maxsize=64)
def _cached_profile(key: tuple[str, ...], texts: tuple[str, ...]) -> VoiceProfile:
    return VoiceProfile(list(texts))


def voice_profile(posts: list[UserPost]) -> VoiceProfile:
    """The user's voice profile, built once per process for each state of their history (embedding a few
    hundred posts costs seconds on a CPU; a request should not pay it again)."""
    return _cached_profile(_history_key(posts), tuple(post.content for post in posts))


def _examples(posts: list[UserPost], topic: str) -> list[str]:
    """The user's own posts closest to the topic, best performing first."""
    if not posts:
        return []
    vectors = _cached_vectors(_history_key(posts), tuple(post.content for post in posts))
    similarity = vectors @ default_embedder().embed([topic])[0]
    closest = [posts[i] for i in np.argsort(-similarity)[: EXAMPLES * 2]]
    return [post.content for post in sorted(closest, key=_engagement, reverse=True)[:EXAMPLES]]


def build_messages(
    user: User,
    body: GenerateIn,
    examples: list[str],
    template: ContentTemplate | None,
    habits: dict[str, Any],
) -> list[dict[str, str]]:
    """The chat messages: who the user is, how they write, the platform's rules, and what to write."""
    rules = (
        "X: at most 280 characters"
        + ("; a thread: posts separated by a line holding only ---" if body.thread else "")
        if body.platform == "twitter"
        else "LinkedIn: at most 3,000 characters; short paragraphs"
    )
    who = ", ".join(part for part in (user.name, user.role, user.company) if part)
    if user.niche:
        who += f", writing about {user.niche}"
    system = (
        f"You write social media posts for {who or 'a professional'} in their own voice. "
        f"Rules: {rules}. Write only the post itself: no preamble, no quotes around it, no @mentions, "
        "links or hashtags they did not use themselves. "
        f"Their habits: about {int(habits.get('chars', 200))} characters, "
        f"{habits.get('hashtags', 0):g} hashtags per post."
    )
    parts = [f"Write a {body.content_type or 'post'} about: {body.topic}"]
    if body.notes:
        parts.append(f"It must say: {body.notes}")
    if template is not None:
        parts.append(f"Follow this structure:\n{template.template_content}")
    # The user's own posts go in as earlier turns of the conversation (asked for by their opening words,
    # answered with the post itself): a small model imitates what it "wrote" before far more than a list
    # of examples inside the request.
    shots: list[dict[str, str]] = []
    for example in examples:
        opening = " ".join(example.split()[:8])
        shots.append({"role": "user", "content": f"Write a post about: {opening}"})
        shots.append({"role": "assistant", "content": example})
    return [
        {"role": "system", "content": system},
        *shots,
        {"role": "user", "content": "\n\n".join(parts)},
    ]


def _ask(client: openai.OpenAI, settings: Settings, messages: list[dict[str, str]]) -> tuple[str, int, int]:
    try:
        response = client.chat.completions.create(
            model=settings.llm_model,
            messages=messages,  # type: ignore[arg-type]
            max_tokens=settings.llm_max_tokens,
            temperature=TEMPERATURE,
            frequency_penalty=FREQUENCY_PENALTY,
        )
    except (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError) as error:
        raise ServiceUnavailable(
            f"The LLM at {settings.llm_base_url} did not answer: {error}", retry_after=30
        ) from error
    except openai.APIStatusError as error:
        raise ServiceUnavailable(
            f"The LLM at {settings.llm_base_url} refused the request ({error.status_code})", retry_after=60
        ) from error
    text = (response.choices[0].message.content or "") if response.choices else ""
    usage = response.usage
    return text, (usage.prompt_tokens if usage else 0), (usage.completion_tokens if usage else 0)


def generate(session: Session, user: User, body: GenerateIn) -> list[ContentDraft]:
    """Generate, check, score and store `body.variants` drafts; best first."""
    settings = get_settings()
    if body.thread and body.platform != "twitter":
        raise Conflict("Threads are an X format; set platform to twitter or thread to false.")
    template = None
    if body.template_id is not None:
        template = session.get(ContentTemplate, body.template_id)
        if template is None:
            raise NotFound(f"No template {body.template_id}.")
    posts = _own_posts(session, user, body.platform)
    own_texts = [post.content for post in posts]
    profile = voice_profile(posts) if len(own_texts) >= MIN_POSTS else None
    hashtags = [len(t.split("#")) - 1 for t in own_texts]
    habits = {
        "chars": float(np.median([len(t) for t in own_texts])) if own_texts else 200.0,
        "hashtags": float(np.median(hashtags)) if hashtags else 0.0,
    }
    allowed = Allowed.from_texts(
        [body.topic, body.notes or "", *own_texts],
        max_hashtags=int(np.ceil(habits["hashtags"])),
    )
    client = _client(settings)
    messages = build_messages(user, body, _examples(posts, body.topic), template, habits)
    content_type = "thread" if body.thread else body.content_type
    generated: list[Generated] = []
    for _ in range(body.variants):
        for attempt in range(1, TRIES_PER_VARIANT + 1):
            started = time.perf_counter()
            text, prompt_tokens, completion_tokens = _ask(client, settings, messages)
            checked = check(
                text, body.platform, content_type, allowed, own_texts, [g.text for g in generated]
            )
            if not checked.problems and checked.text:
                generated.append(
                    Generated(
                        checked.text,
                        checked,
                        prompt_tokens,
                        completion_tokens,
                        time.perf_counter() - started,
                        attempt,
                    )
                )
                break
            logger.info("variant regenerated", extra={"problems": checked.problems, "attempt": attempt})
    if not generated:
        raise ServiceUnavailable(
            f"The LLM produced no post that passes the checks in {TRIES_PER_VARIANT} tries; try again or "
            "rephrase the topic.",
            retry_after=5,
        )
    matches = profile.match([g.text for g in generated]) if profile is not None else [None] * len(generated)
    drafts = []
    for item, match in zip(generated, matches, strict=True):
        draft = content_service.create_draft(
            session, user.id, platform=body.platform, content=item.text, content_type=content_type,
            template_id=body.template_id,
        )  # fmt: skip
        draft.voice_match = (
            None
            if match is None
            else {
                "score": match.score,
                "percentile": match.percentile,
                "differences": match.differences,
            }
        )
        draft.generation = {
            "model": settings.llm_model,
            "prompt_tokens": item.prompt_tokens,
            "completion_tokens": item.completion_tokens,
            "seconds": round(item.seconds, 2),
            "tries": item.tries,
            "checks_passed": item.checked.passed,
            "repairs": item.checked.repairs,
        }
        drafts.append(draft)
    session.flush()
    drafts.sort(key=rank_score, reverse=True)
    webhooks.emit(
        session,
        user.id,
        "draft.generated",
        {"draft_ids": [str(d.id) for d in drafts], "platform": body.platform, "topic": body.topic},
    )
    return drafts


def rank_score(draft: ContentDraft) -> float:
    """The documented blend: half the predicted engagement percentile, half the voice-match score."""
    voice = float((draft.voice_match or {}).get("score", 0.5))
    if draft.ai_confidence_score is None:
        return voice
    return ENGAGEMENT_WEIGHT * float(draft.ai_confidence_score) + (1 - ENGAGEMENT_WEIGHT) * voice


def voice_match(session: Session, user: User, platform: str, content: str) -> VoiceMatchOut:
    """Score a text against the user's own posts on the platform (409 with too little history)."""
    posts = _own_posts(session, user, platform)
    if len(posts) < MIN_POSTS:
        raise Conflict(
            f"A voice match needs at least {MIN_POSTS} of your {platform} posts; you have {len(posts)}. "
            "Import more of your history (POST /api/posts/import)."
        )
    [match] = voice_profile(posts).match([content])
    return VoiceMatchOut(
        score=match.score,
        percentile=match.percentile,
        closest_posts=[posts[index].id for index in match.closest],
        differences=match.differences,
    )
