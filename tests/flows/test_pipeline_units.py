"""The plain functions under the flows: store location, promotion gate, datasets, deployments file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from api.core.launcher import load_entrypoint, read_deployments
from flows.serve import build_deployments, to_schedule
from flows.train_tone_classifier import ToneTrainingParams
from ml import catalog
from ml.registry import Baseline, decide_promotion, resolve_tracking_uri
from ml.spec import ModelSpec
from ml.tone import TONE, frame_to_results, results_to_frame
from models.tone.dataset import DatasetError, complete_columns, hash_split, load_dataset
from testkit.support import tiny_tone_rows

# The same gate for a metric where lower is better (an error, like the engagement model's MAE).
LOWER_IS_BETTER: ModelSpec = ModelSpec(**{**TONE.__dict__, "metric": "test_mae", "greater_is_better": False})


class TestTrackingUri:
    @pytest.mark.parametrize(
        ("uri", "expected"),
        [
            ("sqlite:///mlruns/mlflow.db", "sqlite:////repo/mlruns/mlflow.db"),
            ("sqlite:////abs/mlflow.db", "sqlite:////abs/mlflow.db"),
            ("http://mlflow.internal:5000", "http://mlflow.internal:5000"),
            ("postgresql://u@h/mlflow", "postgresql://u@h/mlflow"),
        ],
    )
    def test_relative_sqlite_is_anchored_at_the_project_root(self, uri, expected):
        assert resolve_tracking_uri(uri, root=Path("/repo")) == expected


class TestPromotionGate:
    def test_first_version_becomes_champion(self):
        decision = decide_promotion(TONE, 0.1, None)
        assert decision.promote
        assert "no champion" in decision.reason

    def test_strictly_better_is_promoted(self):
        decision = decide_promotion(TONE, 0.81, Baseline("3", 0.80, "logged metric, same test split"))
        assert decision.promote
        assert "v3" in decision.reason

    @pytest.mark.parametrize("score", [0.80, 0.79, 0.0])
    def test_equal_or_worse_stays_challenger_with_the_reason(self, score):
        decision = decide_promotion(TONE, score, Baseline("3", 0.80, "re-evaluated on this test split"))
        assert not decision.promote
        assert "does not beat the champion" in decision.reason
        assert "v3 0.8000" in decision.reason

    @pytest.mark.parametrize(("score", "promote"), [(0.30, True), (0.40, False), (0.41, False)])
    def test_lower_is_better_metrics_promote_the_smaller_error(self, score, promote):
        decision = decide_promotion(LOWER_IS_BETTER, score, Baseline("2", 0.40, "logged metric"))
        assert decision.promote is promote
        assert "test_mae" in decision.reason


class TestDatasets:
    def test_hash_split_ignores_order_case_and_spacing(self):
        assert hash_split("Hello  World") == hash_split("hello world")
        texts = [f"post number {i}" for i in range(300)]
        first = [hash_split(text) for text in texts]
        assert [hash_split(text) for text in reversed(texts)] == list(reversed(first))
        shares = pd.Series(first).value_counts(normalize=True)
        assert 0.1 < shares["test"] < 0.3 and shares["train"] > 0.6

    def test_plain_text_label_csv_gets_ids_platform_and_a_fixed_split(self, tmp_path):
        rows = [
            {"text": f"{tone} post {i}", "label": tone} for tone in ("casual", "formal") for i in range(40)
        ]
        path = tmp_path / "labelled.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        first, second = load_dataset(str(path)), load_dataset(str(path))
        assert set(first.frame.columns) == {"id", "text", "label", "platform", "split"}
        assert first.test_split_hash() == second.test_split_hash()
        assert first.labels == ["casual", "formal"]

    def test_jsonl_with_explicit_splits_keeps_them(self, tmp_path):
        path = tmp_path / "tiny.jsonl"
        path.write_text("\n".join(json.dumps(row) for row in tiny_tone_rows()))
        data = load_dataset(str(path))
        assert len(data.split("test")) == sum(row["split"] == "test" for row in tiny_tone_rows())

    def test_missing_label_column_is_refused(self):
        with pytest.raises(DatasetError, match="label"):
            complete_columns(pd.DataFrame({"text": ["a"]}))

    def test_test_labels_unseen_in_training_are_refused(self, tmp_path):
        rows = [{"text": f"t{i}", "label": "a" if i % 2 else "b", "split": "train"} for i in range(10)]
        rows.append({"text": "only in test", "label": "c", "split": "test"})
        path = tmp_path / "bad.jsonl"
        path.write_text("\n".join(json.dumps(row) for row in rows))
        with pytest.raises(DatasetError, match="never appear in training"):
            load_dataset(str(path))

    def test_unknown_dataset_name_is_a_clear_error(self):
        with pytest.raises(DatasetError, match="neither"):
            load_dataset("no-such-corpus")

    def test_shipped_corpus_loads_with_a_test_split(self):
        data = load_dataset("tone-corpus")
        assert len(data.split("train")) > len(data.split("test")) > 0


class TestParams:
    def test_tunables_map_onto_the_classifier_config(self):
        config = ToneTrainingParams(
            epochs=2, learning_rate=1e-4, batch_size=8, max_length=32, seed=7
        ).train_config()
        assert (config.epochs, config.learning_rate, config.batch_size, config.max_length, config.seed) == (
            2, 1e-4, 8, 32, 7,
        )  # fmt: skip

    def test_out_of_range_values_are_rejected_before_training(self):
        with pytest.raises(ValueError):
            ToneTrainingParams(epochs=0)
        with pytest.raises(ValueError):
            ToneTrainingParams(unknown_field=1)


class TestPyfuncFrames:
    def test_results_round_trip_through_the_output_frame(self):
        results = [
            {"label": "casual", "scores": {"casual": 0.7, "professional": 0.3}},
            {"label": "professional", "scores": {"casual": 0.1, "professional": 0.9}},
        ]
        frame = results_to_frame(results)
        assert list(frame.columns) == ["label", "casual", "professional"]
        assert frame_to_results(frame) == results


class TestDeploymentsFile:
    def test_every_deployment_entrypoint_is_the_flow_of_that_name(self):
        entries = read_deployments()
        assert {entry["name"] for entry in entries} >= {"train-tone-classifier", "analyze-user-tone"}
        for entry in entries:
            assert load_entrypoint(entry["entrypoint"]).name == entry["name"]
            assert entry["work_pool"]["name"]

    def test_serve_uses_the_schedules_written_in_prefect_yaml(self):
        deployments = {deployment.name: deployment for deployment in build_deployments()}
        training = next(entry for entry in read_deployments() if entry["name"] == "train-tone-classifier")
        served = deployments["train-tone-classifier"].schedules
        assert [s.schedule.cron for s in served] == [s["cron"] for s in training["schedules"]]
        assert [s.active for s in served] == [s.get("active", True) for s in training["schedules"]]

    def test_training_flow_exposes_the_typed_parameters(self):
        entry = next(e for e in read_deployments() if e["name"] == "train-tone-classifier")
        schema = json.dumps(load_entrypoint(entry["entrypoint"]).parameters.model_dump())
        for field in ("recipe", "dataset", "epochs", "learning_rate", "batch_size", "max_length", "seed"):
            assert field in schema

    def test_interval_schedules_are_read_too(self):
        schedule = to_schedule({"interval": 3600, "slug": "hourly", "active": False})
        assert schedule.interval.total_seconds() == 3600
        assert schedule.slug == "hourly" and not schedule.active


class TestModelListAgreesWithPrefectYaml:
    """prefect.yaml keeps the trained models' deployments (schedules, work pool) for `prefect deploy`; the
    list of models (`ml.catalog`) is what the flow runner, the bootstrap and the launcher derive from."""

    def test_a_listed_training_flow_in_prefect_yaml_has_the_same_entrypoint(self):
        entries = {entry["name"]: entry for entry in read_deployments()}
        for spec in catalog.trained():
            assert load_entrypoint(spec.training.entrypoint).name == spec.training.flow
            if spec.training.flow in entries:
                assert entries[spec.training.flow]["entrypoint"] == spec.training.entrypoint
        # Both built-in models retrain on a schedule, so both are there.
        assert {"train-tone-classifier", "train-engagement-model"} <= set(entries)

    def test_every_training_deployment_of_prefect_yaml_trains_a_listed_model(self):
        trained = {spec.training.flow for spec in catalog.trained()}
        for entry in read_deployments():
            if "ml" in (entry.get("tags") or []):
                assert entry["name"] in trained, f"{entry['name']} trains no model of ml.catalog"

    def test_the_flow_runner_serves_every_listed_training_flow(self):
        served = {deployment.name for deployment in build_deployments()}
        assert {spec.training.flow for spec in catalog.trained()} <= served

    def test_the_services_make_up_starts_are_the_listed_served_models(self):
        from api.cli import served_models

        assert served_models() == {
            "tone-classifier": "serving.services:ToneService",
            "engagement-model": "serving.services:EngagementService",
        }
        assert [spec.name for spec in catalog.needing_first_champion()] == ["tone-classifier"]


class TestGateAgainstBaselines:
    def test_losing_to_a_baseline_keeps_a_challenger_even_without_a_champion(self):
        decision = decide_promotion(TONE, 0.5, None, must_beat={"trailing median": 0.55})
        assert not decision.promote
        assert "trailing median baseline" in decision.reason

    def test_a_first_version_need_only_beat_the_baselines_named_for_it(self):
        baselines = {"forest": 0.52, "trailing median": 0.07}
        first = decide_promotion(TONE, 0.45, None, must_beat=baselines, first_must_beat=("trailing median",))
        assert first.promote
        assert "it does not beat forest 0.5200 yet" in first.reason
        # Losing to the named one still keeps a challenger, and with a champion every baseline counts again.
        assert not decide_promotion(TONE, 0.05, None, baselines, first_must_beat=("trailing median",)).promote
        later = decide_promotion(
            TONE, 0.50, Baseline("1", 0.45, "logged metric"), baselines, first_must_beat=("trailing median",)
        )
        assert not later.promote
        assert "forest baseline" in later.reason

    def test_beating_every_baseline_and_the_champion_promotes(self):
        decision = decide_promotion(
            TONE, 0.6, Baseline("1", 0.58, "logged metric"), must_beat={"forest": 0.4, "median": 0.1}
        )
        assert decision.promote
