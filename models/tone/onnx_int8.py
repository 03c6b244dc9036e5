"""The tone classifier's int8 ONNX copy: written beside the saved weights, run with ONNX Runtime.

The fine-tuned module is exported once (TorchScript exporter, eager attention, dynamic batch and sequence
axes), ONNX Runtime's BERT graph optimizer fuses it (embeddings + LayerNorm, multi-head attention, GELU,
skip LayerNorms) and its weights are quantized to int8 (`RECIPE`, chosen by bench/tone_speed.py).
The word-embedding table stays fp32: quantizing it makes every call dequantize the whole table, which
measured slower. Sessions run with graph optimisation on, `intra_op` threads = torch's thread count (the
physical cores; the same rule without torch where it is not loaded), one inter-op thread, sequential
execution.

A sidecar (`model.int8.json`) names the recipe a copy was built with; `ensure_int8` rebuilds a copy that is
missing or was built with another recipe, so registry versions saved before the copy existed serve int8 too.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from torch import nn

logger = logging.getLogger("postwright.models")

ONNX_INT8_FILE = "model.int8.onnx"
RECIPE_FILE = "model.int8.json"
OPSET = 17
_INPUTS = ("input_ids", "attention_mask")

Quantization = Literal["none", "matmul", "matmul_attention"]


@dataclass(frozen=True)
class Recipe:
    """How the ONNX copy is built; every field is one lever measured by bench/tone_speed.py.

    fuse: ONNX Runtime's BERT fusions before quantizing.
    quantize: "matmul" = `quantize_dynamic` on MatMul only (fused attention's QKV projection stays fp32),
    "matmul_attention" = also the fused Attention (QAttention), "none" = fp32.
    per_channel / reduce_range: `quantize_dynamic`'s weight options; with per_channel, the fused attention
    stays per tensor unless `attention_per_channel` (per tensor there measured better, see the benchmark).
    """

    fuse: bool = True
    quantize: Quantization = "matmul_attention"
    per_channel: bool = True
    reduce_range: bool = False
    attention_per_channel: bool = False
    version: int = 2

    def label(self) -> str:
        """A short name for logs and benchmark tables."""
        parts = ["fused" if self.fuse else "unfused", self.quantize]
        if self.quantize in ("matmul", "matmul_attention"):
            parts.append("per_channel" if self.per_channel else "per_tensor")
            if self.per_channel and self.quantize == "matmul_attention":
                parts.append("attention_" + ("per_channel" if self.attention_per_channel else "per_tensor"))
            if self.reduce_range:
                parts.append("reduce_range")
        return "_".join(parts)


# The product's copy; bench/results/tone_speed.json has the measurements behind the choice.
RECIPE = Recipe()
# The copy written before the graph optimizer was used (kept as the benchmark's reference lever).
UNFUSED_RECIPE = Recipe(fuse=False, quantize="matmul", version=1)


def onnx_runtime_available() -> bool:
    """True when ONNX Runtime (to run the copy) and onnx (to quantize it) are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnx"))


def export_fp32(module: nn.Module, path: Path) -> Path:
    """Export the fp32 module to ONNX with dynamic batch and sequence axes, attention in eager form.

    Eager attention exports as plain MatMul / Softmax nodes, the pattern ONNX Runtime's fusion
    recognises (the SDPA export is not fused); the module's own attention setting is restored after.
    """
    import torch

    module = module.eval()
    config: Any = getattr(module, "encoder_config", None)
    previous = getattr(config, "_attn_implementation", None)
    # A padded two-row example: tracing follows the masked-attention branch, which is also right
    # for batches without padding.
    input_ids = torch.ones((2, 8), dtype=torch.long)
    attention_mask = torch.ones((2, 8), dtype=torch.long)
    attention_mask[1, 5:] = 0
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in _INPUTS}
    dynamic_axes["logits"] = {0: "batch"}
    try:
        if config is not None:
            config._attn_implementation = "eager"
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
    finally:
        if config is not None:
            config._attn_implementation = previous
    return path


def optimize_bert(fp32_path: Path, target: Path, num_heads: int, hidden_size: int) -> Path:
    """ONNX Runtime's BERT fusions (offline, Python-level only: the session applies its own at load)."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(fp32_path), model_type="bert", num_heads=num_heads, hidden_size=hidden_size, opt_level=0
    )
    fused = optimized.get_fused_operator_statistics()
    if not fused.get("Attention"):
        logger.warning("tone model ONNX export: attention was not fused (%s)", fused)
    optimized.save_model_to_file(str(target))
    return target


def quantize_int8(fp32_path: Path, int8_path: Path, recipe: Recipe = RECIPE) -> Path:
    """int8 weights as `recipe` says; activations quantized at run time."""
    if recipe.quantize == "none":
        if fp32_path != int8_path:
            int8_path.write_bytes(fp32_path.read_bytes())
        return int8_path
    if recipe.quantize == "matmul_attention" and recipe.per_channel and not recipe.attention_per_channel:
        # Fused attention per tensor first (its per-channel kernel measured slower), then the MatMuls.
        with tempfile.TemporaryDirectory(prefix="tone-onnx-q-") as scratch:
            staged = Path(scratch) / "attention.int8.onnx"
            _quantize_dynamic(
                fp32_path, staged, ["Attention"], per_channel=False, reduce_range=recipe.reduce_range
            )
            _quantize_dynamic(
                staged, int8_path, ["MatMul"], per_channel=True, reduce_range=recipe.reduce_range
            )
        return int8_path
    ops = ["MatMul", "Attention"] if recipe.quantize == "matmul_attention" else ["MatMul"]
    return _quantize_dynamic(fp32_path, int8_path, ops, recipe.per_channel, recipe.reduce_range)


def _quantize_dynamic(
    source: Path, target: Path, ops: list[str], per_channel: bool, reduce_range: bool
) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        reduce_range=reduce_range,
        op_types_to_quantize=ops,
        # Shape inference cannot type the outputs of fused contrib ops; everything here is fp32.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return target


def build(module: nn.Module, target: Path, recipe: Recipe = RECIPE) -> Path:
    """Export, fuse (if the recipe says so) and quantize `module` into `target`."""
    config: Any = getattr(module, "encoder_config", None)
    with tempfile.TemporaryDirectory(prefix="tone-onnx-") as scratch:
        current = export_fp32(module, Path(scratch) / "model.fp32.onnx")
        if recipe.fuse and config is not None:
            current = optimize_bert(
                current, Path(scratch) / "model.opt.onnx", config.num_attention_heads, config.hidden_size
            )
        quantize_int8(current, target, recipe)
    return target


def write_int8(module: nn.Module, folder: Path, recipe: Recipe = RECIPE) -> Path:
    """Write `folder/model.int8.onnx` and its recipe sidecar; replaced atomically, never half-written."""
    started = time.perf_counter()
    folder = Path(folder)
    target = folder / ONNX_INT8_FILE
    partial = folder / f".{ONNX_INT8_FILE}.partial"
    build(module, partial, recipe)
    os.replace(partial, target)
    (folder / RECIPE_FILE).write_text(json.dumps(asdict(recipe), indent=2), encoding="utf-8")
    logger.info(
        "tone model: int8 ONNX copy (%s) written to %s in %.1fs",
        recipe.label(),
        target,
        time.perf_counter() - started,
    )
    return target


def recipe_of(folder: Path) -> Recipe | None:
    """The recipe `folder`'s copy was built with; None without a copy, `UNFUSED_RECIPE` for old copies."""
    folder = Path(folder)
    if not (folder / ONNX_INT8_FILE).is_file():
        return None
    sidecar = folder / RECIPE_FILE
    if not sidecar.is_file():
        return UNFUSED_RECIPE
    try:
        return Recipe(**json.loads(sidecar.read_text(encoding="utf-8")))
    except (TypeError, ValueError):
        return UNFUSED_RECIPE


def ort_threads() -> int:
    """torch's thread count where torch is loaded already (the classifier's process), else the same rule
    without importing it: `OMP_NUM_THREADS` when set, else 0 (ONNX Runtime's default, the physical cores)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return int(torch.get_num_threads())
    try:
        return max(0, int(os.environ.get("OMP_NUM_THREADS", "0")))
    except ValueError:
        return 0


class OnnxSession:
    """An ONNX Runtime session over an exported classifier: token ids and mask in, fp32 logits out."""

    def __init__(self, path: Path, thread_settings: bool = True) -> None:
        """`thread_settings=False` keeps ONNX Runtime's own thread defaults (for the benchmark only)."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if thread_settings:
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.intra_op_num_threads = ort_threads()
            options.inter_op_num_threads = 1
        self.path = Path(path)
        self._session: Any = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Logits of one padded batch, shape (batch, labels)."""
        feeds = {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)}
        result: np.ndarray = self._session.run(["logits"], feeds)[0]
        return result


def ensure_int8(module: nn.Module, folder: Path, recipe: Recipe = RECIPE) -> Path | None:
    """The folder holding an up-to-date copy for `module`: `folder` itself, after writing the copy there if
    it was missing or built with another recipe, or a private temporary folder when `folder` is read-only.
    None (with a warning saying why) when ONNX Runtime is missing or the build fails."""
    folder = Path(folder)
    if not onnx_runtime_available():
        return None
    if recipe_of(folder) == recipe:
        return folder
    why = "has no int8 ONNX copy" if recipe_of(folder) is None else "has an int8 ONNX copy of another recipe"
    logger.warning("tone model %s %s: building it now (%s, a few seconds)", folder, why, recipe.label())
    try:
        write_int8(module, folder, recipe)
        return folder
    except OSError:
        scratch = Path(tempfile.mkdtemp(prefix="tone-int8-"))
        logger.warning("tone model %s is read-only: its int8 ONNX copy goes to %s", folder, scratch)
    except Exception:
        logger.warning("tone model %s: building the int8 ONNX copy failed", folder, exc_info=True)
        return None
    try:
        write_int8(module, scratch, recipe)
        return scratch
    except Exception:
        logger.warning("tone model %s: building the int8 ONNX copy failed", folder, exc_info=True)
        return None


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
