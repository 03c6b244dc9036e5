"""`make up` stops everything it started: on SIGTERM within 30 s (children that ignore SIGTERM, flow runs in
sessions of their own, orphans), and when it is killed outright, within seconds (death signal + watchdog).

The supervisor is tests/ops/supervised_tree.py: the real ProcessGuard and ChildService over a synthetic tree.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from ml.config import PROJECT_ROOT
from tests.ops.supervised_tree import LASTING_ROLES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="subreaper and death signal")

GRACE = 10.0  # the default of ProcessGuard.stop, as `up` uses it


def _running(process: psutil.Process) -> bool:
    """Alive and not a zombie (a zombie holds no port or memory, only an exit status for its parent)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _recorded(folder: Path) -> dict[int, psutil.Process]:
    """Every process of the tree that wrote its pid file and still runs (pid and start time, no reuse)."""
    found = {}
    for path in (folder / "pids").iterdir():
        pid = int(path.suffix.lstrip("."))
        with contextlib.suppress(psutil.NoSuchProcess):
            found[pid] = psutil.Process(pid)
    return {pid: process for pid, process in found.items() if _running(process)}


def _start_tree(folder: Path) -> tuple[subprocess.Popen[bytes], dict[int, psutil.Process]]:
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "tests.ops.supervised_tree", str(folder), str(GRACE)],
        cwd=PROJECT_ROOT,
        stderr=(folder / "supervisor.log").open("wb"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert supervisor.poll() is None, (folder / "supervisor.log").read_text()
        roles = {path.stem for path in (folder / "pids").glob("*")} if (folder / "pids").exists() else set()
        if (folder / "ready").exists() and roles >= LASTING_ROLES:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the tree did not start: {(folder / 'supervisor.log').read_text()}")
    tree = _recorded(folder)
    with contextlib.suppress(psutil.NoSuchProcess):
        tree |= {p.pid: p for p in psutil.Process(supervisor.pid).children(recursive=True) if _running(p)}
    ready = json.loads((folder / "ready").read_text())
    assert ready["watchdog"] in tree, "the watchdog runs"
    # The tree is as hard as meant: processes in sessions other than the supervisor's children's, and an
    # orphan that re-parented to the supervisor (a subreaper).
    sessions = {os.getsid(pid) for pid in tree}
    assert len(sessions) >= 5, sessions
    daemon = next(p for pid, p in tree.items() if (folder / "pids" / f"daemon.{pid}").exists())
    assert daemon.ppid() == supervisor.pid
    return supervisor, tree


def _start_a_late_flow_run(folder: Path) -> int:
    """The flow runner starts one more flow run (in a session of its own); its pid once it runs."""
    (folder / "spawn").touch()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        started = list((folder / "pids").glob("late-flow-run.*"))
        if started:
            return int(started[0].suffix.lstrip("."))
        time.sleep(0.002)
    raise AssertionError("the flow runner started no flow run")


def _wait_gone(folder: Path, tree: dict[int, psutil.Process], timeout: float) -> tuple[float, list[int]]:
    """Seconds until no process of the tree runs (any pid file written meanwhile counts too)."""
    started = time.monotonic()
    while True:
        left = [pid for pid, process in {**tree, **_recorded(folder)}.items() if _running(process)]
        if not left or time.monotonic() - started > timeout:
            return time.monotonic() - started, left
        time.sleep(0.1)


def _kill_leftovers(folder: Path, tree: dict[int, psutil.Process]) -> None:
    for process in {**tree, **_recorded(folder)}.values():
        with contextlib.suppress(psutil.Error):
            process.kill()


def test_sigterm_stops_the_whole_tree_within_30_seconds(tmp_path):
    supervisor, tree = _start_tree(tmp_path)
    try:
        supervisor.send_signal(signal.SIGTERM)
        stop_began = time.monotonic()
        time.sleep(1)
        late = _start_a_late_flow_run(tmp_path)  # the flow runner ignored SIGTERM and starts one more
        tree[late] = psutil.Process(late)
        _, left = _wait_gone(tmp_path, tree, timeout=30)
        seconds = time.monotonic() - stop_began
        assert not left, f"still running {seconds:.1f}s after SIGTERM: {left}"
        assert supervisor.wait(timeout=5) == 143
        stopped = json.loads((tmp_path / "stopped.json").read_text())
        assert stopped["survivors"] == []
        # One shared grace for all stubborn processes, not one each.
        assert seconds < GRACE + 8, seconds
        print(f"stopped {len(tree)} processes in {seconds:.1f}s")
    finally:
        _kill_leftovers(tmp_path, tree)
        supervisor.kill()
        supervisor.wait()


def test_a_killed_supervisor_takes_children_and_setsid_grandchildren_with_it(tmp_path):
    supervisor, tree = _start_tree(tmp_path)
    try:
        time.sleep(1.5)  # the watchdog has seen the tree
        # A flow run started just now, most likely after the watchdog's last look: the token finds it.
        late = _start_a_late_flow_run(tmp_path)
        supervisor.kill()
        tree[late] = psutil.Process(late)
        supervisor.wait()
        seconds, left = _wait_gone(tmp_path, tree, timeout=15)
        assert not left, f"still running {seconds:.1f}s after the supervisor was killed: {left}"
        assert seconds < 10, seconds
        assert not (tmp_path / "stopped.json").exists()  # the supervisor's own stop never ran
        print(f"{len(tree)} processes gone {seconds:.1f}s after SIGKILL")
    finally:
        _kill_leftovers(tmp_path, tree)


def test_a_child_dies_with_its_supervisor_without_any_watchdog(tmp_path):
    """The death signal alone: a child that ignores SIGTERM goes when the process that started it is
    killed."""
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
    script = f"""
import sys, time
from pathlib import Path
from api.supervisor import ChildService
child = ChildService(
    "stubborn",
    [sys.executable, "-c", {stubborn!r}],
    Path({str(tmp_path / "child.log")!r}),
)
child.start()
print(child.process.pid, flush=True)
time.sleep(600)
"""
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, start_new_session=True
    )
    child = psutil.Process(int(parent.stdout.readline()))
    try:
        assert _running(child)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(child)
    finally:
        with contextlib.suppress(psutil.Error):
            child.kill()
        parent.stdout.close()
