"""Per-post features the engagement model sees: form, timing, audience and the author's history.

Every column is a plain number, so the model, its per-feature contributions and the suggestions (the same
row with one thing changed) all work on one table. The text itself is reduced by the model's own
TF-IDF + SVD step (see `model.py`).
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from models.engagement.history import HISTORY_COLUMNS
from models.style.text_features import post_features

# The platform as the model sees it, in its one platform column `platform_linkedin`: the platforms of its
# training data, as data (this layer cannot ask the API's platform registry). A platform missing here is a
# missing value (NaN, which the booster routes as "unknown"), never taken for X.
PLATFORM_CODES: dict[str, float] = {"twitter": 0.0, "linkedin": 1.0}
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
# What the post carries besides its text, where the source says (a scraped LinkedIn post's `media_type`);
# NaN where it does not (X exports, drafts), which the booster routes as "unknown".
MEDIA_CODES: dict[str, float] = {"text": 0.0, "image": 1.0, "video": 2.0, "article": 3.0, "document": 4.0}
MEDIA_COLUMNS = ("media",)
TIMING_COLUMNS = ("hour", "weekday", "date_precision")
AUDIENCE_COLUMNS = ("followers_log", "platform_linkedin")
HISTORY_FEATURES = (
    "history_posts_log", "baseline_log", "trend_log", "cadence_7d", "days_since_last", "spread_log",
)  # fmt: skip
NUMERIC_COLUMNS = FORM_COLUMNS + MEDIA_COLUMNS + TIMING_COLUMNS + AUDIENCE_COLUMNS + HISTORY_FEATURES


# How far a post's time is known, as the importers record it (`time_precision`): to the minute, to the day,
# or only as a relative age ("2w", "1 year ago", counted back from when the page was read). The hour of a
# post known only to the day is unknown (NaN); so are the hour and the weekday of one known only by its age.
# A draft's time is always exact.
DATE_PRECISIONS: dict[str, float] = {"exact": 0.0, "day": 1.0, "approximate": 2.0}


def precision_code(precision: object) -> float:
    """`date_precision` for an importer's `time_precision` (missing or unknown: exact, as for a draft)."""
    return DATE_PRECISIONS.get(str(precision), 0.0) if isinstance(precision, str) else 0.0


def timing(hour: float, weekday: float, precision: float) -> tuple[float, float]:
    """The hour and weekday the model may use at this date precision (NaN where they are not known)."""
    if precision >= DATE_PRECISIONS["approximate"]:
        return math.nan, math.nan
    if precision >= DATE_PRECISIONS["day"]:
        return math.nan, weekday
    return hour, weekday


def media_code(media_type: object) -> float:
    """`media` for a source's media type (NaN when unknown)."""
    return MEDIA_CODES.get(media_type.lower(), math.nan) if isinstance(media_type, str) else math.nan


def platform_code(platform: str) -> float:
    """`platform_linkedin` for a post on `platform`: NaN for a platform the model was not trained on."""
    return PLATFORM_CODES.get(platform, math.nan)


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


def local_time(posted_at: datetime | pd.Timestamp, timezone: str) -> tuple[float, float]:
    """Hour and weekday (0 = Monday) in the author's time zone."""
    local = posted_at.astimezone(_zone(timezone or "UTC"))
    return float(local.hour), float(local.weekday())


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _number(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number


def feature_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The numeric feature table of a frame that went through `history.add_history`.

    Needs `content`, `platform`, `posted_at` (UTC), `timezone` and `followers` besides the history columns;
    `time_precision` where the dates are not all exact.
    """
    return pd.DataFrame(feature_array(frame), columns=list(NUMERIC_COLUMNS), index=frame.index)


def feature_array(frame: pd.DataFrame) -> np.ndarray:
    """`feature_table`'s values, columns in NUMERIC_COLUMNS order. Built row by row into one array:
    per-row pandas work would cost more than the model for one draft."""
    posted = list(pd.to_datetime(frame["posted_at"], utc=True).dt.to_pydatetime())
    zones = frame["timezone"].tolist() if "timezone" in frame.columns else ["UTC"] * len(frame)
    precisions = (
        [precision_code(value) for value in frame["time_precision"].tolist()]
        if "time_precision" in frame.columns
        else [0.0] * len(frame)
    )
    media = (
        [media_code(value) for value in frame["media_type"].tolist()]
        if "media_type" in frame.columns
        else [math.nan] * len(frame)
    )
    history = frame.loc[:, list(HISTORY_COLUMNS)]
    history_values = history.to_numpy(dtype=float)
    table = np.empty((len(frame), len(NUMERIC_COLUMNS)), dtype=float)
    rows = zip(
        frame["content"].tolist(), frame["platform"].tolist(), frame["followers"].tolist(), strict=True
    )
    for i, (content, platform, followers) in enumerate(rows):
        form = form_features(str(content))
        hour, weekday = timing(*local_time(posted[i], str(zones[i] or "UTC")), precisions[i])
        count = _number(followers)
        table[i, : len(FORM_COLUMNS)] = [form[name] for name in FORM_COLUMNS]
        table[i, len(FORM_COLUMNS) :] = [
            media[i],
            hour,
            weekday,
            precisions[i],
            math.log1p(count) if count == count else math.nan,  # NaN != NaN
            platform_code(str(platform)),
            math.log1p(history_values[i, 0]),
            *history_values[i, 1:],
        ]
    return table
