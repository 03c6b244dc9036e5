"""Background work yields the cores: across sessions only an autogroup's nice value weighs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.core import priority
from api.supervisor import ChildService

needs_autogroups = pytest.mark.skipif(
    priority.autogroup_nice(os.getpid()) is None, reason="this kernel does not group processes by session"
)

# Reports the scheduling policy of itself, of a thread started after lowering, and of its autogroup.
PROBE = """
import json, os, sys, threading
from api.core import priority
lowered = priority.lowest_for_this_process()
seen = {}
thread = threading.Thread(target=lambda: seen.update(policy=os.sched_getscheduler(0)))
thread.start(); thread.join()
print(json.dumps({
    "lowered": lowered,
    "policy": os.sched_getscheduler(0),
    "thread_policy": seen["policy"],
    "autogroup_nice": priority.autogroup_nice(os.getpid()),
}))
"""


def probe(*, new_session: bool, flow_run: bool = False) -> dict[str, int | bool | None]:
    env = {key: value for key, value in os.environ.items() if key != priority.FLOW_RUN_PROCESS_VARIABLE}
    if flow_run:
        env[priority.FLOW_RUN_PROCESS_VARIABLE] = "a flow run's id"
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        start_new_session=new_session,
        timeout=60,
    )
    result: dict[str, int | bool | None] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE is Linux's")
def test_a_flow_run_in_its_own_session_lowers_itself_every_thread_and_its_session() -> None:
    seen = probe(new_session=True)
    assert seen["lowered"] is True
    assert seen["policy"] == os.SCHED_IDLE
    assert seen["thread_policy"] == os.SCHED_IDLE  # torch's threads start after the flow begins
    if priority.autogroup_nice(os.getpid()) is not None:
        assert seen["autogroup_nice"] == priority.LOWEST


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE is Linux's")
def test_a_flow_run_process_in_its_runners_session_lowers_itself_and_leaves_the_session() -> None:
    seen = probe(new_session=False, flow_run=True)
    assert seen["lowered"] is True
    assert seen["policy"] == os.SCHED_IDLE and seen["thread_policy"] == os.SCHED_IDLE
    assert seen["autogroup_nice"] == priority.autogroup_nice(os.getpid())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_IDLE is Linux's")
def test_a_process_sharing_its_callers_session_is_left_alone() -> None:
    """A flow called in-process (a test, the first-model bootstrap) must not slow its caller."""
    seen = probe(new_session=False)
    assert seen["lowered"] is False
    assert seen["policy"] == os.sched_getscheduler(0)
    assert seen["autogroup_nice"] == priority.autogroup_nice(os.getpid())


@needs_autogroups
def test_a_niced_child_service_lowers_its_sessions_autogroup_and_not_ours(tmp_path: Path) -> None:
    ours = priority.autogroup_nice(os.getpid())
    child = ChildService(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(30)"], tmp_path / "log", nice=10
    )
    child.start()
    try:
        assert child.process is not None
        pid = child.process.pid
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
        assert priority.autogroup_nice(pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
        assert priority.autogroup_nice(os.getpid()) == ours
    finally:
        child.stop(grace=2)
