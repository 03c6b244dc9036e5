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
# The first seed of bench.tone_tweeteval's recipe; the speed and serving benchmarks reuse it
# (BENCH_TONE_MODEL points them at another saved TweetEval model; the results name the one used).
TWEETEVAL_MODEL = Path(os.environ.get("BENCH_TONE_MODEL", MODELS_DIR / "tone_tweeteval_seed1"))


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write `bench/results/<name>.json` (pretty, stable key order) and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def machine() -> dict[str, Any]:
    """What the figures were measured on, so they are compared only with figures from the same kind."""
    from models.tone.inference import _cpu_flags, cpu_supports_bf16

    isa = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")

    return {
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "native_bf16": cpu_supports_bf16(),
        # int8 kernels use VNNI where present: figures from an AVX2-only CPU are not comparable.
        "cpu_features": [flag for flag in isa if flag in _cpu_flags()],
    }


def require(path: Path, what: str) -> None:
    """Stop with a clear message when benchmark data is absent (never substitute other data)."""
    if not path.exists():
        raise FileNotFoundError(f"{what} not found at {path}; set POSTWRIGHT_DATASETS to the datasets folder")
