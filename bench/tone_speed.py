"""Inference speed: posts per second classifying 2,000 posts, per path, in one run, medians of repeats.

Paths: the original design's loop (one tokenizer call and one forward pass per post, `padding=True`), the
batched torch fp32 path (length-sorted batches, dynamic padding, `torch.inference_mode()`), torch bf16
where the CPU has native bf16 units, and ONNX Runtime one lever at a time (`LEVERS`): fp32 without and
with ONNX Runtime's BERT fusions, int8 MatMul-only per channel without fusions (the previous product), and
fused graphs quantized per tensor, per channel (attention per tensor: the product, or per channel) and
with reduced range. The product's copy (what `ToneClassifier.load` serves with on CPUs without native
bf16, and anywhere with TONE_INFERENCE_PRECISION=int8) also runs unbucketed (batches in input order,
padded to their longest post), with ONNX Runtime's own thread defaults, at other batch sizes and with one
post per call.
Each path's macro-F1 on the TweetEval emotion test split shows what it costs in quality, with its label
agreement with batched fp32; a batch-invariance check compares batched scores with one-post-at-a-time
scores (int8 activations are quantized per call, so a post's scores move a little with its batch).
Repeats are interleaved across paths so that load from other processes on a shared machine spreads over
all paths alike. BENCH_TONE_MODEL points it at another saved TweetEval model; BENCH_REPEATS sets repeats.

    python -m bench.tone_speed   # -> bench/results/tone_speed.json
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.tone_common import TWEETEVAL_EMOTION, TWEETEVAL_MODEL, machine, require, write_result
from models.tone import onnx_int8
from models.tone.classifier import ToneClassifier
from models.tone.corpus import load_tweeteval_emotion
from models.tone.inference import cpu_supports_bf16, report_for
from models.tone.text import normalize_for_model

logger = logging.getLogger("postwright.bench")
N_POSTS = 2000
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
BATCH_SIZE = 64
INVARIANCE_POSTS = 200

Predict = Callable[[Sequence[str]], np.ndarray]


def per_post_loop(classifier: ToneClassifier) -> Predict:
    """The original design: tokenizer and forward pass once per post, fp32."""
    tokenizer, module = classifier._tokenizer, classifier._module.eval()

    def predict(texts: Sequence[str]) -> np.ndarray:
        rows = []
        with torch.inference_mode():
            for text in texts:
                encoded = tokenizer(
                    [normalize_for_model(text)],
                    padding=True,
                    truncation=True,
                    max_length=classifier.max_length,
                    return_tensors="pt",
                )
                logits = module(encoded["input_ids"], encoded["attention_mask"])
                rows.append(torch.softmax(logits.float(), dim=-1).numpy())
        return np.vstack(rows)

    return predict


def batched(classifier: ToneClassifier, precision: str) -> Predict:
    """The product path at a given precision."""

    def predict(texts: Sequence[str]) -> np.ndarray:
        classifier.set_precision(precision)  # type: ignore[arg-type]
        return classifier.predict_proba(texts, batch_size=BATCH_SIZE)

    return predict


def onnx_path(
    classifier: ToneClassifier, model_file: Any, bucketed: bool = True, batch_size: int = BATCH_SIZE
) -> Predict:
    """ONNX Runtime over one exported file (the session object the product uses, or ORT's defaults).

    Without bucketing, batches keep the input order and pad to their own longest post.
    """
    session = model_file
    if not isinstance(session, onnx_int8.OnnxSession):
        session = onnx_int8.OnnxSession(model_file, thread_settings=False)
    runner = ToneClassifier(
        classifier._module,
        classifier._tokenizer,
        classifier.labels,
        classifier.max_length,
        precision="int8",
        int8_session=session,
    )
    if bucketed:
        return lambda texts: runner.predict_proba(texts, batch_size=batch_size)

    def unsorted(texts: Sequence[str]) -> np.ndarray:
        encoded = runner._encode(texts)
        rows = []
        for start in range(0, len(encoded), batch_size):
            batch = runner._collate(encoded, list(range(start, min(start + batch_size, len(encoded)))))
            logits = session.logits(batch.input_ids.numpy(), batch.attention_mask.numpy())
            rows.append(torch.softmax(torch.from_numpy(logits).float(), dim=-1).numpy())
        return np.vstack(rows)

    return unsorted


def _batch_invariance(predict: Predict, texts: list[str]) -> dict[str, float]:
    """How much a post's scores depend on the other posts of its batch: batched vs one post at a time."""
    together = predict(texts)
    alone = np.vstack([predict([text]) for text in texts])
    return {
        "batch_vs_alone_max_abs_prob_diff": round(float(np.abs(together - alone).max()), 5),
        "batch_vs_alone_label_changes": int((together.argmax(axis=1) != alone.argmax(axis=1)).sum()),
    }


def _posts(frame: Any) -> list[str]:
    """2,000 tweets: the whole test and validation splits, topped up from train."""
    ordered = [frame[frame["split"] == name]["text"].tolist() for name in ("test", "validation", "train")]
    return [text for part in ordered for text in part][:N_POSTS]


def _model() -> ToneClassifier:
    if not (TWEETEVAL_MODEL / "tone_classifier.json").is_file():
        logger.info("no trained TweetEval model at %s: training it (bench.tone_tweeteval)", TWEETEVAL_MODEL)
        from bench.tone_tweeteval import train_reference_model

        train_reference_model()
    # `load` (re)builds the int8 copy when it is missing or of another recipe, as the service does.
    return ToneClassifier.load(TWEETEVAL_MODEL, precision="int8")


# One lever at a time: ONNX graphs built from the same fp32 module, run with the product's session
# settings and length-bucketed batches of BATCH_SIZE. The product's recipe is `onnx_int8.RECIPE`.
LEVERS: dict[str, onnx_int8.Recipe] = {
    "onnx_fp32_unfused": onnx_int8.Recipe(fuse=False, quantize="none"),
    "onnx_fp32_fused": onnx_int8.Recipe(quantize="none"),
    "onnx_int8_unfused_matmul_per_channel": onnx_int8.UNFUSED_RECIPE,
    "onnx_int8_fused_matmul_per_channel": onnx_int8.Recipe(quantize="matmul"),
    "onnx_int8_fused_matmul_attention_per_tensor": onnx_int8.Recipe(per_channel=False),
    "onnx_int8_fused_matmul_attention_per_channel": onnx_int8.Recipe(attention_per_channel=True),
    "onnx_int8_fused_reduce_range": onnx_int8.Recipe(reduce_range=True),
}
PRODUCT_BATCH_SIZES = (16, 32, 128)


def main() -> dict[str, Any]:
    """Time every path on the same 2,000 posts and score each on the labelled test split."""
    require(TWEETEVAL_EMOTION, "TweetEval emotion")
    frame = load_tweeteval_emotion(TWEETEVAL_EMOTION)
    posts = _posts(frame)
    test = frame[frame["split"] == "test"]
    product = _model()
    assert product.backend == "onnxruntime-int8", product.backend
    product_session = product._int8_session
    assert product_session is not None
    product.set_precision("fp32")
    classifier = product
    scratch = tempfile.TemporaryDirectory(prefix="tone-speed-")
    folder = Path(scratch.name)
    paths: dict[str, Predict] = {"per_post_loop_fp32": per_post_loop(classifier)}
    paths["batched_fp32"] = batched(classifier, "fp32")
    if cpu_supports_bf16():
        paths["batched_bf16"] = batched(classifier, "bf16")
    for name, recipe in LEVERS.items():
        built = onnx_int8.build(classifier._module, folder / f"{name}.onnx", recipe)
        paths[name] = onnx_path(classifier, onnx_int8.OnnxSession(built))
    paths["onnx_int8_product"] = onnx_path(classifier, product_session)
    paths["onnx_int8_product_unbucketed"] = onnx_path(classifier, product_session, bucketed=False)
    paths["onnx_int8_product_ort_default_threads"] = onnx_path(classifier, product_session.path)
    for size in PRODUCT_BATCH_SIZES:
        paths[f"onnx_int8_product_batch_{size}"] = onnx_path(classifier, product_session, batch_size=size)
    paths["onnx_int8_product_one_post_per_call"] = onnx_path(classifier, product_session, batch_size=1)
    for predict in paths.values():  # warm-up: first-call allocations and kernel selection
        predict(posts[:64])

    rates: dict[str, list[float]] = {name: [] for name in paths}
    for repeat in range(REPEATS):
        for name, predict in paths.items():
            started = time.perf_counter()
            predict(posts)
            rates[name].append(len(posts) / (time.perf_counter() - started))
            logger.info("repeat %d %s: %.1f posts/s", repeat + 1, name, rates[name][-1])

    baseline = statistics.median(rates["per_post_loop_fp32"])
    reference = paths["batched_fp32"](test["text"].tolist())
    summary = {}
    for name, predict in paths.items():
        probabilities = predict(test["text"].tolist())
        predicted = [classifier.labels[i] for i in probabilities.argmax(axis=1)]
        report = report_for(classifier.labels, test["label"].tolist(), predicted)
        median = statistics.median(rates[name])
        summary[name] = {
            "posts_per_s_median": round(median, 1),
            "posts_per_s_repeats": [round(rate, 1) for rate in rates[name]],
            "speedup_vs_per_post_loop": round(median / baseline, 2),
            "test_macro_f1": round(100 * report.macro_f1, 2),
            "label_agreement_vs_batched_fp32": round(
                float((probabilities.argmax(axis=1) == reference.argmax(axis=1)).mean()), 4
            ),
            "max_abs_prob_diff_vs_batched_fp32": round(float(np.abs(probabilities - reference).max()), 4),
        }
    for name, predict in paths.items():
        summary[name].update(_batch_invariance(predict, test["text"].tolist()[:INVARIANCE_POSTS]))
    fp32_f1 = summary["batched_fp32"]["test_macro_f1"]
    for row in summary.values():
        row["macro_f1_delta_vs_fp32"] = round(row["test_macro_f1"] - fp32_f1, 2)
    result = {
        "posts": len(posts),
        "posts_source": "TweetEval emotion test + validation + first train tweets",
        "repeats": REPEATS,
        "batch_size": BATCH_SIZE,
        "max_length": classifier.max_length,
        "quality_set": f"TweetEval emotion test split ({len(test)} tweets)",
        "weights": {
            "folder": TWEETEVAL_MODEL.name,
            "train_config": classifier.train_config.model_dump() if classifier.train_config else None,
        },
        "product_backend_without_native_bf16": "onnx_int8_product",
        "onnx": {
            "exporter": f"torch.onnx.export(dynamo=False, eager attention), opset {onnx_int8.OPSET}",
            "product_recipe": onnx_int8.RECIPE.label(),
            "levers": {name: recipe.label() for name, recipe in LEVERS.items()},
            "quantization": "onnxruntime quantize_dynamic, QInt8 weights, activations quantized per call",
            "session": "ORT_ENABLE_ALL, intra-op threads = torch threads, inter-op 1, sequential",
            "onnxruntime": _onnxruntime_version(),
        },
        "paths": summary,
        "machine": machine(),
    }
    write_result("tone_speed", result)
    scratch.cleanup()
    return result


def _onnxruntime_version() -> str:
    import onnxruntime

    return str(onnxruntime.__version__)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(json.dumps(main(), indent=2))
