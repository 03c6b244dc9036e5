"""Generation with the local model on 3 real accounts: checks passed, voice lift, speed.

For each account: the voice profile from its first 80% of posts; 10 topics taken from its held-out posts;
each topic written twice by the local llama.cpp server (SmolLM2-135M-Instruct), with the voice prompt
(profile habits + the account's own closest posts as earlier turns) and without it. Reports the share that
passes every check on the first try and after repair (stored drafts always pass: the rest are
regenerated), how many came out as near copies of the account's own posts, the voice-match percentile of
both kinds (near copies left out: a copy scores as the user), tokens per second and seconds per variant.
Figures go to bench/results/generation.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import openai

from api.engagement.data import export_frame
from api.generation.checks import Allowed, check
from api.generation.schemas import GenerateIn
from api.generation.service import FREQUENCY_PENALTY, TEMPERATURE, build_messages
from models.style.profile import default_embedder
from models.voice.match import VoiceProfile
from testkit.support import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results" / "generation.json"
ACCOUNTS = ("twitter_analytics_ropensci", "twitter_analytics_gerardtieng", "twitter_yumbrands")
TOPICS = 10
MAX_TOKENS = 120


def _topics(held_out: list[str]) -> list[str]:
    picked = [text for text in held_out if len(text.split()) >= 8][:: max(1, len(held_out) // (TOPICS * 2))]
    return [" ".join(text.split()[:8]) for text in picked[:TOPICS]]


def main() -> dict[str, Any]:
    if not DATASETS.is_dir():
        return {"skipped": f"{DATASETS} is not there"}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "serving.llm_server", "--port", str(port), "--parallel", "1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_ready(server, f"http://127.0.0.1:{port}", timeout=120, path="/health")
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="local", timeout=300)
        per_account = {name: _account(client, name) for name in ACCOUNTS}
    finally:
        server.terminate()
        server.wait(timeout=30)
    all_seconds = [s for v in per_account.values() for s in v.pop("_seconds")]
    all_rates = [r for v in per_account.values() for r in v.pop("_rates")]
    result = {
        "model": "SmolLM2-135M-Instruct Q4_1 via llama.cpp server (xllamacpp), 2 CPU cores",
        "per_account": per_account,
        "seconds_per_variant_median": round(statistics.median(all_seconds), 2),
        "completion_tokens_per_second_median": round(statistics.median(all_rates), 1),
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _account(client: openai.OpenAI, name: str) -> dict[str, Any]:
    texts = [
        str(t)
        for t in export_frame(sorted((DATASETS / name).glob("*.csv"))).sort_values("posted_at")["content"]
    ]
    cut = int(len(texts) * 0.8)
    own, held_out = texts[:cut][-400:], texts[cut:]
    profile = VoiceProfile(own)
    embedder = default_embedder()
    vectors = embedder.embed(own)
    habits = {
        "chars": float(np.median([len(t) for t in own])),
        "hashtags": float(np.median([t.count("#") for t in own])),
    }
    allowed = Allowed.from_texts(own, max_hashtags=int(np.ceil(habits["hashtags"])))
    user = SimpleNamespace(name=name.split("_")[-1], role=None, company=None, niche=None)
    stats: dict[str, dict[str, Any]] = {
        kind: {"first_try": 0, "after_repair": 0, "near_copies": 0, "percentiles": []}
        for kind in ("voice", "no_voice")
    }
    seconds, rates = [], []
    topics = _topics(held_out)
    for topic in topics:
        body = GenerateIn(platform="twitter", topic=topic, variants=1)
        closest = [own[i] for i in np.argsort(-(vectors @ embedder.embed([topic])[0]))[:4]]
        for kind, examples, kind_habits in (("voice", closest, habits), ("no_voice", [], {})):
            messages = build_messages(user, body, examples, None, kind_habits)  # type: ignore[arg-type]
            started = time.perf_counter()
            response = client.chat.completions.create(
                model="smollm2-135m-instruct",
                messages=messages,  # type: ignore[arg-type]
                max_tokens=MAX_TOKENS,
                temperature=TEMPERATURE,
                frequency_penalty=FREQUENCY_PENALTY,
            )
            elapsed = time.perf_counter() - started
            text = response.choices[0].message.content or ""
            tokens = response.usage.completion_tokens if response.usage else 0
            seconds.append(elapsed)
            rates.append(tokens / elapsed if elapsed else 0.0)
            raw = check(
                text,
                "twitter",
                None,
                Allowed(max_hashtags=99, hashtags=set(), mentions=set(), urls=set()),
                [],
                [],
            )
            checked = check(text, "twitter", None, allowed, own, [])
            stats[kind]["first_try"] += int(not raw.problems and not raw.repairs)
            stats[kind]["after_repair"] += int(not checked.problems)
            if any("near copy" in problem for problem in checked.problems):
                stats[kind]["near_copies"] += 1  # it would score as the user: left out
            else:
                stats[kind]["percentiles"].append(profile.match([checked.text or text])[0].percentile)
    out: dict[str, Any] = {"topics": len(topics), "_seconds": seconds, "_rates": rates}
    for kind, values in stats.items():
        out[kind] = {
            "pass_first_try_share": round(values["first_try"] / len(topics), 2),
            "pass_after_repair_share": round(values["after_repair"] / len(topics), 2),
            "near_copies_of_own_posts": values["near_copies"],
            "voice_match_percentile_median": round(float(np.median(values["percentiles"])), 1)
            if values["percentiles"]
            else None,
        }
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
