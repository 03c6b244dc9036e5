"""`train-tone-classifier`: the tone classifier's steps in the one training skeleton (`flows.training`).

Recipe `fine-tune` fine-tunes MiniLM-L6 end to end (minutes, background work); `embedding-logreg` fits
logistic regression on frozen MiniLM embeddings (seconds: the first champion of a fresh install); `distill`
fine-tunes several teachers (one per seed) and then one model on their averaged probabilities beside the
labels: one model to serve, close to the ensemble (bench/tone_distill.py), at the teachers' training cost.

The evaluation also scores slices of the test split (LinkedIn, X, long and emoji-heavy posts; rules in
`models.tone.slices`): `test_slice.<slice>.count|macro_f1|accuracy` metrics, `evaluation/test_slices.json`
and a table under the gate's verdict. They inform a reviewer; the gate still compares the whole split.
"""

from __future__ import annotations

import ctypes
import platform
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import mlflow
import numpy as np
import pandas as pd
from prefect import flow, get_run_logger
from pydantic import BaseModel, ConfigDict, Field

from flows.training import Evaluation, Fitted, Trainer, train_model
from ml import registry
from ml.tone import TONE, results_to_frame, texts_to_frame
from models.tone.config import TrainConfig
from models.tone.dataset import SHIPPED_CORPUS, ToneDataset, load_dataset
from models.tone.inference import EvalReport, plot_confusion, report_for
from models.tone.quick import EmbeddingToneClassifier
from models.tone.slices import MIN_POSTS, SliceScore, slice_metrics, slice_scores

if TYPE_CHECKING:
    from models.tone.classifier import ToneClassifier

Recipe = Literal["fine-tune", "embedding-logreg", "distill"]
# A string, so that the Prefect runner that imports this module to serve it never loads torch.
AnyToneModel: TypeAlias = "ToneClassifier | EmbeddingToneClassifier"
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
        'regression on frozen MiniLM embeddings (seconds, the quick first champion); "distill": `teachers` '
        "fine-tunes, then one model taught by their averaged probabilities (teachers + 1 times the minutes)",
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
    layer_lr_decay: float = Field(
        default=TrainConfig().layer_lr_decay,
        gt=0,
        le=1,
        description="each encoder layer learns at this factor of the rate of the layer above (1: one rate)",
    )
    teachers: int = Field(
        default=3, ge=2, le=8, description="distill: how many teachers (seeds seed+1, seed+2, ...)"
    )
    distill_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="distill: the teachers' share of the loss (the labels' is 1 - this)",
    )
    distill_temperature: float = Field(
        default=2.0, gt=0, le=20, description="distill: softens the teachers' and the model's distributions"
    )

    def train_config(self) -> TrainConfig:
        """The classifier's own config for these tunables (its other settings keep their defaults)."""
        return TrainConfig(
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            max_length=self.max_length,
            seed=self.seed,
            layer_lr_decay=self.layer_lr_decay,
        )


class ToneTrainer(Trainer[ToneTrainingParams, ToneDataset, AnyToneModel]):
    """The tone classifier's steps: a labelled dataset with a fixed split, two recipes, macro-F1 gate."""

    spec = TONE

    def background(self, params: ToneTrainingParams) -> bool:
        # The quick recipe is what the first analyses wait for: it keeps its priority.
        return params.recipe != "embedding-logreg"

    def run_name(self, params: ToneTrainingParams, data: ToneDataset) -> str:
        return f"{params.recipe}-{Path(data.name).name}"

    def load(self, params: ToneTrainingParams) -> ToneDataset:
        data = load_dataset(params.dataset)
        get_run_logger().info("dataset %s: %s", data.name, data.fingerprint())
        return data

    def fit(self, data: ToneDataset, params: ToneTrainingParams) -> Fitted[AnyToneModel]:
        if params.recipe == "embedding-logreg":
            return Fitted(fit_embedding_head(data, params))
        if params.recipe == "distill":
            return distill(data, params)
        classifier, history = fine_tune(data, params)
        return Fitted(classifier, history)

    def evaluate(self, model: AnyToneModel, data: ToneDataset, params: ToneTrainingParams) -> Evaluation:
        test = data.split("test")
        texts, truth = list(test["text"]), list(test["label"])
        predicted = model.predict(texts)
        report = report_for(model.labels, truth, predicted)
        slices = slice_scores(texts, truth, predicted, model.labels, list(test["platform"]))
        logger = get_run_logger()
        logger.info("test macro-F1 %.4f, accuracy %.4f", report.macro_f1, report.accuracy)
        for entry in slices:
            shown = f"macro-F1 {entry.macro_f1:.4f}" if entry.macro_f1 is not None else str(entry.reason)
            logger.info("test slice %s (%d posts): %s", entry.name, entry.count, shown)
        metrics = {"test_macro_f1": float(report.macro_f1), "test_accuracy": float(report.accuracy)}
        for label, values in report.per_class.items():
            for metric, value in values.items():
                metrics[f"test_{registry.metric_key(label)}_{metric}"] = float(value)
        metrics |= slice_metrics(slices)
        details = {"report": report, "slices": slices}
        return Evaluation(report.macro_f1, data.test_split_hash(), metrics, details=details)

    def log(
        self, model: AnyToneModel, data: ToneDataset, params: ToneTrainingParams, evaluation: Evaluation
    ) -> None:
        fingerprint = data.fingerprint()
        mlflow.set_tag("recipe", params.recipe)
        mlflow.log_params(params.model_dump() | {"labels": ",".join(model.labels)})
        mlflow.log_params(
            {"dataset_rows": fingerprint["rows"], "dataset_per_split": fingerprint["per_split"]}
        )
        mlflow.set_tags({registry.DATASET_HASH_TAG: fingerprint["sha256"], "dataset": data.name})
        mlflow.log_metric("dataset_size", float(fingerprint["rows"]))
        mlflow.log_dict(fingerprint, "dataset/fingerprint.json")
        report: EvalReport = evaluation.details["report"]
        mlflow.log_dict(report.model_dump(mode="json"), "evaluation/test_report.json")
        mlflow.log_dict(slices_document(evaluation.details["slices"]), "evaluation/test_slices.json")
        with tempfile.TemporaryDirectory(prefix="tone-eval-") as folder:
            png = plot_confusion(report, Path(folder) / "confusion_matrix.png")
            mlflow.log_artifact(str(png), artifact_path="evaluation")

    def example(self, model: AnyToneModel, data: ToneDataset) -> tuple[pd.DataFrame, pd.DataFrame]:
        example = texts_to_frame(list(data.split("test")["text"])[:3])
        return example, results_to_frame(model.classify(list(example["text"])))  # type: ignore[arg-type]

    def save(self, model: AnyToneModel, folder: Path) -> None:
        model.save(folder)

    def rescore(self, champion_uri: str, data: ToneDataset, params: ToneTrainingParams) -> float:
        # Candidates are scored in fp32 straight after training; score the champion the same way.
        test = data.split("test")
        from models.tone.classifier import ToneClassifier

        champion = mlflow.pyfunc.load_model(champion_uri).unwrap_python_model().classifier
        if isinstance(champion, ToneClassifier):
            champion.set_precision("fp32")
        return float(champion.evaluate(list(test["text"]), list(test["label"])).macro_f1)

    def summary(self, params: ToneTrainingParams, evaluation: Evaluation) -> dict[str, Any]:
        return {"recipe": params.recipe}

    def report(self, outcome: Mapping[str, Any], evaluation: Evaluation) -> str:
        report: EvalReport = evaluation.details["report"]
        rows = "\n".join(
            f"| {label} | {values['precision']:.3f} | {values['recall']:.3f} | {values['f1']:.3f} |"
            for label, values in report.per_class.items()
        )
        return (
            f"Recipe `{outcome['recipe']}`, accuracy {report.accuracy:.4f}.\n\n"
            f"| tone | precision | recall | F1 |\n|---|---|---|---|\n{rows}\n\n"
            f"{slices_report(evaluation.details['slices'])}"
        )


def slices_document(slices: Sequence[SliceScore]) -> dict[str, Any]:
    """The slices' JSON artifact: each slice's rule, count and figures (null, with a reason, when small)."""
    return {
        "split": "test",
        "min_posts": MIN_POSTS,
        "slices": [entry.model_dump(mode="json") for entry in slices],
    }


def slices_report(slices: Sequence[SliceScore]) -> str:
    """The test split's slices as the Markdown table the gate's outcome shows."""
    lines = ["| test slice | posts | macro-F1 | accuracy | rule |", "|---|---|---|---|---|"]
    for entry in slices:
        if entry.macro_f1 is None or entry.accuracy is None:
            scores = f"n/a ({entry.reason}) | n/a"
        else:
            scores = f"{entry.macro_f1:.3f} | {entry.accuracy:.3f}"
        lines.append(f"| {entry.name} | {entry.count} | {scores} | {entry.rule} |")
    return "\n".join(lines) + "\n"


def fit_embedding_head(data: ToneDataset, params: ToneTrainingParams) -> EmbeddingToneClassifier:
    """Fit logistic regression on frozen MiniLM embeddings of the training rows (seconds)."""
    train = data.split("train")
    get_run_logger().info("embedding %d posts and fitting the logistic-regression head", len(train))
    return EmbeddingToneClassifier(data.labels).fit(list(train["text"]), list(train["label"]), params.seed)


def fine_tune(
    data: ToneDataset,
    params: ToneTrainingParams,
    config: TrainConfig | None = None,
    soft_targets: np.ndarray | None = None,
    name: str = "fine-tuning",
) -> tuple[ToneClassifier, list[dict[str, float]]]:
    """Fine-tune MiniLM-L6 on the training rows (with a teacher's probabilities when given), logging
    progress as it goes."""
    logger = get_run_logger()
    if not return_large_blocks_to_the_system():
        logger.info("allocator left as it is (not glibc): resident memory may grow past the live tensors")
    train, validation = data.split("train"), data.split("validation")
    config = config or params.train_config()
    total = -(-len(train) // config.batch_size) * config.epochs
    logger.info("%s on %d posts (%d labels), %d steps", name, len(train), len(data.labels), total)

    def progress(step: int, metrics: dict[str, float]) -> None:
        shown = ", ".join(f"{key} {value:.4g}" for key, value in metrics.items())
        logger.info("step %d/%d (%d%%): %s", step, total, round(100 * step / max(total, 1)), shown)

    from models.tone.classifier import ToneClassifier

    classifier = ToneClassifier.from_base(data.labels)
    history = classifier.fit(
        list(train["text"]),
        list(train["label"]),
        list(validation["text"]) or None,
        list(validation["label"]) or None,
        config=config,
        on_step=progress,
        soft_targets=soft_targets,
    )
    return classifier, history


def distill(data: ToneDataset, params: ToneTrainingParams) -> Fitted[AnyToneModel]:
    """`params.teachers` fine-tunes (seeds seed+1, ...), then the model on their averaged probabilities.

    The run records each teacher's best validation macro-F1 and the teachers' ensemble on validation,
    so the registry shows what one served model kept of the ensemble.
    """
    train, validation = data.split("train"), data.split("validation")
    base = params.train_config()
    probabilities, val_probabilities, metrics = [], [], {}
    for number in range(1, params.teachers + 1):
        config = base.model_copy(update={"seed": params.seed + number})
        teacher, history = fine_tune(data, params, config, name=f"teacher {number}/{params.teachers}")
        probabilities.append(teacher.predict_proba(list(train["text"])))
        scores = [row["val_macro_f1"] for row in history if "val_macro_f1" in row]
        if scores:
            metrics[f"teacher_{number}_val_macro_f1"] = max(scores)
            val_probabilities.append(teacher.predict_proba(list(validation["text"])))
        del teacher
    if val_probabilities:
        labels = data.labels
        predicted = [labels[i] for i in np.mean(val_probabilities, axis=0).argmax(axis=1)]
        metrics["teachers_ensemble_val_macro_f1"] = report_for(
            labels, list(validation["label"]), predicted
        ).macro_f1
    config = base.model_copy(
        update={"distill_weight": params.distill_weight, "distill_temperature": params.distill_temperature}
    )
    student, history = fine_tune(
        data, params, config, np.mean(probabilities, axis=0), name="the taught model"
    )
    return Fitted(student, history, metrics)


TRAINER = ToneTrainer()


@flow(name="train-tone-classifier", log_prints=True)
def train_tone_classifier(params: ToneTrainingParams = ToneTrainingParams()) -> dict[str, Any]:
    """Fine-tune the tone classifier, log it to MLflow and promote it only if it beats the champion."""
    return train_model(TRAINER, params)
