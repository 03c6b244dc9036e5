"""A newcomer's first `make up`, measured: time to `/readyz`, time to a finished tone analysis, memory.

Starts `python -m api.cli up` exactly as `make up` does, but with its own empty `var/`, MLflow store and
ports, so nothing of an existing install is reused. Then, as a user, right after `/readyz`: register,
import one real X export from ../shared/datasets once, and poll GET /api/users/tone-analysis until the
analysis that the import started (before any tone model existed) has finished. Resident memory of the
whole process tree is sampled every 2 s from start to stop (its peak with the processes that made it),
and taken as snapshots when idle and after the analysis. Each sample sums two figures: resident set sizes
(RSS, which counts a page shared by several processes, such as a library's code or a forked worker's
untouched pages, once per process: an overcount) and proportional set sizes (PSS, the kernel's split of each
shared page between the processes that map it, so the sum is the memory the tree really holds). The aim
is judged on PSS; both peaks are reported.

With BENCH_WAIT_FOR_FINE_TUNE=1 it also follows the first fine-tune (the `train-tone-classifier` flow run
that the first start launches), asking whether training leaves the rest of the platform alone:

- every `publish-due-posts` run due while the fine-tune ran: when it was due, when it started (from the
  Prefect API of that instance), and the runner's "skipped (at capacity)" lines in var/log/flows.log;
  the same for the other scheduled deployments;
- one content generation as the web app asks for it (POST /api/content/generate/jobs, then polling the
  job), timed by the job's own created/finished timestamps: one warm-up right after the first analysis
  (discarded: the LLM's first call pays for loading), then the same request every two minutes while the
  fine-tune runs, and five times after it ended; aim: during <= 1.5 x idle. Beside the job's seconds,
  the same per LLM try (a draft that fails its checks is written again) and the LLM's tokens per second;
- publish-due-posts in the minutes after the fine-tune, as the baseline of its lateness;
- the tone service answering throughout, until the fine-tuned champion is swapped in (or the gate kept
  the quick one).

SIGTERM at the end, and every child must be gone. Figures go to bench/results/first_start.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench._api import up_env

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "first_start.json"
EXPORT = (
    ROOT.parent
    / "shared"
    / "datasets"
    / "twitter_analytics_ropensci"
    / "tweet_activity_metrics_rOpenSci_20170101_20170201_en.csv"
)
MEMORY_LIMIT_GIB = 6.0
# Also wait for the background fine-tune: its promotion must reach the running ToneService, requests
# going on all the while, and the platform's steady-state memory is measured after it.
WAIT_FOR_FINE_TUNE = os.environ.get("BENCH_WAIT_FOR_FINE_TUNE", "0") == "1"
SAMPLE_SECONDS = 2.0
FINE_TUNE_DEPLOYMENT = "train-tone-classifier"
PUBLISH_DEPLOYMENT = "publish-due-posts"
SCHEDULED_DEPLOYMENTS = (PUBLISH_DEPLOYMENT, "generate-scheduled-content", "collect-post-metrics")
# A run that has not started this long after it was due is what the Prefect server marks Late.
ON_TIME_SECONDS = 15.0
# The same request every time: what the web app's Generate page sends for one X post.
GENERATION = {"platform": "x", "topic": "a new release of our R package for open data", "variants": 1}
GENERATION_EVERY_SECONDS = 120.0
IDLE_GENERATIONS = 5
# Spread over a few minutes after the fine-tune, during which publish-due-posts runs as a baseline.
IDLE_GENERATION_GAP_SECONDS = 30.0
# The fine-tune flow's own tasks, for the progress noted beside each generation.
FINE_TUNE_TASKS = ("load_training_data", "fit", "evaluate_on_test", "log_run", "register_and_gate")
GENERATION_RATIO_AIM = 1.5
SKIPPED_AT_CAPACITY = "skipped (at capacity)"
API_SHARE_MARKER = "multiprocessing"  # uvicorn's worker processes (spawned) and their resource tracker


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _processes(pid: int, workdir: Path | None = None) -> list[psutil.Process]:
    """A process, all its descendants and the embedded PostgreSQL (which detaches from its parent; found
    by its data folder under `workdir`) with its own children."""
    root = psutil.Process(pid)
    processes = [root, *root.children(recursive=True)]
    if workdir is not None:
        known = {p.pid for p in processes}
        for process in psutil.process_iter(["pid", "cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if process.info["pid"] not in known and str(workdir) in cmdline:
                processes += [process, *process.children(recursive=True)]
    return processes


def _name(process: psutil.Process) -> str:
    cmdline = process.cmdline()
    return " ".join(cmdline[1:4])[:80].strip() or " ".join(cmdline)[:80].strip() or process.name()


def _tree_rss(pid: int, workdir: Path | None = None) -> dict[str, float]:
    """Resident memory (MiB) of the tree `_processes` finds, by process id and command."""
    usage: dict[str, float] = {}
    for process in _processes(pid, workdir):
        try:
            usage[f"{process.pid} {_name(process)}"] = process.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            continue
    return usage


def _wait(predicate: Any, timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.5)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")


class MemorySampler(threading.Thread):
    """Resident memory of the whole tree every `SAMPLE_SECONDS`: the peak (when, in which phase, the
    processes that made it, the API's share), each process's own peak, and a coarse timeline."""

    def __init__(self, pid: int, workdir: Path, started: float) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self.pid, self.workdir, self.started = pid, workdir, started
        self.phase = "starting"
        self.stopped = threading.Event()
        self.samples = 0
        self.errors: list[str] = []
        self.peak: dict[str, Any] = {"total_mib": 0.0}
        self.peak_during_fine_tune: dict[str, Any] = {"total_mib": 0.0}
        self.peak_pss: dict[str, Any] = {"total_mib": 0.0}
        self.peak_pss_during_fine_tune: dict[str, Any] = {"total_mib": 0.0}
        self.per_process_peak: dict[str, float] = {}
        self.timeline: list[tuple[float, float, float]] = []
        self._flow_runs: dict[int, str] = {}

    def _label(self, process: psutil.Process) -> str:
        label = f"{process.pid} {_name(process)}"
        if process.pid not in self._flow_runs:
            try:
                self._flow_runs[process.pid] = process.environ().get("PREFECT__FLOW_RUN_ID", "")
            except psutil.Error:
                self._flow_runs[process.pid] = ""
        if self._flow_runs[process.pid]:
            label += f" (flow run {self._flow_runs[process.pid]})"
        return label

    def sample(self) -> None:
        try:
            processes = _processes(self.pid, self.workdir)
        except psutil.NoSuchProcess:
            return
        api_pids = {self.pid}
        for child in processes[0].children():
            try:
                if API_SHARE_MARKER in " ".join(child.cmdline()):
                    api_pids |= {child.pid, *(p.pid for p in child.children(recursive=True))}
            except psutil.Error:
                continue
        usage: dict[str, float] = {}
        proportional: dict[str, float] = {}
        api = api_pss = 0.0
        for process in processes:
            try:
                info = process.memory_full_info()
                mib, pss = info.rss / 2**20, info.pss / 2**20
                label = self._label(process)
            except psutil.Error:
                continue
            usage[label], proportional[label] = mib, pss
            if process.pid in api_pids:
                api, api_pss = api + mib, api_pss + pss
            self.per_process_peak[label] = max(mib, self.per_process_peak.get(label, 0.0))
        total, total_pss = sum(usage.values()), sum(proportional.values())
        elapsed = round(time.monotonic() - self.started, 1)
        self.samples += 1
        if self.samples % 10 == 1:
            self.timeline.append((elapsed, round(total / 1024, 2), round(total_pss / 1024, 2)))
        common = {
            "at_seconds": elapsed,
            "at_utc": _now(),
            "phase": self.phase,
            "processes": len(usage),
            "api_processes": len(api_pids & {p.pid for p in processes}),
        }
        record = {
            "total_mib": total,
            **common,
            "api_mib": round(api, 1),
            "top_mib": {k: round(v, 1) for k, v in sorted(usage.items(), key=lambda kv: -kv[1])[:8]},
        }
        pss_record = {
            "total_mib": total_pss,
            "rss_total_gib": round(total / 1024, 2),
            **common,
            "api_mib": round(api_pss, 1),
            "top_mib": {k: round(v, 1) for k, v in sorted(proportional.items(), key=lambda kv: -kv[1])[:8]},
        }
        if total > self.peak["total_mib"]:
            self.peak = record
        if total_pss > self.peak_pss["total_mib"]:
            self.peak_pss = pss_record
        if self.phase == "fine-tune" and total > self.peak_during_fine_tune["total_mib"]:
            self.peak_during_fine_tune = record
        if self.phase == "fine-tune" and total_pss > self.peak_pss_during_fine_tune["total_mib"]:
            self.peak_pss_during_fine_tune = pss_record

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            try:
                self.sample()
            except Exception as error:  # one bad sample must not end the sampling
                self.errors.append(repr(error))

    def flow_run_ids(self) -> set[str]:
        return {run_id for run_id in self._flow_runs.values() if run_id}

    def report(self) -> dict[str, Any]:
        def gib(record: dict[str, Any]) -> dict[str, Any]:
            out = dict(record)
            out["total_gib"] = round(out.pop("total_mib") / 1024, 2)
            out["api_share"] = (
                round(record["api_mib"] / record["total_mib"], 3) if record["total_mib"] else None
            )
            return out

        peaks = sorted(self.per_process_peak.items(), key=lambda kv: -kv[1])[:10]
        report: dict[str, Any] = {
            "every_seconds": SAMPLE_SECONDS,
            "samples": self.samples,
            "peak": gib(self.peak),
            "peak_pss": gib(self.peak_pss),
            "peak_within_limit": self.peak_pss["total_mib"] / 1024 <= MEMORY_LIMIT_GIB,
            "peak_rss_within_limit": self.peak["total_mib"] / 1024 <= MEMORY_LIMIT_GIB,
            "per_process_peak_mib": {k: round(v, 1) for k, v in peaks},
            "timeline_seconds_rss_pss_gib": self.timeline,
            "sampling_errors": self.errors[:5],
        }
        if self.peak_during_fine_tune["total_mib"]:
            report["peak_during_fine_tune"] = gib(self.peak_during_fine_tune)
            report["peak_pss_during_fine_tune"] = gib(self.peak_pss_during_fine_tune)
        return report


class Prefect:
    """The REST API of the Prefect server that this `make up` started."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        self._ids: dict[str, str] = {}

    def deployment_id(self, name: str) -> str | None:
        if name not in self._ids:
            found = self.client.post(
                "/deployments/filter", json={"deployments": {"name": {"any_": [name]}}}
            ).json()
            if not found:
                return None
            self._ids[name] = found[0]["id"]
        return self._ids[name]

    def runs(self, deployment: str, **flow_runs: Any) -> list[dict[str, Any]]:
        deployment_id = self.deployment_id(deployment)
        if deployment_id is None:
            return []
        body = {
            "flow_runs": {"deployment_id": {"any_": [deployment_id]}, **flow_runs},
            "sort": "EXPECTED_START_TIME_ASC",
            "limit": 200,
        }
        response = self.client.post("/flow_runs/filter", json=body)
        response.raise_for_status()
        return list(response.json())

    def run(self, run_id: str) -> dict[str, Any]:
        return dict(self.client.get(f"/flow_runs/{run_id}").json())

    def state_names(self, run_id: str) -> list[str]:
        states = self.client.get("/flow_run_states/", params={"flow_run_id": run_id}).json()
        return [state["name"] for state in sorted(states, key=lambda s: s["timestamp"])]


def _flow_run_names(url: str, run_ids: set[str]) -> dict[str, str]:
    """Flow run id -> "deployment / run name", from the Prefect server."""
    names = {}
    with httpx.Client(base_url=url, timeout=10) as client:
        for run_id in sorted(run_ids):
            run = client.get(f"/flow_runs/{run_id}").json()
            deployment = client.get(f"/deployments/{run['deployment_id']}").json()
            names[run_id] = f"{deployment.get('name')} / {run.get('name')}"
    return names


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class FlowLog:
    """The flow runner's log (var/log/flows.log): lines written from an offset on."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def size(self) -> int:
        return self.path.stat().st_size if self.path.is_file() else 0

    def lines(self, start: int = 0, end: int | None = None) -> list[str]:
        if not self.path.is_file():
            return []
        with self.path.open("rb") as log:
            log.seek(start)
            data = log.read() if end is None else log.read(max(0, end - start))
        return data.decode("utf-8", "replace").splitlines()

    def last_progress(self, start: int) -> str | None:
        """The fine-tune's latest progress line ("step 60/290 (21%)") or task, for context."""
        for line in reversed(self.lines(start)):
            if match := re.search(r"step \d+/\d+ \(\d+%\)", line):
                return match.group(0)
            if (match := re.search(r"Task run '([a-z_]+)-", line)) and match.group(1) in FINE_TUNE_TASKS:
                return match.group(1)
        return None


class User:
    """The benchmark's user: a token, renewed by logging in again before it can expire (15 minutes)."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.email = f"bench-{int(time.time())}@example.com"
        self.password = "bench-password-1"
        self._token = ""
        self._at = 0.0
        self._lock = threading.Lock()

    def register(self, client: httpx.Client) -> None:
        client.post("/api/auth/register", json={"email": self.email, "password": self.password, "name": "B"})

    def headers(self) -> dict[str, str]:
        with self._lock:
            if time.monotonic() - self._at > 600:
                response = httpx.post(
                    f"{self.api}/api/auth/login",
                    json={"email": self.email, "password": self.password},
                    timeout=60,
                )
                response.raise_for_status()
                self._token, self._at = response.json()["access_token"], time.monotonic()
            return {"Authorization": f"Bearer {self._token}"}


def _generate(client: httpx.Client, user: User) -> dict[str, Any]:
    """One generation as the web app runs it: start a job, poll it until it ends. Its duration is the
    job's own (created_at to finished_at), the client's wall time beside it, and what the stored draft
    says of its LLM calls (tries, tokens, seconds of the last try)."""
    started = time.monotonic()
    response = client.post("/api/content/generate/jobs", headers=user.headers(), json=GENERATION)
    if response.status_code != 202:
        return {"http_status": response.status_code, "error": response.text[:300], "at_utc": _now()}
    job = response.json()
    while job.get("status") in ("queued", "running") and time.monotonic() - started < 600:
        time.sleep(0.5)
        polled = client.get(f"/api/content/generate/jobs/{job['id']}", headers=user.headers())
        if polled.status_code == 200:
            job = polled.json()
    wall = time.monotonic() - started
    created, finished = _time(job.get("created_at")), _time(job.get("finished_at"))
    drafts = job.get("drafts") or []
    llm = (drafts[0].get("generation") or {}) if drafts else {}
    return {
        "at_utc": _now(),
        "status": job.get("status"),
        "seconds": round((finished - created).total_seconds(), 2) if created and finished else None,
        "wall_seconds": round(wall, 2),
        "draft_chars": len(drafts[0]["content"]) if drafts else None,
        "tries": llm.get("tries"),
        "completion_tokens": llm.get("completion_tokens"),
        "last_try_llm_seconds": llm.get("seconds"),
        "engagement_predicted": bool(drafts and drafts[0].get("ai_confidence_score") is not None),
        "error": job.get("error"),
    }


def _seconds(runs: list[dict[str, Any]]) -> list[float]:
    return [run["seconds"] for run in runs if run.get("status") == "succeeded" and run.get("seconds")]


def _lateness(prefect: Prefect, deployment: str, start: datetime, end: datetime) -> dict[str, Any]:
    """Every run of `deployment` due between `start` and `end`: lateness of its start, its duration."""
    window = {"expected_start_time": {"after_": start.isoformat(), "before_": end.isoformat()}}
    runs = []
    for run in prefect.runs(deployment, **window):
        expected = _time(run["expected_start_time"])
        began, ended = _time(run.get("start_time")), _time(run.get("end_time"))
        names = prefect.state_names(run["id"])
        runs.append(
            {
                "due_utc": expected.isoformat(timespec="seconds") if expected else None,
                "late_seconds": round((began - expected).total_seconds(), 1) if began and expected else None,
                "ran_seconds": round((ended - began).total_seconds(), 1) if began and ended else None,
                "state": run.get("state_name"),
                "was_marked_late": "Late" in names,
            }
        )
    late = [run["late_seconds"] for run in runs if run["late_seconds"] is not None]
    return {
        "runs_due": len(runs),
        "runs_started": len(late),
        "late_seconds_max": max(late) if late else None,
        "late_seconds_median": round(statistics.median(late), 1) if late else None,
        "all_on_time": bool(runs) and len(late) == len(runs) and max(late) <= ON_TIME_SECONDS,
        "runs": runs,
    }


def _fine_tune_process_gone(pid: int, run_id: str, timeout: float = 180.0) -> None:
    """Wait until no process of the tree runs the fine-tune's flow run any more."""

    def gone() -> bool:
        for process in psutil.Process(pid).children(recursive=True):
            try:
                if process.environ().get("PREFECT__FLOW_RUN_ID") == run_id:
                    return False
            except psutil.Error:
                continue
        return True

    with contextlib.suppress(TimeoutError):
        _wait(gone, timeout, "the end of the fine-tune's process")


def _during_the_fine_tune(
    result: dict[str, Any],
    api: httpx.Client,
    user: User,
    prefect: Prefect,
    flows: FlowLog,
    tone_port: int,
    pid: int,
    sampler: MemorySampler,
    analysed_at: float,
) -> None:
    """Follow the first fine-tune from its start to the swap of its champion: the tone service answering,
    generations timed while it trains and after, the scheduled runs due meanwhile (into `result`, so
    that what was measured survives a failure further on)."""

    def running() -> list[dict[str, Any]]:
        return prefect.runs(FINE_TUNE_DEPLOYMENT, state={"type": {"any_": ["RUNNING"]}})

    _wait(lambda: bool(running()), 600, "a running fine-tune flow run")
    fine_tune = running()[0]
    sampler.phase = "fine-tune"
    log_start = flows.size()
    ended = threading.Event()
    during: list[dict[str, Any]] = []
    result["generation"] = {"request": GENERATION, "during_fine_tune": during}

    def final(api: Prefect = prefect) -> bool:
        return bool(api.run(fine_tune["id"]).get("end_time"))

    def generate_while_training() -> None:
        # From when its training loop logs (its imports and data loading come first), then every
        # GENERATION_EVERY_SECONDS until it ends.
        own = Prefect(str(prefect.client.base_url))  # a client of this thread's own
        with httpx.Client(base_url=str(api.base_url), timeout=120) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not ended.is_set():
                if any("fine-tuning on" in line for line in flows.lines(log_start)):
                    break
                time.sleep(2)
            while not ended.is_set():
                progress = flows.last_progress(log_start)
                outcome = _safely(lambda: _generate(client, user))
                outcome["fine_tune_at"] = progress
                outcome["fine_tune_still_running"] = not _safely(lambda: final(own))
                during.append(outcome)
                ended.wait(GENERATION_EVERY_SECONDS)

    generator = threading.Thread(target=generate_while_training, name="generations", daemon=True)
    generator.start()
    tone = f"http://127.0.0.1:{tone_port}"
    started = time.monotonic()
    statuses: dict[int, int] = {}
    versions: list[str] = []
    final_seen: float | None = None
    next_check = started
    with httpx.Client(base_url=tone, timeout=60) as client:
        first = client.post("/model", json={}).json()["version"]
        while time.monotonic() - started < 1800:
            response = client.post("/classify", json={"texts": ["Shipping the new release today!"]})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 200:
                version = response.json()[0]["model_version"]
                if not versions or versions[-1] != version:
                    versions.append(version)
                if version != first:
                    break
            if final_seen is None and time.monotonic() >= next_check:
                next_check = time.monotonic() + 10
                final_seen = time.monotonic() if final() else None
            if final_seen is not None and time.monotonic() - final_seen > 120:
                break  # the gate kept the quick champion (or the run failed): nothing to swap in
            time.sleep(1.0)
    result["fine_tune_promoted_after_seconds"] = round(time.monotonic() - analysed_at, 1)
    result["tone_versions_seen_by_requests"] = versions
    result["tone_requests_by_status"] = statuses
    _wait(final, 600, "the end of the fine-tune flow run")
    ended.set()
    generator.join(timeout=600)
    sampler.phase = "after fine-tune"
    log_end = flows.size()
    fine_tune = prefect.run(fine_tune["id"])
    ft_start, ft_end = _time(fine_tune["start_time"]), _time(fine_tune["end_time"])
    assert ft_start is not None and ft_end is not None
    result["fine_tune_flow_run"] = {
        "id": fine_tune["id"],
        "state": fine_tune["state_name"],
        "started_utc": ft_start.isoformat(timespec="seconds"),
        "ended_utc": ft_end.isoformat(timespec="seconds"),
        "seconds": round((ft_end - ft_start).total_seconds(), 1),
    }
    result["scheduled_runs_during_fine_tune"] = _safely(
        lambda: _scheduled_runs(prefect, flows, ft_start, ft_end, log_start, log_end)
    )
    _fine_tune_process_gone(pid, fine_tune["id"])
    time.sleep(15)  # let the finished training run's process exit, the new champion settle
    result["steady_rss_mib"] = _tree_rss(pid, sampler.workdir)
    idle = []
    with httpx.Client(base_url=str(api.base_url), timeout=120) as client:
        for _ in range(IDLE_GENERATIONS):
            idle.append(_safely(lambda: _generate(client, user)))
            time.sleep(IDLE_GENERATION_GAP_SECONDS)
    result["generation"]["idle_after_fine_tune"] = idle
    result["generation"] |= _safely(lambda: _generation_summary(during, idle))
    # The same minute-by-minute publishing with no training running, for comparison.
    result["publish_due_posts_after_fine_tune"] = _safely(
        lambda: _lateness(prefect, PUBLISH_DEPLOYMENT, ft_end, datetime.now(UTC))
    )


def _generation_summary(during: list[dict[str, Any]], idle: list[dict[str, Any]]) -> dict[str, Any]:
    """Generation during the fine-tune against after it: the job's seconds, and the same per LLM try
    (a draft that fails its checks is written again, up to three tries, whatever the load)."""
    during = [run for run in during if run.get("fine_tune_still_running")]

    def per_try(runs: list[dict[str, Any]]) -> list[float]:
        return [
            run["seconds"] / run["tries"]
            for run in runs
            if run.get("status") == "succeeded" and run.get("seconds") and run.get("tries")
        ]

    def tokens_per_second(runs: list[dict[str, Any]]) -> list[float]:
        return [
            run["completion_tokens"] / run["last_try_llm_seconds"]
            for run in runs
            if run.get("completion_tokens") and run.get("last_try_llm_seconds")
        ]

    summary: dict[str, Any] = {"aim_ratio": GENERATION_RATIO_AIM}
    for name, figures in (
        ("seconds", _seconds),
        ("seconds_per_try", per_try),
        ("llm_tokens_per_second", tokens_per_second),
    ):
        busy, quiet = figures(during), figures(idle)
        if not busy or not quiet:
            continue
        summary[name] = {
            "during_median": round(statistics.median(busy), 2),
            "during_max": round(max(busy), 2),
            "idle_median": round(statistics.median(quiet), 2),
            "idle_max": round(max(quiet), 2),
            "ratio_median": round(statistics.median(busy) / statistics.median(quiet), 2),
        }
        if name != "llm_tokens_per_second":
            summary[name]["ratio_max"] = round(max(busy) / statistics.median(quiet), 2)
    if "seconds" in summary:
        summary["within_aim"] = summary["seconds"]["ratio_median"] <= GENERATION_RATIO_AIM
    return summary


def _safely(figures: Any) -> Any:
    """Figures computed at the end of a long run: a mistake in one must not lose the others."""
    try:
        return figures()
    except Exception as error:  # reported in the results instead
        return {"error": repr(error)}


def _scheduled_runs(
    prefect: Prefect, flows: FlowLog, ft_start: datetime, ft_end: datetime, log_start: int, log_end: int
) -> dict[str, Any]:
    """The scheduled deployments' runs due during the fine-tune, and the runner's skipped lines."""
    skipped = [line for line in flows.lines(0) if SKIPPED_AT_CAPACITY in line]
    during_lines = flows.lines(log_start, log_end)
    return {
        "window_utc": [ft_start.isoformat(timespec="seconds"), ft_end.isoformat(timespec="seconds")],
        "on_time_means_started_within_seconds": ON_TIME_SECONDS,
        **{name: _lateness(prefect, name, ft_start, ft_end) for name in SCHEDULED_DEPLOYMENTS},
        "runner_skipped_at_capacity_lines": {
            "during_fine_tune": sum(SKIPPED_AT_CAPACITY in line for line in during_lines),
            "whole_run": len(skipped),
            "examples": skipped[:5],
        },
    }


def _log_problems(work: Path) -> dict[str, Any]:
    """Errors and tracebacks in every log of the run: how many, and the first few distinct lines."""
    problems: dict[str, Any] = {}
    for path in sorted([work / "up.log", *(work / "var" / "log").glob("*.log")]):
        if not path.is_file():
            continue
        lines = path.read_text("utf-8", "replace").splitlines()
        hits = [line.strip()[:240] for line in lines if re.search(r"\bERROR\b|Traceback|CRITICAL", line)]
        if hits:
            problems[path.name] = {"lines": len(hits), "first": list(dict.fromkeys(hits))[:5]}
    return problems


def main() -> dict[str, Any]:
    if not EXPORT.is_file():
        return {"skipped": f"{EXPORT} is not there"}
    # Stopped from outside (a time limit), still stop everything `make up` started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="bench-first-start-"))
    env, ports = up_env(work)
    api = f"http://127.0.0.1:{ports['api']}"
    log = (work / "up.log").open("wb")
    started = time.monotonic()
    up = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "up"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    result: dict[str, Any] = {"log": str(work / "up.log"), "started_utc": _now()}
    sampler = MemorySampler(up.pid, work, started)
    sampler.start()
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"{api}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        result["seconds_to_readyz"] = round(_wait(ready, 300, "/readyz"), 1)
        sampler.phase = "first analysis"
        with httpx.Client(base_url=api, timeout=120) as client:
            user = User(api)
            user.register(client)
            headers = user.headers()
            result["idle_rss_mib"] = _tree_rss(up.pid, work)
            ready_at = time.monotonic()
            # As a newcomer does: one import right after /readyz, then wait for the analysis it started,
            # with no second request (one asked for before the first model exists waits for it).
            with EXPORT.open("rb") as export:
                imported = client.post(
                    "/api/posts/import", headers=headers, files={"file": (EXPORT.name, export)}
                )
            imported_at = time.monotonic()
            result["import_tone_analysis"] = imported.json().get("tone_analysis")

            def analysed() -> bool:
                return client.get("/api/users/tone-analysis", headers=headers).status_code == 200

            _wait(analysed, 900, "a finished tone analysis")
            analysed_at = time.monotonic()
            result["seconds_from_import_to_tone_analysis"] = round(time.monotonic() - imported_at, 1)
            result["seconds_from_readyz_to_tone_analysis"] = round(time.monotonic() - ready_at, 1)
            analysis = client.get("/api/users/tone-analysis", headers=headers).json()
            result["first_analysis_model_version"] = analysis["model_version"]
            result["after_analysis_rss_mib"] = _tree_rss(up.pid, work)
            if WAIT_FOR_FINE_TUNE:
                sampler.phase = "before fine-tune"
                # The LLM's first call loads its weights: one generation now, not counted.
                result["generation_warm_up"] = _generate(client, user)
                prefect = Prefect(f"http://127.0.0.1:{ports['prefect']}/api")
                flows = FlowLog(work / "var" / "log" / "flows.log")
                _during_the_fine_tune(
                    result, client, user, prefect, flows, ports["bento"], up.pid, sampler, analysed_at
                )
    except Exception as error:  # what was measured is written, with the failure
        result["error"] = repr(error)
    finally:
        # Which deployment each flow run process in the memory figures ran (asked before the stop).
        result["flow_runs_in_memory_figures"] = _safely(
            lambda: _flow_run_names(f"http://127.0.0.1:{ports['prefect']}/api", sampler.flow_run_ids())
        )
        sampler.phase = "stopping"
        sampler.stopped.set()
        sampler.join(timeout=30)
        children = psutil.Process(up.pid).children(recursive=True) if up.poll() is None else []
        up.send_signal(signal.SIGTERM)
        up.wait(120)
        time.sleep(2)
        result["left_running_after_stop"] = [
            c.pid for c in children if c.is_running() and c.status() != "zombie"
        ]
        result["seconds_total"] = round(time.monotonic() - started, 1)
    for key in ("idle_rss_mib", "after_analysis_rss_mib", "steady_rss_mib"):
        if key in result:
            result[key.replace("_mib", "_total_gib")] = round(sum(result[key].values()) / 1024, 2)
    result["memory_limit_gib"] = MEMORY_LIMIT_GIB
    result["rss_sampled"] = sampler.report()
    result["log_problems"] = _log_problems(work)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
