"""Time splits per author, the two baselines, and the metrics every candidate is compared on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix, hstack
from scipy.stats import spearmanr
from sklearn.ensemble import RandomForestRegressor
from sklearn.feature_extraction.text import TfidfVectorizer

from models.engagement.features import platform_code

MIN_TEST_POSTS_FOR_SPEARMAN = 5
# The band each account's 80% interval must cover its test posts within.
COVERAGE_BAND = (0.75, 0.85)


def time_split(
    frame: pd.DataFrame, test_share: float = 0.2, calibration_share: float = 0.15, end_share: float = 1.0
) -> pd.Series:
    """Per author: the last `test_share` of posts in time are "test", the slice before "calibration".

    Nothing of an author's test period is ever earlier than their training posts, so no future leaks.
    `end_share` < 1 moves the test slice back in time (a rolling origin): it ends after that share of the
    author's posts, and the posts after it are "later" (in no split).
    """
    split = pd.Series("train", index=frame.index, dtype=object)
    for _, group in frame.sort_values("posted_at", kind="stable").groupby("author", sort=False):
        n = len(group)
        end = round(n * end_share)
        n_test = round(n * test_share)
        n_cal = round(n * calibration_share)
        if n_test == 0 or end - n_test - n_cal < 1:
            continue
        index = list(group.index)
        split.loc[index[end - n_test : end]] = "test"
        split.loc[index[end - n_test - n_cal : end - n_test]] = "calibration"
        split.loc[index[end:]] = "later"
    return split


def score(
    frame: pd.DataFrame,
    expected_log: np.ndarray,
    low_log: np.ndarray | None = None,
    high_log: np.ndarray | None = None,
) -> dict[str, Any]:
    """Spearman per author (then averaged), MAE in log1p space, and interval coverage and width."""
    actual = np.log1p(frame["engagements"].to_numpy(dtype=float))
    expected = np.asarray(expected_log, dtype=float)
    per_author: dict[str, float] = {}
    for author, positions in frame.groupby("author", sort=False).indices.items():
        if len(positions) < MIN_TEST_POSTS_FOR_SPEARMAN or np.ptp(actual[positions]) == 0:
            continue
        rho = spearmanr(expected[positions], actual[positions]).statistic
        per_author[str(author)] = 0.0 if np.isnan(rho) else float(rho)
    result: dict[str, Any] = {
        "spearman": float(np.mean(list(per_author.values()))) if per_author else float("nan"),
        "spearman_per_author": per_author,
        "mae_log": float(np.mean(np.abs(expected - actual))),
        "posts": len(frame),
    }
    if low_log is not None and high_log is not None:
        low, high = np.asarray(low_log, dtype=float), np.asarray(high_log, dtype=float)
        result["coverage"] = float(np.mean((actual >= low) & (actual <= high)))
        result["mean_width_log"] = float(np.mean(high - low))
    return result


def account_of(author: str) -> str:
    """The account an author belongs to: a scraped multi-author set ("folder:followers") is one account,
    every other author is their own."""
    return str(author).split(":", 1)[0]


def score_per_account(
    frame: pd.DataFrame, predictions: dict[str, pd.DataFrame | np.ndarray]
) -> dict[str, dict[str, Any]]:
    """`score` per account for each named prediction (a frame with `expected_log`, and `low_log` and
    `high_log` for intervals, or plain expected values), on the rows of `frame`, in its order."""
    accounts = frame["author"].map(account_of).to_numpy()
    out: dict[str, dict[str, Any]] = {}
    for account in sorted(set(accounts)):
        rows = np.flatnonzero(accounts == account)
        part = frame.iloc[rows]
        entry: dict[str, Any] = {"authors": int(part["author"].nunique()), "test_posts": len(part)}
        for name, predicted in predictions.items():
            if isinstance(predicted, pd.DataFrame):
                chosen = predicted.iloc[rows]
                entry[name] = score(part, chosen["expected_log"], chosen["low_log"], chosen["high_log"])
            else:
                entry[name] = score(part, np.asarray(predicted, dtype=float)[rows])
        out[account] = entry
    return out


class TfidfForestBaseline:
    """The original design's model: TF-IDF (1,000 features) + RandomForest(100) on log1p(engagements)."""

    def __init__(self, seed: int = 13) -> None:
        self.vectorizer = TfidfVectorizer(max_features=1000)
        self.forest = RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=2)

    @staticmethod
    def _hand(frame: pd.DataFrame) -> np.ndarray:
        text = frame["content"].astype(str)
        posted = pd.to_datetime(frame["posted_at"], utc=True)
        return np.column_stack(
            [
                text.str.len(),
                text.str.count("#"),
                text.str.count("@"),
                text.str.contains("?", regex=False).astype(float),
                text.str.contains("http", regex=False).astype(float),
                posted.dt.hour,
                posted.dt.weekday,
                frame["platform"].astype(str).map(platform_code).astype(float),
            ]
        ).astype(float)

    def fit(self, frame: pd.DataFrame) -> TfidfForestBaseline:
        words = self.vectorizer.fit_transform(frame["content"].astype(str))
        matrix = hstack([words, csr_matrix(self._hand(frame))]).tocsr()
        self.forest.fit(matrix, np.log1p(frame["engagements"].to_numpy(dtype=float)))
        return self

    def predict_log(self, frame: pd.DataFrame) -> np.ndarray:
        words = self.vectorizer.transform(frame["content"].astype(str))
        return np.asarray(self.forest.predict(hstack([words, csr_matrix(self._hand(frame))]).tocsr()))
