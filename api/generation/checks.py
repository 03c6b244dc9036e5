"""What every generated variant must pass before it is stored, and the repairs tried first.

Repairs (the text is changed, the check then passes): a preamble line ("Here's your post:"), quotes
around the whole post, hashtags beyond the user's habit, @mentions, links and hashtags that appear nowhere
in the user's input, profile or own posts. Failures (the variant is regenerated): too long for the
platform, a machine-writing tell, a near copy of one of the user's posts, too close to another variant,
and degenerate output (no words at all, one character or emoji run on, the same few words over and over:
a small model's repetition loop, which otherwise fits every other rule).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from api.content.length import THREAD_CONTENT_TYPE, check_length
from api.platforms import registry
from api.platforms.base import LengthRule
from models.style.text_features import extract_hashtags, extract_mentions, extract_urls

TELLS_FILE = Path(__file__).with_name("tells.json")
NEAR_COPY = 0.6  # character 5-gram Jaccard with one of the user's posts
TOO_SIMILAR = 0.7  # with another variant of the same request
_PREAMBLE = re.compile(
    r"^\s*(?:sure|certainly|of course|here(?:'s| is| are)|absolutely)\b[^\n]*[:!.]\s*\n+", re.IGNORECASE
)
_QUOTES = {'"': '"', "\u201c": "\u201d", "'": "'"}
_WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more, any script
# One character (or emoji) sixteen times in a row: people write "YAAAAAAAAAAAAAS" or a dozen claps on purpose;
# a model in a loop writes a hundred bananas.
_RUN = re.compile(r"(\S)\1{15,}")
_DISTINCT_PHRASES = 0.5  # at least this share of a post's four-word phrases are different phrases


@lru_cache(maxsize=1)
def tells() -> tuple[str, ...]:
    """The maintained list of machine-writing phrases (see `tells.json` for its source)."""
    return tuple(json.loads(TELLS_FILE.read_text(encoding="utf-8"))["phrases"])


@dataclass
class Allowed:
    """Entities the user gave or uses: anything else in a variant was invented by the model."""

    mentions: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    hashtags: set[str] = field(default_factory=set)
    max_hashtags: int = 0

    @classmethod
    def from_texts(cls, texts: Iterable[str], max_hashtags: int) -> Allowed:
        allowed = cls(max_hashtags=max_hashtags)
        for text in texts:
            allowed.mentions.update(extract_mentions(text))
            allowed.urls.update(url.lower() for url in extract_urls(text))
            allowed.hashtags.update(extract_hashtags(text))
        return allowed


@dataclass
class Checked:
    """A variant after repairs, what it passed, and what still fails (empty: it may be stored)."""

    text: str
    passed: list[str]
    problems: list[str]
    repairs: list[str]


def _shingles(text: str, n: int = 5) -> set[str]:
    flat = " ".join(text.lower().split())
    return {flat[i : i + n] for i in range(max(1, len(flat) - n + 1))}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character 5-grams."""
    left, right = _shingles(a), _shingles(b)
    return len(left & right) / len(left | right) if left and right else 0.0


def repair(text: str, allowed: Allowed) -> tuple[str, list[str]]:
    """Apply the safe repairs; return the text and what was repaired."""
    repairs: list[str] = []
    stripped = text.strip()
    without = _PREAMBLE.sub("", stripped, count=1)
    if without != stripped:
        repairs.append("removed a preamble")
        stripped = without.strip()
    if len(stripped) > 1 and stripped[0] in _QUOTES and stripped[-1] == _QUOTES[stripped[0]]:
        repairs.append("removed quotes around the post")
        stripped = stripped[1:-1].strip()
    for url in extract_urls(stripped):
        if url.lower() not in allowed.urls:
            stripped = stripped.replace(url, "")
            repairs.append(f"removed a link nobody gave: {url}")
    for mention in set(extract_mentions(stripped)) - allowed.mentions:
        stripped = re.sub(rf"(?<![\w@])@{re.escape(mention)}\b", mention, stripped, flags=re.IGNORECASE)
        repairs.append(f"removed an invented @mention: @{mention}")
    kept = 0
    for tag in extract_hashtags(stripped):
        keep = tag in allowed.hashtags and kept < allowed.max_hashtags
        if keep:
            kept += 1
            continue
        stripped = re.sub(rf"\s*[#\uFF03]{re.escape(tag)}\b", "", stripped, count=1, flags=re.IGNORECASE)
        repairs.append(f"removed hashtag #{tag}")
    return re.sub(r"[ \t]+\n", "\n", stripped).strip(), repairs


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_SEPARATOR = re.compile(r"^[ \t]*---[ \t]*$", re.MULTILINE)


def as_thread(text: str, rule: LengthRule) -> tuple[str, list[str]]:
    """A thread of posts, separated by `---` lines: the model's own parts when it wrote them, else the text
    split at sentence ends into as few posts as fit the platform's limit each (X: 280 weighted characters). A
    sentence too long for one post is left whole for the length check to refuse (and the variant to be
    written again)."""
    if _SEPARATOR.search(text):
        return text, []
    sentences = [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]
    tweets: list[str] = []
    for sentence in sentences:
        joined = f"{tweets[-1]} {sentence}" if tweets else sentence
        if tweets and rule.count(joined) <= rule.limit:
            tweets[-1] = joined
        else:
            tweets.append(sentence)
    if len(tweets) < 2:
        return text, []
    return "\n---\n".join(tweets), [f"split into a thread of {len(tweets)} posts"]


def check(
    text: str,
    platform: str,
    content_type: str | None,
    allowed: Allowed,
    own_posts: Sequence[str],
    accepted: Sequence[str],
) -> Checked:
    """Repair, then check every rule; `problems` lists what still fails."""
    repaired, repairs = repair(text, allowed)
    plugin = registry.get(platform)
    if plugin.threads and content_type == THREAD_CONTENT_TYPE:
        repaired, split = as_thread(repaired, plugin.length)
        repairs += split
    passed: list[str] = []
    problems: list[str] = []
    length = check_length(platform, repaired, content_type)
    (passed if length.valid else problems).append(
        "fits the platform" if length.valid else "; ".join(length.problems)
    )
    lowered = repaired.lower()
    found = [phrase for phrase in tells() if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered)]
    if found:
        problems.append(f"reads as machine-written ({', '.join(found[:3])})")
    else:
        passed.append("no machine-writing tells")
    copied = max((similarity(repaired, post) for post in own_posts), default=0.0)
    if copied >= NEAR_COPY:
        problems.append(f"a near copy of one of your posts ({copied:.0%} alike)")
    else:
        passed.append("not a copy of your posts")
    twin = max((similarity(repaired, other) for other in accepted), default=0.0)
    if twin >= TOO_SIMILAR:
        problems.append(f"too close to another variant ({twin:.0%} alike)")
    else:
        passed.append("distinct from the other variants")
    loop = degenerate(repaired)
    if loop is not None:
        problems.append(loop)
    else:
        passed.append("reads as written, not a repetition loop")
    passed += ["no invented mentions, links or hashtags", "no preamble or quotes"]
    return Checked(repaired, passed, problems, repairs)


def degenerate(text: str) -> str | None:
    """Why the text is a repetition loop or has no words, or None when it reads as written."""
    if not _WORD.search(text):
        return "has no words"
    run = _RUN.search(text)
    if run is not None:
        return f"repeats {run.group(1)!r} {len(run.group(0))} times in a row"
    tokens = text.lower().split()
    phrases = [tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)]
    if len(phrases) >= 8 and len(set(phrases)) / len(phrases) < _DISTINCT_PHRASES:
        return f"repeats itself ({len(set(phrases))} different phrases in {len(phrases)})"
    return None
