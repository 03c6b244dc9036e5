"""train-tone-classifier under the Prefect harness, against a throwaway MLflow registry and Bento store.

Three tiny runs (one training step each, max_length 32) in a fixed order: the fresh-install bootstrap trains
an under-trained model that becomes the first champion of the empty registry, a properly trained one beats
it and takes the alias, and a second under-trained one loses to it and stays a challenger.
"""

from __future__ import annotations

import json

import bentoml
import mlflow
import pytest
from mlflow import MlflowClient
from prefect.logging import disable_run_logger

from flows.bootstrap import ensure_first_champions
from flows.train_tone_classifier import TRAINER, ToneTrainingParams, train_tone_classifier
from ml import registry
from ml.bento import MLFLOW_VERSION_LABEL, imported_version
from ml.registry import TEST_SPLIT_HASH_TAG, champion_version
from ml.spec import CHALLENGER_TAG
from ml.tone import TONE
from models.tone.dataset import load_dataset
from models.tone.slices import MIN_POSTS

MODEL_NAME = TONE.name
PRIMARY_METRIC = TONE.metric

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "mlflow_store", "bento_store")]


def params(dataset, learning_rate: float, recipe: str = "fine-tune", **extra) -> ToneTrainingParams:
    # One step over the 36 training rows: 1e-7 leaves the random head practically untouched, 1e-3 learns
    # the three tones.
    return ToneTrainingParams(
        **extra,
        recipe=recipe,
        dataset=str(dataset),
        epochs=1,
        learning_rate=learning_rate,
        batch_size=36,
        max_length=32,
        seed=3,
    )


@pytest.fixture(scope="module")
def runs(tiny_dataset, prefect_harness, mlflow_store, bento_store) -> dict[str, dict]:
    """The three runs, trained once for the module; each test reads what they left behind."""
    messages: list[str] = []
    version = ensure_first_champions(
        messages.append, params={MODEL_NAME: params(tiny_dataset, 1e-7)}, follow_up_in_background=False
    )[MODEL_NAME]
    outcomes = {"first": _outcome(version), "bootstrap": {"version": version, "messages": list(messages)}}
    outcomes["first_champion"] = _champion_snapshot()
    again: list[str] = []
    outcomes["bootstrap_again"] = {
        "version": ensure_first_champions(again.append, follow_up_in_background=False)[MODEL_NAME],
        "runs": _run_count(),
        "messages": again,
    }
    outcomes["better"] = train_tone_classifier(params(tiny_dataset, 1e-3))
    outcomes["worse"] = train_tone_classifier(params(tiny_dataset, 1e-7))
    outcomes["quick"] = train_tone_classifier(params(tiny_dataset, 0.001, recipe="embedding-logreg"))
    outcomes["champion_before_distill"] = champion_version(MlflowClient(), MODEL_NAME).version
    outcomes["distilled"] = train_tone_classifier(params(tiny_dataset, 1e-3, recipe="distill", teachers=2))
    return outcomes


def _outcome(version: str) -> dict:
    """The parts of a flow outcome the tests read, rebuilt from the version's MLflow run."""
    run_id = MlflowClient().get_model_version(MODEL_NAME, version).run_id
    run = MlflowClient().get_run(run_id)
    return {
        "run_id": run_id,
        "model_version": version,
        "test_macro_f1": run.data.metrics[PRIMARY_METRIC],
        "promoted": run.data.tags["promotion"] == "champion",
        "reason": run.data.tags["promotion_reason"],
    }


def _run_count() -> int:
    return len(MlflowClient().search_runs([registry.ensure_experiment(TONE.experiment)]))


def _champion_snapshot() -> dict:
    champion = champion_version(MlflowClient(), MODEL_NAME)
    assert champion is not None
    return {"version": str(champion.version), "bento": _bento_version(str(champion.version))}


def _bento_version(version: str) -> bentoml.Model | None:
    """The Bento store's copy of a registry version, if it was imported."""
    return imported_version(TONE, version)


class TestBootstrap:
    def test_fresh_install_trains_a_first_champion_with_progress_lines(self, runs):
        assert runs["bootstrap"]["version"] == "1"
        assert any("training a first one (recipe fine-tune" in line for line in runs["bootstrap"]["messages"])

    def test_with_a_champion_it_only_looks_it_up(self, runs):
        again = runs["bootstrap_again"]
        assert (again["version"], again["runs"]) == ("1", 1)
        assert "is version 1" in again["messages"][0]


class TestFirstRun:
    def test_empty_registry_promotes_the_first_version(self, runs):
        assert runs["first"]["promoted"]
        assert runs["first_champion"]["version"] == runs["first"]["model_version"] == "1"
        assert "no champion yet" in runs["first"]["reason"]

    def test_run_records_params_dataset_curves_plots_and_model(self, runs, tiny_dataset):
        client = MlflowClient()
        run = client.get_run(runs["first"]["run_id"])
        assert run.data.params["learning_rate"] == "1e-07"
        assert run.data.params["max_length"] == "32"
        assert run.data.params["dataset"] == str(tiny_dataset)
        assert len(run.data.tags["dataset_hash"]) == 64
        assert run.data.tags[TEST_SPLIT_HASH_TAG]
        assert run.data.metrics["dataset_size"] == 72
        assert 0.0 <= run.data.metrics[PRIMARY_METRIC] <= 1.0
        curve = client.get_metric_history(run.info.run_id, "train_loss")
        assert [point.step for point in curve] == [1]
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
        assert artifacts == {
            "evaluation/confusion_matrix.png",
            "evaluation/test_report.json",
            "evaluation/test_slices.json",
        }

    def test_promotion_imports_the_champion_into_the_bento_store(self, runs):
        bento_model = runs["first_champion"]["bento"]
        assert bento_model.info.labels[MLFLOW_VERSION_LABEL] == "1"


class TestPromotionGate:
    def test_a_better_model_takes_the_champion_alias(self, runs):
        better, first = runs["better"], runs["first"]
        assert better["test_macro_f1"] > first["test_macro_f1"]
        assert better["promoted"]
        assert champion_version(MlflowClient(), MODEL_NAME).version == int(better["model_version"])
        assert _bento_version("2") is not None

    def test_a_worse_model_stays_challenger_and_the_run_says_why(self, runs):
        worse, better = runs["worse"], runs["better"]
        assert worse["test_macro_f1"] < better["test_macro_f1"]
        assert not worse["promoted"]
        client = MlflowClient()
        assert champion_version(client, MODEL_NAME).version == int(better["model_version"])
        version = client.get_model_version(MODEL_NAME, worse["model_version"])
        assert "does not beat the champion" in version.tags[CHALLENGER_TAG]
        assert "champion v2" in version.tags[CHALLENGER_TAG]
        run = client.get_run(worse["run_id"])
        assert run.data.tags["promotion"] == CHALLENGER_TAG
        assert run.data.tags["promotion_reason"] == version.tags[CHALLENGER_TAG]
        assert run.data.metrics[f"baseline_champion_{PRIMARY_METRIC}"] == pytest.approx(
            better["test_macro_f1"]
        )

    def test_the_losing_version_is_not_imported_for_serving(self, runs):
        assert runs["worse"]["bento_tag"] is None
        assert _bento_version(runs["worse"]["model_version"]) is None


class TestQuickRecipe:
    def test_embedding_logreg_learns_the_tones_in_seconds_and_goes_through_the_same_gate(self, runs):
        quick, better = runs["quick"], runs["better"]
        # Three tones written very differently: frozen embeddings separate them almost perfectly.
        assert quick["test_macro_f1"] >= 0.9
        assert quick["recipe"] == "embedding-logreg"
        run = MlflowClient().get_run(quick["run_id"])
        assert run.data.tags["recipe"] == "embedding-logreg"
        assert quick["promoted"] is (quick["test_macro_f1"] > better["test_macro_f1"])


class TestDistillRecipe:
    def test_teachers_then_one_model_through_the_same_gate(self, runs):
        distilled = runs["distilled"]
        client = MlflowClient()
        run = client.get_run(distilled["run_id"])
        assert run.data.tags["recipe"] == "distill"
        assert run.data.params["teachers"] == "2"
        # Each teacher's validation score and their ensemble's are on the run beside the model's own.
        for name in ("teacher_1_val_macro_f1", "teacher_2_val_macro_f1", "teachers_ensemble_val_macro_f1"):
            assert 0.0 <= run.data.metrics[name] <= 1.0
        assert [point.step for point in client.get_metric_history(run.info.run_id, "train_loss")] == [1]
        # One model was registered and gated against the champion of the moment, like any other recipe.
        assert run.data.metrics[f"baseline_champion_{PRIMARY_METRIC}"] > 0
        champion = champion_version(client, MODEL_NAME).version
        before = runs["champion_before_distill"]
        assert champion == (int(distilled["model_version"]) if distilled["promoted"] else before)


class TestSlices:
    def test_each_slice_of_the_test_split_lands_in_the_run_as_metrics_and_a_report(self, runs):
        run = MlflowClient().get_run(runs["better"]["run_id"])
        metrics = run.data.metrics
        # The tiny dataset's 24 test posts have no platform: all, long and emoji-heavy slices only.
        assert metrics["test_slice.all.count"] == 24
        assert metrics["test_slice.all.macro_f1"] == pytest.approx(metrics[PRIMARY_METRIC])
        assert metrics["test_slice.all.accuracy"] == pytest.approx(metrics["test_accuracy"])
        assert not any(key.startswith(("test_slice.linkedin.", "test_slice.x.")) for key in metrics)
        document = mlflow.artifacts.load_dict(f"runs:/{run.info.run_id}/evaluation/test_slices.json")
        assert document["min_posts"] == MIN_POSTS
        slices = {entry["name"]: entry for entry in document["slices"]}
        assert list(slices) == ["all", "long", "emoji_heavy"]
        for name, entry in slices.items():
            assert metrics[f"test_slice.{name}.count"] == entry["count"]
        # A quarter of 24 posts is too few to score: a count and a reason, no figure anywhere.
        long = slices["long"]
        assert 0 < long["count"] < MIN_POSTS
        assert long["macro_f1"] is None and long["reason"]
        assert "test_slice.long.macro_f1" not in metrics and "test_slice.long.accuracy" not in metrics

    def test_the_rows_platforms_reach_the_platform_slices(self, runs, tiny_dataset, tmp_path):
        rows = [json.loads(line) for line in tiny_dataset.read_text(encoding="utf-8").splitlines() if line]
        for number, row in enumerate(rows):
            row["platform"] = "linkedin" if number % 3 else "twitter"
        path = tmp_path / "tiny_with_platforms.jsonl"
        path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
        data = load_dataset(str(path))
        test = data.split("test")
        registry.configure_tracking()
        uri = f"models:/{MODEL_NAME}/{runs['quick']['model_version']}"
        model = mlflow.pyfunc.load_model(uri).unwrap_python_model().classifier
        with disable_run_logger():
            evaluation = TRAINER.evaluate(model, data, ToneTrainingParams(dataset=str(path)))
        metrics = evaluation.metrics
        assert metrics["test_slice.linkedin.count"] == (test["platform"] == "linkedin").sum() > 0
        assert metrics["test_slice.x.count"] == (test["platform"] == "twitter").sum() > 0
        assert metrics["test_slice.all.count"] == len(test)
        assert "platform is linkedin" in TRAINER.report({"recipe": "embedding-logreg"}, evaluation)
