"""Inference speed: posts per second classifying 2,000 posts, per path, in one run, medians of repeats.

Paths: the original design's loop (one tokenizer call and one forward pass per post, `padding=True`), the
batched fp32 path (length-sorted batches, dynamic padding, `torch.inference_mode()`), the batched bf16
path where the CPU has native bf16 units (the product's bf16 copy of the weights, and fp32 weights under
bf16 autocast for comparison), and int8 dynamic quantization of the linear layers, per tensor and per
channel (measured to show the trade-off, not used by the product: activations are quantized per batch, so
a post's scores depend on the posts batched with it). Each path's macro-F1 on the TweetEval emotion test
split shows what the faster paths cost in quality, and a batch-invariance check compares batched scores
with one-post-at-a-time scores.
Repeats are interleaved across paths so that load from other processes on a shared machine spreads over
all paths alike.

    python -m bench.tone_speed   # -> bench/results/tone_speed.json
"""

from __future__ import annotations

import copy
import json
import logging
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from bench.tone_common import TWEETEVAL_EMOTION, TWEETEVAL_MODEL, machine, require, write_result
from models.tone.classifier import ToneClassifier, _report, cpu_supports_bf16
from models.tone.corpus import load_tweeteval_emotion
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


def bf16_autocast(classifier: ToneClassifier) -> Predict:
    """fp32 weights with matmuls autocast to bf16: the alternative to the product's bf16 weight copy."""

    def predict(texts: Sequence[str]) -> np.ndarray:
        classifier.set_precision("fp32")
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return classifier.predict_proba(texts, batch_size=BATCH_SIZE)

    return predict


def int8_dynamic(classifier: ToneClassifier, per_channel: bool) -> Predict:
    """Linear layers with int8 weights (per tensor or per output channel) and activations quantized per
    batch at run time (fbgemm); everything else stays fp32."""
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    spec: Any = {torch.nn.Linear: per_channel_dynamic_qconfig} if per_channel else {torch.nn.Linear}
    module = quantize_dynamic(copy.deepcopy(classifier._module), spec, dtype=torch.qint8)
    quantized = ToneClassifier(module, classifier._tokenizer, classifier.labels, classifier.max_length)

    def predict(texts: Sequence[str]) -> np.ndarray:
        return quantized.predict_proba(texts, batch_size=BATCH_SIZE)

    return predict


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
    return ToneClassifier.load(TWEETEVAL_MODEL, precision="fp32")


def main() -> dict[str, Any]:
    """Time every path on the same 2,000 posts and score each on the labelled test split."""
    require(TWEETEVAL_EMOTION, "TweetEval emotion")
    frame = load_tweeteval_emotion(TWEETEVAL_EMOTION)
    posts = _posts(frame)
    test = frame[frame["split"] == "test"]
    classifier = _model()
    paths: dict[str, Predict] = {"per_post_loop_fp32": per_post_loop(classifier)}
    paths["batched_fp32"] = batched(classifier, "fp32")
    if cpu_supports_bf16():
        paths["batched_bf16"] = batched(classifier, "bf16")
        paths["batched_bf16_autocast"] = bf16_autocast(classifier)
    paths["batched_int8_dynamic_per_tensor"] = int8_dynamic(classifier, per_channel=False)
    paths["batched_int8_dynamic_per_channel"] = int8_dynamic(classifier, per_channel=True)
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
    summary = {}
    for name, predict in paths.items():
        probabilities = predict(test["text"].tolist())
        predicted = [classifier.labels[i] for i in probabilities.argmax(axis=1)]
        report = _report(classifier.labels, test["label"].tolist(), predicted)
        median = statistics.median(rates[name])
        summary[name] = {
            "posts_per_s_median": round(median, 1),
            "posts_per_s_repeats": [round(rate, 1) for rate in rates[name]],
            "speedup_vs_per_post_loop": round(median / baseline, 2),
            "test_macro_f1": round(100 * report.macro_f1, 2),
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
        "paths": summary,
        "machine": machine(),
    }
    write_result("tone_speed", result)
    return result


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(json.dumps(main(), indent=2))
