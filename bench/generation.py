"""Generation on real accounts: checks passed on the first try, what each check refuses, lengths against the
platform's limit, voice lift and speed, for the local model or any OpenAI-compatible endpoint.

For each account: the voice profile from its first 80% of posts (the last 400 of them); `TOPICS` topics taken
from its held-out posts (their first eight words); each topic written as the service writes it (the prompt of
`build_messages` with the account's closest posts as earlier turns and its median length, `max_tokens`
bound by the platform, the checks and repairs of `checks.check`, up to `TRIES_PER_VARIANT` tries), and once
without the voice (no examples, no habits) for contrast. The accounts: three X accounts, a LinkedIn
creator, and that LinkedIn creator asked for X posts (no X history: the case where the local model once
stored `#Mentoring#HackingItArses`; shown, as the service shows it, the opening sentences of its LinkedIn
posts that fit the asked length).

Per account and kind, and in total:
- `pass_first_try_share`: the first answer passes every check with no repair at all (any hashtag, mention or
  link counts as repaired, as on main before aim 4); `pass_after_repair_share`: the first answer is stored
  as it is or after repairs (the service's "first try"); `pass_first_try_checks_share`: the first answer
  passes every check of the service as it is (the user's own hashtags and mentions allowed) with no repair;
  `pass_within_tries_share` and `tries_mean` (voice): stored within the service's tries;
- `repaired`: how many first answers each repair changed (`preamble`, `quotes`, `link`, `mention`,
  `hashtag`, `cut_at_sentence`: stopped at the token limit and cut at its last whole sentence);
- `refused`: how many first answers each check refused (`tags_only`: only hashtags, mentions or links;
  `unsupported_names` and `unsupported_quotes`: names and attributed quotations the user did not give;
  `too_long`, `machine_tell`, `near_copy`, `degenerate`, `empty`; the answers the new checks refused are
  logged, not written: they echo the accounts' handles);
- `length`: the first answers' length as the platform counts it (X: weighted characters) before any repair,
  median, 90th percentile and maximum, the share over the platform's limit and the share stopped at
  `max_tokens`, the stored texts' median, and the characters per completion token the model wrote;
- `seconds_per_variant` (median and 90th percentile of one completion) and completion tokens per second;
- `voice_match_percentile_median` of the first answers (near copies of the account's own posts left out: a
  copy scores as the user), the percentile among the account's held-out posts on the voice-match scorer the
  prompt was tuned with (models/voice: sentence embeddings and style features);
- `judge_percentile_median` (first answers, near copies left out) and `judge_percentile_median_stored`
  (the texts the service would store): the percentile among the account's held-out posts on a separate
  authorship classifier trained for this benchmark alone (`Judge`: TF-IDF of character 2-5-grams and a
  logistic regression, the account's profile posts against the other shipped accounts' posts on the same
  platform; its AUC on held-out posts is reported). 50: as much like the account as its typical post;
- `own_posts_refused`: the share of the account's own held-out posts that the new checks would refuse (with
  their first eight words as the topic): how strict the checks are on text a person wrote.

Settings (environment): `GENERATION_BENCH_BASE_URL` (an OpenAI-compatible endpoint's `/v1`; unset: the
packaged SmolLM2-135M-Instruct on a llama.cpp server started here), `GENERATION_BENCH_MODEL` (the model name
sent), `GENERATION_BENCH_API_KEY`, `GENERATION_BENCH_TOPICS` (topics per account, default 10),
`GENERATION_BENCH_GRAMMAR` (`true`: send the service's llama.cpp grammar, as `LLM_GRAMMAR` does; default
true for the packaged model, false for another endpoint), `GENERATION_BENCH_RESULTS` (the figures' file;
default `bench/results/generation.json` for the local model, `bench/results/generation-<model>.json` for
another endpoint).
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import openai
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline

from api.engagement.data import export_frame
from api.generation.checks import Allowed, check, tags_only, unsupported_claims
from api.generation.grammar import entity_grammar
from api.generation.schemas import GenerateIn
from api.generation.service import (
    EXAMPLES,
    FREQUENCY_PENALTY,
    TEMPERATURE,
    TRIES_PER_VARIANT,
    asked_length,
    borrowed_example,
    build_messages,
    example_for_prompt,
    habits_of,
    max_tokens,
)
from api.platforms import registry
from models.style.embedder import default_embedder
from models.voice.match import MIN_POSTS, VoiceProfile
from testkit.support import free_port, wait_ready

logger = logging.getLogger("bench.generation")
ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results" / "generation.json"
LOCAL_MODEL = "smollm2-135m-instruct"
# (dataset folder, the platform asked for); the history is the folder's own platform.
ACCOUNTS = (
    ("twitter_analytics_ropensci", "twitter"),
    ("twitter_analytics_gerardtieng", "twitter"),
    ("twitter_yumbrands", "twitter"),
    ("linkedin_creator_mafreeman2", "linkedin"),
    ("linkedin_creator_mafreeman2", "twitter"),
)
LLM_MAX_TOKENS = 300  # the product's default LLM_MAX_TOKENS
# The judge's negatives: every shipped account's posts on the platform but the judged account's.
PLATFORM_FOLDERS = {
    "twitter": ("twitter_analytics_ropensci", "twitter_analytics_gerardtieng", "twitter_yumbrands",
                "twitter_analytics_wearerladies"),
    "linkedin": ("linkedin_creator_mafreeman2", "linkedin_influencers_annotated", "linkedin_trendpilot"),
}  # fmt: skip
JUDGE_NEGATIVES = 3000  # at most, drawn with a fixed seed
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
NEW_CHECKS = ("tags_only", "unsupported_names", "unsupported_quotes")


_REPAIRS = (
    ("preamble", "preamble"), ("quotes around", "quotes"), ("link", "link"), ("@mention", "mention"),
    ("hashtag", "hashtag"), ("cut at", "cut_at_sentence"), ("thread", "thread"),
)  # fmt: skip


def _repair_kind(repair: str) -> str:
    """Which repair a repair message names."""
    return next((kind for words, kind in _REPAIRS if words in repair), "other")


def _kind(problem: str) -> str:
    """Which check a problem message comes from."""
    for prefix, kind in (("only hashtags", "tags_only"), ("names ", "unsupported_names"),
                         ("quotes ", "unsupported_quotes")):  # fmt: skip
        if problem.startswith(prefix):
            return kind
    others = (
        ("machine-written", "machine_tell"), ("near copy", "near_copy"), ("another variant", "too_similar"),
        ("repeats", "degenerate"), ("has no words", "degenerate"), ("empty", "empty"), ("allows", "too_long"),
    )  # fmt: skip
    for words, kind in others:
        if words in problem:
            return kind
    return "other"


@dataclass
class Tally:
    """What the tries of one kind on one account came to."""

    topics: int = 0
    first_unrepaired: int = 0
    first_clean: int = 0
    first_stored: int = 0
    within_tries: int = 0
    tries: list[int] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)
    lengths: list[int] = field(default_factory=list)
    stored_lengths: list[int] = field(default_factory=list)
    over_limit: int = 0
    truncated: int = 0
    chars: int = 0
    completion_tokens: int = 0
    seconds: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    near_copies: int = 0
    percentiles: list[float] = field(default_factory=list)
    judged: list[float] = field(default_factory=list)
    judged_stored: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(value, int):
                setattr(self, name, mine + value)
            elif isinstance(value, list):
                mine.extend(value)
            else:
                for key, item in value.items():
                    mine[key] = mine.get(key, 0) + item

    def figures(self, limit: int, tries: bool) -> dict[str, Any]:
        share = _share(self.topics)
        out: dict[str, Any] = {
            "topics": self.topics,
            "pass_first_try_share": share(self.first_unrepaired),
            "pass_first_try_checks_share": share(self.first_clean),
            "pass_after_repair_share": share(self.first_stored),
        }
        if tries:
            out["pass_within_tries_share"] = share(self.within_tries)
            out["tries_mean"] = round(statistics.mean(self.tries), 2) if self.tries else None
        out["repaired"] = {
            kind: {"count": count, "share": share(count)} for kind, count in sorted(self.repaired.items())
        }
        out["refused"] = {
            kind: {"count": count, "share": share(count)} for kind, count in sorted(self.refused.items())
        }
        for kind in NEW_CHECKS:
            out["refused"].setdefault(kind, {"count": 0, "share": 0.0})
        out["length"] = {
            "limit": limit,
            "median": _quantile(self.lengths, 0.5),
            "p90": _quantile(self.lengths, 0.9),
            "max": max(self.lengths, default=None),
            "over_limit_share": share(self.over_limit),
            "stopped_at_max_tokens_share": share(self.truncated),
            "stored_median": _quantile(self.stored_lengths, 0.5),
            "chars_per_completion_token": round(self.chars / self.completion_tokens, 2)
            if self.completion_tokens
            else None,
        }
        out["seconds_per_variant"] = {
            "median": _quantile(self.seconds, 0.5, 2),
            "p90": _quantile(self.seconds, 0.9, 2),
        }
        out["completion_tokens_per_second_median"] = _quantile(self.rates, 0.5, 1)
        out["near_copies_of_own_posts"] = self.near_copies
        out["voice_match_percentile_median"] = _quantile(self.percentiles, 0.5, 1)
        out["judge_percentile_median"] = _quantile(self.judged, 0.5, 1)
        out["judge_percentile_median_stored"] = _quantile(self.judged_stored, 0.5, 1)
        return out


def _split(folder: str) -> tuple[list[str], list[str], str]:
    """An account's posts, oldest first, cut 80/20 in time: (the profile's posts, the held-out posts, its
    platform); the profile keeps the last 400 before the cut."""
    frame = export_frame(sorted((DATASETS / folder).glob("*.csv"))).sort_values("posted_at")
    texts = [str(t) for t in frame["content"]]
    cut = int(len(texts) * 0.8)
    return texts[:cut][-400:], texts[cut:], str(frame["platform"].iloc[0])


class Judge:
    """A separate authorship classifier, for this benchmark alone: TF-IDF of character 2-5-grams (within word
    boundaries, 50,000 features) and a balanced logistic regression; the account's profile posts against the
    other shipped accounts' profile posts on the same platform. A text's percentile: the share of the
    account's held-out posts it scores above (ties count half). Links are taken out of every text it reads
    (the checks take them out of generated posts: a judge reading t.co links would tell the two apart by
    them)."""

    def __init__(self, folder: str, posts: list[str], held_out: list[str], platform: str) -> None:
        others, others_held = [], []
        for other in PLATFORM_FOLDERS[platform]:
            if other != folder:
                train, held, _ = _split(other)
                others += train
                others_held += held
        rng = np.random.default_rng(0)
        negatives = [others[i] for i in rng.permutation(len(others))[:JUDGE_NEGATIVES]]
        self.model: Pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), max_features=50_000, sublinear_tf=True),
            LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0),
        )
        texts = [_LINK.sub(" ", text) for text in posts + negatives]
        self.model.fit(texts, [1] * len(posts) + [0] * len(negatives))
        self.reference = np.sort(self.score(held_out))
        held_negatives = [others_held[i] for i in rng.permutation(len(others_held))[:JUDGE_NEGATIVES]]
        self.auc = float(
            roc_auc_score(
                [1] * len(held_out) + [0] * len(held_negatives), self.score(held_out + held_negatives)
            )
        )

    def score(self, texts: list[str]) -> Any:
        return self.model.predict_proba([_LINK.sub(" ", text) for text in texts])[:, 1]

    def percentile(self, text: str) -> float:
        value = float(self.score([text])[0])
        below = np.searchsorted(self.reference, value, side="left")
        at_most = np.searchsorted(self.reference, value, side="right")
        return round(100 * (below + at_most) / 2 / len(self.reference), 1)


def _share(total: int) -> Any:
    return lambda count: round(count / total, 2) if total else None


def _quantile(values: list[float] | list[int], q: float, digits: int = 0) -> float | None:
    if not values:
        return None
    value = float(np.quantile(values, q))
    return round(value, digits) if digits else round(value)


def _topics(held_out: list[str], count: int) -> list[str]:
    picked = [text for text in held_out if len(text.split()) >= 8][:: max(1, len(held_out) // (count * 2))]
    return [" ".join(text.split()[:8]) for text in picked[:count]]


def _endpoint() -> tuple[str | None, str, str]:
    return (
        os.environ.get("GENERATION_BENCH_BASE_URL") or None,
        os.environ.get("GENERATION_BENCH_MODEL") or LOCAL_MODEL,
        os.environ.get("GENERATION_BENCH_API_KEY") or "local",
    )


def main() -> dict[str, Any]:
    if not DATASETS.is_dir():
        return {"skipped": f"{DATASETS} is not there"}
    base_url, model, api_key = _endpoint()
    topics = int(os.environ.get("GENERATION_BENCH_TOPICS") or 10)
    # The grammar goes to a llama.cpp server (the packaged one by default), as LLM_GRAMMAR has the service do.
    grammar = os.environ.get("GENERATION_BENCH_GRAMMAR", "true" if base_url is None else "false") == "true"
    default_results = RESULTS if base_url is None else RESULTS.with_name(f"generation-{_slug(model)}.json")
    results = Path(os.environ.get("GENERATION_BENCH_RESULTS") or default_results)
    server = None
    if base_url is None:
        port = free_port()
        # The server logs every request: into a file (a pipe nobody reads fills after about 150 requests and
        # the server stops, waiting to write its next line).
        server_log = tempfile.NamedTemporaryFile("w+", prefix="generation-bench-llm-", suffix=".log")  # noqa: SIM115
        server = subprocess.Popen(
            [sys.executable, "-m", "serving.llm_server", "--port", str(port), "--parallel", "1"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=server_log, text=True,
        )  # fmt: skip
        wait_ready(server, f"http://127.0.0.1:{port}", timeout=120, path="/health")
        base_url = f"http://127.0.0.1:{port}/v1"
    started = time.perf_counter()
    try:
        client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=300)
        per_account: dict[str, Any] = {}
        totals = {"voice": Tally(), "no_voice": Tally()}
        for folder, platform in ACCOUNTS:
            name, figures, tallies = _account(client, model, folder, platform, topics, grammar)
            per_account[name] = figures
            if platform == "twitter":  # one limit for the totals: X's
                for kind, tally in tallies.items():
                    totals[kind].add(tally)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a server at low priority on a busy machine: no figures lost
                server.kill()
                server.wait(timeout=30)
    limit = registry.get("twitter").length.limit
    result: dict[str, Any] = {
        "model": "SmolLM2-135M-Instruct Q4_1 via llama.cpp server (xllamacpp), 2 CPU cores"
        if server is not None
        else f"{model} at {base_url}",
        "settings": {
            "topics_per_account": topics,
            "grammar": grammar,
            "tries_per_variant": TRIES_PER_VARIANT,
            "max_tokens": {
                p: max_tokens(registry.get(p), False, LLM_MAX_TOKENS) for p in ("twitter", "linkedin")
            },
            "temperature": TEMPERATURE,
            "frequency_penalty": FREQUENCY_PENALTY,
        },
        "per_account": per_account,
        "total_x": {kind: tally.figures(limit, kind == "voice") for kind, tally in totals.items()},
        "seconds_per_variant_median": totals["voice"].figures(limit, True)["seconds_per_variant"]["median"],
        "completion_tokens_per_second_median": _quantile(
            totals["voice"].rates + totals["no_voice"].rates, 0.5, 1
        ),
        "wall_seconds": round(time.perf_counter() - started),
    }
    results.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def _slug(model: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", model.lower()).strip("-") or "model"


def _account(
    client: openai.OpenAI, model: str, folder: str, platform: str, count: int, grammar: bool
) -> tuple[str, dict[str, Any], dict[str, Tally]]:
    posts, held_out, history = _split(folder)
    own = posts if history == platform else []  # the service reads the user's posts on the asked platform
    # Without any there, it shows the model its posts elsewhere, cut to the asked length (`borrowed_example`).
    elsewhere = posts if history != platform else []
    judge = Judge(folder, posts, held_out, history) if history == platform else None
    plugin = registry.get(platform)
    user = SimpleNamespace(name=folder.split("_")[-1], role=None, company=None, niche=None)
    profile = VoiceProfile(own) if len(own) >= MIN_POSTS else None
    embedder = default_embedder()
    habits = habits_of(own)
    chars = asked_length(plugin, habits)[1]
    # What the model is shown of each post (as `_examples` in the service), ranked by closeness to the topic.
    shown = [
        text
        for text in (example_for_prompt(post) if own else borrowed_example(post, plugin, chars)
                     for post in own or elsewhere)
        if text
    ]  # fmt: skip
    vectors = embedder.embed(shown) if shown else None
    budget = max_tokens(plugin, False, LLM_MAX_TOKENS)
    tallies = {"voice": Tally(), "no_voice": Tally()}
    topics = _topics(held_out, count)
    for topic in topics:
        given = [topic, user.name, *own, *elsewhere]
        allowed = Allowed.from_texts(given, max_hashtags=int(np.ceil(habits["hashtags"])))
        # Any hashtag, mention or link counts as a repair here (the strict first try, as on main).
        strict = Allowed(max_hashtags=0, given=allowed.given, ordinary=allowed.ordinary)
        body = GenerateIn(platform=platform, topic=topic, variants=1)
        rules = entity_grammar(own, [topic], allowed.max_hashtags) if grammar else None
        ranked = np.argsort(-(vectors @ embedder.embed([topic])[0])) if vectors is not None else []
        closest = [shown[i] for i in ranked[:EXAMPLES]]
        reference = own or closest  # near copies: of the posts here, or of what the model was shown
        for kind, examples, kind_habits in (("voice", closest, habits), ("no_voice", [], {})):
            messages = build_messages(user, body, examples, None, kind_habits)  # type: ignore[arg-type]
            tally = tallies[kind]
            tally.topics += 1
            for attempt in range(1, (TRIES_PER_VARIANT if kind == "voice" else 1) + 1):
                text, tokens, seconds, truncated = _complete(client, model, messages, budget, rules)
                checked = check(text, platform, None, allowed, reference, [], truncated)
                if attempt == 1:
                    _first(
                        tally, text, tokens, seconds, truncated, checked, strict, platform, reference, profile
                    )
                    if judge is not None and not any(_kind(p) == "near_copy" for p in checked.problems):
                        tally.judged.append(judge.percentile(checked.text or text))
                if not checked.problems and checked.text:
                    tally.within_tries += 1
                    tally.tries.append(attempt)
                    tally.stored_lengths.append(plugin.length.count(checked.text))
                    if judge is not None:
                        tally.judged_stored.append(judge.percentile(checked.text))
                    break
    name = folder if history == platform else f"{folder} asked for {plugin.display_name}"
    figures: dict[str, Any] = {"platform": platform, "history": history, "posts_in_profile": len(own)}
    if judge is not None:
        figures["judge_auc_held_out"] = round(judge.auc, 3)
    figures |= {kind: tally.figures(plugin.length.limit, kind == "voice") for kind, tally in tallies.items()}
    if history == platform:
        figures["own_posts_refused"] = _own_refused(held_out, posts, user.name)
    return name, figures, tallies


def _complete(
    client: openai.OpenAI, model: str, messages: list[dict[str, str]], budget: int, grammar: str | None
) -> tuple[str, int, float, bool]:
    started = time.perf_counter()
    response = client.chat.completions.create(
        model=model,
        messages=messages,  # type: ignore[arg-type]
        max_tokens=budget,
        temperature=TEMPERATURE,
        frequency_penalty=FREQUENCY_PENALTY,
        extra_body={"grammar": grammar} if grammar else None,
    )
    elapsed = time.perf_counter() - started
    choice = response.choices[0]
    tokens = response.usage.completion_tokens if response.usage else 0
    return choice.message.content or "", tokens, elapsed, choice.finish_reason == "length"


def _first(
    tally: Tally,
    text: str,
    tokens: int,
    seconds: float,
    truncated: bool,
    checked: Any,
    strict: Allowed,
    platform: str,
    own: list[str],
    profile: VoiceProfile | None,
) -> None:
    """Count the first answer of a topic."""
    plugin = registry.get(platform)
    length = plugin.length.count(text.strip()) if text.strip() else 0
    tally.lengths.append(length)
    tally.over_limit += int(length > plugin.length.limit)
    tally.truncated += int(truncated)
    tally.chars += len(text)
    tally.completion_tokens += tokens
    tally.seconds.append(seconds)
    tally.rates.append(tokens / seconds if seconds else 0.0)
    unrepaired = check(text, platform, None, strict, own, [], truncated)
    tally.first_unrepaired += int(not unrepaired.problems and not unrepaired.repairs)
    tally.first_clean += int(not checked.problems and not checked.repairs)
    tally.first_stored += int(not checked.problems and bool(checked.text))
    for kind in dict.fromkeys(_repair_kind(repair) for repair in checked.repairs):
        tally.repaired[kind] = tally.repaired.get(kind, 0) + 1
    for kind in dict.fromkeys(_kind(problem) for problem in checked.problems):
        tally.refused[kind] = tally.refused.get(kind, 0) + 1
        if kind in NEW_CHECKS:
            # Logged, never written to the figures: a small model's answers echo the accounts' handles.
            logger.info("refused by %s: %s", kind, " ".join(text.split())[:200])
    if any(_kind(problem) == "near_copy" for problem in checked.problems):
        tally.near_copies += 1  # it would score as the user: left out
    elif profile is not None:
        tally.percentiles.append(profile.match([checked.text or text])[0].percentile)


def _own_refused(held_out: list[str], posts: list[str], name: str) -> dict[str, float]:
    """The share of the account's own held-out posts the new checks would refuse (the first eight words as
    the topic, the earlier posts as what the user gave)."""
    base = Allowed.from_texts([name, *posts], max_hashtags=99)
    bare = names = quotes = 0
    for text in held_out:
        allowed = Allowed.from_texts([" ".join(text.split()[:8])], max_hashtags=99)
        allowed.given += base.given
        allowed.ordinary |= base.ordinary
        bare += int(tags_only(text) is not None)
        claims = unsupported_claims(text, allowed)
        names += int(any(claim.startswith("names ") for claim in claims))
        quotes += int(any(claim.startswith("quotes ") for claim in claims))
    share = _share(len(held_out))
    return {
        "posts": len(held_out),
        "tags_only": share(bare),
        "unsupported_names": share(names),
        "unsupported_quotes": share(quotes),
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, ensure_ascii=False))
