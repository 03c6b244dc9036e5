"""The MLflow side of every model: where the store is, what a run records, the registry and the gate.

Plain functions, no Prefect and nothing at import: callers run `configure_tracking()` first.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
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

from ml.config import PROJECT_ROOT, MLSettings, get_ml_settings
from ml.spec import CHALLENGER_TAG, CHAMPION_ALIAS, PYTHON_MODEL_CONFIG_KEY, ModelSpec

logger = logging.getLogger("postwright.ml")

# Tags on runs and versions; the gate reads them back to decide whether two scores are comparable.
TEST_SPLIT_HASH_TAG = "test_split_hash"
DATASET_HASH_TAG = "dataset_hash"
# The models-from-code file logged with every model (it instantiates the spec's `PythonModel`).
PYFUNC_ENTRY = PROJECT_ROOT / "ml" / "entry_pyfunc.py"


def resolve_tracking_uri(uri: str, root: Path = PROJECT_ROOT) -> str:
    """Make a relative `sqlite:///relative/path.db` absolute from the project root, so any cwd works."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return prefix + str((root / uri[len(prefix) :]).resolve())
    return uri


def configure_tracking(settings: MLSettings | None = None) -> str:
    """Point MLflow's tracking and registry at the configured store and return its URI."""
    settings = settings or get_ml_settings()
    uri = resolve_tracking_uri(settings.mlflow_tracking_uri)
    if uri.startswith("sqlite:///"):
        Path(uri[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def ensure_experiment(name: str, settings: MLSettings | None = None) -> str:
    """The experiment's id, creating it with artifacts under `mlruns/` when the store is the local SQLite."""
    settings = settings or get_ml_settings()
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


def champion_version(client: MlflowClient, name: str) -> ModelVersion | None:
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


def log_epoch_curves(history: Sequence[Mapping[str, Any]]) -> None:
    """Log every numeric per-epoch value with `step=epoch`, so the MLflow UI draws curves."""
    for index, entry in enumerate(history, start=1):
        step = int(entry.get("epoch", index))
        for key, value in entry.items():
            if key == "epoch" or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            mlflow.log_metric(key, float(value), step=step)


def metric_key(label: str) -> str:
    """MLflow metric names allow letters, digits, `_-./ ` only."""
    return "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in str(label))


def log_pyfunc_model(
    spec: ModelSpec[Any, Any],
    save: Callable[[Path], None],
    example: pd.DataFrame,
    output: pd.DataFrame,
) -> ModelInfo:
    """Log a model (written by `save` to a folder) as models-from-code: the one entry file, configured with
    the spec's `PythonModel` class."""
    signature = infer_signature(example, output)
    with tempfile.TemporaryDirectory(prefix=f"{spec.name}-") as folder:
        saved = Path(folder) / "model"
        save(saved)
        info: ModelInfo = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(PYFUNC_ENTRY),
            model_config={PYTHON_MODEL_CONFIG_KEY: spec.python_model},
            artifacts={spec.artifact_key: str(saved)},
            signature=signature,
            input_example=example,
            pip_requirements=spec.pinned_requirements(),
        )
        return info


def register_version(spec: ModelSpec[Any, Any], model_uri: str, tags: Mapping[str, str]) -> ModelVersion:
    """Register the logged model as a new version of the spec's model, tagged with what the gate needs."""
    return mlflow.register_model(model_uri, spec.name, tags=dict(tags))


@dataclass(frozen=True)
class Baseline:
    """The current champion's score on the candidate's test split, and how it was obtained."""

    version: str
    score: float
    source: str


def champion_baseline(
    client: MlflowClient,
    spec: ModelSpec[Any, Any],
    test_split_hash: str,
    rescore: Callable[[str], float],
) -> Baseline | None:
    """The champion's score on the same test rows: its logged metric if the split matches, else `rescore`.

    `rescore(model_uri)` loads that version and scores it on the candidate's test split.
    """
    champion = champion_version(client, spec.name)
    if champion is None:
        return None
    if champion.run_id:
        run = client.get_run(champion.run_id)
        logged = run.data.metrics.get(spec.metric)
        if logged is not None and run.data.tags.get(TEST_SPLIT_HASH_TAG) == test_split_hash:
            return Baseline(str(champion.version), float(logged), "logged metric, same test split")
    score = rescore(f"models:/{spec.name}/{champion.version}")
    return Baseline(str(champion.version), float(score), "re-evaluated on this test split")


@dataclass(frozen=True)
class PromotionDecision:
    """Whether the candidate takes the `champion` alias, and the reason recorded with it."""

    promote: bool
    reason: str


def decide_promotion(
    spec: ModelSpec[Any, Any],
    candidate_score: float,
    baseline: Baseline | None,
    must_beat: Mapping[str, float] | None = None,
    first_must_beat: Collection[str] | None = None,
) -> PromotionDecision:
    """Promote only on a strictly better gate metric than the champion's on the same test split.

    `must_beat` names reference models (scored in the same run, on the same split) the candidate must
    also beat; losing to any of them keeps it a challenger whatever the champion scored. With no champion
    yet, `first_must_beat` (when given) narrows that to the named ones: a first model that beats the naive
    baseline serves rather than nothing, and its reason names the baselines it does not beat yet.
    """
    required = dict(must_beat or {})
    if baseline is None and first_must_beat is not None:
        required = {name: value for name, value in required.items() if name in first_must_beat}
    for name, reference in required.items():
        if not spec.better(candidate_score, reference):
            return PromotionDecision(
                False,
                f"does not beat the {name} baseline: {spec.metric} {candidate_score:.4f} vs {reference:.4f}",
            )
    if baseline is None:
        behind = [
            f"{name} {reference:.4f}"
            for name, reference in (must_beat or {}).items()
            if not spec.better(candidate_score, reference)
        ]
        if behind:
            return PromotionDecision(
                True,
                f"no champion yet: the first version becomes champion, as it beats the "
                f"{', '.join(required)} baseline; it does not beat {', '.join(behind)} yet "
                f"({spec.metric} {candidate_score:.4f}), which every later version must",
            )
        return PromotionDecision(True, "no champion yet: the first version becomes champion")
    comparison = (
        f"{spec.metric} {candidate_score:.4f} vs champion v{baseline.version} "
        f"{baseline.score:.4f} ({baseline.source})"
    )
    if spec.better(candidate_score, baseline.score):
        return PromotionDecision(True, f"beats the champion: {comparison}")
    return PromotionDecision(False, f"does not beat the champion: {comparison}")


def apply_promotion(
    client: MlflowClient, spec: ModelSpec[Any, Any], version: str, decision: PromotionDecision
) -> None:
    """Move the `champion` alias to the version, or tag it `challenger` with the reason."""
    if decision.promote:
        client.set_registered_model_alias(spec.name, CHAMPION_ALIAS, version)
        client.set_model_version_tag(spec.name, version, "promotion", decision.reason)
    else:
        client.set_model_version_tag(spec.name, version, CHALLENGER_TAG, decision.reason)
    logger.info("%s v%s: %s", spec.name, version, decision.reason)


def log_decision(spec: ModelSpec[Any, Any], decision: PromotionDecision, baseline: Baseline | None) -> None:
    """Record the gate's outcome and the baseline it compared with in the active run."""
    mlflow.set_tags(
        {
            "promotion": CHAMPION_ALIAS if decision.promote else CHALLENGER_TAG,
            "promotion_reason": decision.reason,
            "baseline_version": baseline.version if baseline else "none",
            "baseline_source": baseline.source if baseline else "none",
        }
    )
    if baseline is not None:
        mlflow.log_metric(f"baseline_champion_{spec.metric}", baseline.score)


def gate_and_register(
    spec: ModelSpec[Any, Any],
    model_uri: str,
    score: float,
    test_split_hash: str,
    rescore: Callable[[str], float],
    must_beat: Mapping[str, float] | None = None,
    first_must_beat: Collection[str] | None = None,
) -> tuple[str, PromotionDecision]:
    """Register a version, compare it with the champion on the same test split, move the alias or not."""
    client = MlflowClient()
    baseline = champion_baseline(client, spec, test_split_hash, rescore)
    version = register_version(
        spec, model_uri, {TEST_SPLIT_HASH_TAG: test_split_hash, spec.metric: f"{score:.6f}"}
    )
    decision = decide_promotion(spec, score, baseline, must_beat, first_must_beat)
    apply_promotion(client, spec, str(version.version), decision)
    log_decision(spec, decision, baseline)
    return str(version.version), decision
