"""Voice match on real accounts: profile from each account's first 80% of posts, then the AUC of telling
its last 20% from other accounts' posts. Figures go to bench/results/voice.json (aim: AUC >= 0.85 each)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from api.engagement.data import export_frame
from models.voice.match import VoiceProfile

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results" / "voice.json"
ACCOUNTS = (
    "twitter_analytics_ropensci",
    "twitter_analytics_gerardtieng",
    "twitter_analytics_wearerladies",
    "twitter_yumbrands",
    "linkedin_creator_mafreeman2",
)
MAX_PROFILE_POSTS = 400


def main() -> dict[str, Any]:
    if not DATASETS.is_dir():
        return {"skipped": f"{DATASETS} is not there"}
    posts = {}
    for name in ACCOUNTS:
        frame = export_frame(sorted((DATASETS / name).glob("*.csv"))).sort_values("posted_at")
        posts[name] = [str(text) for text in frame["content"]]
    rng = np.random.default_rng(7)
    per_account: dict[str, Any] = {}
    for name, texts in posts.items():
        cut = int(len(texts) * 0.8)
        profile = VoiceProfile(texts[:cut][-MAX_PROFILE_POSTS:])
        own = texts[cut:]
        others_pool = [text for other, pool in posts.items() if other != name for text in pool]
        others = list(rng.choice(others_pool, size=min(len(own), len(others_pool)), replace=False))
        scores = profile.raw_scores(own + others)
        labels = [1] * len(own) + [0] * len(others)
        calibrated = [match.score for match in profile.match(own)]
        per_account[name] = {
            "profile_posts": len(profile.posts),
            "held_out_own": len(own),
            "others": len(others),
            "auc": round(float(roc_auc_score(labels, scores)), 4),
            "median_score_of_own_held_out": round(float(np.median(calibrated)), 3),
        }
    result = {
        "per_account": per_account,
        "min_auc": min(v["auc"] for v in per_account.values()),
        "aim": 0.85,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
