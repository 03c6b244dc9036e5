"""The one training skeleton every model's flow runs: load, fit, evaluate, log, gate, register, import.

A model's flow is a thin registration: a `Trainer` (the model's own steps) and a Prefect flow that calls
`train_model(trainer, params)`, keeping the flow's name and typed parameters (the Prefect UI's form). The
skeleton does what is the same for every model, in this order:

1. lowers this process's CPU priority when the trainer says the run is background work;
2. `load` (retried: it reads files or the database), `fit`, `evaluate` on the fixed test split, each a task;
3. in one MLflow run of the model's experiment: the trainer's `log` (parameters, dataset hash and size,
   plots), the per-epoch curves, the test split's hash, the evaluation's metrics, and the model itself as
   the spec's pyfunc;
4. registers a version and moves `champion` only if it beats the champion on the same test split and every
   baseline the evaluation names (`ml.registry.gate_and_register`), recording the decision in the run;
5. imports a new champion into the Bento store (running services also pick it up themselves);
6. a Markdown artifact for the Prefect UI saying what was trained and what the gate decided.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import mlflow
import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from api.core import priority
from ml import registry
from ml.bento import ensure_imported
from ml.spec import ModelSpec

P = TypeVar("P", bound=BaseModel)  # the flow's typed parameters
D = TypeVar("D")  # the loaded training data
M = TypeVar("M")  # the fitted model


@dataclass
class Fitted(Generic[M]):
    """A fitted model, its per-epoch history (logged as curves; empty for one-shot fits) and figures of the
    fit itself (logged as they are: a distilled model's teachers, say)."""

    model: M
    history: list[dict[str, float]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class Evaluation:
    """The candidate on the fixed test split: what the gate compares and what the run logs.

    `score` is the spec's gate metric; `baselines` the same metric of reference models scored on the same
    split, each of which the candidate must beat (with no champion yet, only those named in
    `first_version_must_beat` when it is set); `metrics` are logged as they are; `details` is the trainer's
    own report (per-class scores, predictions) for its `log` and `summary`.
    """

    score: float
    test_split_hash: str
    metrics: dict[str, float] = field(default_factory=dict)
    baselines: dict[str, float] = field(default_factory=dict)
    details: Any = None
    first_version_must_beat: tuple[str, ...] | None = None


class Trainer(ABC, Generic[P, D, M]):
    """One model's training steps; `train_model` runs them in the same skeleton for every model."""

    #: the registered model this trains
    spec: ModelSpec[Any, Any]

    def background(self, params: P) -> bool:
        """Whether the run is background work (requests and model services keep the cores)."""
        return True

    def run_name(self, params: P, data: D) -> str:
        """The MLflow run's name."""
        return f"train-{self.spec.name}"

    @abstractmethod
    def load(self, params: P) -> D:
        """The labelled data with its fixed train/test split."""

    @abstractmethod
    def fit(self, data: D, params: P) -> Fitted[M]:
        """Fit a candidate on the training rows."""

    @abstractmethod
    def evaluate(self, model: M, data: D, params: P) -> Evaluation:
        """Score the candidate (and any baselines) on the test split."""

    @abstractmethod
    def log(self, model: M, data: D, params: P, evaluation: Evaluation) -> None:
        """Log, into the active MLflow run, what a reviewer needs beyond the metrics: parameters, the
        dataset's hash and size, plots, reports."""

    @abstractmethod
    def example(self, model: M, data: D) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A few test rows as the pyfunc input frame, and the model's output frame for them (the
        logged signature and input example)."""

    @abstractmethod
    def save(self, model: M, folder: Path) -> None:
        """Write the model to a folder (logged as the spec's artifact; its `PythonModel` loads it)."""

    @abstractmethod
    def rescore(self, champion_uri: str, data: D, params: P) -> float:
        """The champion's gate metric on this run's test split (when its logged one is on another)."""

    def summary(self, params: P, evaluation: Evaluation) -> dict[str, Any]:
        """Extra fields of the flow's result."""
        return {}

    def report(self, outcome: Mapping[str, Any], evaluation: Evaluation) -> str:
        """Markdown below the verdict in the Prefect UI's outcome artifact."""
        return ""


@task(name="load_training_data", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load_data(trainer: Trainer[P, D, M], params: P) -> D:
    """Load the training data (files or the database can fail for a moment)."""
    return trainer.load(params)


@task(name="fit", cache_policy=NO_CACHE)
def fit_model(trainer: Trainer[P, D, M], data: D, params: P) -> Fitted[M]:
    """Fit a candidate."""
    return trainer.fit(data, params)


@task(name="evaluate_on_test", cache_policy=NO_CACHE)
def evaluate_model(trainer: Trainer[P, D, M], model: M, data: D, params: P) -> Evaluation:
    """Score the candidate and the baselines on the fixed test split."""
    evaluation = trainer.evaluate(model, data, params)
    shown = ", ".join(f"{name} {value:.4f}" for name, value in evaluation.baselines.items())
    spec = trainer.spec
    get_run_logger().info(
        "%s %s %.4f%s", spec.name, spec.metric, evaluation.score, f" (baselines: {shown})" if shown else ""
    )
    return evaluation


@task(name="log_run", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def log_run(
    trainer: Trainer[P, D, M], fitted: Fitted[M], data: D, params: P, evaluation: Evaluation
) -> tuple[str, str]:
    """Everything a reviewer needs, and the model; return (run id, model URI)."""
    trainer.log(fitted.model, data, params, evaluation)
    mlflow.set_tag(registry.TEST_SPLIT_HASH_TAG, evaluation.test_split_hash)
    registry.log_epoch_curves(fitted.history)
    if fitted.metrics:
        mlflow.log_metrics(fitted.metrics)
    if evaluation.metrics:
        mlflow.log_metrics(evaluation.metrics)
    example, output = trainer.example(fitted.model, data)
    info = registry.log_pyfunc_model(
        trainer.spec, lambda folder: trainer.save(fitted.model, folder), example, output
    )
    run = mlflow.active_run()
    if run is None:
        raise RuntimeError("log_run must be called inside an MLflow run")
    return run.info.run_id, info.model_uri


@task(name="register_and_gate", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def register_and_gate(
    trainer: Trainer[P, D, M], model_uri: str, data: D, params: P, evaluation: Evaluation
) -> tuple[str, registry.PromotionDecision]:
    """Register a version; champion only if it beats the champion and every baseline on this test split."""
    version, decision = registry.gate_and_register(
        trainer.spec,
        model_uri,
        evaluation.score,
        evaluation.test_split_hash,
        lambda champion_uri: trainer.rescore(champion_uri, data, params),
        must_beat=evaluation.baselines,
        first_must_beat=evaluation.first_version_must_beat,
    )
    get_run_logger().info("%s v%s: %s", trainer.spec.name, version, decision.reason)
    return version, decision


@task(name="publish_to_bento_store", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish_to_bento_store(spec: ModelSpec[Any, Any], version: str) -> str:
    """Import the new champion into the Bento model store; running services also pick it up themselves."""
    tag = str(ensure_imported(spec, version).tag)
    get_run_logger().info("imported %s v%s into the Bento store as %s", spec.name, version, tag)
    return tag


def train_model(trainer: Trainer[P, D, M], params: P) -> dict[str, Any]:
    """Train, log and gate one version of the trainer's model (call it inside the model's flow)."""
    spec = trainer.spec
    if trainer.background(params):
        priority.lowest_for_this_process()
    registry.configure_tracking()
    experiment_id = registry.ensure_experiment(spec.experiment)
    data = load_data(trainer, params)
    fitted = fit_model(trainer, data, params)
    evaluation = evaluate_model(trainer, fitted.model, data, params)
    with mlflow.start_run(experiment_id=experiment_id, run_name=trainer.run_name(params, data)):
        run_id, model_uri = log_run(trainer, fitted, data, params, evaluation)
        version, decision = register_and_gate(trainer, model_uri, data, params, evaluation)
        bento_tag = publish_to_bento_store(spec, version) if decision.promote else None
    outcome: dict[str, Any] = {
        "run_id": run_id,
        "model_version": version,
        spec.metric: evaluation.score,
        "promoted": decision.promote,
        "reason": decision.reason,
        "bento_tag": bento_tag,
    } | trainer.summary(params, evaluation)
    verdict = "promoted to **champion**" if decision.promote else "kept as **challenger**"
    create_markdown_artifact(
        key=f"{spec.name}-training-outcome",
        markdown=(
            f"## {spec.name} v{version}: {verdict}\n\n{decision.reason}\n\n"
            f"Test {spec.metric} **{evaluation.score:.4f}** (MLflow run `{run_id}`).\n\n"
            f"{trainer.report(outcome, evaluation)}"
        ),
        description="Result of the promotion gate",
    )
    return outcome
