"""Shared paths and helpers of the tone benchmarks (no `main`: not a benchmark itself)."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import torch

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"
# Trained benchmark models are large and reproducible: they live under var/ (not committed).
MODELS_DIR = REPO / "var" / "bench"
DATASETS = Path(os.environ.get("POSTWRIGHT_DATASETS", REPO.parent / "shared" / "datasets"))
TWEETEVAL_EMOTION = DATASETS / "tweeteval" / "emotion"
# The first seed of bench.tone_tweeteval's recipe; the speed and serving benchmarks reuse it.
TWEETEVAL_MODEL = MODELS_DIR / "tone_tweeteval_seed1"


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write `bench/results/<name>.json` (pretty, stable key order) and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def machine() -> dict[str, Any]:
    """What the figures were measured on, so they are compared only with figures from the same kind."""
    from models.tone.classifier import cpu_supports_bf16

    return {
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "native_bf16": cpu_supports_bf16(),
    }


def require(path: Path, what: str) -> None:
    """Stop with a clear message when benchmark data is absent (never substitute other data)."""
    if not path.exists():
        raise FileNotFoundError(f"{what} not found at {path}; set POSTWRIGHT_DATASETS to the datasets folder")
