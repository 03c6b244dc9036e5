"""A quick tone classifier: logistic regression on frozen MiniLM sentence embeddings.

It trains in seconds on two cores, so a fresh install has a working champion at once while the fine-tuned
`ToneClassifier` trains in the background and replaces it through the usual gate when it scores better.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression

from models.style.embedder import VoiceEmbedder
from models.tone.inference import EvalReport, report_for
from models.tone.text import NORMALIZATION_VERSION, normalize_for_model

KIND = "embedding-logreg"
META_FILE = "embedding_tone_classifier.json"
_HEAD_FILE = "head.joblib"


class EmbeddingToneClassifier:
    """Frozen MiniLM mean-pooled embeddings -> multinomial logistic regression over the tones."""

    def __init__(self, labels: Sequence[str], head: LogisticRegression | None = None, c: float = 4.0) -> None:
        if len(set(labels)) != len(labels) or len(labels) < 2:
            raise ValueError(f"labels must be at least two distinct names, got {list(labels)!r}")
        self.labels = list(labels)
        self.c = c
        self._head = head
        self._embedder = VoiceEmbedder()

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder.embed([normalize_for_model(str(text)) for text in texts])

    def fit(self, texts: Sequence[str], labels: Sequence[str], seed: int = 13) -> EmbeddingToneClassifier:
        """Embed the training texts once and fit the head; labels outside `self.labels` are refused."""
        unknown = sorted(set(map(str, labels)) - set(self.labels))
        if unknown:
            raise ValueError(f"labels {unknown} are not in this classifier's label set {self.labels}")
        head = LogisticRegression(C=self.c, max_iter=2000, random_state=seed)
        head.fit(self._embed(texts), [self.labels.index(str(label)) for label in labels])
        self._head = head
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (len(texts), len(labels)), columns in `labels` order."""
        if self._head is None:
            raise RuntimeError("EmbeddingToneClassifier.predict_proba before fit")
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        raw = self._head.predict_proba(self._embed(texts))
        # The head only knows the classes it saw; place them in label order (unseen ones get 0).
        probabilities = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        probabilities[:, [int(c) for c in self._head.classes_]] = raw
        return probabilities

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Most probable label per text."""
        return [self.labels[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def classify(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """JSON-ready results: `[{"label": str, "scores": {label: probability}}]`."""
        return [
            {
                "label": self.labels[int(row.argmax())],
                "scores": {label: round(float(p), 6) for label, p in zip(self.labels, row, strict=True)},
            }
            for row in self.predict_proba(texts)
        ]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> EvalReport:
        """Macro-F1, accuracy, per-class scores and the confusion matrix."""
        return report_for(self.labels, list(map(str, labels)), self.predict(texts))

    def save(self, path: Path) -> None:
        """Write the head and the label order; the encoder is the packaged MiniLM, never copied."""
        if self._head is None:
            raise RuntimeError("nothing to save: the classifier was never fitted")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self._head, path / _HEAD_FILE)
        meta = {"kind": KIND, "labels": self.labels, "c": self.c, "normalization": NORMALIZATION_VERSION}
        (path / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> EmbeddingToneClassifier:
        """Load a folder written by `save`."""
        path = Path(path)
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        if meta.get("kind") != KIND or meta.get("normalization") != NORMALIZATION_VERSION:
            raise ValueError(f"{path} is not a compatible {KIND} tone model")
        return cls(meta["labels"], joblib.load(path / _HEAD_FILE), float(meta["c"]))
