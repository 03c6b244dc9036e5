"""Child processes of `make up` (Prefect server, flow runner, MLflow UI, model services): started,
health-checked, and stopped together with everything they started.

Stopping, and why each piece is there:

- One deadline for all (`stop_all`). SIGTERM goes to every child's process group and to every descendant at
  once; whatever still runs after one shared grace (10 s) gets SIGKILL. Children that ignore SIGTERM (the
  flow runner, a flow run in the middle of a fine-tune) cost one grace in all, not one each.
- The whole tree, not only process groups. A Prefect flow run runs in a session of its own, so a signal to
  the runner's group misses it; and when a parent dies first, its children are orphaned. `ProcessGuard`
  makes this process a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`): orphans of any descendant
  re-parent to it instead of to init, so `psutil.Process().children(recursive=True)` still finds every
  process we started, in whatever session, and the stop signals them all.
- Killed outright (SIGKILL, a crash, a closed terminal's SIGHUP), this process runs no `finally`. Every child
  is started with `PR_SET_PDEATHSIG` = SIGKILL, so it dies with us. SIGKILL rather than SIGTERM: the signal
  only comes when the orderly stop could not run at all, the flow runner ignores SIGTERM, and what the
  children keep (SQLite and PostgreSQL stores, the MLflow artifact folder) survives a kill; the ports are
  free at once. The signal follows the death of the thread that started the child: start children from the
  main thread (as `up` does). Grandchildren get no such signal, so a watchdog (`watch`, a small process of
  its own, in its own session so a terminal's Ctrl+C or a group kill does not reach it) holds the read end
  of a pipe whose write end only this process has. It refreshes its snapshot of our descendants (and the
  process groups they lead) every second; at end of file (we died) it sends SIGTERM to all of them and to
  every process whose environment carries our token (`SUPERVISOR_TOKEN_VARIABLE`, set in every child's
  environment and inherited below it: it finds a flow run started in the last second, before a snapshot
  saw it), then SIGKILL after a short grace. An orderly stop dismisses it (one byte on the pipe) instead.
- Processes are identified by pid and start time (psutil), so a reused pid is never signalled.
- Set the guard up after the embedded PostgreSQL has started: its server is a daemon of its own (orphaned
  to init when `pg_ctl` exits), stopped by `EmbeddedPostgres.stop`, never swept here.

Elsewhere than Linux the guard degrades to process groups and the shared deadline.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import functools
import logging
import os
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from api.core import priority

logger = logging.getLogger("postwright.supervisor")
# Every child's environment carries the supervisor's token; its descendants inherit it.
SUPERVISOR_TOKEN_VARIABLE = "POSTWRIGHT_SUPERVISOR"
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
# After SIGKILL a process is gone in milliseconds; this bounds a wait on one stuck in the kernel.
_KILL_WAIT = 5.0


class ServiceFailedToStart(RuntimeError):
    """A child service exited or never answered its health check; its log file says why."""


@dataclass
class ChildService:
    name: str
    argv: list[str]
    log_path: Path
    health_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Added to the child's niceness (lower CPU priority) right after it starts; its own children inherit it.
    nice: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        logger.info("starting %s", self.name, extra={"log": str(self.log_path)})
        # Own process group, so a terminal's Ctrl+C reaches us first and we stop the children ourselves;
        # killed with us when we die without stopping them (see the module docstring).
        self.process = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env, SUPERVISOR_TOKEN_VARIABLE: supervisor_token()},
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )
        if self.nice:
            # Its session's autogroup too: across sessions niceness alone weighs nothing (api.core.priority).
            priority.lower(self.process.pid, self.nice)

    def wait_healthy(self, timeout: float = 90.0) -> None:
        if self.health_url is None or self.process is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceFailedToStart(
                    f"{self.name} exited with code {self.process.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(self.health_url, timeout=2).status_code < 500:
                    logger.info("%s is up", self.name, extra={"url": self.health_url})
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise ServiceFailedToStart(
            f"{self.name} did not answer {self.health_url} in {timeout:.0f}s; see {self.log_path}"
        )

    def stop(self, grace: float = 10.0) -> None:
        """This child and everything it started (see `stop_all`); other children keep running."""
        stop_all([self], grace, sweep=False)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def venv_script(name: str) -> str:
    """A console script installed beside this interpreter (prefect, mlflow, bentoml)."""
    return str(Path(sys.executable).with_name(name))


# Stopping: see the module docstring.


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl, on Linux only."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


def become_subreaper() -> bool:
    """Orphans of our descendants re-parent to this process (not to init). False where unsupported."""
    prctl = _prctl()
    return prctl is not None and prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A `preexec_fn` (runs in the child between fork and exec): SIGKILL the child when `parent` dies."""
    prctl = _prctl()  # looked up before the fork: the child only calls it
    if prctl is None:
        return None

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above: no signal would ever come
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


@functools.cache
def _token(pid: int) -> str:
    return f"{pid}-{secrets.token_hex(8)}"


def supervisor_token() -> str:
    """This process's token, set in every child's environment (a forked copy gets a token of its own)."""
    return _token(os.getpid())


def _alive(process: psutil.Process) -> bool:
    """Running, and not a zombie (a zombie holds no port, memory or file; only its exit status)."""
    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _signal(process: psutil.Process, signum: int) -> None:
    # psutil checks the pid still names the same process (start time) before it signals.
    with contextlib.suppress(psutil.Error):
        process.send_signal(signum)


def _signal_groups(groups: Collection[int], signum: int) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signum)


def descendants(spare: Collection[int] = ()) -> set[psutil.Process]:
    """Every living process below this one, except the pids in `spare`."""
    try:
        found = psutil.Process().children(recursive=True)
    except psutil.Error:
        return set()
    return {process for process in found if process.pid not in spare and _alive(process)}


def _reap(children: Sequence[ChildService]) -> None:
    """Collect the exit status of dead children: ours, and orphans that re-parented to us."""
    tracked = {child.process.pid for child in children if child.process is not None}
    for child in children:
        if child.process is not None:
            child.process.poll()
    with contextlib.suppress(psutil.Error):
        for process in psutil.Process().children():
            if process.pid not in tracked and not _alive(process):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(process.pid, os.WNOHANG)


def _trees(children: Sequence[ChildService]) -> set[psutil.Process]:
    """The children and their descendants."""
    found = set()
    for child in children:
        if child.process is None:
            continue
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(child.process.pid)
            found |= {root, *root.children(recursive=True)}
    return {process for process in found if _alive(process)}


def stop_all(
    children: Sequence[ChildService],
    grace: float = 10.0,
    spare: Collection[int] = (),
    sweep: bool = True,
) -> set[psutil.Process]:
    """Stop the children and everything below them under one deadline; with `sweep`, every other
    descendant of this process too (orphans re-parented here), except the pids in `spare`.

    SIGTERM to every child's process group and every process at once (and to any that appear meanwhile),
    SIGKILL to whatever still runs `grace` seconds later. Returns what outlived SIGKILL (normally nothing).
    """
    started = time.monotonic()
    deadline = started + grace
    running = [child for child in children if child.process is not None and child.process.poll() is None]
    groups = [child.process.pid for child in running if child.process is not None]
    if running:
        logger.info("stopping %s", ", ".join(child.name for child in running))
    seen: set[psutil.Process] = set()

    def living() -> set[psutil.Process]:
        # Without a subreaper an orphan leaves our tree: what was seen once is followed to its end.
        seen.update(descendants(spare) if sweep else _trees(children))
        seen.intersection_update({process for process in seen if _alive(process)})
        return set(seen)

    _signal_groups(groups, signal.SIGTERM)
    terminated: set[psutil.Process] = set()
    while True:
        _reap(children)
        alive = living()
        for process in alive - terminated:
            _signal(process, signal.SIGTERM)
        terminated |= alive
        if not alive or time.monotonic() >= deadline or all(_bookkeeper(process) for process in alive):
            break
        time.sleep(0.1)
    if alive:
        if not all(_bookkeeper(process) for process in alive):
            logger.warning(
                "still running %.0fs after SIGTERM, killing them",
                grace,
                extra={"processes": sorted(_describe(process) for process in alive)},
            )
        kill_deadline = time.monotonic() + _KILL_WAIT
        while alive and time.monotonic() < kill_deadline:
            _signal_groups(groups, signal.SIGKILL)
            for process in alive:
                _signal(process, signal.SIGKILL)
            time.sleep(0.05)
            _reap(children)
            alive = living()
    if alive:
        logger.error("processes outlived SIGKILL", extra={"pids": sorted(p.pid for p in alive)})
    elif running or terminated:
        logger.info("stopped everything in %.1fs", time.monotonic() - started)
    return alive


def _bookkeeper(process: psutil.Process) -> bool:
    """Python's multiprocessing resource tracker (the API's worker processes start one): it ignores SIGTERM
    by design and waits for its users to exit; once nothing else is left it is killed at once instead of
    holding the stop for the whole grace period."""
    try:
        return "multiprocessing.resource_tracker" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _describe(process: psutil.Process) -> str:
    try:
        return f"{process.pid} {process.name()}"
    except psutil.Error:
        return str(process.pid)


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """A second Ctrl+C (or SIGTERM) must not cut the stop short; its deadline bounds it anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)


class ProcessGuard:
    """This process's whole tree: orphans come back to it, a watchdog ends the tree if this process is
    killed outright, and `stop` ends it under one deadline. Start it before the first child."""

    def __init__(self, watchdog: subprocess.Popen[bytes] | None, pipe: int | None, subreaper: bool) -> None:
        self.watchdog = watchdog
        self.subreaper = subreaper
        self._pipe = pipe

    @classmethod
    def start(cls, after_death_grace: float = 3.0) -> ProcessGuard:
        """Subreaper and watchdog, as far as the platform allows; never raises (it only warns)."""
        subreaper = become_subreaper()
        watchdog = pipe = None
        read_end, write_end = os.pipe()  # not inheritable: no other child holds the write end
        try:
            watchdog = subprocess.Popen(
                [
                    *python_module("api.supervisor", "watch", str(os.getpid()), str(read_end)),
                    *("--token", supervisor_token(), "--grace", str(after_death_grace)),
                ],
                pass_fds=(read_end,),
                stdin=subprocess.DEVNULL,
                # -m finds the api package from here, installed or not
                cwd=Path(__file__).resolve().parent.parent,
                start_new_session=True,
            )
            pipe = write_end
        except OSError as error:
            os.close(write_end)
            logger.warning(
                "no watchdog: a killed `up` may leave processes behind", extra={"error": str(error)}
            )
        finally:
            os.close(read_end)
        if not subreaper:
            logger.warning("not a subreaper here: orphaned grandchildren are stopped by process group only")
        return cls(watchdog, pipe, subreaper)

    @property
    def spared(self) -> set[int]:
        return {self.watchdog.pid} if self.watchdog is not None else set()

    def stop(self, children: Sequence[ChildService], grace: float = 10.0) -> set[psutil.Process]:
        """Every child and descendant (see `stop_all`), then the watchdog is dismissed."""
        with _uninterrupted():
            try:
                return stop_all(children, grace, spare=self.spared)
            finally:
                self.dismiss()

    def dismiss(self) -> None:
        """Tell the watchdog all is stopped: it exits without touching anything."""
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                os.write(self._pipe, b"q")
            os.close(self._pipe)
            self._pipe = None
        if self.watchdog is not None:
            try:
                self.watchdog.wait(_KILL_WAIT)
            except subprocess.TimeoutExpired:
                self.watchdog.kill()
                self.watchdog.wait()


def watch(supervisor: int, pipe: int, token: str, grace: float = 3.0) -> None:
    """The watchdog's loop: follow `supervisor`'s descendants until it dies (end of file on `pipe`) or
    dismisses us (a byte on it); on its death, end every process it left behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    me = os.getpid()
    known: set[psutil.Process] = set()
    groups: set[int] = set()
    try:
        parent = psutil.Process(supervisor)
    except psutil.NoSuchProcess:
        parent = None
    while parent is not None:
        ready, _, _ = select.select([pipe], [], [], 1.0)
        if ready:
            if os.read(pipe, 16):
                return  # dismissed: the supervisor stopped everything itself
            break
        try:
            current = {process for process in parent.children(recursive=True) if process.pid != me}
        except psutil.NoSuchProcess:
            break
        known = {process for process in known | current if _alive(process)}
        # Only groups that our descendants lead: never the terminal's job or the supervisor's own group.
        for process in known:
            with contextlib.suppress(OSError):
                if os.getpgid(process.pid) == process.pid:
                    groups.add(process.pid)
    _sweep(known, groups, token, grace)


def _sweep(known: set[psutil.Process], groups: set[int], token: str, grace: float) -> None:
    me = os.getpid()

    def targets() -> set[psutil.Process]:
        found = {process for process in known if _alive(process)}
        for process in psutil.process_iter():
            if process.pid == me:
                continue
            with contextlib.suppress(psutil.Error):
                if process.environ().get(SUPERVISOR_TOKEN_VARIABLE) == token and _alive(process):
                    found.add(process)
        known.update(found)
        return found

    for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, _KILL_WAIT)):
        _signal_groups(groups, signum)
        alive = targets()
        for process in alive:
            _signal(process, signum)
        deadline = time.monotonic() + wait
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = {process for process in alive if _alive(process)}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.supervisor")
    sub = parser.add_subparsers(dest="command", required=True)
    watch_parser = sub.add_parser("watch", help="the watchdog of a supervisor (started by ProcessGuard)")
    watch_parser.add_argument("supervisor", type=int)
    watch_parser.add_argument("pipe", type=int)
    watch_parser.add_argument("--token", required=True)
    watch_parser.add_argument("--grace", type=float, default=3.0)
    args: Any = parser.parse_args(argv)
    watch(args.supervisor, args.pipe, args.token, args.grace)


if __name__ == "__main__":
    main()
