"""Serving a fine-tuned tone model without torch: its int8 ONNX copy, its tokenizer, its labels.

`ToneClassifier.load` holds the fp32 torch module beside the int8 session (for training, evaluation at fp32
and bf16); a model service only classifies, so `Int8ToneModel` opens what a saved folder already has (the
`model.int8.onnx` copy of the current recipe, `tokenizer.json`, the label list) and nothing else: no torch,
no transformers in the process, a few hundred MiB less per tone service. Its ids, batching and softmax are
the classifier's own int8 path, so it returns the same probabilities (tested).

The precision rules and the evaluation report live here too, so that this path and the embedding-based
quick model import nothing heavy.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from pydantic import BaseModel

import models.tone.onnx_int8 as onnx_int8
from models.tone.text import NORMALIZATION_VERSION, normalize_for_model

logger = logging.getLogger("postwright.models")

Precision = Literal["fp32", "bf16", "int8"]
BACKENDS: dict[str, str] = {"fp32": "torch-fp32", "bf16": "torch-bf16", "int8": "onnxruntime-int8"}
PRECISION_ENV = "TONE_INFERENCE_PRECISION"
FORMAT_VERSION = 1
META_FILE = "tone_classifier.json"
TOKENIZER_FILE = "tokenizer.json"


class EvalReport(BaseModel):
    """Held-out scores; `confusion[i][j]` counts texts of true label i predicted as label j."""

    macro_f1: float
    accuracy: float
    per_class: dict[str, dict[str, float]]
    labels: list[str]
    confusion: list[list[int]]


def report_for(labels: list[str], truth: list[str], predicted: list[str]) -> EvalReport:
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    unknown = sorted(set(truth) - set(labels))
    if unknown:
        raise ValueError(f"labels {unknown} are not in this classifier's label set {labels}")
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": float(support[i]),
        }
        for i, label in enumerate(labels)
    }
    present = [i for i, label in enumerate(labels) if support[i] > 0]
    return EvalReport(
        macro_f1=float(np.mean([f1[i] for i in present])) if present else 0.0,
        accuracy=float(accuracy_score(truth, predicted)),
        per_class=per_class,
        labels=labels,
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
    )


def plot_confusion(report: EvalReport, path: Path) -> Path:
    """Draw the confusion matrix (row-normalised colour, raw counts as text) to a PNG file."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    counts = np.asarray(report.confusion, dtype=float)
    rates = counts / np.clip(counts.sum(axis=1, keepdims=True), 1.0, None)
    size = 1.2 + 0.9 * len(report.labels)
    figure = Figure(figsize=(size + 1.5, size))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(rates, cmap="Blues", vmin=0.0, vmax=1.0)
    ticks = range(len(report.labels))
    axes.set_xticks(ticks, report.labels, rotation=45, ha="right")
    axes.set_yticks(ticks, report.labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(f"macro-F1 {report.macro_f1:.3f}, accuracy {report.accuracy:.3f}")
    for i in ticks:
        for j in ticks:
            colour = "white" if rates[i, j] > 0.5 else "black"
            axes.text(j, i, str(int(counts[i, j])), ha="center", va="center", color=colour, fontsize=8)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(str(path), dpi=120)
    return path


def cpu_supports_bf16() -> bool:
    """True only when this CPU has native bf16 arithmetic (AVX512-BF16 or AMX-BF16).

    Without those units PyTorch still accepts bf16 but emulates it, which is slower than fp32, so the
    answer comes from the CPU's own feature flags rather than from what PyTorch is willing to run.
    """
    flags = _cpu_flags()
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def auto_precision() -> Precision:
    """What "auto" loads with: `TONE_INFERENCE_PRECISION` when set to fp32, bf16 or int8 (to serve the
    int8 copy on a bf16 machine, or compare), else bf16 where the CPU runs it natively, else int8."""
    forced = os.environ.get(PRECISION_ENV, "").strip().lower()
    if forced in BACKENDS:
        return cast(Precision, forced)
    if forced and forced != "auto":
        logger.warning("%s=%r is not one of auto, fp32, bf16, int8: ignored", PRECISION_ENV, forced)
    return "bf16" if cpu_supports_bf16() else "int8"


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def read_meta(path: Path) -> dict[str, Any]:
    """A saved classifier's settings, refused when its format or text normalisation is not this code's."""
    meta_path = Path(path) / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(f"{path} is not a saved ToneClassifier (no {META_FILE})")
    meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"unsupported ToneClassifier format {meta.get('format_version')!r} in {path}")
    if meta.get("normalization") != NORMALIZATION_VERSION:
        raise ValueError(f"{path} was trained with text normalisation {meta.get('normalization')!r}")
    return meta


def serves_int8_alone(path: Path) -> bool:
    """True when `path` can be served by `Int8ToneModel`: "auto" means int8 on this machine and the folder
    holds a copy of the current recipe and its tokenizer (otherwise `ToneClassifier.load` builds or falls
    back, with its warnings)."""
    folder = Path(path)
    return (
        auto_precision() == "int8"
        and onnx_int8.onnx_runtime_available()
        and onnx_int8.recipe_of(folder) == onnx_int8.RECIPE
        and (folder / TOKENIZER_FILE).is_file()
    )


class LabelScorer:
    """What every tone model answers once it has `labels` and `predict_proba`: the most probable labels,
    JSON-ready results and the evaluation report (at whatever precision `predict_proba` runs)."""

    labels: list[str]

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        raise NotImplementedError

    def predict(self, texts: Sequence[str], batch_size: int = 64) -> list[str]:
        """Most probable label per text."""
        probabilities = self.predict_proba(texts, batch_size=batch_size)
        return [self.labels[i] for i in probabilities.argmax(axis=1)]

    def classify(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """JSON-ready results: `[{"label": str, "scores": {label: probability}}]`."""
        return results_of(self.labels, self.predict_proba(texts))

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> EvalReport:
        """Macro-F1, accuracy, per-class scores and the confusion matrix."""
        return report_for(self.labels, list(labels), self.predict(texts))


class Int8ToneModel(LabelScorer):
    """A saved fine-tuned tone model served from its int8 ONNX copy alone (see the module note)."""

    backend = BACKENDS["int8"]

    def __init__(self, labels: Sequence[str], max_length: int, tokenizer: Any, session: Any) -> None:
        self.labels = list(labels)
        self.max_length = max_length
        self._tokenizer = tokenizer
        self._session = session

    @classmethod
    def load(cls, path: Path) -> Int8ToneModel:
        """Open `path`'s int8 copy; raises (never falls back) when it is missing or unreadable."""
        from tokenizers import Tokenizer

        folder = Path(path)
        meta = read_meta(folder)
        if onnx_int8.recipe_of(folder) != onnx_int8.RECIPE:
            raise FileNotFoundError(f"{folder} has no int8 ONNX copy of the current recipe")
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=int(meta["max_length"]))
        session = onnx_int8.OnnxSession(folder / onnx_int8.ONNX_INT8_FILE)
        logger.info("tone model %s: inference with %s (no torch in this process)", folder, cls.backend)
        return cls(meta["labels"], int(meta["max_length"]), tokenizer, session)

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Class probabilities, shape (len(texts), len(labels)), columns in `labels` order."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        encoded = [
            encoding.ids
            for encoding in self._tokenizer.encode_batch([normalize_for_model(str(text)) for text in texts])
        ]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        probabilities = np.empty((len(encoded), len(self.labels)), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            indices = order[start : start + batch_size]
            width = max(len(encoded[i]) for i in indices)
            input_ids = np.zeros((len(indices), width), dtype=np.int64)
            attention_mask = np.zeros((len(indices), width), dtype=np.int64)
            for row, index in enumerate(indices):
                input_ids[row, : len(encoded[index])] = encoded[index]
                attention_mask[row, : len(encoded[index])] = 1
            logits = self._session.logits(input_ids, attention_mask).astype(np.float32)
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            probabilities[indices] = shifted / shifted.sum(axis=1, keepdims=True)
        return probabilities


def results_of(labels: Sequence[str], probabilities: np.ndarray) -> list[dict[str, Any]]:
    """`classify`'s JSON-ready rows from a probability matrix (columns in `labels` order)."""
    return [
        {
            "label": labels[int(row.argmax())],
            "scores": {label: round(float(p), 6) for label, p in zip(labels, row, strict=True)},
        }
        for row in probabilities
    ]
