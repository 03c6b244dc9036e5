"""Serve every deployment of prefect.yaml, and every registered model's training flow, from this process
(`python -m flows.serve`), or register them all on a process work pool for workers
(`python -m flows.serve --deploy`, what `python -m api.cli deploy` runs).

The deployments, descriptions, parameters, schedules and work queues come from prefect.yaml, so a schedule
is written once and both the work pool's deployments and this local runner use it. A model of `ml.catalog`
whose training flow prefect.yaml does not list (no schedule of its own) is deployed too, on the training
queue, started by hand, from the Prefect UI or by the first-champion bootstrap.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import yaml
from prefect import get_client, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

from api.core.config import get_settings
from api.core.launcher import PREFECT_FILE, load_entrypoint, read_deployments
from ml import catalog

# The queue of a registered model's training flow that prefect.yaml does not list.
TRAINING_QUEUE = "training"
# The environment variable prefect.yaml's pull step reads when a worker starts a run: the checkout to run.
ROOT_VARIABLE = "POSTWRIGHT_ROOT"


def to_schedule(config: dict[str, Any]) -> Schedule:
    """One `schedules:` entry (cron or interval, as `prefect deploy` reads it) as a Prefect schedule."""
    common = {
        "timezone": config.get("timezone"),
        "active": config.get("active", True),
        "parameters": config.get("parameters") or {},
        "slug": config.get("slug"),
    }
    if "cron" in config:
        return Cron(config["cron"], day_or=config.get("day_or", True), **common)
    if "interval" in config:
        return Interval(config["interval"], **common)
    raise ValueError(f"unsupported schedule in prefect.yaml (use cron or interval): {config}")


def training_entries(listed: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deployment entries (as prefect.yaml writes them) of the registered models' training flows that
    `listed` does not already name."""
    names = {entry["name"] for entry in listed}
    pools = {entry["work_pool"]["name"] for entry in listed if entry.get("work_pool")}
    work_pool = {"name": pool_name(listed), "work_queue_name": TRAINING_QUEUE} if pools else None
    return [
        {
            "name": spec.training.flow,
            "entrypoint": spec.training.entrypoint,
            "description": f"Train {spec.name}; promote it only if it beats the champion.",
            "tags": ["ml"],
            **({"work_pool": work_pool} if work_pool else {}),
        }
        for spec in catalog.trained()
        if spec.training is not None and spec.training.flow not in names
    ]


def pool_name(listed: Sequence[dict[str, Any]]) -> str:
    """The one work pool prefect.yaml's deployments name."""
    pools = {entry["work_pool"]["name"] for entry in listed if entry.get("work_pool")}
    if len(pools) != 1:
        raise ValueError(f"prefect.yaml's deployments must name one work pool, not {sorted(pools)}")
    return str(pools.pop())


def build_deployments(path: Path = PREFECT_FILE, for_work_pool: bool = False) -> list[RunnerDeployment]:
    """RunnerDeployments, one per prefect.yaml entry (with its schedules and parameters) and one per
    registered model's training flow it does not list: for `serve()`, or (`for_work_pool`) with each
    entry's work queue and prefect.yaml's pull steps, for a work pool's workers."""
    built = []
    listed = read_deployments(path)
    pull = PullSteps(read_pull_steps(path)) if for_work_pool else None
    for entry in [*listed, *training_entries(listed)]:
        flow = load_entrypoint(entry["entrypoint"])
        queue = (entry.get("work_pool") or {}).get("work_queue_name") if for_work_pool else None
        deployment = cast(
            RunnerDeployment,
            # Called from synchronous code, to_deployment returns the deployment, not a coroutine.
            flow.to_deployment(
                name=entry["name"],
                description=entry.get("description"),
                tags=entry.get("tags") or [],
                parameters=entry.get("parameters") or {},
                schedules=[to_schedule(schedule) for schedule in entry.get("schedules") or []],
                work_queue_name=queue,
            ),
        )
        if pull is not None:
            # The code is the worker's checkout, where prefect.yaml's entrypoints are relative to its root
            # (whatever directory the deploy ran from).
            deployment.storage = pull
            deployment.entrypoint = entry["entrypoint"]
        built.append(deployment)
    return built


def read_pull_steps(path: Path = PREFECT_FILE) -> list[dict[str, Any]]:
    """The `pull:` steps of prefect.yaml, as written (their `{{ $VARIABLE }}`s resolve when a run starts)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(document.get("pull") or [])


class PullSteps:
    """Storage for a deployment that has its code where the worker runs: only pull steps (prefect.yaml's),
    which set the run's working directory to the worker's checkout."""

    def __init__(self, steps: list[dict[str, Any]]) -> None:
        self.pull_steps = steps
        self._base_path = Path.cwd()

    def set_base_path(self, path: Path) -> None:
        self._base_path = path

    @property
    def destination(self) -> Path:
        return self._base_path

    @property
    def pull_interval(self) -> int | None:
        return None

    async def pull_code(self) -> None:
        """Nothing to fetch: the worker's checkout is the code."""

    def to_pull_step(self) -> list[dict[str, Any]]:
        return self.pull_steps

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PullSteps) and self.pull_steps == other.pull_steps

    __hash__ = None  # type: ignore[assignment]


def deploy(
    pool: str | None = None, limits: Mapping[str, int] | None = None, path: Path = PREFECT_FILE
) -> list[str]:
    """Create the process work pool and the work queues the deployments name (each with its concurrency
    limit from `limits`, WORK_QUEUE_LIMITS by default), then register every deployment on its queue with
    its schedules. Idempotent: a second call updates the same pool, queues and deployments. Returns the
    deployments' names."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    limits = dict(get_settings().work_queue_limits if limits is None else limits)
    pool = pool or pool_name(read_deployments(path))
    deployments = build_deployments(path, for_work_pool=True)
    queues = sorted({deployment.work_queue_name or "default" for deployment in deployments})
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=pool, type="process", base_job_template=template))
        for queue in queues:
            limit = limits.get(queue)
            try:
                existing = client.read_work_queue_by_name(queue, work_pool_name=pool)
            except ObjectNotFound:
                client.create_work_queue(queue, work_pool_name=pool, concurrency_limit=limit)
            else:
                if existing.concurrency_limit != limit:
                    client.update_work_queue(existing.id, concurrency_limit=limit)
    for deployment in deployments:
        deployment.apply(work_pool_name=pool)
    return [deployment.name for deployment in deployments]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__)
    parser.add_argument("--limit", type=int, default=1, help="flow runs executed at the same time")
    parser.add_argument(
        "--deploy",
        action="store_true",
        help="register the deployments on a process work pool (created with its queues) instead of serving",
    )
    parser.add_argument("--pool", default=None, help="with --deploy: the work pool (default: prefect.yaml's)")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=2.0,
        help="how often to look for runs to start (a user's analysis waits at most this long to begin)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if args.deploy:
        names = deploy(args.pool)
        print(
            f"{len(names)} deployments on work pool {args.pool or pool_name(read_deployments())}: "
            + ", ".join(names),
            flush=True,
        )
        return
    serve(*build_deployments(), limit=args.limit, query_seconds=args.poll_seconds)


if __name__ == "__main__":
    main()
