"""Without a deployment, the API executes a flow run in a child process (FLOW_EXECUTION=process, the
default), so a CPU-heavy run never holds the API's interpreter; a child that dies marks its run Crashed."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from api.core import launcher
from api.core.config import get_settings

FLOW = "publish-due-posts"  # quick: with nothing due it completes at once


@pytest.fixture
def process_mode(database_url: str, prefect_harness: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FLOW_EXECUTION", "process")
    get_settings.cache_clear()
    yield launcher.InProcessLauncher()
    get_settings.cache_clear()


def _child_of_this_process(timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in list(launcher._CHILDREN):
            return child.pid
        time.sleep(0.05)
    raise AssertionError("no child process started for the flow run")


def test_the_run_executes_in_a_child_process_and_completes(process_mode) -> None:
    run_id = process_mode.start(FLOW, {"limit": 5})
    pid = _child_of_this_process()
    assert pid != os.getpid()
    process_mode.wait(run_id, timeout=180)
    view = launcher.read_flow_run(run_id)
    assert view is not None and view.succeeded, view
    assert not launcher._CHILDREN


def test_a_child_that_dies_leaves_its_run_crashed_not_running(process_mode) -> None:
    run_id: uuid.UUID = process_mode.start(FLOW, {"limit": 6})
    pid = _child_of_this_process()
    os.kill(pid, 9)
    process_mode.wait(run_id, timeout=60)
    view = launcher.read_flow_run(run_id)
    assert view is not None and view.final and not view.succeeded
    assert view.state_type == "CRASHED"
    assert "exited with code -9" in (view.message or "")


def test_a_run_that_fails_in_its_child_stays_failed_not_crashed(process_mode) -> None:
    run_id = process_mode.start(FLOW, {"limit": 0})  # refused by the flow's parameter bounds
    process_mode.wait(run_id, timeout=180)
    view = launcher.read_flow_run(run_id)
    assert view is not None and view.final and not view.succeeded
    assert view.state_type == "FAILED", view
