"""Drafts in the user's voice: prompt, LLM (any OpenAI-compatible endpoint), checks and repairs, voice
match and engagement prediction, ranked and stored. One implementation for both callers: the synchronous
endpoint stores nothing unless every step succeeded (its transaction rolls back), a generation job commits
each draft as it is stored (api/generation/jobs.py)."""

from __future__ import annotations

import json
import logging
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import openai
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.models import User
from api.content import service as content_service
from api.content.models import ContentDraft
from api.content.schemas import DraftCreate
from api.core.config import Settings, get_settings
from api.core.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from api.core.ownership import Scope
from api.generation.checks import Allowed, Checked, check, leading_sentences
from api.generation.grammar import entity_grammar
from api.generation.schemas import (
    GenerateIn,
    VoiceClusterMatch,
    VoiceClusterOut,
    VoiceMatchOut,
    VoiceProfileOut,
)
from api.history.models import UserPost
from api.platforms import registry
from api.platforms.base import THREAD_PROMPT_RULE, PlatformPlugin
from api.templates.models import ContentTemplate
from api.webhooks import service as webhooks
from api.workspaces import service as workspaces
from models.style.embedder import default_embedder
from models.style.text_features import extract_urls
from models.voice.match import MIN_POSTS, StyleCluster, VoiceProfile

logger = logging.getLogger("postwright.generation")

TRIES_PER_VARIANT = 3
EXAMPLES = 4
# An example post shown to the model keeps at least this many words once its links and reply handles are gone.
MIN_EXAMPLE_WORDS = 4
MAX_PROFILE_POSTS = 300
# Varied wording, and a mild penalty on tokens already used: a small model's repetition loops (a post of
# one emoji a hundred times) start with a token repeated. Both are standard OpenAI parameters.
TEMPERATURE = 0.9
FREQUENCY_PENALTY = 0.5
# The completion's token budget: the platform's limit at the fewest characters per token measured with
# SmolLM2's own tokenizer on the shipped accounts' posts (2.56 to 3.27 for four X accounts' tweets, whose
# links, mentions and hashtags split into many tokens; 4.21 for a LinkedIn creator's prose). A post that fits
# the platform is not cut; a runaway one (an "X post" of 1,500 characters) stops after about 450 characters
# instead of LLM_MAX_TOKENS, and is cut back to its whole sentences that fit (`checks.finish`). A thread has
# no limit of its own: LLM_MAX_TOKENS bounds it.
CHARS_PER_TOKEN = 2.5
# Without posts of the user's on the platform, the prompt asks for this length.
DEFAULT_CHARS = 200
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


def _own_posts(session: Session, user: User, platform: str, elsewhere: bool = False) -> list[UserPost]:
    """The user's newest MAX_PROFILE_POSTS posts on the platform (a voice drifts: the latest ones speak for
    it), oldest first; `elsewhere`: on every other platform."""
    on_platform = UserPost.platform != platform if elsewhere else UserPost.platform == platform
    newest = session.scalars(
        select(UserPost)
        .where(UserPost.user_id == user.id, on_platform)
        .order_by(UserPost.posted_at.desc().nulls_last(), UserPost.id.desc())
        .limit(MAX_PROFILE_POSTS)
    )
    return list(reversed(list(newest)))


def _engagement(post: UserPost) -> float:
    metrics = post.engagement_metrics or {}
    return float(
        sum(
            v
            for k, v in metrics.items()
            if k in ("likes", "comments", "shares") and isinstance(v, int | float)
        )
    )


@lru_cache(maxsize=64)
def _cached_vectors(texts: tuple[str, ...]) -> Any:
    return default_embedder().embed(list(texts))


@lru_cache(maxsize=64)
def _cached_profile(texts: tuple[str, ...]) -> VoiceProfile:
    return VoiceProfile(list(texts))


def voice_profile(posts: list[UserPost]) -> VoiceProfile:
    """The user's voice profile, built once per process for each state of their posts' texts (embedding a
    few hundred posts costs seconds on a CPU; a request should not pay it again). Keyed by the texts alone:
    new metrics on the same posts (an import's update, a metric pull) keep the profile."""
    return _cached_profile(tuple(post.content for post in posts))


def max_tokens(plugin: PlatformPlugin, thread: bool, cap: int) -> int:
    """The completion's token budget: the platform's limit in tokens (`CHARS_PER_TOKEN`), at most `cap`
    (LLM_MAX_TOKENS); a thread gets `cap`."""
    if thread and plugin.threads:
        return cap
    return max(16, min(cap, math.ceil(plugin.length.limit / CHARS_PER_TOKEN)))


def habits_of(own_texts: list[str]) -> dict[str, float]:
    """The user's habits on a platform, from their posts there: median length in characters and words,
    median hashtags per post (`DEFAULT_CHARS` and none without posts)."""
    if not own_texts:
        return {"chars": float(DEFAULT_CHARS), "words": float(DEFAULT_CHARS // 6), "hashtags": 0.0}
    return {
        "chars": float(np.median([len(text) for text in own_texts])),
        "words": float(np.median([len(text.split()) for text in own_texts])),
        "hashtags": float(np.median([len(text.split("#")) - 1 for text in own_texts])),
    }


def asked_length(plugin: PlatformPlugin, habits: dict[str, Any]) -> tuple[int, int]:
    """The length the prompt asks for, in words and characters: the user's median on the platform, at most
    nine tenths of the platform's limit (a model aiming at the limit overshoots it)."""
    chars = float(habits.get("chars", DEFAULT_CHARS))
    words = float(habits.get("words", chars / 6))
    ceiling = 0.9 * plugin.length.limit
    if chars > ceiling:
        words, chars = words * ceiling / chars, ceiling
    return max(1, round(words)), max(1, round(chars))


_REPLY_HANDLES = re.compile(r"^(?:\s*[@\uFF20]\w+)+\s*")


def example_for_prompt(post: str) -> str:
    """One of the user's posts as the model is shown it: without its links (a new post cannot reuse an
    old post's link, and a model shown links writes links) and without the handles a reply opens with (a
    new post answers nobody); empty when too few of the user's own words are left to show."""
    text = post
    for url in extract_urls(text):
        text = text.replace(url, "")
    text = _REPLY_HANDLES.sub("", text, count=1)  # after the links: what it leaves is shown as it is
    text = re.sub(r"[ \t]+\n", "\n", re.sub(r"[ \t]{2,}", " ", text)).strip()
    return text if len(text.split()) >= MIN_EXAMPLE_WORDS else ""


def _examples(
    posts: list[UserPost], topic: str, shown: Callable[[str], str] = example_for_prompt
) -> list[str]:
    """The user's own posts closest to the topic, best performing first, as the model is shown them
    (`shown`: a post it makes empty is left out). Closeness is measured on what is shown: a LinkedIn post's
    opening is embedded, not the whole post (a fifth of the tokens on the request that embeds them first)."""
    candidates = [(post, text) for post in posts if (text := shown(post.content))]
    if not candidates:
        return []
    vectors = _cached_vectors(tuple(text for _, text in candidates))
    similarity = vectors @ default_embedder().embed([topic])[0]
    closest = [candidates[i] for i in np.argsort(-similarity)[: EXAMPLES * 2]]
    best = sorted(closest, key=lambda pair: _engagement(pair[0]), reverse=True)[:EXAMPLES]
    return [text for _, text in best]


def borrowed_example(post: str, plugin: PlatformPlugin, chars: int) -> str:
    """One of the user's posts on another platform as the model is shown it when they have none on the asked
    one: cleaned as `example_for_prompt` does, then only its opening whole sentences that fit the `chars`
    the prompt asks for (a LinkedIn post's first lines as an X post: their voice at the new platform's
    length; a whole LinkedIn post shown to a small model asked for an X post makes it write one as long);
    empty when its first sentence is longer or too few words are left."""
    text = leading_sentences(example_for_prompt(post), plugin.length, chars)
    return text if len(text.split()) >= MIN_EXAMPLE_WORDS else ""


def build_messages(
    user: User,
    body: GenerateIn,
    examples: list[str],
    template: ContentTemplate | None,
    habits: dict[str, Any],
) -> list[dict[str, str]]:
    """The chat messages: who the user is, how they write (how long: their median post on the platform, so
    the model stops near it), the platform's rules, and what to write."""
    plugin = registry.get(body.platform)
    thread = body.thread and plugin.threads
    rules = plugin.prompt_rules + (f"; {THREAD_PROMPT_RULE}" if thread else "")
    who = ", ".join(part for part in (user.name, user.role, user.company) if part)
    if user.niche:
        who += f", writing about {user.niche}"
    words, chars = asked_length(plugin, habits)
    system = (
        f"You write social media posts for {who or 'a professional'} in their own voice. "
        f"Rules: {rules}. Write only the post itself: no preamble, no quotes around it, no @mentions, "
        "links or hashtags they did not use themselves, no quotations or names of people, companies or "
        "articles they did not give. "
        f"Their {plugin.display_name} posts are about {words} words ({chars} characters) long, with "
        f"{habits.get('hashtags', 0):g} hashtags: write {'each post of the thread' if thread else 'yours'} "
        "about that long."
    )
    length = "" if thread else f" of about {words} words"
    parts = [f"Write a {body.content_type or 'post'}{length} about: {body.topic}"]
    if body.notes:
        parts.append(f"It must say: {body.notes}")
    if template is not None:
        parts.append(f"Follow this structure:\n{template.template_content}")
    # The user's own posts go in as earlier turns of the conversation (asked for by their opening words,
    # answered with the post itself): a small model imitates what it "wrote" before far more than a list
    # of examples inside the request.
    shots: list[dict[str, str]] = []
    for example in filter(None, map(example_for_prompt, examples)):
        opening = " ".join(example.split()[:8])
        shots.append({"role": "user", "content": f"Write a post about: {opening}"})
        shots.append({"role": "assistant", "content": example})
    return [
        {"role": "system", "content": system},
        *shots,
        {"role": "user", "content": "\n\n".join(parts)},
    ]


def _nonsense(settings: Settings, what: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"The LLM at {settings.llm_base_url} did not answer with a chat completion ({what}); check that "
        "LLM_BASE_URL names an OpenAI-compatible endpoint (its /v1).",
        retry_after=60,
    )


_MISSING = object()


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _completion(response: object, settings: Settings) -> tuple[str, int, int, bool]:
    """The text, token counts and whether the model stopped at the token limit (`finish_reason` "length")
    of a chat completion, read defensively: the client builds its response objects without validating
    them, so an answer that is not a completion arrives as a string (any non-JSON body, an HTML page), a
    list, None, or an object whose attributes are missing or of any type."""
    if isinstance(response, str):
        raise _nonsense(settings, "a body that is not JSON")
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list):
        raise _nonsense(settings, "JSON without a list of choices")
    if not choices:
        raise _nonsense(settings, "no choices")
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", _MISSING) if message is not None else _MISSING
    if content is _MISSING:
        raise _nonsense(settings, "a choice without a message")
    if content is not None and not isinstance(content, str):
        raise _nonsense(settings, "a message whose content is not text")
    usage = getattr(response, "usage", None)
    return (
        # PostgreSQL cannot store NUL in text: left in, the model's slip would be refused as the client's.
        (content or "").replace("\x00", ""),
        _count(getattr(usage, "prompt_tokens", 0)),
        _count(getattr(usage, "completion_tokens", 0)),
        getattr(choices[0], "finish_reason", None) == "length",
    )


def _ask(
    client: openai.OpenAI,
    settings: Settings,
    messages: list[dict[str, str]],
    max_tokens: int | None = None,
    grammar: str | None = None,
) -> tuple[str, int, int, bool]:
    """One completion: its text, prompt tokens, completion tokens and whether it stopped at `max_tokens`
    (LLM_MAX_TOKENS by default); with a llama.cpp `grammar`, written within it. Anything but a chat
    completion is a 503 naming what came back (never a 500: the endpoint is configuration, not our code)."""
    try:
        response = client.chat.completions.create(
            model=settings.llm_model,
            messages=messages,  # type: ignore[arg-type]
            max_tokens=max_tokens or settings.llm_max_tokens,
            temperature=TEMPERATURE,
            frequency_penalty=FREQUENCY_PENALTY,
            extra_body={"grammar": grammar} if grammar else None,
        )
    except (openai.APIConnectionError, openai.APITimeoutError, openai.InternalServerError) as error:
        raise ServiceUnavailable(
            f"The LLM at {settings.llm_base_url} did not answer: {error}", retry_after=30
        ) from error
    except openai.APIStatusError as error:
        raise ServiceUnavailable(
            f"The LLM at {settings.llm_base_url} refused the request ({error.status_code})", retry_after=60
        ) from error
    except openai.APIResponseValidationError as error:
        raise _nonsense(settings, "a response the client could not read") from error
    # A JSON content type over a body that is not JSON (an empty body, a page) fails while the client
    # decodes it: json's error, or a UnicodeDecodeError for bytes in no encoding.
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _nonsense(settings, "a body that is not valid JSON") from error
    return _completion(response, settings)


@dataclass
class Plan:
    """Everything a generation needs from the database and settings, read once before the first LLM call
    (so a caller can end its transaction while the LLM writes)."""

    user: User  # the author: whose voice, posts and habits
    scope: Scope  # where the drafts go, and who asked
    body: GenerateIn
    settings: Settings
    client: openai.OpenAI
    messages: list[dict[str, str]]
    own_texts: list[str]
    profile: VoiceProfile | None
    allowed: Allowed
    content_type: str | None
    max_tokens: int = 0  # the completion's budget (`max_tokens`); 0: LLM_MAX_TOKENS
    grammar: str | None = None  # a llama.cpp grammar sent with each request (LLM_GRAMMAR)
    voice_from: tuple[str, ...] = ()  # with no posts on the platform: the platforms whose posts were shown


def validate(session: Session, body: GenerateIn) -> ContentTemplate | None:
    """What can be refused before anything is generated: a thread off X (409), an unknown template (404),
    no LLM configured (503). Returns the template, if any."""
    if body.thread and not registry.get(body.platform).threads:
        with_threads = [plugin for plugin in registry.plugins() if plugin.threads]
        raise Conflict(
            f"Threads are {' and '.join(p.display_name for p in with_threads) or 'no platform'}'s format; "
            f"set platform to {' or '.join(p.name for p in with_threads) or 'one that has them'} "
            "or thread to false."
        )
    template = None
    if body.template_id is not None:
        template = session.get(ContentTemplate, body.template_id)
        if template is None:
            raise NotFound(f"No template {body.template_id}.")
    _client(get_settings())
    return template


def prepare(session: Session, scope: Scope, user: User, body: GenerateIn) -> Plan:
    """Validate the request and read what the prompt and the checks need (the user's posts, habits and
    voice profile)."""
    settings = get_settings()
    template = validate(session, body)
    plugin = registry.get(body.platform)
    posts = _own_posts(session, user, body.platform)
    own_texts = [post.content for post in posts]
    profile = voice_profile(posts) if len(own_texts) >= MIN_POSTS else None
    habits = habits_of(own_texts)
    elsewhere: list[UserPost] = []
    if posts:
        examples = _examples(posts, body.topic)
    else:
        # None on this platform: their voice from their posts elsewhere, at this platform's length.
        elsewhere = _own_posts(session, user, body.platform, elsewhere=True)
        chars = asked_length(plugin, habits)[1]
        examples = _examples(elsewhere, body.topic, lambda text: borrowed_example(text, plugin, chars))
    # What the user gave: a variant may name, quote, link and tag only what these texts hold (their posts
    # elsewhere too: what they wrote there is theirs; the hashtags stay at this platform's habit).
    profile_texts = [user.name, user.role, user.company, user.niche]
    request = [body.topic, body.notes or "", template.template_content if template is not None else ""]
    max_hashtags = int(np.ceil(habits["hashtags"]))
    allowed = Allowed.from_texts(
        [*request, *(text for text in profile_texts if text), *own_texts, *(p.content for p in elsewhere)],
        max_hashtags=max_hashtags,
    )
    return Plan(
        user=user,
        scope=scope,
        body=body,
        settings=settings,
        client=_client(settings),
        messages=build_messages(user, body, examples, template, habits),
        # A near copy is judged against what the model was shown of the user's posts when none is here.
        own_texts=own_texts or examples,
        profile=profile,
        allowed=allowed,
        content_type="thread" if body.thread else body.content_type,
        max_tokens=max_tokens(plugin, body.thread, settings.llm_max_tokens),
        grammar=entity_grammar(own_texts, request, max_hashtags) if settings.llm_grammar else None,
        voice_from=tuple(sorted({post.platform for post in elsewhere})) if examples else (),
    )


def _variant(plan: Plan, others: list[str]) -> Generated | None:
    """One variant that passes the checks, or None after TRIES_PER_VARIANT tries."""
    for attempt in range(1, TRIES_PER_VARIANT + 1):
        started = time.perf_counter()
        text, prompt_tokens, completion_tokens, truncated = _ask(
            plan.client, plan.settings, plan.messages, plan.max_tokens, plan.grammar
        )
        checked = check(
            text, plan.body.platform, plan.content_type, plan.allowed, plan.own_texts, others, truncated
        )
        if not checked.problems and checked.text:
            return Generated(
                checked.text,
                checked,
                prompt_tokens,
                completion_tokens,
                time.perf_counter() - started,
                attempt,
            )
        logger.info("variant regenerated", extra={"problems": checked.problems, "attempt": attempt})
    return None


def _store(session: Session, plan: Plan, item: Generated) -> ContentDraft:
    body = plan.body
    new = DraftCreate.model_construct(  # a validated request's platform, a checked text
        platform=body.platform, content=item.text, content_type=plan.content_type
    )
    draft = content_service.create_draft(
        session, plan.scope, new, template_id=body.template_id, author_id=plan.user.id
    )
    [match] = plan.profile.match([item.text]) if plan.profile is not None else [None]
    draft.voice_match = (
        None
        if match is None
        else {
            "score": match.score,
            "percentile": match.percentile,
            "differences": match.differences,
            "cluster": match.cluster,
        }
    )
    record: dict[str, Any] = {
        "model": plan.settings.llm_model,
        "prompt_tokens": item.prompt_tokens,
        "completion_tokens": item.completion_tokens,
        "seconds": round(item.seconds, 2),
        "tries": item.tries,
        "checks_passed": item.checked.passed,
        "repairs": item.checked.repairs,
    }
    if plan.voice_from:
        record["voice_from"] = list(plan.voice_from)
    draft.generation = record
    session.flush()
    return draft


def write(session: Session, plan: Plan) -> Iterator[ContentDraft]:
    """Write the variants one by one, each stored as a draft (flushed, with its voice match, engagement
    prediction and generation record) before it is yielded. A variant that fails its checks
    TRIES_PER_VARIANT times is left out; 503 when none passes, or when the LLM fails (the drafts yielded
    before stay in the session: the caller's transaction decides whether they are kept)."""
    texts: list[str] = []
    for _ in range(plan.body.variants):
        item = _variant(plan, texts)
        if item is None:
            continue
        texts.append(item.text)
        yield _store(session, plan, item)
    if not texts:
        raise _none_passed()


def compose(plan: Plan) -> list[Generated]:
    """The variants that pass their checks, with no database session: a caller writes them while no
    transaction is open, then stores them with `store`. 503 when none passes, or when the LLM fails."""
    items: list[Generated] = []
    for _ in range(plan.body.variants):
        item = _variant(plan, [done.text for done in items])
        if item is not None:
            items.append(item)
    if not items:
        raise _none_passed()
    return items


def store(session: Session, plan: Plan, items: list[Generated]) -> list[ContentDraft]:
    """Drafts of composed variants (`plan.user` may be detached: only its id is read), best first."""
    return sorted((_store(session, plan, item) for item in items), key=rank_score, reverse=True)


def _none_passed() -> ServiceUnavailable:
    return ServiceUnavailable(
        f"The LLM produced no post that passes the checks in {TRIES_PER_VARIANT} tries; try again or "
        "rephrase the topic.",
        retry_after=5,
    )


def announce(session: Session, workspace_id: uuid.UUID, body: GenerateIn, draft_ids: list[uuid.UUID]) -> None:
    """Tell the workspace's webhooks of generated drafts (`draft.generated`), once per generation."""
    webhooks.emit(
        session,
        workspace_id,
        "draft.generated",
        {"draft_ids": [str(i) for i in draft_ids], "platform": body.platform, "topic": body.topic},
    )


def generate(session: Session, scope: Scope, body: GenerateIn) -> list[ContentDraft]:
    """Generate, check, score and store `body.variants` drafts in the scope's workspace, in the voice of
    `body.write_as` (a member; the caller by default); best first. Raises before the end leave the drafts in
    the session, so the caller's rollback stores nothing."""
    author = author_of(session, scope, body)
    drafts = sorted(write(session, prepare(session, scope, author, body)), key=rank_score, reverse=True)
    announce(session, scope.workspace_id, body, [draft.id for draft in drafts])
    return drafts


def author_of(session: Session, scope: Scope, body: GenerateIn) -> User:
    """Whose voice: `write_as`, a member of the workspace (422 at body.write_as otherwise), or the caller."""
    author_id = body.write_as or scope.user_id
    if author_id != scope.user_id and not workspaces.is_member(session, scope.workspace_id, author_id):
        raise Unprocessable([{"loc": ["body", "write_as"], "msg": "not a member of this workspace"}])
    user = session.get(User, author_id)
    if user is None:
        raise Unprocessable([{"loc": ["body", "write_as"], "msg": "no such member"}])
    return user


def rank_score(draft: ContentDraft) -> float:
    """The documented blend: half the predicted engagement percentile, half the voice-match score."""
    voice = float((draft.voice_match or {}).get("score", 0.5))
    if draft.ai_confidence_score is None:
        return voice
    return ENGAGEMENT_WEIGHT * float(draft.ai_confidence_score) + (1 - ENGAGEMENT_WEIGHT) * voice


def _profile_posts(session: Session, user: User, platform: str, what: str) -> list[UserPost]:
    posts = _own_posts(session, user, platform)
    if len(posts) < MIN_POSTS:
        raise Conflict(
            f"{what} needs at least {MIN_POSTS} of your {platform} posts; you have {len(posts)}. "
            "Import more of your history (POST /api/posts/import)."
        )
    return posts


def cluster_label(cluster: StyleCluster) -> str:
    """A cluster's short name: its most characteristic phrase, else its number."""
    return cluster.phrases[0] if cluster.phrases else f"style {cluster.id + 1}"


def voice_match(session: Session, user: User, platform: str, content: str) -> VoiceMatchOut:
    """Score a text against the user's own posts on the platform (409 with too little history)."""
    posts = _profile_posts(session, user, platform, "A voice match")
    profile = voice_profile(posts)
    [match] = profile.match([content])
    cluster = profile.clusters[match.cluster]
    return VoiceMatchOut(
        score=match.score,
        percentile=match.percentile,
        closest_posts=[posts[index].id for index in match.closest],
        differences=match.differences,
        clusters=profile.cluster_count,
        cluster=VoiceClusterMatch(
            id=cluster.id,
            label=cluster_label(cluster),
            share=cluster.share,
            similarity=match.cluster_similarity,
        ),
    )


def describe_voice_profile(session: Session, user: User, platform: str) -> VoiceProfileOut:
    """The user's voice profile on the platform: its posts and its style clusters (409 with too few)."""
    posts = _profile_posts(session, user, platform, "A voice profile")
    profile = voice_profile(posts)
    return VoiceProfileOut(
        platform=platform,
        posts=len(profile.posts),
        calibration_posts=len(posts) - len(profile.posts),
        silhouette=profile.silhouette,
        clusters=[
            VoiceClusterOut(
                id=cluster.id,
                label=cluster_label(cluster),
                posts=cluster.size,
                share=cluster.share,
                phrases=cluster.phrases,
                example_posts=[posts[index].id for index in cluster.representatives],
            )
            for cluster in profile.clusters
        ],
    )
