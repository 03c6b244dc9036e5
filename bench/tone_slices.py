"""Robustness on the shipped tone corpus: the test split's macro-F1 per slice of posts unlike most training
text (LinkedIn, X, long, emoji-heavy; rules in `models.tone.slices`), for the fine-tuned model the
`train-tone-classifier` flow trains by default.

The model is trained as the flow's default run trains it: the shipped corpus through `load_dataset`, its
sorted label order, the default TrainConfig (the flow's default parameters are TrainConfig's defaults),
the epoch with the best validation macro-F1 kept. It is scored in fp32 (as the gate scores a candidate)
and through its int8 ONNX copy alone (as a model service serves it). The result also says which shipped
datasets hold tone annotations of LinkedIn posts, read from the datasets themselves.

    python -m bench.tone_slices   # -> bench/results/tone_slices.json (the model is kept in var/bench)
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.tone_common import DATASETS, MODELS_DIR, machine, require, write_result
from models.tone.classifier import ToneClassifier, TrainConfig
from models.tone.corpus import TONES
from models.tone.dataset import SHIPPED_CORPUS, load_dataset
from models.tone.inference import Int8ToneModel, report_for
from models.tone.slices import (
    EMOJI_HEAVY_MIN,
    LONG_PERCENTILE,
    MIN_POSTS,
    SliceScore,
    slice_rows,
    slice_scores,
)

logger = logging.getLogger("postwright.bench")
CONFIG = TrainConfig()
MODEL_FOLDER = MODELS_DIR / "tone_slices"
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
# Column names that would hold a per-post tone (or close: sentiment, emotion) annotation.
_ANNOTATION_COLUMNS = {"label", "labels", "tone", "tones", "sentiment", "emotion", "class", "category"}


def percent(slices: Sequence[SliceScore]) -> list[dict[str, Any]]:
    """Slices as results rows: macro-F1 and accuracy x100, rounded; null stays null (with its reason)."""
    rows = []
    for entry in slices:
        row = entry.model_dump(mode="json")
        for key in ("macro_f1", "accuracy"):
            value = row[key]
            row[key] = round(100 * value, 2) if value is not None else None
        rows.append(row)
    return rows


def _trained(data_labels: list[str], parts: dict[str, pd.DataFrame]) -> tuple[ToneClassifier, dict[str, Any]]:
    """Fine-tune as the flow does, or reuse the folder an earlier run of exactly this config saved."""
    sidecar = MODEL_FOLDER / "bench_run.json"
    if sidecar.is_file():
        classifier = ToneClassifier.load(MODEL_FOLDER, precision="fp32")
        saved = classifier.train_config
        if (
            saved is not None
            and saved.model_dump(exclude={"log_every"}) == CONFIG.model_dump(exclude={"log_every"})
            and classifier.labels == data_labels
        ):
            logger.info("reusing the model saved in %s", MODEL_FOLDER)
            return classifier, json.loads(sidecar.read_text()) | {"reused_saved_run": True}
    classifier = ToneClassifier.from_base(data_labels)
    started = time.perf_counter()
    history = classifier.fit(
        parts["train"]["text"].tolist(),
        parts["train"]["label"].tolist(),
        parts["validation"]["text"].tolist(),
        parts["validation"]["label"].tolist(),
        config=CONFIG,
    )
    run = {
        "train_seconds": round(time.perf_counter() - started, 1),
        "val_macro_f1_by_epoch": [round(100 * row["val_macro_f1"], 2) for row in history],
    }
    classifier.save(MODEL_FOLDER)
    sidecar.write_text(json.dumps(run), encoding="utf-8")
    return classifier, run | {"reused_saved_run": False}


def _scored(
    texts: list[str], truth: list[str], predicted: list[str], labels: list[str], platforms: list[str]
) -> dict[str, Any]:
    report = report_for(labels, truth, predicted)
    rows = {name: members for name, _, members in slice_rows(texts, platforms)}
    slices = percent(slice_scores(texts, truth, predicted, labels, platforms))
    for entry in slices:
        if entry["macro_f1"] is not None:
            entry["macro_f1_interval_95"] = _interval(rows[entry["name"]], truth, predicted, labels)
    return {
        "test_macro_f1": round(100 * report.macro_f1, 2),
        "test_accuracy": round(100 * report.accuracy, 2),
        "slices": slices,
    }


def _interval(rows: list[int], truth: list[str], predicted: list[str], labels: list[str]) -> list[float]:
    """A percentile bootstrap 95% interval of a slice's macro-F1 (x100): how far the figure moves with the
    sample of posts alone, a guide to how much of a gap between two slices is noise."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    scores = []
    for _ in range(BOOTSTRAP_RESAMPLES):
        pick = rng.choice(rows, size=len(rows), replace=True)
        scores.append(report_for(labels, [truth[i] for i in pick], [predicted[i] for i in pick]).macro_f1)
    low, high = np.percentile(scores, [2.5, 97.5])
    return [round(100 * float(low), 2), round(100 * float(high), 2)]


def linkedin_tone_annotations(root: Path, tones: Sequence[str]) -> dict[str, Any]:
    """Which shipped LinkedIn datasets annotate posts with a tone, read from their files: every column
    that could hold an annotation, its values, and how many of them are tones of the classifier."""
    found: dict[str, Any] = {}
    wanted = {tone.casefold() for tone in tones}
    for folder in sorted(path for path in root.iterdir() if path.is_dir() and "linkedin" in path.name):
        for file in sorted(folder.glob("*.csv")):
            frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding_errors="replace")
            columns = {}
            for column in frame.columns:
                if column.strip().casefold() in _ANNOTATION_COLUMNS:
                    values = sorted(set(frame[column].str.strip()) - {""})
                    columns[column] = {
                        "values": values[:20],
                        "distinct": len(values),
                        "tone_values": sorted(v for v in values if v.casefold() in wanted),
                    }
            has_tones = any(entry["tone_values"] for entry in columns.values())
            found[f"{folder.name}/{file.name}"] = {
                "rows": len(frame),
                "annotation_columns": columns,
                "tone_annotations": has_tones,
            }
    return found


def main() -> dict[str, Any]:
    """Train (or reuse), score the test split per slice in fp32 and int8, survey LinkedIn annotations."""
    require(DATASETS, "the shipped datasets folder")
    data = load_dataset(SHIPPED_CORPUS)
    parts = {name: data.split(name) for name in ("train", "validation", "test")}
    test = parts["test"]
    texts, truth, platforms = test["text"].tolist(), test["label"].tolist(), test["platform"].tolist()
    classifier, run = _trained(data.labels, parts)
    classifier.set_precision("fp32")
    fp32 = _scored(texts, truth, classifier.predict(texts), classifier.labels, platforms)
    served = Int8ToneModel.load(MODEL_FOLDER)
    int8 = _scored(texts, truth, served.predict(texts), served.labels, platforms)
    survey = linkedin_tone_annotations(DATASETS, TONES)
    annotated = [name for name, entry in survey.items() if entry["tone_annotations"]]
    linkedin = data.frame[data.frame["platform"] == "linkedin"]
    corpus_linkedin = {str(k): int(v) for k, v in linkedin["split"].value_counts().items()}
    result = {
        "dataset": {"name": SHIPPED_CORPUS, **data.fingerprint()},
        "test_posts_per_platform": {str(k): int(v) for k, v in test["platform"].value_counts().items()},
        "model": {
            "recipe": "fine-tune (the flow's default run)",
            "labels": classifier.labels,
            "config": CONFIG.model_dump(exclude={"log_every"}),
            **run,
        },
        "scale": "macro_f1 and accuracy x100",
        "interval": (
            f"macro_f1_interval_95: percentile bootstrap of the slice's posts, {BOOTSTRAP_RESAMPLES} draws"
        ),
        "slice_rules": {
            "min_posts": MIN_POSTS,
            "long": f"more characters than the test posts' {LONG_PERCENTILE:g}th length percentile",
            "emoji_heavy": f"at least {EMOJI_HEAVY_MIN} emoji (the style features' extraction)",
            "platforms": "linkedin; x (stored as twitter)",
        },
        "fp32_as_gated": fp32,
        "int8_as_served": int8,
        "linkedin_tone_annotations": {
            "datasets": survey,
            "with_tone_annotations": annotated,
            "shipped_corpus_linkedin_posts_per_split": corpus_linkedin,
            "summary": (
                "No shipped LinkedIn dataset annotates tone (a label column there holds other values, e.g. "
                "topics). Beyond the shipped corpus (whose LinkedIn posts in train and validation are "
                "training data), the only held-out tone-annotated LinkedIn posts are the "
                f"{corpus_linkedin.get('test', 0)} of the corpus's test split. The other annotated sets "
                "shipped (TweetEval emotion and irony) are tweets."
                if not annotated
                else f"Tone annotations of LinkedIn posts found in: {', '.join(annotated)}."
            ),
        },
        "machine": machine(),
    }
    write_result("tone_slices", result)
    return result


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(json.dumps(main(), indent=2))
