"""Tone classifier: MiniLM-L6 (from the packaged weights) fine-tuned as a sequence classifier.

The encoder is mean-pooled rather than read at [CLS]: the packaged checkpoint was trained as a sentence
encoder with mean pooling, so the pooled vector is meaningful from the first step and fine-tunes faster.
Inference sorts texts by length and pads each batch only to its own longest text. It runs one of three
backends: ONNX Runtime over the int8 copy that `save` writes beside the weights (models/tone/onnx_int8.py,
the default wherever the CPU has no native bf16), torch bf16 on CPUs with native bf16 units, or torch fp32
under `torch.inference_mode()` (the fallback, always announced with a warning when it replaces int8).
"""

from __future__ import annotations

import copy
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

import models.tone.onnx_int8 as onnx_int8
from models.tone.base import force_offline, minilm_dir
from models.tone.config import TrainConfig as TrainConfig
from models.tone.inference import (
    BACKENDS,
    FORMAT_VERSION,
    META_FILE,
    EvalReport,
    LabelScorer,
    Precision,
    auto_precision,
    cpu_supports_bf16,
    read_meta,
)
from models.tone.inference import (
    plot_confusion as plot_confusion,
)
from models.tone.text import NORMALIZATION_VERSION, normalize_for_model

logger = logging.getLogger("postwright.models")

_WEIGHTS_FILE = "model.safetensors"
_ENCODER_CONFIG_FILE = "config.json"


class _MeanPoolClassifier(nn.Module):
    """BERT encoder, attention-masked mean over tokens, dropout, linear head."""

    def __init__(self, encoder: nn.Module, hidden_size: int, num_labels: int, dropout: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.encoder_config: Any = cast(Any, encoder).config
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, num_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        logits: torch.Tensor = self.head(self.dropout(pooled))
        return logits


@dataclass(frozen=True)
class _Batch:
    indices: list[int]
    input_ids: torch.Tensor
    attention_mask: torch.Tensor


class ToneClassifier(LabelScorer):
    """Fine-tunable tone classifier whose label set comes from its training data."""

    labels: list[str]
    precision: Precision

    def __init__(
        self,
        module: _MeanPoolClassifier,
        tokenizer: Any,
        labels: Sequence[str],
        max_length: int = 128,
        precision: Precision = "fp32",
        train_config: TrainConfig | None = None,
        int8_session: onnx_int8.OnnxSession | None = None,
    ) -> None:
        if len(set(labels)) != len(labels) or len(labels) < 2:
            raise ValueError(f"labels must be at least two distinct names, got {list(labels)!r}")
        self._module = module.eval()
        self._tokenizer = tokenizer
        self.labels = list(labels)
        self.max_length = max_length
        self.train_config = train_config
        self._fresh_head = train_config is None
        self._bf16_module: nn.Module | None = None
        self._int8_session = int8_session
        self.precision = "fp32"
        self.set_precision(precision)

    # ----- construction, save and load -------------------------------------------------------------------

    @classmethod
    def from_base(cls, labels: Sequence[str], base_dir: Path | None = None) -> ToneClassifier:
        """Start from the packaged MiniLM-L6 weights with an untrained head for `labels`."""
        force_offline()
        from transformers import AutoTokenizer, BertConfig, BertModel

        folder = Path(base_dir) if base_dir is not None else minilm_dir()
        config = BertConfig.from_json_file(str(folder / _ENCODER_CONFIG_FILE))
        config._attn_implementation = "sdpa"
        encoder = BertModel(config, add_pooling_layer=False)
        # The sentence-transformers checkpoint also holds a [CLS] pooler this head never uses.
        state = {
            key: value
            for key, value in load_file(str(folder / _WEIGHTS_FILE)).items()
            if not key.startswith("pooler.") and key != "embeddings.position_ids"
        }
        encoder.load_state_dict(state, strict=False)
        _check_loaded(encoder, state)
        module = _MeanPoolClassifier(encoder, config.hidden_size, len(labels), TrainConfig().head_dropout)
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        return cls(module, tokenizer, labels)

    def save(self, path: Path) -> None:
        """Write a self-contained folder: fp32 weights, encoder config, tokenizer, labels and settings,
        and the int8 ONNX copy that `load` serves with (only a warning where ONNX Runtime is missing)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {key: value.detach().contiguous() for key, value in self._module.state_dict().items()}
        save_file(state, str(path / _WEIGHTS_FILE))
        self._module.encoder_config.to_json_file(str(path / _ENCODER_CONFIG_FILE))
        self._tokenizer.save_pretrained(str(path))
        meta = {
            "format_version": FORMAT_VERSION,
            "labels": self.labels,
            "max_length": self.max_length,
            "pooling": "mean",
            "normalization": NORMALIZATION_VERSION,
            "head_dropout": float(self._module.dropout.p),
            "train_config": self.train_config.model_dump() if self.train_config else None,
        }
        (path / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        stale = path / onnx_int8.ONNX_INT8_FILE
        stale.unlink(missing_ok=True)  # never leave a copy of other weights beside these ones
        (path / onnx_int8.RECIPE_FILE).unlink(missing_ok=True)
        if onnx_int8.onnx_runtime_available():
            onnx_int8.write_int8(self._module, path)
        else:
            logger.warning("onnxruntime or onnx is not installed: %s saved without its int8 ONNX copy", path)

    @classmethod
    def load(cls, path: Path, precision: Literal["auto", "fp32", "bf16", "int8"] = "auto") -> ToneClassifier:
        """Load a folder written by `save`.

        "auto" picks bf16 where the CPU runs it natively, otherwise the int8 ONNX copy, and falls back to
        fp32 torch with a warning when that copy or ONNX Runtime is missing; "int8" refuses to fall back.
        """
        force_offline()
        from transformers import AutoTokenizer, BertConfig, BertModel

        path = Path(path)
        meta = read_meta(path)
        config = BertConfig.from_json_file(str(path / _ENCODER_CONFIG_FILE))
        config._attn_implementation = "sdpa"
        module = _MeanPoolClassifier(
            BertModel(config, add_pooling_layer=False),
            config.hidden_size,
            len(meta["labels"]),
            float(meta["head_dropout"]),
        )
        module.load_state_dict(load_file(str(path / _WEIGHTS_FILE)), strict=True)
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        train_config = TrainConfig(**meta["train_config"]) if meta.get("train_config") else None
        chosen: Precision = precision if precision != "auto" else auto_precision()
        session = None
        if chosen == "int8":
            # Versions saved before the copy existed (or with an older recipe) get one built now.
            session = onnx_int8.open_int8(onnx_int8.ensure_int8(module, path) or path)
        if session is None and chosen == "int8":
            if precision == "int8":
                raise FileNotFoundError(f"{path}: no usable int8 ONNX copy (see the warning above)")
            chosen = "fp32"
        classifier = cls(
            module, tokenizer, meta["labels"], int(meta["max_length"]), chosen, train_config, session
        )
        logger.info("tone model %s: inference with %s", path, classifier.backend)
        classifier._fresh_head = False
        return classifier

    @property
    def backend(self) -> str:
        """What runs inference now: "onnxruntime-int8", "torch-bf16" or "torch-fp32"."""
        return BACKENDS[self.precision]

    def set_precision(self, precision: Precision) -> None:
        """Switch inference precision; fp32 master weights are kept, so switching back is lossless.

        "int8" needs the ONNX copy this classifier was loaded with (weights changed since are not in it).
        """
        if precision not in BACKENDS:
            raise ValueError(f"precision must be one of {sorted(BACKENDS)}, got {precision!r}")
        if precision == "int8" and self._int8_session is None:
            raise ValueError("int8 needs the model's ONNX copy: load a saved model to use it")
        if precision == "bf16" and not cpu_supports_bf16():
            logger.warning("bf16 requested on a CPU without native bf16 units: it will run, slowly")
        self.precision = precision
        self._bf16_module = None

    # ----- training --------------------------------------------------------------------------------------

    def fit(
        self,
        train_texts: Sequence[str],
        train_labels: Sequence[str],
        val_texts: Sequence[str] | None = None,
        val_labels: Sequence[str] | None = None,
        config: TrainConfig = TrainConfig(),
        on_step: Callable[[int, dict[str, float]], None] | None = None,
        *,
        soft_targets: np.ndarray | None = None,
        unlabelled_texts: Sequence[str] = (),
        unlabelled_targets: np.ndarray | None = None,
        device: str = "cpu",
    ) -> list[dict[str, float]]:
        """Fine-tune; with validation data, keep the epoch with the best validation macro-F1.

        Distillation: `soft_targets` (one probability row per training text, columns in `labels` order,
        typically an ensemble's averaged probabilities) mix into the loss of each labelled text with weight
        `config.distill_weight`; `unlabelled_texts` learn from their `unlabelled_targets` alone. `device`
        ("cpu", "cuda") is where the training runs; the model comes back to the CPU afterwards.

        Returns one history row per epoch (epoch, step, train_loss, lr, seconds, and val_* when
        validation data is given). `on_step(step, metrics)` is called every `config.log_every` steps and
        after each epoch.
        """
        if len(train_texts) != len(train_labels) or not train_texts:
            raise ValueError("train_texts and train_labels must be non-empty and of equal length")
        has_val = val_texts is not None and val_labels is not None and len(val_texts) > 0
        if has_val and len(val_texts) != len(val_labels):  # type: ignore[arg-type]
            raise ValueError("val_texts and val_labels must be of equal length")
        target_device = torch.device(device)
        if config.bf16_autocast and target_device.type == "cpu" and not cpu_supports_bf16():
            raise ValueError("bf16_autocast needs a CPU with native bf16 units (AVX512-BF16 or AMX)")
        if has_val:
            self._label_ids(val_labels)  # type: ignore[arg-type]
        texts = [*train_texts, *unlabelled_texts]
        hard = self._label_ids(train_labels) + [-1] * len(unlabelled_texts)
        targets = torch.tensor(hard, dtype=torch.long)
        soft = self._soft_targets(
            len(train_texts), soft_targets, unlabelled_texts, unlabelled_targets, config
        )

        _seed_everything(config.seed)
        self.max_length = config.max_length
        if self._fresh_head:
            self._reset_head(config)
        encoded = self._encode(texts)
        steps_per_epoch = math.ceil(len(encoded) / config.batch_size)
        total_steps = steps_per_epoch * config.epochs
        optimizer = self._optimizer(config)
        scheduler = _linear_schedule(optimizer, int(config.warmup_ratio * total_steps), total_steps)
        generator = torch.Generator().manual_seed(config.seed)
        self._module.to(target_device)

        history: list[dict[str, float]] = []
        best_f1, best_state = -1.0, None
        step, started = 0, time.perf_counter()
        for epoch in range(1, config.epochs + 1):
            self._module.train()
            epoch_loss, epoch_seen = 0.0, 0
            window_loss, window_seen, window_start = 0.0, 0, time.perf_counter()
            for batch in self._train_batches(encoded, config.batch_size, generator):
                with torch.autocast(target_device.type, dtype=torch.bfloat16, enabled=config.bf16_autocast):
                    logits = self._module(
                        batch.input_ids.to(target_device), batch.attention_mask.to(target_device)
                    )
                rows = torch.tensor(batch.indices, dtype=torch.long)
                loss = _loss(
                    logits.float(),
                    targets[rows].to(target_device),
                    None if soft is None else soft[rows].to(target_device),
                    config,
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()  # type: ignore[no-untyped-call]
                nn.utils.clip_grad_norm_(self._module.parameters(), config.max_grad_norm)
                optimizer.step()
                scheduler.step()
                step += 1
                n = len(batch.indices)
                epoch_loss += loss.item() * n
                epoch_seen += n
                window_loss += loss.item() * n
                window_seen += n
                if step % config.log_every == 0:
                    rate = window_seen / max(time.perf_counter() - window_start, 1e-9)
                    metrics = {
                        "epoch": float(epoch),
                        "train_loss": window_loss / window_seen,
                        "lr": float(scheduler.get_last_lr()[0]),
                        "samples_per_s": rate,
                    }
                    logger.info(
                        "tone fit: epoch %d step %d/%d loss %.4f lr %.2e %.1f samples/s",
                        epoch, step, total_steps, metrics["train_loss"], metrics["lr"], rate,
                    )  # fmt: skip
                    if on_step is not None:
                        on_step(step, metrics)
                    window_loss, window_seen, window_start = 0.0, 0, time.perf_counter()
            self._module.eval()
            self._bf16_module = None
            row = {
                "epoch": float(epoch),
                "step": float(step),
                "train_loss": epoch_loss / max(epoch_seen, 1),
                "lr": float(scheduler.get_last_lr()[0]),
                "seconds": time.perf_counter() - started,
            }
            if has_val:
                report = self._evaluate_fp32(val_texts, val_labels)  # type: ignore[arg-type]
                row["val_macro_f1"] = report.macro_f1
                row["val_accuracy"] = report.accuracy
                if report.macro_f1 > best_f1:
                    best_f1, best_state = report.macro_f1, copy.deepcopy(self._module.state_dict())
            logger.info("tone fit: epoch %d done %s", epoch, _format_row(row))
            history.append(row)
            if on_step is not None:
                on_step(step, row)
        if best_state is not None:
            self._module.load_state_dict(best_state)
            logger.info("tone fit: kept the epoch with the best validation macro-F1 (%.4f)", best_f1)
        self._module.to("cpu")
        self._module.eval()
        self._bf16_module = None
        if self._int8_session is not None:
            # The ONNX copy holds the weights from before this training: only `save` writes a new one.
            self._int8_session = None
            if self.precision == "int8":
                logger.warning("tone fit: the int8 ONNX copy is stale; inference falls back to fp32")
                self.precision = "fp32"
        self._fresh_head = False
        self.train_config = config
        return history

    def _reset_head(self, config: TrainConfig) -> None:
        """Initialise the head from the run's seed, so a given seed gives the same model every time."""
        generator = torch.Generator().manual_seed(config.seed)
        head = self._module.head
        with torch.no_grad():
            head.weight.copy_(torch.randn(head.weight.shape, generator=generator) * 0.02)
            head.bias.zero_()
        self._module.dropout.p = config.head_dropout

    def _soft_targets(
        self,
        labelled: int,
        soft_targets: np.ndarray | None,
        unlabelled_texts: Sequence[str],
        unlabelled_targets: np.ndarray | None,
        config: TrainConfig,
    ) -> torch.Tensor | None:
        """The teacher's distributions for every training row (labelled first), at the distillation
        temperature; None when the run learns from labels alone."""
        width = len(self.labels)
        if config.distill_weight > 0 and soft_targets is None:
            raise ValueError("distill_weight > 0 needs soft_targets for the labelled texts")
        if len(unlabelled_texts) and unlabelled_targets is None:
            raise ValueError("unlabelled_texts need unlabelled_targets (the teacher's probabilities)")
        parts: list[np.ndarray] = []
        for name, rows, count in (
            ("soft_targets", soft_targets, labelled),
            ("unlabelled_targets", unlabelled_targets, len(unlabelled_texts)),
        ):
            if rows is None:
                parts.append(np.full((count, width), 1.0 / width, dtype=np.float32))
                continue
            rows = np.asarray(rows, dtype=np.float32)
            if rows.shape != (count, width):
                raise ValueError(f"{name} must have shape ({count}, {width}), got {rows.shape}")
            if rows.size and (
                not np.all(np.isfinite(rows))
                or rows.min() < 0
                or not np.allclose(rows.sum(axis=1), 1, atol=1e-3)
            ):
                raise ValueError(f"{name} rows must be probability distributions")
            parts.append(rows)
        if soft_targets is None and not len(unlabelled_texts):
            return None
        probabilities = torch.from_numpy(np.concatenate(parts)).clamp(min=1e-8)
        return torch.softmax(probabilities.log() / config.distill_temperature, dim=-1)

    def _optimizer(self, config: TrainConfig) -> torch.optim.Optimizer:
        """AdamW without weight decay on biases and LayerNorm weights, as BERT was pre-trained; with
        `layer_lr_decay` below 1, lower layers (and the embeddings lowest) learn more slowly than the top."""
        layers = int(self._module.encoder_config.num_hidden_layers)
        groups: dict[tuple[float, float], list[nn.Parameter]] = {}
        for name, parameter in self._module.named_parameters():
            weight_decay = 0.0 if parameter.ndim < 2 or "LayerNorm" in name else config.weight_decay
            depth = 0
            if name.startswith("encoder.embeddings."):
                depth = layers + 1
            elif name.startswith("encoder.encoder.layer."):
                depth = layers - int(name.split(".")[3])
            scale = config.layer_lr_decay**depth
            groups.setdefault((weight_decay, scale), []).append(parameter)
        return torch.optim.AdamW(
            [
                {"params": params, "weight_decay": decay, "lr": config.learning_rate * scale}
                for (decay, scale), params in groups.items()
            ],
            lr=config.learning_rate,
        )

    def _train_batches(
        self, encoded: list[list[int]], batch_size: int, generator: torch.Generator
    ) -> Iterator[_Batch]:
        """Shuffled batches of similar length: shuffle, sort within windows of 50 batches, shuffle batches.

        Grouping by length cuts padding (most of the compute on short posts) while keeping batches random.
        """
        order = torch.randperm(len(encoded), generator=generator).tolist()
        window = batch_size * 50
        batches: list[list[int]] = []
        for start in range(0, len(order), window):
            chunk = sorted(order[start : start + window], key=lambda i: len(encoded[i]))
            batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
        for position in torch.randperm(len(batches), generator=generator).tolist():
            yield self._collate(encoded, batches[position])

    # ----- inference -------------------------------------------------------------------------------------

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Class probabilities, shape (len(texts), len(labels)), columns in `labels` order."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logits_of = self._logits_function()
        encoded = self._encode(texts)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        probabilities = np.empty((len(encoded), len(self.labels)), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                batch = self._collate(encoded, order[start : start + batch_size])
                logits = logits_of(batch).float()
                probabilities[batch.indices] = torch.softmax(logits, dim=-1).numpy()
        return probabilities

    def _evaluate_fp32(self, texts: Sequence[str], labels: Sequence[str]) -> EvalReport:
        chosen = self.precision
        self.precision = "fp32"
        try:
            return self.evaluate(texts, labels)
        finally:
            self.precision = chosen

    def _logits_function(self) -> Callable[[_Batch], torch.Tensor]:
        """One padded batch to logits with the current backend: ONNX Runtime int8 or a torch module."""
        session = self._int8_session
        if self.precision == "int8" and session is not None:
            return lambda batch: torch.from_numpy(
                session.logits(batch.input_ids.numpy(), batch.attention_mask.numpy())
            )
        module = self._inference_module()
        device = next(module.parameters()).device
        return lambda batch: cast(
            torch.Tensor, module(batch.input_ids.to(device), batch.attention_mask.to(device))
        ).cpu()

    def _inference_module(self) -> nn.Module:
        """The fp32 module, or a bf16 copy of it built once (master weights stay fp32 for save and fit).

        A bf16 copy of the weights rather than autocast: autocast re-casts every weight on every call,
        which measured slower (bench/tone_speed.py) for the same macro-F1.
        """
        if self.precision == "fp32":
            return self._module.eval()
        if self._bf16_module is None:
            self._bf16_module = copy.deepcopy(self._module).to(torch.bfloat16).eval()
        return self._bf16_module

    def _encode(self, texts: Sequence[str]) -> list[list[int]]:
        normalized = [normalize_for_model(str(text)) for text in texts]
        encoded = self._tokenizer(normalized, truncation=True, max_length=self.max_length)
        return list(encoded["input_ids"])

    def _collate(self, encoded: list[list[int]], indices: list[int]) -> _Batch:
        """Pad a batch to its own longest text only (dynamic padding)."""
        width = max(len(encoded[i]) for i in indices)
        pad_id = self._tokenizer.pad_token_id or 0
        input_ids = torch.full((len(indices), width), pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(indices), width), dtype=torch.long)
        for row, index in enumerate(indices):
            ids = encoded[index]
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            attention_mask[row, : len(ids)] = 1
        return _Batch(indices, input_ids, attention_mask)

    def _label_ids(self, labels: Sequence[str]) -> list[int]:
        index = {label: i for i, label in enumerate(self.labels)}
        unknown = sorted({str(label) for label in labels} - index.keys())
        if unknown:
            raise ValueError(f"labels {unknown} are not in this classifier's label set {self.labels}")
        return [index[str(label)] for label in labels]


def _check_loaded(encoder: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Refuse a base checkpoint that leaves encoder weights uninitialised (a wrong or truncated folder)."""
    expected = {key for key in encoder.state_dict() if not key.endswith("position_ids")}
    missing = sorted(expected - state.keys())
    if missing:
        raise ValueError(f"base checkpoint is missing {len(missing)} encoder weights, e.g. {missing[:3]}")


def _loss(
    logits: torch.Tensor, targets: torch.Tensor, soft: torch.Tensor | None, config: TrainConfig
) -> torch.Tensor:
    """Cross-entropy with label smoothing on labelled rows (target >= 0); with a teacher, mixed with the
    cross-entropy to its softened distribution (scaled by T^2, as Hinton et al. do); unlabelled rows
    (target -1) learn from the teacher alone."""
    labelled = (targets >= 0).to(logits.dtype)
    hard = nn.functional.cross_entropy(
        logits, targets.clamp(min=0), label_smoothing=config.label_smoothing, reduction="none"
    )
    if soft is None:
        return (hard * labelled).sum() / labelled.sum().clamp(min=1.0)
    temperature = config.distill_temperature
    taught = -(soft * nn.functional.log_softmax(logits / temperature, dim=-1)).sum(dim=-1) * temperature**2
    weight = config.distill_weight
    per_row = labelled * ((1 - weight) * hard + weight * taught) + (1 - labelled) * taught
    return per_row.mean()


def _linear_schedule(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / (warmup_steps + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _format_row(row: dict[str, float]) -> str:
    return " ".join(f"{key}={value:.4g}" for key, value in row.items() if key != "epoch")
