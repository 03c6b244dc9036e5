"""Tone classification: a MiniLM-L6 sequence classifier and the tone corpus it trains on."""

from models.tone.classifier import (
    EvalReport,
    ToneClassifier,
    TrainConfig,
    cpu_supports_bf16,
    plot_confusion,
)
from models.tone.corpus import (
    TONES,
    corpus_dir,
    dataset_fingerprint,
    load_tone_corpus,
    load_tweeteval_emotion,
)

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
