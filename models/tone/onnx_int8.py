"""The tone classifier's int8 ONNX copy: written beside the saved weights, run with ONNX Runtime.

The fine-tuned module is exported once (TorchScript exporter, dynamic batch and sequence axes) and its
MatMul weights are quantized to int8 per output channel (`quantize_dynamic`: weights fixed, activations
quantized per call, so a post's scores move slightly with the posts batched with it).
The word-embedding Gather stays fp32: quantizing it makes every call dequantize the whole table, which
measured slower. Sessions run with graph optimisation on, `intra_op` threads = torch's thread count (the
physical cores) and one inter-op thread. bench/tone_speed.py measures this path against the torch ones.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

logger = logging.getLogger("postwright.models")

ONNX_INT8_FILE = "model.int8.onnx"
OPSET = 17
# Per-output-channel weight scales: per tensor lost 1.26 points of TweetEval macro-F1 against fp32 (94.8%
# label agreement), per channel 0.43 (97.6%) at the same speed (bench/results/tone_speed.json).
PER_CHANNEL = True
_INPUTS = ("input_ids", "attention_mask")


def onnx_runtime_available() -> bool:
    """True when ONNX Runtime (to run the copy) and onnx (to quantize it) are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


def export_fp32(module: nn.Module, path: Path) -> Path:
    """Export the fp32 module to ONNX with dynamic batch and sequence axes."""
    module = module.eval()
    # A padded two-row example: tracing follows the masked-attention branch, which is also right
    # for batches without padding.
    input_ids = torch.ones((2, 8), dtype=torch.long)
    attention_mask = torch.ones((2, 8), dtype=torch.long)
    attention_mask[1, 5:] = 0
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in _INPUTS}
    dynamic_axes["logits"] = {0: "batch"}
    with warnings.catch_warnings():
        # The tracer's notes about Python booleans and the exporter's deprecation notice: the export
        # is checked against torch by the tests and the benchmark instead.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (input_ids, attention_mask),
            str(path),
            dynamo=False,
            input_names=list(_INPUTS),
            output_names=["logits"],
            dynamic_axes=dynamic_axes,
            opset_version=OPSET,
        )
    return path


def quantize_int8(fp32_path: Path, int8_path: Path, per_channel: bool = PER_CHANNEL) -> Path:
    """int8 weights for every MatMul, activations quantized dynamically at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32_path),
        str(int8_path),
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        op_types_to_quantize=["MatMul"],
    )
    return int8_path


def write_int8(module: nn.Module, folder: Path, per_channel: bool = PER_CHANNEL) -> Path:
    """Write `folder/model.int8.onnx` from the module; replaced atomically, never left half-written."""
    started = time.perf_counter()
    folder = Path(folder)
    target = folder / ONNX_INT8_FILE
    with tempfile.TemporaryDirectory(prefix="tone-onnx-") as scratch:
        fp32 = export_fp32(module, Path(scratch) / "model.fp32.onnx")
        partial = folder / f".{ONNX_INT8_FILE}.partial"
        quantize_int8(fp32, partial, per_channel=per_channel)
        os.replace(partial, target)
    logger.info("tone model: int8 ONNX copy written to %s in %.1fs", target, time.perf_counter() - started)
    return target


class OnnxSession:
    """An ONNX Runtime session over an exported classifier: token ids and mask in, fp32 logits out."""

    def __init__(self, path: Path, thread_settings: bool = True) -> None:
        """`thread_settings=False` keeps ONNX Runtime's own thread defaults (for the benchmark only)."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if thread_settings:
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.intra_op_num_threads = torch.get_num_threads()
            options.inter_op_num_threads = 1
        self.path = Path(path)
        self._session: Any = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Logits of one padded batch, shape (batch, labels)."""
        feeds = {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)}
        result: np.ndarray = self._session.run(["logits"], feeds)[0]
        return result


def open_int8(folder: Path) -> OnnxSession | None:
    """The session over `folder`'s int8 copy, or None with a warning saying why (never silently)."""
    path = Path(folder) / ONNX_INT8_FILE
    if not onnx_runtime_available():
        logger.warning(
            "tone model %s: onnxruntime is not installed; falling back to torch fp32 inference "
            "(several times slower)",
            folder,
        )
        return None
    if not path.is_file():
        logger.warning(
            "tone model %s has no int8 ONNX copy (%s); falling back to torch fp32 inference "
            "(several times slower): save the model again to write it",
            folder,
            ONNX_INT8_FILE,
        )
        return None
    try:
        return OnnxSession(path)
    except Exception:
        logger.warning(
            "tone model %s: ONNX Runtime could not open %s; falling back to torch fp32 inference",
            folder,
            ONNX_INT8_FILE,
            exc_info=True,
        )
        return None
