"""The engagement recipe against both baselines on every account in ../shared/datasets, in one run.

Every export goes through the product's importers; the LinkedIn influencer and trend-pilot sets are
pooled by author (their follower count), and their relative dates ("2w", "1 year ago") count back from the
day each set was scraped, so a run gives the same figures whenever it runs. A LinkedIn post whose own id is
in the export (the creator export's URN, or the activity id in a scraped post's hashtag links) is dated to
the millisecond by that id, as the importer does for any user; the rest keep `time_precision =
approximate`: the model sees no hour or weekday for them, only that their date is approximate, and their
baseline is made of the posts dated before theirs. One pooled model is trained, as the training flow does;
each author's last 20% of posts in time are the test split and the 15% before them the calibration split.
Reports Spearman (per author, then averaged per account), log-MAE, 80% coverage and width per account and
pooled, and latency; then the same comparison with a rolling origin (three test windows per author, each
predicted by a model that saw only what came before it) with bootstrap intervals of the model's lead, so a
21-post account is not judged on 21 posts. Figures go to bench/results/engagement.json.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from api.engagement.data import export_frame
from models.engagement.evaluation import (
    COVERAGE_BAND,
    TfidfForestBaseline,
    account_of,
    score,
    score_per_account,
    time_split,
)
from models.engagement.history import add_history
from models.engagement.model import EngagementModel

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results" / "engagement.json"
SOURCES = {
    "twitter_analytics_ropensci": "file",
    "twitter_analytics_gerardtieng": "file",
    "twitter_analytics_wearerladies": "file",
    "twitter_yumbrands": "file",
    "linkedin_creator_mafreeman2": "file",
    "linkedin_influencers_annotated": "followers",
    "linkedin_trendpilot": "followers",
}
# When the scraped sets with relative dates were read (their README: about 15 Feb 2021; the trend-pilot
# file's last change, 21 Feb 2026).
SCRAPED_ON = {
    "linkedin_influencers_annotated": datetime(2021, 2, 15, tzinfo=UTC),
    "linkedin_trendpilot": datetime(2026, 2, 21, tzinfo=UTC),
}
MIN_POSTS = 30
# Where each author's test window ends in the rolling-origin comparison (shares of their posts in time).
ROLLING_ENDS = (0.6, 0.8, 1.0)


def load() -> pd.DataFrame:
    frames = [
        export_frame(sorted((DATASETS / name).glob("*.csv")), by, SCRAPED_ON.get(name))
        for name, by in SOURCES.items()
    ]
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["engagements"].notna()]
    sizes = frame.groupby("author")["post_id"].transform("size")
    return frame[sizes >= MIN_POSTS].reset_index(drop=True)


def main() -> dict[str, Any]:
    if not DATASETS.is_dir():
        return {"skipped": f"{DATASETS} is not there"}
    frame = add_history(load())
    frame["split"] = time_split(frame)
    usable = frame[frame["baseline_log"].notna()]
    train, calibration, test = (usable[usable["split"] == s] for s in ("train", "calibration", "test"))
    started = time.perf_counter()
    model = EngagementModel().fit(train, calibration)
    train_seconds = time.perf_counter() - started
    forest = TfidfForestBaseline().fit(pd.concat([train, calibration]))
    predicted = model.predict_log(test)
    forest_log = forest.predict_log(test)
    scored = score_per_account(
        test,
        {
            "model": predicted,
            "tfidf_random_forest": forest_log,
            "trailing_median": test["baseline_log"].to_numpy(),
        },
    )
    per_account = {
        account: {key: _brief(value) if isinstance(value, dict) else value for key, value in entry.items()}
        for account, entry in scored.items()
    }
    pooled = {
        "model": _brief(score(test, predicted["expected_log"], predicted["low_log"], predicted["high_log"])),
        "tfidf_random_forest": _brief(score(test, forest_log)),
        "trailing_median": _brief(score(test, test["baseline_log"].to_numpy())),
    }
    result = {
        "posts": len(frame),
        "authors": int(frame["author"].nunique()),
        "splits": {s: int((usable["split"] == s).sum()) for s in ("train", "calibration", "test")},
        "train_seconds": round(train_seconds, 1),
        "pooled": pooled,
        "per_account": per_account,
        "beats_forest_spearman_on": sum(
            v["model"]["spearman"] > v["tfidf_random_forest"]["spearman"] for v in per_account.values()
        ),
        "beats_forest_mae_on": sum(
            v["model"]["mae_log"] < v["tfidf_random_forest"]["mae_log"] for v in per_account.values()
        ),
        "beats_both_spearman_on": sum(
            v["model"]["spearman"]
            > max(v["tfidf_random_forest"]["spearman"], v["trailing_median"]["spearman"])
            for v in per_account.values()
        ),
        "coverage_band": list(COVERAGE_BAND),
        "coverage_in_band_on": sum(
            COVERAGE_BAND[0] <= v["model"]["coverage"] <= COVERAGE_BAND[1] for v in per_account.values()
        ),
        "accounts": len(per_account),
        "latency": _latency(model, test),
        "rolling_origin": _rolling_origin(frame),
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _rolling_origin(frame: pd.DataFrame) -> dict[str, Any]:
    """The same comparison over ROLLING_ENDS test windows per author (each 20% of their posts, each
    predicted by a model trained and calibrated only on what came before it), so a small account is judged
    on three times the posts; with paired 95% bootstrap intervals of the model's Spearman lead over each
    baseline (posts resampled within each author)."""
    parts, predictions = [], {"model": [], "tfidf_random_forest": [], "trailing_median": []}
    for end in ROLLING_ENDS:
        split = time_split(frame, end_share=end)
        usable = frame[frame["baseline_log"].notna()]
        train, calibration, test = (
            usable[split.loc[usable.index] == s] for s in ("train", "calibration", "test")
        )
        model = EngagementModel().fit(train, calibration)
        forest = TfidfForestBaseline().fit(pd.concat([train, calibration]))
        parts.append(test)
        predictions["model"].append(model.predict_log(test))
        predictions["tfidf_random_forest"].append(forest.predict_log(test))
        predictions["trailing_median"].append(test["baseline_log"].to_numpy())
    test = pd.concat(parts)
    model_log = pd.concat(predictions["model"])
    others = {name: np.concatenate(values) for name, values in predictions.items() if name != "model"}
    scored = score_per_account(test, {"model": model_log, **others})
    rng = np.random.default_rng(11)
    accounts = test["author"].map(account_of).to_numpy()
    out: dict[str, Any] = {}
    for account, entry in scored.items():
        rows = np.flatnonzero(accounts == account)
        part = test.iloc[rows]
        expected = {"model": model_log["expected_log"].to_numpy()[rows]} | {
            name: values[rows] for name, values in others.items()
        }
        leads = _bootstrap_leads(part, expected, rng)
        out[account] = {
            "test_posts": len(part),
            **{name: _brief(value) for name, value in entry.items() if isinstance(value, dict)},
            "model_lead_95": leads,
            "beats_both": all(entry["model"]["spearman"] > entry[name]["spearman"] for name in others),
        }
    return {
        "windows_end_at_share": list(ROLLING_ENDS),
        "per_account": out,
        "beats_both_spearman_on": sum(entry["beats_both"] for entry in out.values()),
        "coverage_in_band_on": sum(
            COVERAGE_BAND[0] <= entry["model"]["coverage"] <= COVERAGE_BAND[1] for entry in out.values()
        ),
        "accounts": len(out),
    }


def _bootstrap_leads(
    part: pd.DataFrame, expected: dict[str, np.ndarray], rng: np.random.Generator, draws: int = 500
) -> dict[str, list[float]]:
    """95% interval of the account's Spearman lead of the model over each baseline (Spearman per author,
    averaged over the account's authors, as `score` does), each author's posts resampled with replacement."""
    actual = np.log1p(part["engagements"].to_numpy(dtype=float))
    groups = [rows for rows in part.groupby("author", sort=False).indices.values() if len(rows) >= 5]
    leads: dict[str, list[float]] = {name: [] for name in expected if name != "model"}
    for _ in range(draws):
        per_author: dict[str, list[float]] = {name: [] for name in expected}
        for rows in groups:
            chosen = rng.choice(rows, size=len(rows))
            for name, values in expected.items():
                per_author[name].append(_spearman(values[chosen], actual[chosen]))
        rho = {name: float(np.nanmean(values)) for name, values in per_author.items()}
        for name in leads:
            leads[name].append(rho["model"] - rho[name])
    return {
        name: [round(float(q), 3) for q in np.nanpercentile(values, [2.5, 97.5])]
        for name, values in leads.items()
    }


def _spearman(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Spearman's rho; 0 where either side is constant (as `score` counts it)."""
    if np.ptp(actual) == 0 or np.ptp(predicted) == 0:
        return 0.0
    return float(spearmanr(predicted, actual).statistic)


def _brief(metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        k: round(v, 4) if isinstance(v, float) else v
        for k, v in metrics.items()
        if k != "spearman_per_author"
    }


def _latency(model: EngagementModel, test: pd.DataFrame) -> dict[str, float]:
    one = test.iloc[[0]]
    model.predict_detailed(one)

    def median_ms(work: Any, runs: int = 50) -> float:
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            work()
            timings.append(time.perf_counter() - start)
        return round(1000 * statistics.median(timings), 2)

    batch = pd.concat([test] * (1000 // len(test) + 1)).iloc[:1000]
    start = time.perf_counter()
    model.predict_log(batch)
    batch_seconds = time.perf_counter() - start
    return {
        "one_draft_p50_ms": median_ms(lambda: model.predict_log(one)),
        "one_draft_p50_ms_with_reasons_and_suggestions": median_ms(lambda: model.predict_detailed(one)),
        "batch_1000_drafts_per_second": round(1000 / batch_seconds, 1),
        "features_per_draft": float(len(model.columns)),
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
