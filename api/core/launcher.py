"""The one way the API starts and reads Prefect flow runs, for every flow, without importing flow modules.

A flow is named as in `prefect.yaml` (the one source of truth for deployments). When the configured Prefect
server has that deployment, the run is created from it and a worker (or `python -m flows.serve`) runs it.
Otherwise (`--api-only`, scripts, tests) the run is recorded in Prefect and executed here, one run at a
time, users taking turns: in a child process (`FLOW_EXECUTION=process`, the default, so a CPU-heavy
analysis never holds the API's interpreter) or on a background thread (`thread`, the test suite). The flow
object is looked up by its `prefect.yaml` entrypoint when a run starts, so the API never imports a flow
module at import time.
"""

from __future__ import annotations

import atexit
import contextvars
import importlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Protocol, cast

import httpx
import yaml

from api.core.config import PROJECT_ROOT, get_settings
from api.core.errors import ServiceUnavailable

logger = logging.getLogger("postwright.flows")

PREFECT_FILE = PROJECT_ROOT / "prefect.yaml"


def read_deployments(path: Path = PREFECT_FILE) -> list[dict[str, Any]]:
    """The `deployments:` entries of prefect.yaml."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    deployments = document.get("deployments") or []
    if not deployments:
        raise ValueError(f"{path} declares no deployments")
    return list(deployments)


def load_entrypoint(entrypoint: str) -> Any:
    """Import `flows/module.py:function` as the package module, so it is the same object everywhere."""
    from prefect import Flow

    file_part, _, attribute = entrypoint.partition(":")
    module_name = file_part.removesuffix(".py").replace("/", ".")
    flow = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(flow, Flow):
        raise TypeError(f"{entrypoint} is not a Prefect flow")
    return flow


def flow_for(name: str) -> Any:
    """The flow object of the deployment called `name` in prefect.yaml, or of the registered model
    (`ml.catalog`) whose training flow it is."""
    for entry in read_deployments():
        if entry["name"] == name:
            return load_entrypoint(entry["entrypoint"])
    from ml import catalog

    try:
        training = catalog.by_training_flow(name).training
    except KeyError:
        raise KeyError(
            f"prefect.yaml has no deployment named {name!r} and no registered model is trained by it"
        ) from None
    assert training is not None  # by_training_flow finds only models with a training flow
    return load_entrypoint(training.entrypoint)


@dataclass(frozen=True)
class FlowRunView:
    """What the API shows of a flow run."""

    id: uuid.UUID
    flow_name: str
    parameters: dict[str, Any]
    state_type: str
    state_name: str
    final: bool
    succeeded: bool
    message: str | None


class Launcher(Protocol):
    def start(self, flow_name: str, parameters: dict[str, Any]) -> uuid.UUID: ...


@dataclass
class _Job:
    key: str
    run_id: uuid.UUID
    call: Callable[[], None]
    future: Future[None]


class FairQueue:
    """Runs jobs one at a time on a background thread, taking their owners in turn (round robin), so one
    user's twenty requests do not make another user wait behind all of them; a job identical to one still
    waiting is not queued again (its run id is returned instead)."""

    KEEP_FINISHED = 1000

    def __init__(self, thread_name: str = "flow-run") -> None:
        self._owners: OrderedDict[str, deque[_Job]] = OrderedDict()
        self._waiting: dict[str, uuid.UUID] = {}
        # Futures by run id, oldest first: finished ones beyond KEEP_FINISHED are forgotten, so a
        # long-running API does not keep one per run it ever started.
        self._futures: OrderedDict[uuid.UUID, Future[None]] = OrderedDict()
        self._ready = threading.Condition()
        self._thread_name = thread_name
        self._worker: threading.Thread | None = None
        self._running = False

    def waiting(self, key: str) -> uuid.UUID | None:
        """The run id of an identical job that has not started yet."""
        with self._ready:
            return self._waiting.get(key)

    def submit(self, owner: str, key: str, run_id: uuid.UUID, call: Callable[[], None]) -> Future[None]:
        future: Future[None] = Future()
        with self._ready:
            self._owners.setdefault(owner, deque()).append(_Job(key, run_id, call, future))
            self._waiting[key] = run_id
            self._futures[run_id] = future
            finished = [run for run, known in self._futures.items() if known.done()]
            for run in finished[: max(0, len(finished) - self.KEEP_FINISHED)]:
                del self._futures[run]
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name=self._thread_name, daemon=True)
                self._worker.start()
            self._ready.notify_all()  # the worker and any drain wait on this condition
        return future

    def future(self, run_id: uuid.UUID) -> Future[None] | None:
        with self._ready:
            return self._futures.get(run_id)

    def _next(self) -> _Job:
        with self._ready:
            while not self._owners:
                self._ready.wait()
            owner, jobs = next(iter(self._owners.items()))
            job = jobs.popleft()
            del self._owners[owner]
            if jobs:  # back of the line: everyone else with work goes first
                self._owners[owner] = jobs
            if self._waiting.get(job.key) == job.run_id:
                del self._waiting[job.key]
            self._running = True
            return job

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued or running (at most `timeout` seconds); True when idle."""
        deadline = time.monotonic() + timeout
        with self._ready:
            while self._owners or self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._ready.wait(remaining)
        return True

    def _work(self) -> None:
        while True:
            job = self._next()
            try:
                if not job.future.set_running_or_notify_cancel():
                    continue
                job.call()
            except BaseException as error:  # recorded for whoever waits; the worker goes on
                job.future.set_exception(error)
            else:
                job.future.set_result(None)
            finally:
                with self._ready:
                    self._running = False
                    self._ready.notify_all()


class InProcessLauncher:
    """Creates the flow run, then executes it from this process's background thread (see `FairQueue`): in a
    child process, or on that thread itself (`FLOW_EXECUTION`)."""

    def __init__(self) -> None:
        self._queue = FairQueue()

    def start(self, flow_name: str, parameters: dict[str, Any]) -> uuid.UUID:
        """Record a flow run and queue its execution; return the run id at once. The same flow with the same
        parameters still waiting to run is not queued twice: its run id is returned."""
        from prefect import get_client
        from prefect.states import Scheduled

        key = f"{flow_name}:{json.dumps(parameters, sort_keys=True, default=str)}"
        if (existing := self._queue.waiting(key)) is not None:
            logger.info("%s already queued in-process", flow_name, extra={"flow_run_id": str(existing)})
            return existing
        flow = flow_for(flow_name)
        with get_client(sync_client=True) as client:
            flow_run = client.create_flow_run(flow, parameters=parameters, state=Scheduled())
            api_url = str(client.api_url)
        owner = str(parameters.get("user_id", "everyone"))
        if get_settings().flow_execution == "process":
            call = partial(_execute_in_child, flow_name, flow_run.id, api_url)
        else:
            # Prefect's settings (API URL, test harness) live in context variables a new thread would not see.
            call = partial(contextvars.copy_context().run, _execute, flow, flow_run, parameters)
        self._queue.submit(owner, key, flow_run.id, call)
        logger.info("%s queued in-process", flow_name, extra={"flow_run_id": str(flow_run.id)})
        return flow_run.id

    def drain(self, timeout: float) -> bool:
        """Wait for every queued run to finish (at most `timeout` seconds); True when all did."""
        return self._queue.drain(timeout)

    def wait(self, flow_run_id: uuid.UUID, timeout: float | None = None) -> None:
        """Block until a run started here has finished (tests and scripts)."""
        future = self._queue.future(flow_run_id)
        if future is None:
            raise KeyError(f"flow run {flow_run_id} was not started by this process")
        future.result(timeout=timeout)


def _execute(flow: Any, flow_run: Any, parameters: dict[str, Any]) -> None:
    """Run the flow; its failure is recorded in its Prefect state, so it is logged here, not raised."""
    from prefect.client.schemas.objects import State
    from prefect.flow_engine import run_flow_sync

    state = run_flow_sync(flow, flow_run=flow_run, parameters=parameters, return_type="state")
    if isinstance(state, State) and not state.is_completed():
        logger.warning("flow run %s ended %s: %s", flow_run.id, state.name, state.message)


_CHILDREN: set[subprocess.Popen[bytes]] = set()


def _execute_in_child(flow_name: str, flow_run_id: uuid.UUID, api_url: str) -> None:
    """Run the flow in `python -m api.core.launcher NAME RUN_ID` against this process's Prefect API and
    wait for it; a child that dies before the run reached a final state marks the run Crashed."""
    command = [sys.executable, "-m", "api.core.launcher", flow_name, str(flow_run_id)]
    child = subprocess.Popen(command, env=os.environ | {"PREFECT_API_URL": api_url}, cwd=PROJECT_ROOT)
    _CHILDREN.add(child)
    logger.info("%s runs in child process %s", flow_name, child.pid, extra={"flow_run_id": str(flow_run_id)})
    try:
        code = child.wait()
    finally:
        _CHILDREN.discard(child)
    if code != 0:
        _record_exit(flow_run_id, code)


def _record_exit(flow_run_id: uuid.UUID, code: int) -> None:
    """Log how a run whose child exited non-zero ended; one the child left unfinished is marked Crashed."""
    from prefect import get_client
    from prefect.states import Crashed

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
        if state is not None and state.is_final():
            logger.warning("flow run %s ended %s: %s", flow_run_id, state.name, state.message)
            return
        message = f"the flow's child process exited with code {code} before the run finished"
        client.set_flow_run_state(flow_run_id, Crashed(message=message), force=True)
    logger.warning("flow run %s crashed: %s", flow_run_id, message)


@atexit.register
def _stop_children() -> None:
    """Flow runs still executing when the API stops are stopped with it (their runs end Crashed)."""
    for child in list(_CHILDREN):
        child.terminate()
    for child in list(_CHILDREN):
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def run_child(flow_name: str, flow_run_id: str) -> int:
    """The child process's side: execute the recorded flow run; 0 when it completed."""
    from prefect import get_client
    from prefect.client.schemas.objects import State
    from prefect.flow_engine import run_flow_sync

    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(uuid.UUID(flow_run_id))
    flow = flow_for(flow_name)
    state = run_flow_sync(flow, flow_run=flow_run, parameters=dict(flow_run.parameters), return_type="state")
    return 0 if isinstance(state, State) and state.is_completed() else 1


class DeploymentLauncher:
    """Creates the run from the deployment for a worker (or `python -m flows.serve`) to execute."""

    def start(self, flow_name: str, parameters: dict[str, Any]) -> uuid.UUID:
        """Schedule a run now and return its id without waiting for it."""
        from prefect.client.schemas.objects import FlowRun
        from prefect.deployments import run_deployment
        from prefect.exceptions import ObjectNotFound

        name = f"{flow_name}/{flow_name}"
        try:
            flow_run = run_deployment(name, parameters=parameters, timeout=0, as_subflow=False)
        except ObjectNotFound as error:
            raise ServiceUnavailable(
                f"The Prefect deployment {name!r} does not exist: run `prefect deploy --all` "
                "(with a process worker) or `python -m flows.serve`."
            ) from error
        # Called from synchronous code, run_deployment returns the run, not a coroutine.
        return cast(FlowRun, flow_run).id


def deployment_exists(flow_name: str) -> bool:
    """True when a Prefect server is configured and has the flow's deployment."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        return False
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(f"{flow_name}/{flow_name}")
        except ObjectNotFound:
            return False
    return True


@lru_cache(maxsize=1)
def in_process_launcher() -> InProcessLauncher:
    """The process's one in-process launcher (it owns the background thread)."""
    return InProcessLauncher()


class _Router:
    """Per flow: its deployment when the Prefect server has it, this process otherwise."""

    def start(self, flow_name: str, parameters: dict[str, Any]) -> uuid.UUID:
        if deployment_exists(flow_name):
            return DeploymentLauncher().start(flow_name, parameters)
        logger.info("no %s deployment on a Prefect server: the run executes in-process", flow_name)
        return in_process_launcher().start(flow_name, parameters)


def get_launcher() -> Launcher:
    """The launcher every domain starts its flows through."""
    return _Router()


def read_flow_run(flow_run_id: uuid.UUID) -> FlowRunView | None:
    """The flow run with this id, or None if there is none."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            flow_run = client.read_flow_run(flow_run_id)
            flow = client.read_flow(flow_run.flow_id)
        except ObjectNotFound:
            return None
    if flow_run.state is None:
        return None
    state = flow_run.state
    return FlowRunView(
        id=flow_run.id,
        flow_name=flow.name,
        parameters=dict(flow_run.parameters),
        state_type=state.type.value,
        state_name=state.name or state.type.value.title(),
        final=state.is_final(),
        succeeded=state.is_completed(),
        message=state.message,
    )


# Reads of run states for requests: a few threads, so a stalled orchestrator ties up at most these.
_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="flow-run-read")
READ_TIMEOUT_SECONDS = 5.0


def read_flow_run_within(flow_run_id: uuid.UUID, timeout: float = READ_TIMEOUT_SECONDS) -> FlowRunView | None:
    """`read_flow_run` for a request: a Prefect API that does not answer within `timeout` seconds (still
    starting, overloaded, down; its client would retry for a minute) is a 503 with Retry-After."""
    # Prefect's settings (API URL, test harness) live in context variables the pool's thread would not see.
    future = _READS.submit(contextvars.copy_context().run, read_flow_run, flow_run_id)
    try:
        return future.result(timeout=timeout)
    except FutureTimeout:
        logger.warning("Prefect did not answer about flow run %s within %.0fs", flow_run_id, timeout)
        raise ServiceUnavailable(
            "The orchestrator (Prefect) did not answer in time; retry shortly.", retry_after=10
        ) from None
    except (httpx.HTTPError, OSError) as error:
        logger.warning("Prefect is unreachable: %s", type(error).__name__)
        raise ServiceUnavailable("The orchestrator (Prefect) is unreachable; retry shortly.", 10) from error


if __name__ == "__main__":
    from api.core.logging import configure_logging

    configure_logging(get_settings().log_level)
    sys.exit(run_child(*sys.argv[1:3]))
