"""The local LLM's completion time while other work holds the cores, for its thread settings.

On a machine where the LLM shares the cores with the API, the model services and the trainings, llama.cpp's
decoding threads meet at a spinning barrier after every operation of every token: when one of them is
descheduled (another process took its core), the others spin until it runs again, a scheduler time slice
per barrier. One completion then takes tens of seconds, or minutes, instead of one.

For each thread setting (decoding / prompt threads of `serving.llm_server`: the product's default, and the
others named in `LLM_CONTENTION_SETTINGS`, e.g. `2/2,1/2`), a server over the packaged SmolLM2 answers
`LLM_CONTENTION_REQUESTS` X posts (the service's prompt and grammar, four of rOpenSci's posts as the
examples, one topic each, a user's pause of 2 s between requests) in three scenarios:
- `quiet`: nothing else running;
- `busy_normal`: a one-thread CPU-bound process at normal priority in a session of its own (what the tone
  service analysing an import, or the first-model bootstrap, is to the LLM);
- `busy_idle`: two CPU-bound threads at SCHED_IDLE in a session of its own (what a flow run's fine-tune is).
Seconds a completion (median, 90th percentile, maximum) and completion tokens a second (median), into
bench/results/llm_contention.json.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openai

from api.generation.grammar import entity_grammar
from api.generation.schemas import GenerateIn
from api.generation.service import build_messages, example_for_prompt, habits_of, max_tokens
from api.platforms import registry
from bench.generation import DATASETS, LLM_MAX_TOKENS, LOCAL_MODEL, _split, _topics
from bench.generation import _complete as complete
from serving.llm_server import default_threads
from testkit.support import free_port, wait_ready

logger = logging.getLogger("bench.llm_contention")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "llm_contention.json"
ACCOUNT = "twitter_analytics_ropensci"
TIMEOUT = 120.0  # a completion slower than this is given up and counts as this many seconds
_BUSY = "import time\nwhile True:\n    sum(i * i for i in range(10_000))\n"


def _idle() -> None:
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


@contextlib.contextmanager
def _competitor(scenario: str) -> Iterator[None]:
    """CPU-bound processes in a session of their own for the scenario (none when quiet)."""
    count, preexec = {"quiet": (0, None), "busy_normal": (1, None), "busy_idle": (2, _idle)}[scenario]
    processes = [
        subprocess.Popen([sys.executable, "-c", _BUSY], start_new_session=True, preexec_fn=preexec)
        for _ in range(count)
    ]
    try:
        time.sleep(2.0 if processes else 0.0)
        yield
    finally:
        for process in processes:
            process.kill()
            process.wait()


def _requests(count: int) -> list[tuple[list[dict[str, str]], int, str | None]]:
    posts, held_out, _ = _split(ACCOUNT)
    plugin = registry.get("twitter")
    habits = habits_of(posts)
    examples = [text for text in map(example_for_prompt, posts[-40:]) if text][-4:]
    user: Any = type("User", (), {"name": "rOpenSci", "role": None, "company": None, "niche": None})()
    budget = max_tokens(plugin, False, LLM_MAX_TOKENS)
    requests: list[tuple[list[dict[str, str]], int, str | None]] = []
    for topic in _topics(held_out, count):
        body = GenerateIn(platform="twitter", topic=topic, variants=1)
        messages = build_messages(user, body, examples, None, habits)
        requests.append((messages, budget, entity_grammar(posts, [topic], 0)))
    return requests


def _setting(threads: int, batch: int, scenarios: tuple[str, ...], count: int) -> dict[str, Any]:
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="llm-contention-", suffix=".log")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "serving.llm_server", "--port", str(port),
         "--threads", str(threads), "--threads-batch", str(batch)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )  # fmt: skip
    figures: dict[str, Any] = {}
    try:
        wait_ready(server, f"http://127.0.0.1:{port}", timeout=120, path="/health")
        client = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key="local", timeout=TIMEOUT, max_retries=0
        )
        requests = _requests(count)
        _complete(client, *requests[0])  # the first completion loads the model's pages
        for scenario in scenarios:
            seconds, tokens = [], []
            with _competitor(scenario):
                for messages, budget, grammar in requests:
                    time.sleep(2.0)  # a person between two requests: the LLM's threads go to sleep
                    elapsed, written = _complete(client, messages, budget, grammar)
                    seconds.append(elapsed)
                    tokens.append(written)
            figures[scenario] = {
                "median": round(statistics.median(seconds), 2),
                "p90": round(float(np.quantile(seconds, 0.9)), 2),
                "max": round(max(seconds), 2),
                "seconds": [round(value, 2) for value in seconds],
                "completion_tokens": tokens,
                "tokens_per_second_median": round(
                    statistics.median(
                        count / elapsed for count, elapsed in zip(tokens, seconds, strict=True)
                    ),
                    1,
                ),
            }
            logger.info("threads %d/%d, %s: %s", threads, batch, scenario, figures[scenario])
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures


def _complete(
    client: openai.OpenAI, messages: list[dict[str, str]], budget: int, grammar: str | None
) -> tuple[float, int]:
    """Seconds for one completion and the tokens it wrote (a timeout: TIMEOUT seconds, no tokens)."""
    try:
        _, tokens, seconds, _ = complete(client, LOCAL_MODEL, messages, budget, grammar)
    except openai.APITimeoutError:
        return TIMEOUT, 0
    return seconds, tokens


def main() -> dict[str, Any]:
    if not DATASETS.is_dir():
        return {"skipped": f"{DATASETS} is not there"}
    cores = os.cpu_count() or 1
    default = (default_threads(cores), default_threads(cores))
    named = [
        tuple(int(part) for part in item.split("/"))
        for item in (os.environ.get("LLM_CONTENTION_SETTINGS") or f"{cores}/{cores}").split(",")
        if item.strip()
    ]
    settings = list(dict.fromkeys([default, *named]))
    count = int(os.environ.get("LLM_CONTENTION_REQUESTS") or 8)
    scenarios = ("quiet", "busy_normal", "busy_idle")
    result: dict[str, Any] = {
        "cores": cores,
        "requests_per_scenario": count,
        "default": f"{default[0]}/{default[1]}",
        "settings": {
            f"{threads}/{batch}": _setting(threads, batch, scenarios, count) for threads, batch in settings
        },
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result
