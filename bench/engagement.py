"""The engagement recipe against both baselines on every account in ../shared/datasets, in one run.

Every export goes through the product's importers; the LinkedIn influencer and trend-pilot sets are
pooled by author (their follower count). One pooled model is trained, as the training flow does; each
author's last 20% of posts in time are the test split and the 15% before them the calibration split.
Reports Spearman (per account), log-MAE, 80% coverage and width per account and pooled, and latency.
Figures go to bench/results/engagement.json.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import pandas as pd

from api.engagement.data import export_frame
from models.engagement.evaluation import TfidfForestBaseline, score, time_split
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
MIN_POSTS = 30


def load() -> pd.DataFrame:
    frames = [export_frame(sorted((DATASETS / name).glob("*.csv")), by) for name, by in SOURCES.items()]
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["engagements"].notna()]
    sizes = frame.groupby("author")["post_id"].transform("size")
    return frame[sizes >= MIN_POSTS].reset_index(drop=True)


def account_of(author: str) -> str:
    """Pooled sets report as one account; single-account exports as themselves."""
    return author.split(":", 1)[0]


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
    per_account: dict[str, Any] = {}
    test_account = test["author"].map(account_of)
    for account in sorted(test_account.unique()):
        part = test[test_account == account]
        rows = predicted.loc[part.index]
        per_account[account] = {
            "authors": int(part["author"].nunique()),
            "test_posts": len(part),
            "model": _brief(score(part, rows["expected_log"], rows["low_log"], rows["high_log"])),
            "tfidf_random_forest": _brief(score(part, forest.predict_log(part))),
            "trailing_median": _brief(score(part, part["baseline_log"].to_numpy())),
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
