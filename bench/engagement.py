"""The engagement recipe against both baselines on every account in ../shared/datasets, in one run.

Every export goes through the product's importers; the LinkedIn influencer and trend-pilot sets are
pooled by author (their follower count), and their relative dates ("2w", "1 year ago") count back from the
day each set was scraped, so a run gives the same figures whenever it runs. Those posts keep
`time_precision = approximate`: the model sees no hour or weekday for them, only that their date is
approximate. One pooled model is trained, as the training flow does; each author's last 20% of posts in
time are the test split and the 15% before them the calibration split. Reports Spearman (per author, then
averaged per account), log-MAE, 80% coverage and width per account and pooled, and latency. Figures go to
bench/results/engagement.json.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from api.engagement.data import export_frame
from models.engagement.evaluation import (
    COVERAGE_BAND,
    TfidfForestBaseline,
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
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


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
