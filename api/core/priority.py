"""CPU priority of background work (flow runs, trainings) against requests and model services.

On Linux a process's niceness only weighs against processes of its own *autogroup* when the kernel
groups by session (`/proc/sys/kernel/sched_autogroup_enabled`, on by default in most distributions):
each session is one group, and groups share the cores equally whatever their members' niceness.
`make up` starts every service in a session of its own, and Prefect starts every flow run in one, so
`nice` alone left a fine-tune at an equal share with the local LLM: measured during the first
fine-tune, the LLM ran at 5.8 tokens/s against 69 idle. What counts across sessions is the autogroup's
own nice value (`/proc/<pid>/autogroup`), which any process may raise for a session it owns.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

LOWEST = 19


def autogroup_path(pid: int) -> Path:
    return Path(f"/proc/{pid}/autogroup")


def autogroup_nice(pid: int) -> int | None:
    """The nice value of the process's autogroup, or None where the kernel has no autogroups."""
    try:
        text = autogroup_path(pid).read_text()
    except OSError:
        return None
    # "/autogroup-85 nice 0"
    parts = text.split()
    return int(parts[-1]) if len(parts) >= 3 and parts[-2] == "nice" else None


def lower(pid: int, nice: int) -> None:
    """Raise the niceness of `pid` by `nice` and, when it leads a session of its own, its autogroup's.

    The autogroup is left alone for a process sharing its caller's session: lowering it would lower the
    caller too. A process that exited already is ignored (its own exit status says why)."""
    if not hasattr(os, "setpriority"):
        return
    with contextlib.suppress(OSError):
        niceness = min(LOWEST, os.getpriority(os.PRIO_PROCESS, pid) + nice)
        os.setpriority(os.PRIO_PROCESS, pid, niceness)
        if os.getsid(pid) == pid and os.getsid(pid) != os.getsid(0):
            _write_autogroup(pid, niceness)


# Set by Prefect's runner and workers in the environment of a process started to execute one flow run.
FLOW_RUN_PROCESS_VARIABLE = "PREFECT__FLOW_RUN_ID"


def lowest_for_this_process() -> bool:
    """Put this process, every thread it has and every one it starts later, at the lowest CPU priority:
    SCHED_IDLE (runs only on a core nothing else wants) and, when the process leads its own session,
    that session's autogroup at nice 19.

    Only in a process of its own: one started for a flow run (by Prefect's runner or a worker), or the
    leader of a session. Does nothing, and returns False, in a process that calls the flow in-process (a
    test, the first-model bootstrap): it would slow its caller's other work, not only the flow. Threads
    created from now on inherit the policy from the thread creating them."""
    leader = os.getsid(0) == os.getpid()
    if not sys.platform.startswith("linux") or not (leader or os.environ.get(FLOW_RUN_PROCESS_VARIABLE)):
        return False
    if leader:
        _write_autogroup(os.getpid(), LOWEST)
    for task in Path("/proc/self/task").iterdir():
        tid = int(task.name)
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, LOWEST)
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
    logger.info("running at the lowest CPU priority (SCHED_IDLE, autogroup nice %d)", LOWEST)
    return True


def _write_autogroup(pid: int, nice: int) -> None:
    path = autogroup_path(pid)
    if not path.exists():
        return  # a kernel without autogroups: niceness alone decides
    try:
        path.write_text(str(nice))
    except OSError as error:
        logger.warning("could not lower the CPU priority of process %d's session: %s", pid, error)
