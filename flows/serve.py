"""Serve every deployment of prefect.yaml, and every registered model's training flow, from this process:
`python -m flows.serve`.

The deployments, descriptions, parameters and schedules come from prefect.yaml, so a schedule is written
once and both `prefect deploy` (work pools) and this local runner use it. A model of `ml.catalog` whose
training flow prefect.yaml does not list (no schedule of its own) is served too, started by hand, from the
Prefect UI or by the first-champion bootstrap.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

from api.core.launcher import PREFECT_FILE, load_entrypoint, read_deployments
from ml import catalog


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
    return [
        {
            "name": spec.training.flow,
            "entrypoint": spec.training.entrypoint,
            "description": f"Train {spec.name}; promote it only if it beats the champion.",
            "tags": ["ml"],
        }
        for spec in catalog.trained()
        if spec.training is not None and spec.training.flow not in names
    ]


def build_deployments(path: Path = PREFECT_FILE) -> list[RunnerDeployment]:
    """RunnerDeployments for `serve()`, one per prefect.yaml entry (with its schedules and parameters) and
    one per registered model's training flow it does not list."""
    built = []
    listed = read_deployments(path)
    for entry in [*listed, *training_entries(listed)]:
        flow = load_entrypoint(entry["entrypoint"])
        deployment = flow.to_deployment(
            name=entry["name"],
            description=entry.get("description"),
            tags=entry.get("tags") or [],
            parameters=entry.get("parameters") or {},
            schedules=[to_schedule(schedule) for schedule in entry.get("schedules") or []],
        )
        # Called from synchronous code, to_deployment returns the deployment, not a coroutine.
        built.append(cast(RunnerDeployment, deployment))
    return built


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__)
    parser.add_argument("--limit", type=int, default=1, help="flow runs executed at the same time")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=2.0,
        help="how often to look for runs to start (a user's analysis waits at most this long to begin)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    serve(*build_deployments(), limit=args.limit, query_seconds=args.poll_seconds)


if __name__ == "__main__":
    main()
