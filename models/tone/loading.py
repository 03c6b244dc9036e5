"""Load whichever kind of tone model a folder holds (fine-tuned or embedding + logistic regression)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.tone import quick
from models.tone.classifier import ToneClassifier


def load_tone_model(path: str | Path) -> Any:
    """A saved tone model of either kind; both answer `classify`, `evaluate` and `labels`."""
    folder = Path(path)
    if (folder / quick.META_FILE).is_file():
        return quick.EmbeddingToneClassifier.load(folder)
    return ToneClassifier.load(folder)
