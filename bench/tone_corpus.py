"""Quality on the shipped tone corpus: train on its train split with the default TrainConfig, choose the
epoch on validation, and report macro-F1, per-class scores and the confusion matrix on its test split.

    python -m bench.tone_corpus   # -> bench/results/tone_corpus.json and tone_corpus_confusion.png
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from bench.tone_common import MODELS_DIR, RESULTS_DIR, machine, write_result
from models.tone.classifier import ToneClassifier, TrainConfig, plot_confusion
from models.tone.corpus import TONES, dataset_fingerprint, load_tone_corpus

logger = logging.getLogger("postwright.bench")
CONFIG = TrainConfig()


def main() -> dict[str, Any]:
    """Fit on train, keep the best validation epoch, score test."""
    frame = load_tone_corpus()
    parts = {name: frame[frame["split"] == name] for name in ("train", "validation", "test")}
    present = set(frame["label"])
    labels = [tone for tone in TONES if tone in present] + sorted(present - set(TONES))
    classifier = ToneClassifier.from_base(labels)
    started = time.perf_counter()
    history = classifier.fit(
        parts["train"]["text"].tolist(),
        parts["train"]["label"].tolist(),
        parts["validation"]["text"].tolist(),
        parts["validation"]["label"].tolist(),
        config=CONFIG,
    )
    seconds = time.perf_counter() - started
    classifier.save(MODELS_DIR / "tone_corpus")
    classifier.set_precision("fp32")
    report = classifier.evaluate(parts["test"]["text"].tolist(), parts["test"]["label"].tolist())
    png = plot_confusion(report, RESULTS_DIR / "tone_corpus_confusion.png")
    result = {
        "dataset": dataset_fingerprint(frame),
        "config": CONFIG.model_dump(exclude={"log_every"}),
        "train_seconds": round(seconds, 1),
        "val_macro_f1_by_epoch": [round(100 * row["val_macro_f1"], 2) for row in history],
        "test_macro_f1": round(100 * report.macro_f1, 2),
        "test_accuracy": round(100 * report.accuracy, 2),
        "per_class": {
            label: {key: round(value, 4) for key, value in scores.items()}
            for label, scores in report.per_class.items()
        },
        "labels": report.labels,
        "confusion": report.confusion,
        "confusion_png": str(png.relative_to(RESULTS_DIR.parent.parent)),
        "machine": machine(),
    }
    write_result("tone_corpus", result)
    return result


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(json.dumps(main(), indent=2))
