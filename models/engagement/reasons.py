"""Per-feature contributions in plain words, and suggestions the model itself evaluates."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class _Predictor(Protocol):
    def predict_rows_log(
        self, rows: np.ndarray, columns: list[str], baseline_log: np.ndarray
    ) -> np.ndarray: ...


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_REASONS = 5
MAX_SUGGESTIONS = 3
# Effects smaller than this (in percent) are not worth a sentence.
MIN_EFFECT_PCT = 2.0


@dataclass(frozen=True)
class Habits:
    """What the author usually does (medians of their own posts), and times they could post next."""

    known: bool = False  # False: nothing is known of the author's habits (no comparison is phrased)
    hashtags: float = 0.0
    chars: float = 0.0
    lines: float = 1.0
    question_share: float = 0.0
    best_hour: float | None = None
    candidate_times: list[tuple[float, float]] = field(default_factory=list)  # (hour, weekday), local


def percent(log_effect: float) -> float:
    """A change in log space as a percentage change of the count."""
    return (math.exp(log_effect) - 1.0) * 100.0


def _count(value: float, noun: str) -> str:
    n = round(value)
    return f"{n} {noun}{'' if n == 1 else 's'}"


MEDIA_WORDS = {0.0: "text only", 1.0: "an image", 2.0: "a video", 3.0: "an article", 4.0: "a document"}


def _known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)


def _phrased(group: str, features: Mapping[str, float]) -> bool:
    """Whether a group can be said in words for this row: no timing reason for a post whose hour is not
    known (its date came from a relative age or a day), no media reason where the media is unknown."""
    if group == "timing":
        return _known(features.get("hour")) and _known(features.get("weekday"))
    if group == "media":
        return features.get("media") in MEDIA_WORDS
    return True


def _describe(group: str, features: Mapping[str, float], habits: Habits) -> str:
    chars = round(math.expm1(features["chars_log"]))
    if group == "media":
        return MEDIA_WORDS[features["media"]]
    if group == "timing":
        hour, weekday = int(features["hour"]), int(features["weekday"])
        usual = f", your best hour is {int(habits.best_hour):02d}:00" if habits.best_hour is not None else ""
        return f"posted at {hour:02d}:00 on {WEEKDAYS[weekday]}{usual}"
    if group == "length":
        lines = _count(features["lines"], "line")
        usual = f" (you usually write about {int(habits.chars)})" if habits.known else ""
        return f"{chars} characters over {lines}{usual}"
    if group == "hashtags":
        usual = f" where you usually use {habits.hashtags:g}" if habits.known else ""
        return f"{_count(features['hashtags'], 'hashtag')}{usual}"
    if group == "question":
        return "a question in the post" if features["question"] else "no question in the post"
    if group == "links":
        return _count(features["links"], "link")
    if group == "mentions":
        return _count(features["mentions"], "mention")
    if group == "emoji":
        return _count(features["emoji"], "emoji")
    if group == "list":
        return f"a list of {int(features['list_items'])} items" if features["list_items"] else "no list"
    if group == "reply":
        return "a reply to someone" if features["is_reply"] else "a post of its own, not a reply"
    if group == "topic":
        return "what the post is about (its words, compared with posts that did well or badly)"
    if group == "momentum":
        return (
            f"your recent posts ({_count(features['cadence_7d'], 'post')} in the last 7 days) "
            "compared with your longer history"
        )
    return "your audience on this platform"


def group_of(column: str) -> str:
    """The plain-language group a model feature belongs to."""
    if column.startswith("topic_"):
        return "topic"
    return {
        "hour": "timing",
        "weekday": "timing",
        "date_precision": "timing",
        "media": "media",
        "chars_log": "length",
        "lines": "length",
        "hook_chars": "length",
        "hashtags": "hashtags",
        "question": "question",
        "links": "links",
        "mentions": "mentions",
        "emoji": "emoji",
        "list_items": "list",
        "is_reply": "reply",
        "trend_log": "momentum",
        "cadence_7d": "momentum",
        "days_since_last": "momentum",
        "history_posts_log": "momentum",
        "baseline_log": "momentum",
        "spread_log": "momentum",
    }.get(column, "audience")


def explain(
    features: Mapping[str, float], contributions: Mapping[str, float], habits: Habits
) -> list[dict[str, Any]]:
    """Up to five grouped contributions, largest first: `{"factor", "effect_pct", "text"}`."""
    grouped: dict[str, float] = {}
    for column, value in contributions.items():
        group = group_of(str(column))
        grouped[group] = grouped.get(group, 0.0) + float(value)
    reasons = []
    for group, effect in sorted(grouped.items(), key=lambda item: -abs(item[1])):
        pct = percent(effect)
        if abs(pct) < MIN_EFFECT_PCT or not _phrased(group, features):
            continue
        text = _describe(group, features, habits)
        reasons.append({"factor": group, "effect_pct": round(pct, 1), "text": f"{text}: {pct:+.0f}%"})
        if len(reasons) == MAX_REASONS:
            break
    return reasons


def suggest(
    model: _Predictor, base: np.ndarray, columns: list[str], baseline: float, habits: Habits
) -> list[dict[str, Any]]:
    """Concrete changes to one feature row (`base`, named by `columns`), each re-predicted by the model;
    only those that help, best first.

    In plain arrays: inside a draft write, a table copied per change cost more than the trees."""
    at = {name: position for position, name in enumerate(columns)}

    def changed(**values: float) -> np.ndarray:
        row: np.ndarray = base.copy()
        for name, value in values.items():
            row[at[name]] = value
        return row

    variants: list[tuple[str, str, np.ndarray]] = []
    timed = not math.isnan(float(base[at["hour"]])) if "hour" in at else False
    for hour, weekday in habits.candidate_times if timed else []:
        text = f"post at {int(hour):02d}:00 on {WEEKDAYS[int(weekday)]} instead"
        variants.append(("time", text, changed(hour=hour, weekday=weekday)))
    if not base[at["question"]]:
        variants.append(("question", "ask your readers a question in the hook", changed(question=1.0)))
    if habits.known and habits.chars and base[at["chars_log"]] > math.log1p(habits.chars * 1.5):
        shorter = changed(
            chars_log=math.log1p(habits.chars), lines=min(float(base[at["lines"]]), max(habits.lines, 1.0))
        )
        variants.append(
            ("shorter", f"cut it to about {int(habits.chars)} characters, your usual length", shorter)
        )
    if habits.known and base[at["hashtags"]] > habits.hashtags:
        fewer = changed(hashtags=float(np.floor(habits.hashtags)))
        variants.append(("hashtags", f"use {habits.hashtags:g} hashtags, as you usually do", fewer))
    # The draft as it is and every change, predicted in one call.
    stacked = np.vstack([base, *(row for _, _, row in variants)])
    logs = model.predict_rows_log(stacked, columns, np.full(len(stacked), baseline))
    current = float(logs[0])
    best_time: dict[str, Any] | None = None
    suggestions: list[dict[str, Any]] = []
    for (kind, text, _), predicted in zip(variants, logs[1:], strict=True):
        effect = percent(float(predicted) - current)
        if effect < MIN_EFFECT_PCT:
            continue
        entry = {"change": kind, "text": text, "predicted_change_pct": round(effect, 1)}
        if kind == "time":
            if best_time is None or effect > best_time["predicted_change_pct"]:
                best_time = entry
            continue
        suggestions.append(entry)
    if best_time is not None:
        suggestions.append(best_time)
    suggestions.sort(key=lambda entry: -float(entry["predicted_change_pct"]))
    return suggestions[:MAX_SUGGESTIONS]
