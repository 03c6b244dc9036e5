"""`train-tone-classifier`: fine-tune, evaluate on the fixed test split, log to MLflow, gate the champion."""

from __future__ import annotations

import ctypes
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any, Literal

import mlflow
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from api.core import priority
from ml import registry
from ml.bento import ensure_imported
from ml.tone import TONE, results_to_frame, texts_to_frame
from models.tone.classifier import EvalReport, ToneClassifier, TrainConfig, plot_confusion
from models.tone.dataset import SHIPPED_CORPUS, ToneDataset, load_dataset
from models.tone.quick import EmbeddingToneClassifier

Recipe = Literal["fine-tune", "embedding-logreg"]
AnyToneModel = ToneClassifier | EmbeddingToneClassifier
# glibc's mallopt parameter M_MMAP_THRESHOLD (malloc.h), and the size from which blocks get their own mapping.
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_BYTES = 1 << 20


def return_large_blocks_to_the_system() -> bool:
    """Give every allocation of 1 MiB or more its own mapping, unmapped when freed (Linux with glibc).

    A training step allocates and frees tensors of megabytes. glibc raises its mmap threshold each time
    such a block is freed (up to 32 MiB), and from then on they come from the main heap, which fragments
    and never shrinks: the fine-tune's process held 3 to 3.8 GiB for about 1 GiB of live tensors. A fixed
    threshold (it also stops the raising) keeps it near 1 GiB between steps (one epoch on the shipped
    corpus: 3.0 GiB resident after it without, 0.9 GiB with, and no slower). Returns whether it was set.
    """
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False


class ToneTrainingParams(BaseModel):
    """Tunables of a training run; the Prefect UI renders them as a validated form."""

    model_config = ConfigDict(extra="forbid")

    recipe: Recipe = Field(
        default="fine-tune",
        description='"fine-tune": MiniLM-L6 fine-tuned end to end (minutes); "embedding-logreg": logistic '
        "regression on frozen MiniLM embeddings (seconds, the quick first champion)",
    )
    dataset: str = Field(
        default=SHIPPED_CORPUS,
        description='"tone-corpus" (shipped) or a path to a JSONL/CSV file with text,label[,split] columns',
    )
    epochs: int = Field(default=TrainConfig().epochs, ge=1, le=100)
    learning_rate: float = Field(default=TrainConfig().learning_rate, gt=0, le=1e-2)
    batch_size: int = Field(default=TrainConfig().batch_size, ge=1, le=4096)
    max_length: int = Field(default=TrainConfig().max_length, ge=8, le=512)
    seed: int = Field(default=TrainConfig().seed, ge=0)

    def train_config(self) -> TrainConfig:
        """The classifier's own config for these tunables (its other settings keep their defaults)."""
        return TrainConfig(
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            max_length=self.max_length,
            seed=self.seed,
        )


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load_training_data(dataset: str) -> ToneDataset:
    """Load the labelled rows and their fixed train/validation/test split."""
    data = load_dataset(dataset)
    get_run_logger().info("dataset %s: %s", data.name, data.fingerprint())
    return data


@task(cache_policy=NO_CACHE)
def fit_embedding_head(data: ToneDataset, params: ToneTrainingParams) -> EmbeddingToneClassifier:
    """Fit logistic regression on frozen MiniLM embeddings of the training rows (seconds)."""
    train = data.split("train")
    get_run_logger().info("embedding %d posts and fitting the logistic-regression head", len(train))
    return EmbeddingToneClassifier(data.labels).fit(list(train["text"]), list(train["label"]), params.seed)


@task(cache_policy=NO_CACHE)
def fine_tune(data: ToneDataset, params: ToneTrainingParams) -> tuple[ToneClassifier, list[dict[str, float]]]:
    """Fine-tune MiniLM-L6 on the training rows, logging progress as it goes."""
    logger = get_run_logger()
    if not return_large_blocks_to_the_system():
        logger.info("allocator left as it is (not glibc): resident memory may grow past the live tensors")
    train, validation = data.split("train"), data.split("validation")
    config = params.train_config()
    total = -(-len(train) // config.batch_size) * config.epochs
    logger.info("fine-tuning on %d posts (%d labels), %d steps", len(train), len(data.labels), total)

    def progress(step: int, metrics: dict[str, float]) -> None:
        shown = ", ".join(f"{key} {value:.4g}" for key, value in metrics.items())
        logger.info("step %d/%d (%d%%): %s", step, total, round(100 * step / max(total, 1)), shown)

    classifier = ToneClassifier.from_base(data.labels)
    history = classifier.fit(
        list(train["text"]),
        list(train["label"]),
        list(validation["text"]) or None,
        list(validation["label"]) or None,
        config=config,
        on_step=progress,
    )
    return classifier, history


@task(cache_policy=NO_CACHE)
def evaluate_on_test(classifier: AnyToneModel, data: ToneDataset) -> EvalReport:
    """Score the candidate on the fixed test split."""
    test = data.split("test")
    report = classifier.evaluate(list(test["text"]), list(test["label"]))
    get_run_logger().info("test macro-F1 %.4f, accuracy %.4f", report.macro_f1, report.accuracy)
    return report


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def log_run(
    classifier: AnyToneModel,
    data: ToneDataset,
    params: ToneTrainingParams,
    history: list[dict[str, float]],
    report: EvalReport,
) -> tuple[str, str]:
    """Log params, dataset hash, curves, test metrics, plots and the model; return (run id, model URI)."""
    fingerprint = data.fingerprint()
    mlflow.set_tag("recipe", params.recipe)
    mlflow.log_params(params.model_dump() | {"labels": ",".join(classifier.labels)})
    mlflow.log_params({"dataset_rows": fingerprint["rows"], "dataset_per_split": fingerprint["per_split"]})
    mlflow.set_tags(
        {
            registry.DATASET_HASH_TAG: fingerprint["sha256"],
            registry.TEST_SPLIT_HASH_TAG: data.test_split_hash(),
            "dataset": data.name,
        }
    )
    mlflow.log_metric("dataset_size", float(fingerprint["rows"]))
    mlflow.log_dict(fingerprint, "dataset/fingerprint.json")
    registry.log_epoch_curves(history)
    with tempfile.TemporaryDirectory(prefix="tone-eval-") as folder:
        png = plot_confusion(report, Path(folder) / "confusion_matrix.png")
        log_evaluation(report, png, prefix="test")
    example = texts_to_frame(list(data.split("test")["text"])[:3])
    output = results_to_frame(classifier.classify(list(example["text"])))  # type: ignore[arg-type]
    info = registry.log_pyfunc_model(TONE, classifier.save, example, output)
    run = mlflow.active_run()
    if run is None:
        raise RuntimeError("log_run must be called inside an MLflow run")
    return run.info.run_id, info.model_uri


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def register_and_gate(
    model_uri: str, data: ToneDataset, report: EvalReport
) -> tuple[str, registry.PromotionDecision]:
    """Register a version, compare it with the champion on the same test rows, move the alias or not."""
    test = data.split("test")

    def rescore(champion_uri: str) -> float:
        # Candidates are scored in fp32 straight after training; score the champion the same way.
        model = mlflow.pyfunc.load_model(champion_uri).unwrap_python_model()
        champion = model.classifier
        if isinstance(champion, ToneClassifier):
            champion.set_precision("fp32")
        return float(champion.evaluate(list(test["text"]), list(test["label"])).macro_f1)

    version, decision = registry.gate_and_register(
        TONE, model_uri, report.macro_f1, data.test_split_hash(), rescore
    )
    get_run_logger().info("%s v%s: %s", TONE.name, version, decision.reason)
    return version, decision


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def publish_to_bento_store(version: str) -> str:
    """Import the new champion into the Bento model store; running services also pick it up themselves."""
    tag = str(ensure_imported(TONE, version).tag)
    get_run_logger().info("imported %s v%s into the Bento store as %s", TONE.name, version, tag)
    return tag


@flow(name="train-tone-classifier", log_prints=True)
def train_tone_classifier(params: ToneTrainingParams = ToneTrainingParams()) -> dict[str, Any]:
    """Fine-tune the tone classifier, log it to MLflow and promote it only if it beats the champion."""
    if params.recipe == "fine-tune":
        # Background work: requests, generation and the model services keep the cores (the quick
        # recipe, which the first analyses wait for, keeps its priority).
        priority.lowest_for_this_process()
    registry.configure_tracking()
    experiment_id = registry.ensure_experiment(TONE.experiment)
    data = load_training_data(params.dataset)
    classifier: AnyToneModel
    history: list[dict[str, float]] = []
    if params.recipe == "embedding-logreg":
        classifier = fit_embedding_head(data, params)
    else:
        classifier, history = fine_tune(data, params)
    report = evaluate_on_test(classifier, data)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"{params.recipe}-{Path(data.name).name}"):
        run_id, model_uri = log_run(classifier, data, params, history, report)
        version, decision = register_and_gate(model_uri, data, report)
        bento_tag = publish_to_bento_store(version) if decision.promote else None
    outcome = {
        "run_id": run_id,
        "model_version": version,
        "recipe": params.recipe,
        "test_macro_f1": report.macro_f1,
        "promoted": decision.promote,
        "reason": decision.reason,
        "bento_tag": bento_tag,
    }
    create_markdown_artifact(
        key="tone-training-outcome",
        markdown=_outcome_markdown(outcome, report),
        description="Result of the promotion gate",
    )
    return outcome


def _outcome_markdown(outcome: dict[str, Any], report: EvalReport) -> str:
    """A short table for the Prefect UI: what was trained, its score and the gate's decision."""
    rows = "\n".join(
        f"| {label} | {values['precision']:.3f} | {values['recall']:.3f} | {values['f1']:.3f} |"
        for label, values in report.per_class.items()
    )
    verdict = "promoted to **champion**" if outcome["promoted"] else "kept as **challenger**"
    return (
        f"## {TONE.name} ({outcome['recipe']}) v{outcome['model_version']}: {verdict}\n\n"
        f"{outcome['reason']}\n\n"
        f"Test macro-F1 **{report.macro_f1:.4f}**, accuracy {report.accuracy:.4f} "
        f"(MLflow run `{outcome['run_id']}`).\n\n"
        f"| tone | precision | recall | F1 |\n|---|---|---|---|\n{rows}\n"
    )


def log_evaluation(report: EvalReport, confusion_png: Path, prefix: str = "test") -> None:
    """Log the headline metrics, the per-class report (JSON) and the confusion matrix (PNG)."""
    mlflow.log_metric(f"{prefix}_macro_f1", float(report.macro_f1))
    mlflow.log_metric(f"{prefix}_accuracy", float(report.accuracy))
    for label, values in report.per_class.items():
        for metric, value in values.items():
            mlflow.log_metric(f"{prefix}_{registry.metric_key(label)}_{metric}", float(value))
    mlflow.log_dict(report.model_dump(mode="json"), f"evaluation/{prefix}_report.json")
    mlflow.log_artifact(str(confusion_png), artifact_path="evaluation")
