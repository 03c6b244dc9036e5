"""MiniLM sentence embeddings through ONNX Runtime, so the processes that only embed never load torch.

The packaged MiniLM sentence model (the BERT encoder, mean pooling over the attention mask, L2
normalisation) is exported whole, in fp32, to one ONNX graph. The export needs torch, so it runs once per
model in a child process (`python -m models.style build-embedder`) and lands in the model cache
(`MODEL_CACHE_DIR`, default `~/.cache/postwright`) under a name that changes with the weights, the tokenizer
and `EXPORT_VERSION`; every later process opens the file. An API worker that embeds thus holds ONNX Runtime
and the 90 MB graph (about 150 MB more) instead of torch and transformers (about 400 MB more).

Tokenisation is the model's own `tokenizer.json` (the `tokenizers` library, no torch), truncated at the
model's `max_seq_length` (256) and padded to the longest text of each batch; batches are formed from texts of
similar length. The vectors equal the torch model's to float precision (tested), so every voice score and
figure computed before stays what it was.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.tone.base import force_offline, minilm_dir
from models.tone.onnx_int8 import ort_threads

logger = logging.getLogger("postwright.models")

EXPORT_VERSION = 1
DIMENSION = 384
_OPSET = 17
_INPUTS = ("input_ids", "attention_mask")
_BUILD_TIMEOUT_SECONDS = 600


class EmbedderUnavailableError(RuntimeError):
    """The embedding graph could not be built or opened; the message says why."""


def cache_dir() -> Path:
    """Where built model files live: `MODEL_CACHE_DIR`, else the XDG cache (`~/.cache/postwright`)."""
    configured = os.environ.get("MODEL_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "postwright"


def _fingerprint(model_dir: Path) -> str:
    """Changes when the weights, the tokenizer, the sequence length or the export recipe change."""
    digest = hashlib.sha256(f"v{EXPORT_VERSION}".encode())
    for name in ("model.safetensors", "tokenizer.json", "sentence_bert_config.json", "config.json"):
        path = model_dir / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def graph_path(model_dir: Path) -> Path:
    """The cached ONNX graph for `model_dir` (built or not)."""
    return cache_dir() / "minilm-embedder" / f"{_fingerprint(model_dir)}.onnx"


def max_seq_length(model_dir: Path) -> int:
    """The sequence limit the model was trained with (`max_seq_length`, 256 for all-MiniLM-L6-v2)."""
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 256))
    return 256


def build_graph(model_dir: Path, target: Path) -> Path:
    """Export encoder + mean pooling + normalisation to `target` (atomically). Imports torch: call it in a
    child process (`ensure_graph` does) unless torch is loaded already."""
    import torch
    from transformers import AutoModel

    force_offline()
    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    input_ids = torch.ones((2, 8), dtype=torch.long)
    attention_mask = torch.ones((2, 8), dtype=torch.long)
    attention_mask[1, 5:] = 0
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in _INPUTS}
    dynamic_axes["embedding"] = {0: "batch"}
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    try:
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(),
                (input_ids, attention_mask),
                partial,
                dynamo=False,
                input_names=list(_INPUTS),
                output_names=["embedding"],
                dynamic_axes=dynamic_axes,
                opset_version=_OPSET,
            )
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return target


def ensure_graph(model_dir: Path) -> Path:
    """The built graph for `model_dir`, building it in a child process first if the cache lacks it.

    A file lock keeps concurrent processes from building it twice; a failed build raises with its output.
    """
    target = graph_path(model_dir)
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = open(target.parent / ".build.lock", "w")  # noqa: SIM115 - held for the whole build below
    except OSError as error:
        raise EmbedderUnavailableError(
            f"the voice embedder's ONNX graph is not built and the model cache {target.parent} is not "
            f"writable ({error.strerror}): set MODEL_CACHE_DIR to a writable folder, or run "
            "`python -m models.style warm-embedder` where it is"
        ) from error
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_file():
            return target
        started = time.perf_counter()
        logger.info("voice embedder: building the ONNX graph of %s into %s (once)", model_dir, target)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "models.style", "build-embedder", str(model_dir), str(target)],
                capture_output=True,
                text=True,
                timeout=_BUILD_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise EmbedderUnavailableError(
                f"building the voice embedder's ONNX graph took over {_BUILD_TIMEOUT_SECONDS} s"
            ) from error
        if done.returncode != 0 or not target.is_file():
            raise EmbedderUnavailableError(
                f"building the voice embedder's ONNX graph failed (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-2000:]}"
            )
        logger.info("voice embedder: ONNX graph built in %.1f s", time.perf_counter() - started)
    return target


class VoiceEmbedder:
    """MiniLM sentence embeddings from the packaged model, opened on first use rather than at import."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32) -> None:
        self._model_dir = model_dir
        self._batch_size = batch_size
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> tuple[Any, Any]:
        if self._session is None:
            import onnxruntime as ort
            from tokenizers import Tokenizer

            folder = self._model_dir if self._model_dir is not None else minilm_dir()
            path = ensure_graph(folder)
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=max_seq_length(folder))
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.intra_op_num_threads = ort_threads()
            options.inter_op_num_threads = 1
            # Without the arena, a long batch's activations go back to the allocator when it ends instead of
            # staying reserved for the life of the process.
            options.enable_cpu_mem_arena = False
            try:
                session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            except Exception as error:
                raise EmbedderUnavailableError(f"ONNX Runtime could not open {path}: {error}") from error
            self._tokenizer, self._session = tokenizer, session
        return self._tokenizer, self._session

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised sentence embeddings, shape (len(texts), 384), batched by length."""
        if len(texts) == 0:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        tokenizer, session = self._load()
        encodings = tokenizer.encode_batch([str(text) for text in texts])
        lengths = np.array([sum(encoding.attention_mask) for encoding in encodings])
        order = np.argsort(-lengths, kind="stable")
        vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            width = int(lengths[rows].max())
            input_ids = np.array([encodings[row].ids[:width] for row in rows], dtype=np.int64)
            mask = np.array([encodings[row].attention_mask[:width] for row in rows], dtype=np.int64)
            vectors[rows] = session.run(["embedding"], {"input_ids": input_ids, "attention_mask": mask})[0]
        return vectors

    def voice_vector(self, texts: Sequence[str]) -> list[float]:
        """The mean of the posts' embeddings, L2-normalised: cosine with it scores a draft's voice."""
        if len(texts) == 0:
            raise ValueError("a voice vector needs at least one post")
        mean = self.embed(texts).mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm == 0.0:
            raise ValueError("the posts' embeddings cancel out; no voice direction to keep")
        return [float(value) for value in mean / norm]


@functools.lru_cache(maxsize=1)
def default_embedder() -> VoiceEmbedder:
    """One shared embedder per process (the graph opens on its first `embed` call)."""
    return VoiceEmbedder()
