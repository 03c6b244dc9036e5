"""Each post's author history as of the post's own time: baseline, history size, cadence and trend.

The baseline is the median engagement of the author's previous posts on that platform (the last
`WINDOW`), computed strictly from earlier posts, so training never sees the future and a new draft is
measured exactly like a training row: appended to the author's history with no engagement of its own.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

WINDOW = 50
SHORT_WINDOW = 10
CADENCE_DAYS = 7
HISTORY_COLUMNS = ("history_posts", "baseline_log", "trend_log", "cadence_7d", "days_since_last")


def engagement_count(frame: pd.DataFrame) -> pd.Series:
    """likes + comments + shares (missing counts as 0); NaN where none of the three is known."""
    parts = frame[["likes", "comments", "shares"]].apply(pd.to_numeric, errors="coerce")
    total = parts.fillna(0).sum(axis=1)
    return total.where(parts.notna().any(axis=1))


def add_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with the history columns; needs `author`, `platform`, `posted_at` (UTC), `engagements`.

    Rows without engagements (drafts to predict) get history features but never enter anyone's baseline.
    Posts at the same instant do not see each other.
    """
    out = frame.copy()
    out["posted_at"] = pd.to_datetime(out["posted_at"], utc=True)
    columns = {name: np.full(len(out), np.nan) for name in HISTORY_COLUMNS}
    order = out.sort_values(["author", "platform", "posted_at"], kind="stable")
    positions = {label: i for i, label in enumerate(out.index)}
    for _, group in order.groupby(["author", "platform"], sort=False):
        recent: deque[float] = deque(maxlen=WINDOW)
        times: deque[pd.Timestamp] = deque()
        pending: list[tuple[int, float]] = []  # same-instant posts wait until the instant has passed
        last_time: pd.Timestamp | None = None
        previous_time: pd.Timestamp | None = None
        for label, row in zip(group.index, group.itertuples(index=False), strict=True):
            at = row.posted_at
            if last_time is not None and at != last_time:
                for _, value in pending:
                    recent.append(value)
                if pending:
                    previous_time = last_time
                pending = []
            last_time = at
            i = positions[label]
            while times and (at - times[0]).days >= CADENCE_DAYS:
                times.popleft()
            columns["history_posts"][i] = len(recent)
            columns["cadence_7d"][i] = len(times)
            if recent:
                values = np.fromiter(recent, dtype=float)
                columns["baseline_log"][i] = np.log1p(np.median(values))
                columns["trend_log"][i] = np.log1p(np.median(values[-SHORT_WINDOW:])) - np.log1p(
                    np.median(values)
                )
            if previous_time is not None:
                columns["days_since_last"][i] = (at - previous_time).total_seconds() / 86400
            engagement = row.engagements
            if engagement is not None and not pd.isna(engagement):
                pending.append((i, float(engagement)))
                times.append(at)
    for name, values in columns.items():
        out[name] = values
    return out
