"""Load whichever kind of tone model a folder holds (fine-tuned or embedding + logistic regression)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.tone import quick
from models.tone.inference import Int8ToneModel, serves_int8_alone


def load_tone_model(path: str | Path) -> Any:
    """A saved tone model of either kind; each answers `classify`, `evaluate` and `labels`.

    A fine-tuned model that will run int8 on this machine and has its current int8 copy is served by
    `Int8ToneModel` (no torch in the process); otherwise `ToneClassifier.load` (which builds a missing copy,
    or runs bf16 where the CPU has it).
    """
    folder = Path(path)
    if (folder / quick.META_FILE).is_file():
        return quick.EmbeddingToneClassifier.load(folder)
    if serves_int8_alone(folder):
        return Int8ToneModel.load(folder)
    from models.tone.classifier import ToneClassifier

    return ToneClassifier.load(folder)
