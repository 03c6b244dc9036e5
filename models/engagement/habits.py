"""An author's habits from their own posts, and the next times they could post."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from models.engagement.features import form_features, local_time
from models.engagement.reasons import Habits

MIN_POSTS_PER_HOUR = 3
USUAL_HOURS = 3
DAYS_AHEAD = 7


def habits_of(history: pd.DataFrame, timezone: str, now: datetime) -> Habits:
    """Medians of the author's posts, their best hour, and candidate slots over the next week."""
    if history.empty:
        return Habits()
    forms = pd.DataFrame([form_features(str(text)) for text in history["content"]])
    hours = [local_time(pd.Timestamp(at), timezone)[0] for at in history["posted_at"]]
    engaged = pd.DataFrame({"hour": hours, "log": np.log1p(history["engagements"].to_numpy(dtype=float))})
    by_hour = engaged.dropna().groupby("hour")["log"].agg(["median", "size"])
    trusted = by_hour[by_hour["size"] >= MIN_POSTS_PER_HOUR]
    best_hour = float(trusted["median"].idxmax()) if not trusted.empty else None
    usual = [float(h) for h in pd.Series(hours).value_counts().index[:USUAL_HOURS]]
    return Habits(
        known=True,
        hashtags=float(forms["hashtags"].median()),
        chars=float(np.expm1(forms["chars_log"].median())),
        lines=float(forms["lines"].median()),
        question_share=float(forms["question"].mean()),
        best_hour=best_hour,
        candidate_times=next_slots(usual + ([best_hour] if best_hour is not None else []), timezone, now),
    )


def next_slots(hours: list[float], timezone: str, now: datetime) -> list[tuple[float, float]]:
    """(hour, weekday) of each of these local hours over the next week, from `now` on, without repeats."""
    zone = ZoneInfo(timezone or "UTC")
    local_now = now.astimezone(zone)
    slots: list[tuple[float, float]] = []
    for day in range(DAYS_AHEAD + 1):
        date = (local_now + timedelta(days=day)).date()
        for hour in sorted(set(hours)):
            at = datetime(date.year, date.month, date.day, int(hour), tzinfo=zone)
            slot = (float(hour), float(at.weekday()))
            if at > local_now and slot not in slots:
                slots.append(slot)
    return slots
