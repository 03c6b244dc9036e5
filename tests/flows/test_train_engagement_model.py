"""train-engagement-model under the Prefect harness: exports in, a gated registry version out."""

from __future__ import annotations

import json

import pytest
from mlflow import MlflowClient

from flows.train_engagement_model import EngagementTrainingParams, train_engagement_model
from ml.bento import imported_version
from ml.engagement import ENGAGEMENT
from ml.registry import champion_version
from models.engagement.model import EngagementConfig
from testkit.support import synthetic_posts

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "mlflow_store", "bento_store")]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Synthetic accounts written as JSON exports, one folder per account (as a data scientist would)."""
    root = tmp_path_factory.mktemp("exports")
    for author, group in synthetic_posts(authors=5, posts=80).groupby("author"):
        rows = [
            {"platform": "twitter", "content": row.content, "posted_at": row.posted_at.isoformat(),
             "likes": int(row.likes), "comments": 0, "shares": 0}
            for row in group.itertuples()
        ]  # fmt: skip
        (root / author).mkdir()
        (root / author / "posts.json").write_text(json.dumps(rows), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def outcome(exports):
    params = EngagementTrainingParams(
        include_database=False,
        exports_folder=str(exports),
        model=EngagementConfig(n_estimators=120, text_components=4),
    )
    return train_engagement_model(params)


class TestTrainEngagementModel:
    def test_the_first_version_beats_both_baselines_and_becomes_champion(self, outcome):
        assert outcome["promoted"], outcome["reason"]
        assert champion_version(MlflowClient(), ENGAGEMENT.name).version == int(outcome["model_version"])
        assert imported_version(ENGAGEMENT, outcome["model_version"]) is not None

    def test_the_run_logs_what_a_reviewer_needs(self, outcome):
        client = MlflowClient()
        run = client.get_run(outcome["run_id"])
        metrics = run.data.metrics
        expected = {
            "test_spearman", "test_mae_log", "test_coverage", "test_mean_width_log",
            "baseline_tfidf_random_forest_spearman", "baseline_trailing_median_spearman",
            "baseline_tfidf_random_forest_mae_log", "dataset_posts", "dataset_accounts",
        }  # fmt: skip
        assert expected <= set(metrics), expected - set(metrics)
        assert metrics["test_spearman"] > metrics["baseline_trailing_median_spearman"]
        assert metrics["dataset_accounts"] == 5
        assert len(run.data.tags["dataset_hash"]) == 64
        plots = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
        assert {"evaluation/predicted_vs_actual.png", "evaluation/interval_calibration.png",
                "evaluation/feature_importance.png", "evaluation/test_metrics.json",
                "evaluation/per_account.json"} <= plots  # fmt: skip

    def test_the_run_logs_each_accounts_spearman_and_coverage(self, outcome):
        """Per account (each export folder): the model's and both baselines' Spearman, and the coverage."""
        metrics = MlflowClient().get_run(outcome["run_id"]).data.metrics
        for account in ("author-0", "author-4"):
            for name in ("candidate_spearman", "candidate_coverage", "tfidf_random_forest_spearman",
                         "trailing_median_spearman"):  # fmt: skip
                assert f"account.{account}.{name}" in metrics
            assert 0.0 <= metrics[f"account.{account}.candidate_coverage"] <= 1.0

    def test_the_same_data_again_does_not_replace_the_champion(self, outcome, exports):
        again = train_engagement_model(
            EngagementTrainingParams(
                include_database=False,
                exports_folder=str(exports),
                model=EngagementConfig(n_estimators=120, text_components=4),
            )
        )
        assert not again["promoted"]
        assert "does not beat the champion" in again["reason"]
        assert champion_version(MlflowClient(), ENGAGEMENT.name).version == int(outcome["model_version"])

    def test_a_missing_exports_folder_fails_the_run_with_a_clear_message(self, tmp_path):
        state = train_engagement_model(
            EngagementTrainingParams(include_database=False, exports_folder=str(tmp_path / "nope")),
            return_state=True,
        )
        assert state.is_failed()
        assert "is not a folder" in state.message
