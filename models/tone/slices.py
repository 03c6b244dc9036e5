"""Tone scores on slices of an evaluated set: posts unlike most training text, reported on their own.

A single macro-F1 over a test split hides how the classifier does on the posts that differ from what it
mostly learned from. `slice_scores` scores these slices of the same predictions with `report_for`:

- `all`: every evaluated post (equals the plain report);
- `linkedin`, `x`: the posts of one platform, only when the posts' platforms are known ("twitter" and
  "x" are the same platform, as in the product's platform registry);
- `long`: posts longer than the 75th percentile of the evaluated posts' lengths (characters of the
  stripped text, as the style features count them). A rule relative to the evaluated set was chosen over
  a fixed cut such as X's 280 characters because a fixed cut says nothing on some sets: no TweetEval
  tweet is longer than 147 characters, while on the shipped corpus 94 of the 96 LinkedIn test posts and no
  X post are longer than 280, so that slice would repeat the LinkedIn one. The top quartile always leaves
  about a quarter of the set to score, and on the shipped corpus's test split it starts where the
  classifier's 128-token window starts to cut posts off (about 530 characters). Its threshold is written
  into the slice's rule; two versions scored on the same test split get the same threshold;
- `emoji_heavy`: posts with at least two emoji, counted by the style features' own extraction (a
  skin-tone or ZWJ sequence counts once).

A slice with fewer than `min_posts` posts (default 20) is reported with its count, `macro_f1` and
`accuracy` null and a reason: a macro-F1 over a handful of posts moves by tens of points when one
prediction changes, and a figure like that reads as a finding.

No torch here: predictions come in as labels, so any model (or a saved run's predictions) can be sliced.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from models.style.text_features import extract_emoji
from models.tone.inference import report_for

MIN_POSTS = 20
EMOJI_HEAVY_MIN = 2
LONG_PERCENTILE = 75.0
# Stored platform names and aliases -> the slice's name.
_PLATFORM_SLICES = {"linkedin": "linkedin", "twitter": "x", "x": "x"}
PLATFORM_SLICES: tuple[str, ...] = ("linkedin", "x")


class SliceScore(BaseModel):
    """One slice's figures; `macro_f1` and `accuracy` are None (with `reason`) when it is too small."""

    name: str
    rule: str
    count: int
    labels_present: int
    macro_f1: float | None
    accuracy: float | None
    reason: str | None = None


def platform_slice(platform: str | None) -> str | None:
    """The platform slice a post belongs to ("linkedin" or "x"), or None for an unknown platform."""
    if platform is None:
        return None
    return _PLATFORM_SLICES.get(str(platform).strip().lower())


def post_length(text: str) -> int:
    """A post's length in characters, surrounding whitespace not counted."""
    return len(text.strip())


def long_threshold(texts: Sequence[str]) -> float | None:
    """The length a post must exceed to count as long here: the evaluated set's 75th percentile."""
    if not texts:
        return None
    return float(np.percentile([post_length(text) for text in texts], LONG_PERCENTILE))


def is_emoji_heavy(text: str) -> bool:
    """At least EMOJI_HEAVY_MIN emoji in the post."""
    return len(extract_emoji(text)) >= EMOJI_HEAVY_MIN


def slice_rows(
    texts: Sequence[str], platforms: Sequence[str | None] | None = None
) -> list[tuple[str, str, list[int]]]:
    """Each slice's name, rule and row numbers, in report order (all, linkedin, x, long, emoji_heavy).

    The platform slices are there only when `platforms` is given and names at least one known platform
    (a dataset whose rows all say "unknown" has no platform slices, rather than two empty ones).
    """
    count = len(texts)
    if platforms is not None and len(platforms) != count:
        raise ValueError(f"{count} texts but {len(platforms)} platforms")
    rules: list[tuple[str, str, list[bool]]] = [("all", "every evaluated post", [True] * count)]
    slices_of_platform = [platform_slice(value) for value in platforms] if platforms is not None else []
    if any(name is not None for name in slices_of_platform):
        for name in PLATFORM_SLICES:
            rules.append((name, f"platform is {name}", [value == name for value in slices_of_platform]))
    threshold = long_threshold(texts)
    cut = f"{threshold:g} characters" if threshold is not None else "a length that no posts give"
    rule = f"longer than {cut} (the {LONG_PERCENTILE:g}th percentile of the {count} evaluated posts' lengths)"
    rules.append(("long", rule, [threshold is not None and post_length(text) > threshold for text in texts]))
    rules.append(("emoji_heavy", f"at least {EMOJI_HEAVY_MIN} emoji", [is_emoji_heavy(t) for t in texts]))
    return [(name, rule, [i for i, member in enumerate(members) if member]) for name, rule, members in rules]


def slice_scores(
    texts: Sequence[str],
    truth: Sequence[str],
    predicted: Sequence[str],
    labels: Sequence[str],
    platforms: Sequence[str | None] | None = None,
    *,
    min_posts: int = MIN_POSTS,
) -> list[SliceScore]:
    """Macro-F1, accuracy and count per slice of `slice_rows`, in its order."""
    count = len(texts)
    if len(truth) != count or len(predicted) != count:
        raise ValueError(f"{count} texts, {len(truth)} true labels and {len(predicted)} predictions")
    if min_posts < 1:
        raise ValueError("min_posts must be at least 1")
    return [
        _score(name, rule, rows, truth, predicted, labels, min_posts)
        for name, rule, rows in slice_rows(texts, platforms)
    ]


def _score(
    name: str,
    rule: str,
    rows: list[int],
    truth: Sequence[str],
    predicted: Sequence[str],
    labels: Sequence[str],
    min_posts: int,
) -> SliceScore:
    slice_truth = [str(truth[i]) for i in rows]
    scored = len(rows) >= min_posts
    report = report_for(list(labels), slice_truth, [str(predicted[i]) for i in rows]) if scored else None
    return SliceScore(
        name=name,
        rule=rule,
        count=len(rows),
        labels_present=len(set(slice_truth)),
        macro_f1=report.macro_f1 if report is not None else None,
        accuracy=report.accuracy if report is not None else None,
        reason=None
        if scored
        else f"{len(rows)} posts, fewer than {min_posts}: too few for a macro-F1 worth reading",
    )


def slice_metrics(slices: Sequence[SliceScore], prefix: str = "test_slice") -> dict[str, float]:
    """Flat metrics (`<prefix>.<slice>.count`, `.macro_f1`, `.accuracy`); a slice too small to score
    gives its count alone, never a stand-in figure."""
    metrics: dict[str, float] = {}
    for entry in slices:
        metrics[f"{prefix}.{entry.name}.count"] = float(entry.count)
        if entry.macro_f1 is not None and entry.accuracy is not None:
            metrics[f"{prefix}.{entry.name}.macro_f1"] = entry.macro_f1
            metrics[f"{prefix}.{entry.name}.accuracy"] = entry.accuracy
    return metrics
