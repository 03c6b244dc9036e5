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
HISTORY_COLUMNS = (
    "history_posts", "baseline_log", "trend_log", "cadence_7d", "days_since_last", "spread_log",
)  # fmt: skip


def spread_log(values: np.ndarray) -> float:
    """How much the author's engagement varies from post to post: the median absolute deviation of
    log1p(engagements) of these posts (NaN under two posts)."""
    if len(values) < 2:
        return float("nan")
    logs = np.log1p(values)
    return float(np.median(np.abs(logs - np.median(logs))))


def engagement_count(frame: pd.DataFrame) -> pd.Series:
    """likes + comments + shares (missing counts as 0); NaN where none of the three is known, and where
    the export counts no impression at all: a published post is seen at least by its author, so zero
    impressions (with zero engagement beside them) is a post the export never measured, not a flop."""
    parts = frame[["likes", "comments", "shares"]].apply(pd.to_numeric, errors="coerce")
    total = parts.fillna(0).sum(axis=1)
    known = parts.notna().any(axis=1)
    if "impressions" in frame.columns:
        impressions = pd.to_numeric(frame["impressions"], errors="coerce")
        known &= ~((impressions == 0) & (total == 0))
    return total.where(known)


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
                columns["spread_log"][i] = spread_log(values)
            if previous_time is not None:
                columns["days_since_last"][i] = (at - previous_time).total_seconds() / 86400
            engagement = row.engagements
            if engagement is not None and not pd.isna(engagement):
                pending.append((i, float(engagement)))
                times.append(at)
    for name, values in columns.items():
        out[name] = values
    return out


def add_history_to_new(history: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The history columns for `new` rows (drafts, no engagement of their own) against `history`: the
    same values `add_history(pd.concat([history, new]))` gives those rows, without recomputing every
    history row's own features (a draft write costs one pass over its author's history, not a median per
    past post)."""
    out = new.copy()
    out["posted_at"] = pd.to_datetime(out["posted_at"], utc=True)
    counts = ("history_posts", "cadence_7d")  # zero without history; the medians stay NaN
    columns = {
        name: np.zeros(len(out)) if name in counts else np.full(len(out), np.nan) for name in HISTORY_COLUMNS
    }
    values = pd.to_numeric(history["engagements"], errors="coerce").to_numpy(dtype=float)
    engaged = ~np.isnan(values)
    times = (
        pd.to_datetime(history["posted_at"], utc=True).dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")
    )
    keys = history["author"].astype(str).to_numpy() + "\x00" + history["platform"].astype(str).to_numpy()
    week = np.timedelta64(CADENCE_DAYS, "D")
    moments = out["posted_at"].dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")
    new_keys = out["author"].astype(str).to_numpy() + "\x00" + out["platform"].astype(str).to_numpy()
    by_key: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for i, (key, moment) in enumerate(zip(new_keys, moments, strict=True)):
        if key not in by_key:
            chosen = np.flatnonzero(engaged & (keys == key))
            order = chosen[np.argsort(times[chosen], kind="stable")]
            by_key[key] = (times[order], values[order])
        past_times, past_values = by_key[key]
        # Strictly earlier posts make the baseline; posts at the same instant count in the cadence too.
        earlier = int(np.searchsorted(past_times, moment, side="left"))
        through = int(np.searchsorted(past_times, moment, side="right"))
        recent = past_values[:earlier][-WINDOW:]
        columns["history_posts"][i] = len(recent)
        columns["cadence_7d"][i] = through - int(np.searchsorted(past_times, moment - week, side="right"))
        if len(recent):
            baseline = np.log1p(np.median(recent))
            columns["baseline_log"][i] = baseline
            columns["trend_log"][i] = np.log1p(np.median(recent[-SHORT_WINDOW:])) - baseline
            columns["spread_log"][i] = spread_log(recent)
            columns["days_since_last"][i] = (
                (moment - past_times[earlier - 1]) / np.timedelta64(1, "s") / 86400
            )
    for name, column in columns.items():
        out[name] = column
    return out
