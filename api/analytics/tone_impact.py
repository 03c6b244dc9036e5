"""Tone against performance: how a user's posts in each tone did against their own usual.

For every rated post (engagement rate as in `api.analytics.queries`), its *usual* is the median rate of the
`TRAILING` posts before it on the same platform; a post with fewer than `MIN_TRAILING` posts before it, or a
usual of zero, has none and is left out. For a tone, the figure is the median over its posts of

    rate of the post / its usual

("your educational posts earn about 1.4x your usual": the typical one does). A median against a median:
rates are skewed (a few posts go far), so a mean over a median would call an ordinary tone 1.1x-1.3x; a
zero-engagement post counts as 0x instead of breaking a logarithm, and one viral post cannot carry a tone
alone. Its 90% interval is a percentile bootstrap over the tone's posts
(`RESAMPLES` resamples, a fixed seed so the same posts give the same answer). A tone with fewer than
`MIN_POSTS` posts with a usual says "not enough posts to say"; otherwise the sentence says only what the
interval supports: more than usual when all of it is above 1, less when all of it is below, and no
difference it can show when it holds 1. Each post counts once, under the tone the tone model gave it the most
probability in the user's latest analysis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

TRAILING = 20
MIN_TRAILING = 5
MIN_POSTS = 10
LEVEL = 0.90
RESAMPLES = 2000
SEED = 20261204

BASELINE = (
    f"the median engagement rate of your {TRAILING} previous posts on the same platform "
    f"(posts with fewer than {MIN_TRAILING} before them have none)"
)

Verdict = Literal["better", "worse", "no_difference", "not_enough"]


@dataclass(frozen=True, slots=True)
class RatedPost:
    """One post in time order: its platform, tone (None before an analysis read it), local month, rate."""

    platform: str
    tone: str | None
    month: str
    rate: float


@dataclass(frozen=True, slots=True)
class Relative:
    """A post with a usual: its rate and the median of the posts before it."""

    tone: str | None
    month: str
    rate: float
    usual: float


@dataclass(frozen=True, slots=True)
class Impact:
    tone: str
    posts: int
    ratio: float | None
    low: float | None
    high: float | None
    verdict: Verdict
    sentence: str


def with_usual(posts: Sequence[RatedPost]) -> dict[str, list[Relative]]:
    """Per platform, the posts that have a usual (the trailing median), in time order."""
    rates: dict[str, list[float]] = defaultdict(list)
    found: dict[str, list[Relative]] = defaultdict(list)
    for post in posts:
        before = rates[post.platform]
        if len(before) >= MIN_TRAILING:
            usual = float(np.median(before[-TRAILING:]))
            if usual > 0:
                found[post.platform].append(Relative(post.tone, post.month, post.rate, usual))
        before.append(post.rate)
    return dict(found)


def ratio_interval(rates: Sequence[float], usuals: Sequence[float]) -> tuple[float, float, float]:
    """The median of rate / usual and its percentile-bootstrap interval at `LEVEL`."""
    ratios = np.asarray(rates, dtype=float) / np.asarray(usuals, dtype=float)
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(ratios), size=(RESAMPLES, len(ratios)))
    medians = np.median(ratios[picks], axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return float(np.median(ratios)), float(low), float(high)


def _x(value: float) -> str:
    """1.4x, 0.85x, 12x: two significant figures; near 1, two decimals (0.98x, not a 1x that hides which
    side of 1 the bound is on)."""
    if 0.95 <= value < 1.05:
        return f"{value:.2f}x"
    return f"{float(f'{value:.2g}'):g}x"


def impact(tone: str, posts: Sequence[Relative]) -> Impact:
    """The figure and the sentence for one tone's posts."""
    count = len(posts)
    if count < MIN_POSTS:
        return Impact(tone, count, None, None, None, "not_enough",
                      f"Not enough {tone} posts to say: {count} with a usual to compare with, "
                      f"{MIN_POSTS} needed.")  # fmt: skip
    ratio, low, high = ratio_interval([p.rate for p in posts], [p.usual for p in posts])
    span = f"{_x(low)}-{_x(high)}, {count} posts"
    verdict: Verdict
    if low > 1:
        verdict, sentence = "better", f"Your {tone} posts earn about {_x(ratio)} your usual ({span})."
    elif high < 1:
        verdict = "worse"
        sentence = f"Your {tone} posts earn about {_x(ratio)} your usual ({span}): less than usual."
    else:
        verdict = "no_difference"
        sentence = (
            f"Your {tone} posts do about as well as your usual: the range {_x(low)}-{_x(high)} "
            f"includes no difference ({count} posts)."
        )
    return Impact(tone, count, ratio, low, high, verdict, sentence)


def by_tone(posts: Iterable[Relative], tones: Sequence[str]) -> list[Impact]:
    """One figure per tone (every tone of `tones`, then any other the posts carry), most posts first."""
    grouped: dict[str, list[Relative]] = {tone: [] for tone in tones}
    for post in posts:
        if post.tone is not None:
            grouped.setdefault(post.tone, []).append(post)
    found = [impact(tone, members) for tone, members in grouped.items()]
    return sorted(found, key=lambda i: (-i.posts, i.tone))
