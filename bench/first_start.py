"""A newcomer's first `make up`, measured: time to `/readyz`, time to a finished tone analysis, memory.

Starts `python -m api.cli up` exactly as `make up` does, but with its own empty `var/`, MLflow store and
ports, so nothing of an existing install is reused. Then, as a user, right after `/readyz`: register,
import one real X export from ../shared/datasets once, and poll GET /api/users/tone-analysis until the
analysis that the import started (before any tone model existed) has finished. Resident
memory of the whole process tree is taken when idle and after the analysis. Ctrl+C-equivalent (SIGTERM)
at the end, and every child must be gone. Figures go to bench/results/first_start.json.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

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


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tree_rss(pid: int, workdir: Path | None = None) -> dict[str, float]:
    """Resident memory (MiB) of a process, all its descendants and the embedded PostgreSQL (which
    detaches from its parent; found by its data folder under `workdir`), by command."""
    root = psutil.Process(pid)
    processes = [root, *root.children(recursive=True)]
    if workdir is not None:
        known = {p.pid for p in processes}
        for process in psutil.process_iter(["pid", "cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if process.info["pid"] not in known and str(workdir) in cmdline:
                processes += [process, *process.children(recursive=True)]
    usage: dict[str, float] = {}
    for process in processes:
        try:
            name = " ".join(process.cmdline()[1:4])[:80] or process.name()
            usage[f"{process.pid} {name}"] = process.memory_info().rss / 2**20
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


def _follow_the_fine_tune(tone_port: int, pid: int, workdir: Path) -> dict[str, Any]:
    """Classify in a loop against the running ToneService until the fine-tuned champion answers."""
    tone = f"http://127.0.0.1:{tone_port}"
    started = time.monotonic()
    statuses: dict[int, int] = {}
    versions: list[str] = []
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
            time.sleep(1.0)
    time.sleep(15)  # let the finished training run's process exit
    return {
        "fine_tune_promoted_after_seconds": round(time.monotonic() - started, 1),
        "tone_versions_seen_by_requests": versions,
        "tone_requests_by_status": statuses,
        "steady_rss_mib": _tree_rss(pid, workdir),
    }


def main() -> dict[str, Any]:
    if not EXPORT.is_file():
        return {"skipped": f"{EXPORT} is not there"}
    work = Path(tempfile.mkdtemp(prefix="bench-first-start-"))
    ports = {name: _port() for name in ("api", "prefect", "mlflow", "bento", "llm")}
    env = {
        **os.environ,
        "VAR_DIR": str(work / "var"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlruns' / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_ROOT": str(work / "mlruns" / "artifacts"),
        "PORT": str(ports["api"]),
        "PREFECT_PORT": str(ports["prefect"]),
        "MLFLOW_PORT": str(ports["mlflow"]),
        "BENTO_PORT": str(ports["bento"]),
        "LLM_PORT": str(ports["llm"]),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    for inherited in ("DATABASE_URL", "PREFECT_API_URL", "SERVING_URLS", "LLM_BASE_URL"):
        env.pop(inherited, None)
    api = f"http://127.0.0.1:{ports['api']}"
    log = (work / "up.log").open("wb")
    started = time.monotonic()
    up = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "up"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    result: dict[str, Any] = {"log": str(work / "up.log")}
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"{api}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        result["seconds_to_readyz"] = round(_wait(ready, 300, "/readyz"), 1)
        with httpx.Client(base_url=api, timeout=120) as client:
            email = f"bench-{int(time.time())}@example.com"
            client.post(
                "/api/auth/register", json={"email": email, "password": "bench-password-1", "name": "B"}
            )
            token = client.post("/api/auth/login", json={"email": email, "password": "bench-password-1"})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
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
            result["seconds_from_import_to_tone_analysis"] = round(time.monotonic() - imported_at, 1)
            result["seconds_from_readyz_to_tone_analysis"] = round(time.monotonic() - ready_at, 1)
            analysis = client.get("/api/users/tone-analysis", headers=headers).json()
            result["first_analysis_model_version"] = analysis["model_version"]
            result["after_analysis_rss_mib"] = _tree_rss(up.pid, work)
            if WAIT_FOR_FINE_TUNE:
                result.update(_follow_the_fine_tune(ports["bento"], up.pid, work))
    finally:
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
    result.pop("analysis", None) if "analysis" not in result else result["analysis"].pop(
        "sentence_structure", None
    )
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
