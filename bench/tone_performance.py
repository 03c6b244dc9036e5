"""Tone against performance on the shipped accounts, through the product's own path.

For each account: a throwaway user; its export files imported with `api.posts.service.import_posts`; the
posts a tone analysis reads (`api.voice.service.posts_to_analyze`: the newest 500) labelled by the quick tone
model a first start serves (MiniLM embeddings + logistic regression, trained here on the shipped tone
corpus's train split) and stored with `save_post_tones`, as the analysis flow does; then
`api.analytics.service.tone_performance`, what GET /api/analytics/tone-performance answers. The figures go
to bench/results/tone_performance.json and the README.

The server is DATABASE_URL's (or TEST_DATABASE_URL's), else an embedded PostgreSQL; one throwaway database.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.import_posts import _migrated_database, _new_user, _server_url
from bench.tone_common import DATASETS, require, write_result

logger = logging.getLogger("bench.tone_performance")

ACCOUNTS: dict[str, list[str]] = {
    "rOpenSci (X)": ["twitter_analytics_ropensci/tweet_activity_metrics_*.csv"],
    "gerardtieng (X)": ["twitter_analytics_gerardtieng/*.csv"],
    "R-Ladies (X)": ["twitter_analytics_wearerladies/rocur_tweets_thru_Dec2019.csv"],
    "Yum! Brands (X)": ["twitter_yumbrands/yum_tweets_10_years.csv"],
    "mafreeman2 (LinkedIn)": ["linkedin_creator_mafreeman2/linkedin_posts_df.csv"],
}


def _files(patterns: list[str]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        folder, glob = pattern.rsplit("/", 1)
        require(DATASETS / folder, f"dataset {folder}")
        found.extend(sorted((DATASETS / folder).glob(glob)))
    return found


def _followers(account: str) -> int | None:
    """Yum! Brands' export has no audience per tweet: its follower count from the shipped profile file, given
    to the import as the default (what a user would type in the import form)."""
    if not account.startswith("Yum!"):
        return None
    import pandas as pd

    profiles = pd.read_csv(DATASETS / "twitter_yumbrands" / "sp_500_twitter_profile_info.csv")
    return int(profiles.loc[profiles.username == "yumbrands", "followers_count"].iloc[0])


def _quick_tone_model() -> Any:
    from models.tone.corpus import load_tone_corpus
    from models.tone.quick import EmbeddingToneClassifier

    corpus = load_tone_corpus()
    train = corpus[corpus.split == "train"]
    labels = sorted(corpus.label.unique())
    return EmbeddingToneClassifier(labels).fit(train.text.tolist(), train.label.tolist())


def main() -> dict[str, Any]:
    from api.analytics import service as analytics
    from api.posts.service import import_posts
    from api.voice import service as voice
    from api.voice.models import ToneAnalysis

    started = time.perf_counter()
    model = _quick_tone_model()
    accounts: dict[str, Any] = {}
    with ExitStack() as stack:
        url = _migrated_database(stack, stack.enter_context(_server_url()))
        engine = create_engine(url)
        stack.callback(engine.dispose)
        for account, patterns in ACCOUNTS.items():
            user_id: uuid.UUID = _new_user(engine)
            with Session(engine) as session:
                for path in _files(patterns):
                    with path.open("rb") as handle:
                        followers = _followers(account)
                        import_posts(
                            session, user_id, handle, analyse_tone=False, default_followers=followers
                        )
                session.commit()
                posts = voice.posts_to_analyze(session, user_id)
                results = model.classify([text for _, text in posts])
                voice.save_post_tones(session, user_id, [post_id for post_id, _ in posts], results)
                shares = {
                    label: sum(r["label"] == label for r in results) / len(results) for label in model.labels
                }
                session.add(ToneAnalysis(user_id=user_id, model_version="quick (bench)",
                                         analysis_data={"tone_distribution": shares}))  # fmt: skip
                session.commit()
                answer = analytics.tone_performance(session, user_id, "UTC", None)
            accounts[account] = {
                "labelled_posts": len(posts),
                "platforms": [p.model_dump() for p in answer.platforms],
            }
            for platform in answer.platforms:
                for tone in platform.tones:
                    if tone.posts:
                        logger.info("%s %s: %s", account, platform.platform, tone.sentence)
    payload = {
        "what": "tone against performance on the shipped accounts through the product's import, labelling "
        "and analytics code; tones from the quick tone model a first start serves",
        "baseline": answer.baseline,
        "interval": answer.interval,
        "min_posts": answer.min_posts,
        "seconds": round(time.perf_counter() - started, 1),
        "accounts": accounts,
    }
    write_result("tone_performance", payload)
    return {account: len(v["platforms"]) for account, v in accounts.items()}
