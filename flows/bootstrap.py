"""First champions for a fresh install, before users can be served: `python -m flows.bootstrap`.

Which models: those whose `ModelSpec.training` names `first_champion` parameters in `ml.catalog` (the
tone classifier: every analysis waits for it). `make up` starts this first, beside the Prefect server and
the MLflow UI (it waits until they answer), so the first models are the first thing on the cores.
For each such model with no champion in the registry it runs the model's training flow with its quick
first-champion parameters (the tone model: logistic regression on frozen MiniLM embeddings of the shipped
corpus, seconds) and registers it. Analyses asked for meanwhile wait for it in their runs; any that no
live run will do (one waited in vain, or an earlier stop cut it off) is started again here. Once the
model is served and those first analyses are done, the full training (`follow_up` parameters) starts as
a flow run of the model's deployment in the background (when a Prefect server with the deployment is
there); the gate promotes it when it scores better. Later starts cost one registry lookup per model.
Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from mlflow import MlflowClient
from pydantic import BaseModel

from api.core.db import session_scope
from api.core.launcher import deployment_exists, flow_for, get_launcher, read_flow_run
from api.voice import service as voice_service
from api.voice.models import ToneAnalysisRun
from ml import catalog
from ml.client import ModelUnavailable, get_client, wait_until_ready
from ml.registry import champion_version, configure_tracking
from ml.spec import CHAMPION_ALIAS, ModelSpec, Training

# At most this long (seconds) a follow-up training waits for the first champion to be served and the
# analyses asked for meanwhile to finish, so it does not take the cores from them.
FIRST_ANALYSES_GRACE = 180.0


def ensure_first_champions(
    echo: Callable[[str], None] = print,
    *,
    params: Mapping[str, BaseModel | Mapping[str, Any]] | None = None,
    follow_up_in_background: bool = True,
    wait_for_deployment: float = 60.0,
    started_at: datetime | None = None,
    wait_for: Sequence[str] = (),
) -> dict[str, str]:
    """Return each listed model's champion version, training a first one where there is none.

    `params` overrides, per model name, the first-champion parameters its spec names. Analyses asked for
    before `started_at` (an earlier start of the platform) whose runs are gone, and any that waited for a
    model in vain, are started again once the champions exist. `wait_for` names health URLs of services
    starting beside this (the Prefect API, the MLflow UI that creates the store's tables) that must
    answer before anything else is done.
    """
    started_at = started_at or datetime.now(UTC)
    wait_until_answering(wait_for)
    uri = configure_tracking()
    versions: dict[str, str] = {}
    trained: list[ModelSpec[Any, Any]] = []
    for spec in catalog.needing_first_champion():
        champion = champion_version(MlflowClient(), spec.name)
        if champion is not None:
            echo(f"{spec.name}@{CHAMPION_ALIAS} is version {champion.version} ({uri})")
            versions[spec.name] = str(champion.version)
            continue
        versions[spec.name] = train_first_champion(spec, echo, uri, (params or {}).get(spec.name))
        trained.append(spec)
    resume_analyses(echo, started_at)
    if follow_up_in_background:
        for spec in trained:
            training = _training(spec)
            if training.follow_up is not None:
                let_first_analyses_finish(spec, echo, started_at, FIRST_ANALYSES_GRACE)
                start_follow_up(training, echo, wait_for_deployment)
    return versions


def _training(spec: ModelSpec[Any, Any]) -> Training:
    if spec.training is None:
        raise LookupError(f"{spec.name} has no training flow")
    return spec.training


def train_first_champion(
    spec: ModelSpec[Any, Any],
    echo: Callable[[str], None],
    uri: str,
    params: BaseModel | Mapping[str, Any] | None,
) -> str:
    """Run the model's training flow here with its first-champion parameters; return the new version."""
    training = _training(spec)
    chosen = params if params is not None else training.first_champion or {}
    shown = chosen.model_dump() if isinstance(chosen, BaseModel) else dict(chosen)
    echo(
        f"No {spec.name}@{CHAMPION_ALIAS} in the MLflow registry ({uri}): training a first one "
        f"({', '.join(f'{key} {value}' for key, value in shown.items()) or 'default parameters'})."
    )
    # The flow validates a plain mapping into its typed parameters, as it does for a deployment run.
    outcome = flow_for(training.flow)(params=chosen)
    version = str(outcome["model_version"])
    echo(f"{spec.name} v{version} trained, test {spec.metric} {outcome[spec.metric]:.3f}")
    return version


def wait_until_answering(urls: Sequence[str], timeout: float = 120.0) -> None:
    """Wait until every URL answers (at most `timeout` seconds; what needs a service that never came up
    then fails with that service's own error)."""
    deadline = time.monotonic() + timeout
    for url in urls:
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)


def resume_analyses(echo: Callable[[str], None], started_at: datetime) -> None:
    """Start again every analysis asked for that no live run will do. A run from before `started_at`
    belonged to an earlier start (its runner is gone, whatever Prefect last heard); a later one is live
    while Prefect has it in a state that is not final."""

    def is_live(run: ToneAnalysisRun) -> bool:
        if run.requested_at < started_at:
            return False
        view = read_flow_run(run.flow_run_id)
        return view is not None and not view.final

    try:
        resumed = voice_service.resume_pending_analyses(is_live)
    except Exception as error:  # the champion stands; the next start looks again
        echo(f"could not look for tone analyses waiting for a model: {error}")
        return
    if resumed:
        echo(f"started again the tone analyses of {len(resumed)} users that were waiting for a model")


def let_first_analyses_finish(
    spec: ModelSpec[Any, Any], echo: Callable[[str], None], started_at: datetime, timeout: float
) -> None:
    """Wait (at most `timeout` seconds) until the first champion is served and the analyses asked for
    since `started_at` are done: the follow-up training would otherwise take the cores they need."""
    deadline = time.monotonic() + timeout
    try:
        wait_until_ready(get_client(spec), timeout)
        while time.monotonic() < deadline:
            with session_scope() as session:
                if voice_service.count_unfinished_runs(session, since=started_at) == 0:
                    return
            time.sleep(2)
    except ModelUnavailable as error:
        echo(f"the first {spec.name} champion is not served yet: {error}")
        return
    echo(f"analyses still running after {timeout:.0f}s: the {spec.name} follow-up training starts anyway")


def start_follow_up(training: Training, echo: Callable[[str], None], wait_for_deployment: float) -> None:
    """Start the full training as a run of its deployment (the flow runner registers it as it starts)."""
    deadline = time.monotonic() + wait_for_deployment
    while not deployment_exists(training.flow):
        if time.monotonic() > deadline:
            echo(f"no {training.flow} deployment on a Prefect server: start it from the Prefect UI")
            return
        time.sleep(2)
    run_id = get_launcher().start(training.flow, {"params": dict(training.follow_up or {})})
    echo(f"{training.flow} runs in the background as Prefect flow run {run_id}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.bootstrap", description=__doc__)
    parser.add_argument(
        "--started-at",
        type=datetime.fromisoformat,
        default=None,
        help="when the platform started (ISO 8601): analyses asked for before it are started again",
    )
    parser.add_argument(
        "--wait-for",
        action="append",
        default=[],
        metavar="URL",
        help="a health URL of a service starting beside this one, to wait for first (repeatable)",
    )
    args = parser.parse_args(argv)
    ensure_first_champions(started_at=args.started_at, wait_for=args.wait_for)
    return 0


if __name__ == "__main__":
    sys.exit(main())
