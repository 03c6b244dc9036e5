"""`make up` stopped in the middle of a flow run (the full tone fine-tune): seconds from the signal to every
process gone, and what was left.

Two scenarios, each a fresh `python -m api.cli up` as `make up` runs it, with its own throwaway database on
the PostgreSQL server of BENCH_PG_URL (created and dropped here), `var/`, MLflow store and ports:
- `sigterm`: Ctrl+C-equivalent (SIGTERM) once the flow runner's fine-tune run is under way; the supervisor
  must be gone, and every process it started, within 30 s;
- `sigkill`: the supervisor killed outright at the same point; its children (death signal) and the rest
  (watchdog) must be gone within seconds.
"Every process" is every descendant seen just before the signal plus every process that carries the
supervisor's token in its environment (api.supervisor), whatever its session. Figures go to
bench/results/stop.json. `BENCH_STOP_SCENARIOS=sigterm` runs one only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from psycopg import sql

from api.supervisor import SUPERVISOR_TOKEN_VARIABLE
from bench._api import up_env

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "stop.json"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
STOP_LIMIT = 30.0


def _running(process: psutil.Process) -> bool:
    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _tree(supervisor: int) -> set[psutil.Process]:
    """The supervisor's descendants and every process with its token (what left its tree)."""
    found: set[psutil.Process] = set()
    with contextlib.suppress(psutil.Error):
        found |= set(psutil.Process(supervisor).children(recursive=True))
    prefix = f"{supervisor}-"
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if process.environ().get(SUPERVISOR_TOKEN_VARIABLE, "").startswith(prefix):
                found.add(process)
    return {process for process in found if _running(process)}


def _describe(process: psutil.Process) -> str:
    try:
        return f"{process.pid} {' '.join(process.cmdline()[1:5])[:100]}"
    except psutil.Error:
        return str(process.pid)


def _flow_run(supervisor: int) -> psutil.Process | None:
    """A flow run in progress: the flow runner's (`python -m flows.serve`) `prefect.engine` child."""
    for process in _tree(supervisor):
        with contextlib.suppress(psutil.Error):
            if "flows.serve" in process.cmdline():
                for child in process.children():
                    if "prefect.engine" in child.cmdline() and _running(child):
                        return child
    return None


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _database() -> tuple[str, Any]:
    name = f"bench_stop_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = SERVER_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"

    def drop() -> None:
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    return url, drop


def scenario(signum: signal.Signals) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-stop-"))
    database_url, drop = _database()
    env, ports = up_env(work, database_url)
    result: dict[str, Any] = {"signal": signum.name}
    started = time.monotonic()
    with (work / "up.log").open("wb") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "up"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    seen: set[psutil.Process] = set()
    try:
        deadline = time.monotonic() + 900
        ready = False
        run = None
        while time.monotonic() < deadline and run is None:
            if up.poll() is not None:
                raise RuntimeError(f"`up` exited with {up.returncode}; see {work / 'up.log'}")
            if not ready:
                with contextlib.suppress(httpx.HTTPError):
                    ready = httpx.get(f"http://127.0.0.1:{ports['api']}/readyz", timeout=2).status_code == 200
                if ready:
                    result["seconds_to_readyz"] = round(time.monotonic() - started, 1)
            run = _flow_run(up.pid)
            time.sleep(1)
        if run is None:
            raise RuntimeError("no flow run started within 900 s")
        result["seconds_to_flow_run"] = round(time.monotonic() - started, 1)
        result["flow_run"] = _describe(run)
        time.sleep(10)  # well into the fine-tune: the model is loading or training
        seen = _tree(up.pid)
        result["flow_run_running_at_signal"] = _running(run)
        result["flow_run_tree_at_signal"] = sorted(
            _describe(p) for p in seen if p == run or (_running(run) and p in run.children(recursive=True))
        )
        result["processes_before_stop"] = len(seen) + 1
        signalled = time.monotonic()
        up.send_signal(signum)
        with contextlib.suppress(subprocess.TimeoutExpired):
            up.wait(120)
        result["seconds_to_supervisor_exit"] = round(time.monotonic() - signalled, 1)
        while time.monotonic() - signalled < 120:
            seen |= _tree(up.pid)
            if not any(_running(process) for process in seen):
                break
            time.sleep(0.1)
        result["seconds_to_every_process_gone"] = round(time.monotonic() - signalled, 1)
        time.sleep(2)
        result["left_running"] = sorted(_describe(p) for p in seen | _tree(up.pid) if _running(p))
        result["ports_still_listening"] = sorted(name for name, port in ports.items() if _listening(port))
        if signum == signal.SIGTERM:
            result["within_limit"] = result["seconds_to_every_process_gone"] <= STOP_LIMIT
    finally:
        for process in seen | _tree(up.pid):
            with contextlib.suppress(psutil.Error):
                process.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(up.pid, signal.SIGKILL)
        up.wait()
        drop()
        lines = (work / "up.log").read_text(errors="replace").splitlines()
        result["supervisor_log"] = [line for line in lines if "postwright.supervisor" in line][-4:]
        shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> dict[str, Any]:
    names = os.environ.get("BENCH_STOP_SCENARIOS", "sigterm,sigkill").split(",")
    signals = {"sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}
    result = {name: scenario(signals[name]) for name in names}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
