"""Tone classification: a MiniLM-L6 sequence classifier and the tone corpus it trains on.

The names below load their module on first use: importing a light part of this package (`models.tone.base`,
as the style profile does) must not import torch into every API worker (hundreds of MiB each).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.tone.classifier import ToneClassifier, TrainConfig, plot_confusion
    from models.tone.corpus import (
        TONES,
        corpus_dir,
        dataset_fingerprint,
        load_tone_corpus,
        load_tweeteval_emotion,
    )
    from models.tone.inference import EvalReport, cpu_supports_bf16

_HOMES = {
    "EvalReport": "models.tone.inference",
    "ToneClassifier": "models.tone.classifier",
    "TrainConfig": "models.tone.classifier",
    "cpu_supports_bf16": "models.tone.inference",
    "plot_confusion": "models.tone.classifier",
    "TONES": "models.tone.corpus",
    "corpus_dir": "models.tone.corpus",
    "dataset_fingerprint": "models.tone.corpus",
    "load_tone_corpus": "models.tone.corpus",
    "load_tweeteval_emotion": "models.tone.corpus",
}

__all__ = [
    "TONES",
    "EvalReport",
    "ToneClassifier",
    "TrainConfig",
    "corpus_dir",
    "cpu_supports_bf16",
    "dataset_fingerprint",
    "load_tone_corpus",
    "load_tweeteval_emotion",
    "plot_confusion",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'models.tone' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
