"""Everything the flows say to MLflow: where the store is, what a run records, and the promotion gate.

Plain functions, no Prefect: the flows compose them and the tests call them directly. Nothing here runs
at import; `configure_tracking()` is called inside each flow.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.models.model import ModelInfo

from api.core.config import PROJECT_ROOT, Settings, get_settings
from serving.tone_model import (
    CHAMPION_ALIAS,
    MODEL_ARTIFACT_KEY,
    MODEL_NAME,
    TEXT_COLUMN,
    results_to_frame,
)

EXPERIMENT_NAME = "tone-classifier"
PRIMARY_METRIC = "test_macro_f1"
CHALLENGER_TAG = "challenger"
# Tags on runs and versions; the gate reads them back to decide whether two scores are comparable.
TEST_SPLIT_HASH_TAG = "test_split_hash"
DATASET_HASH_TAG = "dataset_hash"
# The models-from-code file MLflow stores with each version and runs to rebuild the wrapper.
TONE_PYFUNC_CODE = PROJECT_ROOT / "serving" / "tone_pyfunc.py"
# What the logged model needs at load time; listing it skips MLflow's slow requirement inference.
_MODEL_REQUIREMENTS = ("mlflow", "torch", "transformers", "pandas", "numpy", "scikit-learn")


def resolve_tracking_uri(uri: str, root: Path = PROJECT_ROOT) -> str:
    """Make a relative `sqlite:///relative/path.db` absolute from the project root, so any cwd works."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return prefix + str((root / uri[len(prefix) :]).resolve())
    return uri


def configure_tracking(settings: Settings | None = None) -> str:
    """Point MLflow's tracking and registry at the configured store and return its URI."""
    settings = settings or get_settings()
    uri = resolve_tracking_uri(settings.mlflow_tracking_uri)
    if uri.startswith("sqlite:///"):
        Path(uri[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def ensure_experiment(name: str = EXPERIMENT_NAME, settings: Settings | None = None) -> str:
    """The experiment's id, creating it with artifacts under `mlruns/` when the store is the local SQLite."""
    settings = settings or get_settings()
    client = MlflowClient()
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    artifact_location = None
    if resolve_tracking_uri(settings.mlflow_tracking_uri).startswith("sqlite:"):
        # MLflow would otherwise put artifacts under ./mlruns of whatever directory the process runs in.
        folder = Path(settings.mlflow_artifact_root).resolve() / name
        folder.mkdir(parents=True, exist_ok=True)
        artifact_location = folder.as_uri()
    return str(client.create_experiment(name, artifact_location=artifact_location))


def champion_version(client: MlflowClient, name: str = MODEL_NAME) -> ModelVersion | None:
    """The version the `champion` alias points at, or None on a registry without one."""
    try:
        registered = client.get_registered_model(name)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    version = registered.aliases.get(CHAMPION_ALIAS)
    if version is None:
        return None
    return client.get_model_version(name, str(version))


def model_requirements() -> list[str]:
    """Exact pins of the packages the pyfunc model imports, taken from this environment."""
    return [f"{package}=={package_version(package)}" for package in _MODEL_REQUIREMENTS]


def log_epoch_curves(history: Sequence[Mapping[str, Any]]) -> None:
    """Log every numeric per-epoch value with `step=epoch`, so the MLflow UI draws curves."""
    for index, entry in enumerate(history, start=1):
        step = int(entry.get("epoch", index))
        for key, value in entry.items():
            if key == "epoch" or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            mlflow.log_metric(key, float(value), step=step)


def log_evaluation(report: Any, confusion_png: Path, prefix: str = "test") -> None:
    """Log the headline metrics, the per-class report (JSON) and the confusion matrix (PNG)."""
    mlflow.log_metric(f"{prefix}_macro_f1", float(report.macro_f1))
    mlflow.log_metric(f"{prefix}_accuracy", float(report.accuracy))
    for label, values in report.per_class.items():
        for metric, value in values.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                mlflow.log_metric(f"{prefix}_{_metric_key(label)}_{metric}", float(value))
    mlflow.log_dict(
        {
            "macro_f1": report.macro_f1,
            "accuracy": report.accuracy,
            "labels": list(report.labels),
            "per_class": report.per_class,
            "confusion": [list(map(int, row)) for row in report.confusion],
        },
        f"evaluation/{prefix}_report.json",
    )
    mlflow.log_artifact(str(confusion_png), artifact_path="evaluation")


def _metric_key(label: str) -> str:
    """MLflow metric names allow letters, digits, `_-./ ` only."""
    return "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in str(label))


def log_tone_model(classifier: Any, example_texts: Sequence[str]) -> ModelInfo:
    """Log the classifier as a pyfunc model (the saved folder as its artifact) under the active run."""
    example = pd.DataFrame({TEXT_COLUMN: [str(text) for text in example_texts[:3]]})
    signature = infer_signature(example, results_to_frame(classifier.classify(list(example[TEXT_COLUMN]))))
    with tempfile.TemporaryDirectory(prefix="tone-model-") as folder:
        saved = Path(folder) / "tone_classifier"
        classifier.save(saved)
        info: ModelInfo = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(TONE_PYFUNC_CODE),
            artifacts={MODEL_ARTIFACT_KEY: str(saved)},
            signature=signature,
            input_example=example,
            pip_requirements=model_requirements(),
        )
        return info


def register_version(model_uri: str, tags: Mapping[str, str], name: str = MODEL_NAME) -> ModelVersion:
    """Register the logged model as a new version of `name`, tagged with what the gate needs."""
    return mlflow.register_model(model_uri, name, tags=dict(tags))


@dataclass(frozen=True)
class Baseline:
    """The current champion's score on the candidate's test split, and how it was obtained."""

    version: str
    score: float
    source: str


def champion_baseline(
    client: MlflowClient,
    test_split_hash: str,
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    name: str = MODEL_NAME,
) -> Baseline | None:
    """Score the champion on the same test rows: its logged metric if the split matches, else re-evaluate."""
    champion = champion_version(client, name)
    if champion is None:
        return None
    if champion.run_id:
        run = client.get_run(champion.run_id)
        logged = run.data.metrics.get(PRIMARY_METRIC)
        if logged is not None and run.data.tags.get(TEST_SPLIT_HASH_TAG) == test_split_hash:
            return Baseline(str(champion.version), float(logged), "logged metric, same test split")
    model = mlflow.pyfunc.load_model(f"models:/{name}/{champion.version}")
    classifier = model.unwrap_python_model().classifier
    # Candidates are scored in fp32 straight after training; score the champion the same way.
    classifier.set_precision("fp32")
    report = classifier.evaluate(list(test_texts), list(test_labels))
    return Baseline(str(champion.version), float(report.macro_f1), "re-evaluated on this test split")


@dataclass(frozen=True)
class PromotionDecision:
    """Whether the candidate takes the `champion` alias, and the reason recorded with it."""

    promote: bool
    reason: str


def decide_promotion(candidate_score: float, baseline: Baseline | None) -> PromotionDecision:
    """Promote only on a strictly higher macro-F1 than the champion's on the same test split."""
    if baseline is None:
        return PromotionDecision(True, "no champion yet: the first version becomes champion")
    if candidate_score > baseline.score:
        return PromotionDecision(
            True,
            f"macro-F1 {candidate_score:.4f} beats champion v{baseline.version} "
            f"({baseline.score:.4f}, {baseline.source})",
        )
    return PromotionDecision(
        False,
        f"macro-F1 {candidate_score:.4f} does not beat champion v{baseline.version} "
        f"({baseline.score:.4f}, {baseline.source})",
    )


def apply_promotion(
    client: MlflowClient, version: str, decision: PromotionDecision, name: str = MODEL_NAME
) -> None:
    """Move the `champion` alias to the version, or tag it `challenger` with the reason."""
    if decision.promote:
        client.set_registered_model_alias(name, CHAMPION_ALIAS, version)
        client.set_model_version_tag(name, version, "promotion", decision.reason)
    else:
        client.set_model_version_tag(name, version, CHALLENGER_TAG, decision.reason)


def log_decision(decision: PromotionDecision, baseline: Baseline | None) -> None:
    """Record the gate's outcome and the baseline it compared with in the active run."""
    mlflow.set_tags(
        {
            "promotion": "champion" if decision.promote else CHALLENGER_TAG,
            "promotion_reason": decision.reason,
            "baseline_version": baseline.version if baseline else "none",
            "baseline_source": baseline.source if baseline else "none",
        }
    )
    if baseline is not None:
        mlflow.log_metric(f"baseline_champion_{PRIMARY_METRIC}", baseline.score)
