"""Serving speed: posts per second through `bentoml serve` under 8 concurrent clients, against in-process.

One run, same posts, same MLflow model: the in-process batched path (what the API does without
SERVING_URL), then a real `bentoml serve serving.services:ToneService` process hit by 8 client threads,
once with one post per request (adaptive batching has to merge them) and once with 64 posts per request
(what the API's HTTP client sends); the original per-post loop (fp32, one forward pass per post) runs in the
same repeats as the speed-up's baseline. TONE_INFERENCE_PRECISION=int8 makes both the in-process and the
served model use the int8 ONNX copy on CPUs with native bf16 too. Repeats are interleaved across paths
so load from other processes on a shared machine spreads over all of them. The server and the clients
share this machine's cores.

The model is logged to a throwaway MLflow store and imported into a throwaway Bento store, so the
benchmark neither needs nor touches the product's registry.

    python -m bench.tone_serving   # -> bench/results/tone_serving.json
"""

from __future__ import annotations

import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.tone_common import REPO, TWEETEVAL_EMOTION, TWEETEVAL_MODEL, machine, require, write_result
from models.tone.classifier import ToneClassifier
from models.tone.corpus import TONES, load_tweeteval_emotion

logger = logging.getLogger("postwright.bench")
N_POSTS = 2000
REPEATS = 3
CLIENTS = 8
REQUEST_SIZES = (1, 64)


def _posts() -> list[str]:
    """2,000 tweets: TweetEval emotion test and validation, topped up from train (as bench.tone_speed)."""
    require(TWEETEVAL_EMOTION, "TweetEval emotion")
    frame = load_tweeteval_emotion(TWEETEVAL_EMOTION)
    ordered = [frame[frame["split"] == name]["text"].tolist() for name in ("test", "validation", "train")]
    return [text for part in ordered for text in part][:N_POSTS]


def _classifier() -> tuple[ToneClassifier, str]:
    """The TweetEval reference model if bench.tone_tweeteval trained it; else the base with a fresh head.

    Speed does not depend on the head's values, so the untrained head measures the same work; the result
    records which weights were used.
    """
    if (TWEETEVAL_MODEL / "tone_classifier.json").is_file():
        return ToneClassifier.load(TWEETEVAL_MODEL, precision="fp32"), f"fine-tuned ({TWEETEVAL_MODEL.name})"
    return ToneClassifier.from_base(list(TONES)), "MiniLM-L6 base with an untrained 6-tone head"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(bento_home: Path) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    env = os.environ | {"BENTOML_HOME": str(bento_home), "BENTOML_DO_NOT_TRACK": "true"}
    service = "serving.services:ToneService"
    command = [sys.executable, "-m", "bentoml", "serve", service, "--port", str(port)]
    server = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"bentoml serve exited: {server.stderr.read() if server.stderr else ''}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return server, base_url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("bentoml serve did not become ready within 180 s")


def _served(base_url: str, request_size: int) -> Callable[[Sequence[str]], list[dict[str, Any]]]:
    """8 clients, each with its own connection, sending their share of the posts one request at a time."""

    def classify(texts: Sequence[str]) -> list[dict[str, Any]]:
        chunks = [list(texts[i : i + request_size]) for i in range(0, len(texts), request_size)]
        answers: list[list[dict[str, Any]]] = [[] for _ in chunks]

        def client_loop(worker: int) -> None:
            with httpx.Client(base_url=base_url, timeout=300) as client:
                for index in range(worker, len(chunks), CLIENTS):
                    response = client.post("/classify", json={"texts": chunks[index]})
                    response.raise_for_status()
                    answers[index] = list(response.json())

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            list(pool.map(client_loop, range(CLIENTS)))
        return [result for answer in answers for result in answer]

    return classify


def main() -> dict[str, Any]:
    """Time the in-process path and the served paths on the same posts; check they agree."""
    from ml.tone import frame_to_results, texts_to_frame
    from testkit.support import isolated_bento_store, publish_champion, throwaway_mlflow

    posts = _posts()
    classifier, weights = _classifier()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-tone-serving-") as folder:
        root = Path(folder)
        with throwaway_mlflow(root / "mlflow"), isolated_bento_store(root / "bento") as bento_home:
            version = publish_champion(classifier, posts[:3])
            import mlflow.pyfunc

            model = mlflow.pyfunc.load_model(f"models:/tone-classifier/{version}")
            backend = str(model.unwrap_python_model().classifier.backend)
            paths: dict[str, Callable[[Sequence[str]], Sequence[Any]]] = {
                "in_process_batched": lambda texts: frame_to_results(model.predict(texts_to_frame(texts))),
                "per_post_loop_fp32": _per_post_loop(classifier),
            }
            server, base_url = _start_server(bento_home)
            try:
                for size in REQUEST_SIZES:
                    paths[f"bentoml_{CLIENTS}_clients_{size}_per_request"] = _served(base_url, size)
                result = _measure(paths, posts)
            finally:
                server.terminate()
                server.wait(timeout=60)
    result.update(
        {
            "posts": len(posts),
            "posts_source": "TweetEval emotion test + validation + first train tweets",
            "weights": weights,
            # Both paths load the logged model with precision "auto": bf16 on CPUs with native bf16,
            # otherwise the int8 ONNX copy logged with it (the in-process backend is the served one).
            "inference_backend": backend,
            "clients": CLIENTS,
            "repeats": REPEATS,
            "machine": machine()
            | {
                "note": "server and clients share the same cores",
                # Other processes' load skews the ratios; compare runs made under similar load only.
                "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            },
        }
    )
    write_result("tone_serving", result)
    return result


def _per_post_loop(classifier: ToneClassifier) -> Callable[[Sequence[str]], list[dict[str, Any]]]:
    """The original design (one tokenizer call and fp32 forward pass per post), the speed-up's baseline."""
    from bench.tone_speed import per_post_loop

    predict = per_post_loop(classifier)

    def classify(texts: Sequence[str]) -> list[dict[str, Any]]:
        return [{"label": classifier.labels[int(row.argmax())]} for row in predict(texts)]

    return classify


def _measure(paths: dict[str, Callable[[Sequence[str]], Sequence[Any]]], posts: list[str]) -> dict[str, Any]:
    answers = {name: classify(posts[:64]) for name, classify in paths.items()}  # warm-up
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for repeat in range(REPEATS):
        for name, classify in paths.items():
            started = time.perf_counter()
            answers[name] = classify(posts)
            rates[name].append(len(posts) / (time.perf_counter() - started))
            logger.info("repeat %d %s: %.1f posts/s", repeat + 1, name, rates[name][-1])
    reference = answers["in_process_batched"]
    baseline = statistics.median(rates["in_process_batched"])
    per_post = statistics.median(rates["per_post_loop_fp32"])
    summary = {}
    for name in paths:
        median = statistics.median(rates[name])
        same = sum(a["label"] == b["label"] for a, b in zip(answers[name], reference, strict=True))
        summary[name] = {
            "posts_per_s_median": round(median, 1),
            "posts_per_s_repeats": [round(rate, 1) for rate in rates[name]],
            "ratio_to_in_process": round(median / baseline, 2),
            "speedup_vs_per_post_loop": round(median / per_post, 2),
            "label_agreement_with_in_process": round(same / len(reference), 4),
        }
    return {"paths": summary}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(json.dumps(main(), indent=2))
