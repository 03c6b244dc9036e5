"""Per-post features the engagement model sees: form, timing, audience and the author's history.

Every column is a plain number, so the model, its per-feature contributions and the suggestions (the same
row with one thing changed) all work on one table. The text itself is reduced by the model's own
TF-IDF + SVD step (see `model.py`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from models.style.text_features import post_features

PLATFORMS = ("twitter", "linkedin")
FORM_COLUMNS = (
    "chars_log",
    "lines",
    "hook_chars",
    "hashtags",
    "mentions",
    "links",
    "emoji",
    "question",
    "list_items",
    "is_reply",
)
TIMING_COLUMNS = ("hour", "weekday")
AUDIENCE_COLUMNS = ("followers_log", "platform_linkedin")
HISTORY_FEATURES = ("history_posts_log", "baseline_log", "trend_log", "cadence_7d", "days_since_last")
NUMERIC_COLUMNS = FORM_COLUMNS + TIMING_COLUMNS + AUDIENCE_COLUMNS + HISTORY_FEATURES


def form_features(text: str) -> dict[str, float]:
    """How the post is written: length, layout, entities, a question, a list, a reply."""
    features = post_features(text)
    first_line = text.strip().split("\n", 1)[0]
    return {
        "chars_log": float(np.log1p(features.chars)),
        "lines": float(features.line_breaks + 1),
        "hook_chars": float(len(first_line)),
        "hashtags": float(len(features.hashtags)),
        "mentions": float(len(features.mentions)),
        "links": float(len(features.urls)),
        "emoji": float(len(features.emoji)),
        "question": float(features.question_sentences > 0),
        "list_items": float(features.list_items),
        "is_reply": float(text.lstrip().startswith("@")),
    }


def local_time(posted_at: pd.Timestamp, timezone: str) -> tuple[float, float]:
    """Hour and weekday (0 = Monday) in the author's time zone."""
    local = posted_at.tz_convert(ZoneInfo(timezone or "UTC"))
    return float(local.hour), float(local.weekday())


def feature_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The numeric feature table of a frame that went through `history.add_history`.

    Needs `content`, `platform`, `posted_at` (UTC), `timezone` and `followers` besides the history columns.
    """
    rows = []
    for row in frame.itertuples(index=False):
        features = form_features(str(row.content))
        hour, weekday = local_time(pd.Timestamp(row.posted_at), str(getattr(row, "timezone", "UTC") or "UTC"))
        followers = pd.to_numeric(row.followers, errors="coerce")
        features.update(
            hour=hour,
            weekday=weekday,
            followers_log=float(np.log1p(followers)) if pd.notna(followers) else np.nan,
            platform_linkedin=float(row.platform == "linkedin"),
            history_posts_log=float(np.log1p(row.history_posts)),
            baseline_log=float(row.baseline_log),
            trend_log=float(row.trend_log),
            cadence_7d=float(row.cadence_7d),
            days_since_last=float(row.days_since_last),
        )
        rows.append(features)
    return pd.DataFrame(rows, columns=list(NUMERIC_COLUMNS), index=frame.index)
