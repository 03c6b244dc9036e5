"""Starting and reading `analyze-user-tone` flow runs, in-process or through the Prefect deployment.

Embedded default (no Prefect API configured): the run is created in Prefect's local store and executed by
a single background thread of this process, one analysis at a time. When `PREFECT_API_URL` points at a
server that has the `analyze-user-tone` deployment, the run is created from it and a worker (or
`python -m flows.serve`) runs it.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, cast

from api.core.errors import ServiceUnavailable

logger = logging.getLogger("postwright.voice")

FLOW_NAME = "analyze-user-tone"
DEPLOYMENT_NAME = f"{FLOW_NAME}/{FLOW_NAME}"


@dataclass(frozen=True)
class AnalysisRun:
    """What the API shows of a flow run."""

    id: uuid.UUID
    parameters: dict[str, Any]
    state_type: str
    state_name: str
    final: bool
    succeeded: bool
    message: str | None


class Launcher(Protocol):
    def start(self, user_id: uuid.UUID) -> uuid.UUID: ...


class InProcessLauncher:
    """Creates the flow run, then executes it on this process's single analysis thread."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._futures: dict[uuid.UUID, Future[Any]] = {}
        self._lock = threading.Lock()

    def start(self, user_id: uuid.UUID) -> uuid.UUID:
        """Record a flow run for the user and queue its execution; return the run id at once."""
        from prefect import get_client
        from prefect.states import Scheduled

        from flows.analyze_user_tone import analyze_user_tone

        with get_client(sync_client=True) as client:
            flow_run = client.create_flow_run(
                analyze_user_tone, parameters={"user_id": str(user_id)}, state=Scheduled()
            )
        # Prefect's settings (API URL, test harness) live in context variables a new thread would not see.
        context = contextvars.copy_context()
        future = self._pool().submit(context.run, _execute, flow_run, user_id)
        with self._lock:
            self._futures[flow_run.id] = future
        logger.info("tone analysis queued in-process", extra={"flow_run_id": str(flow_run.id)})
        return flow_run.id

    def wait(self, flow_run_id: uuid.UUID, timeout: float | None = None) -> None:
        """Block until a run started here has finished (tests and scripts)."""
        with self._lock:
            future = self._futures.get(flow_run_id)
        if future is None:
            raise KeyError(f"flow run {flow_run_id} was not started by this process")
        future.result(timeout=timeout)

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                # One at a time: each analysis loads models and uses every core it is given.
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tone-analysis")
            return self._executor


def _execute(flow_run: Any, user_id: uuid.UUID) -> None:
    """Run the flow; its failure is recorded in its Prefect state, so it is logged here, not raised."""
    from prefect.client.schemas.objects import State
    from prefect.flow_engine import run_flow_sync

    from flows.analyze_user_tone import analyze_user_tone

    state = run_flow_sync(
        analyze_user_tone, flow_run=flow_run, parameters={"user_id": user_id}, return_type="state"
    )
    if isinstance(state, State) and not state.is_completed():
        logger.warning("tone analysis %s ended %s: %s", flow_run.id, state.name, state.message)


class DeploymentLauncher:
    """Creates the run from the `analyze-user-tone` deployment for a worker to execute."""

    def start(self, user_id: uuid.UUID) -> uuid.UUID:
        """Schedule a run now and return its id without waiting for it."""
        from prefect.client.schemas.objects import FlowRun
        from prefect.deployments import run_deployment
        from prefect.exceptions import ObjectNotFound

        try:
            flow_run = run_deployment(
                DEPLOYMENT_NAME, parameters={"user_id": str(user_id)}, timeout=0, as_subflow=False
            )
        except ObjectNotFound as error:
            raise ServiceUnavailable(
                f"The Prefect deployment {DEPLOYMENT_NAME!r} does not exist: run `prefect deploy --all` "
                "(with a process worker) or `python -m flows.serve`."
            ) from error
        # Called from synchronous code, run_deployment returns the run, not a coroutine.
        return cast(FlowRun, flow_run).id


def deployment_exists(name: str = DEPLOYMENT_NAME) -> bool:
    """True when a Prefect server is configured and has the analysis deployment."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        return False
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(name)
        except ObjectNotFound:
            return False
    return True


@lru_cache(maxsize=1)
def in_process_launcher() -> InProcessLauncher:
    """The process's one in-process launcher (it owns the analysis thread)."""
    return InProcessLauncher()


def get_launcher() -> Launcher:
    """The deployment when the Prefect server has it (workers run it), this process otherwise."""
    if deployment_exists():
        return DeploymentLauncher()
    logger.info("no %s deployment on a Prefect server: tone analysis runs in-process", DEPLOYMENT_NAME)
    return in_process_launcher()


def read_analysis_run(flow_run_id: uuid.UUID) -> AnalysisRun | None:
    """The analysis run with this id, or None if there is none (or it is not an analysis run)."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            flow_run = client.read_flow_run(flow_run_id)
            flow = client.read_flow(flow_run.flow_id)
        except ObjectNotFound:
            return None
    if flow.name != FLOW_NAME or flow_run.state is None:
        return None
    state = flow_run.state
    return AnalysisRun(
        id=flow_run.id,
        parameters=dict(flow_run.parameters),
        state_type=state.type.value,
        state_name=state.name or state.type.value.title(),
        final=state.is_final(),
        succeeded=state.is_completed(),
        message=state.message,
    )
