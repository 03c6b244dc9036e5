"""Platform length rules: what X and LinkedIn will accept, counted the way they count.

- X: 280 *weighted* characters per tweet, as X counts them: most CJK characters and emoji weigh two, every URL
  weighs 23 whatever its length. The counting comes from `twitter_text` (the twitter-text-parser package, a
  port of X's own twitter-text configuration v3), not from `len()`.
- An X thread is several tweets written in one draft, separated by a line holding only `---`; each tweet
  must be valid on its own.
- LinkedIn: 3,000 characters, counted in UTF-16 code units as a browser's text box counts them, so an emoji
  outside the Basic Multilingual Plane counts two; this errs on the side of a post LinkedIn accepts.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

from api.posts.platforms import Platform

with warnings.catch_warnings():
    # twitter_text loads its emoji table through pkg_resources, which warns about its own deprecation.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    from twitter_text import parse_tweet

X_MAX_WEIGHTED_LENGTH = 280
LINKEDIN_MAX_CHARS = 3000
THREAD_CONTENT_TYPE = "thread"
_THREAD_SEPARATOR = re.compile(r"^[ \t]*---[ \t]*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class PartLength:
    """One tweet of a thread (or the whole post): its measured length and whether it fits."""

    index: int
    length: int
    limit: int
    valid: bool


@dataclass(frozen=True, slots=True)
class LengthCheck:
    """The verdict on a post's length for a platform, with a message per problem."""

    platform: Platform
    valid: bool
    parts: list[PartLength] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def x_weighted_length(text: str) -> int:
    """X's weighted length of one tweet."""
    return int(parse_tweet(text).weightedLength)


def split_thread(content: str) -> list[str]:
    """The tweets of a thread: the text between `---` lines, trimmed."""
    return [part.strip() for part in _THREAD_SEPARATOR.split(content)]


def linkedin_length(text: str) -> int:
    """Characters as a browser text box counts them (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def check_length(platform: Platform, content: str, content_type: str | None = None) -> LengthCheck:
    """Whether `content` fits `platform`; an X draft of type `thread` is checked tweet by tweet."""
    if not content.strip():
        return LengthCheck(platform, False, [], ["the post is empty"])
    if platform == "linkedin":
        return _check_linkedin(content)
    if content_type == THREAD_CONTENT_TYPE:
        return _check_x_thread(content)
    return _check_x_tweet(content)


def _check_linkedin(content: str) -> LengthCheck:
    length = linkedin_length(content)
    part = PartLength(0, length, LINKEDIN_MAX_CHARS, length <= LINKEDIN_MAX_CHARS)
    problems = [] if part.valid else [f"{length} characters; LinkedIn allows {LINKEDIN_MAX_CHARS}"]
    return LengthCheck("linkedin", part.valid, [part], problems)


def _measure_tweet(index: int, text: str) -> tuple[PartLength, str | None]:
    result = parse_tweet(text)
    length = int(result.weightedLength)
    part = PartLength(index, length, X_MAX_WEIGHTED_LENGTH, bool(result.valid))
    if part.valid:
        return part, None
    if not text:
        return part, "is empty"
    if length > X_MAX_WEIGHTED_LENGTH:
        return part, f"is {length} weighted characters; X allows {X_MAX_WEIGHTED_LENGTH}"
    return part, "contains characters X does not accept"


def _check_x_tweet(content: str) -> LengthCheck:
    part, problem = _measure_tweet(0, content)
    problems = []
    if problem is not None:
        hint = " (make it a thread: content_type 'thread', tweets separated by '---' lines)"
        problems.append(f"the tweet {problem}" + (hint if part.length > X_MAX_WEIGHTED_LENGTH else ""))
    return LengthCheck("twitter", part.valid, [part], problems)


def _check_x_thread(content: str) -> LengthCheck:
    parts: list[PartLength] = []
    problems: list[str] = []
    for index, text in enumerate(split_thread(content)):
        part, problem = _measure_tweet(index, text)
        parts.append(part)
        if problem is not None:
            problems.append(f"tweet {index + 1} of the thread {problem}")
    return LengthCheck("twitter", not problems, parts, problems)
