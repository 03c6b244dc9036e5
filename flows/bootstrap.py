"""A fresh install needs a tone champion before any user can be analysed: `python -m flows.bootstrap`.

`make up` starts it first, beside the Prefect server and the MLflow UI (it waits until they answer), so
the first model is the first thing on the cores.
With no champion in the registry it trains the quick one (logistic regression on frozen MiniLM embeddings
of the shipped corpus: seconds) and registers it. Analyses asked for meanwhile wait for it in their runs;
any that no live run will do (one waited in vain, or an earlier stop cut it off) is started again here.
Once the tone service serves the champion and those first analyses are done, the full fine-tune starts as
a flow run in the background (when a Prefect server with the deployment is there); the gate promotes it
when it scores better. Later starts cost one registry lookup. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx
from mlflow import MlflowClient

from api.core.db import session_scope
from api.core.launcher import deployment_exists, get_launcher, read_flow_run
from api.voice import service as voice_service
from api.voice.models import ToneAnalysisRun
from flows.train_tone_classifier import ToneTrainingParams, train_tone_classifier
from ml.client import ModelUnavailable, get_client, wait_until_ready
from ml.registry import champion_version, configure_tracking
from ml.spec import CHAMPION_ALIAS
from ml.tone import TONE

FINE_TUNE_FLOW = "train-tone-classifier"
# At most this long (seconds) the fine-tune waits for the first champion to be served and the analyses
# asked for meanwhile to finish, so it does not take the cores from them.
FIRST_ANALYSES_GRACE = 180.0


def ensure_tone_champion(
    echo: Callable[[str], None] = print,
    *,
    params: ToneTrainingParams | None = None,
    fine_tune_in_background: bool = True,
    wait_for_deployment: float = 60.0,
    started_at: datetime | None = None,
    wait_for: Sequence[str] = (),
) -> str:
    """Return the champion's version, training a first one (default: the quick recipe) if there is none.

    Analyses asked for before `started_at` (an earlier start of the platform) whose runs are gone, and
    any that waited for a model in vain, are started again once there is a champion. `wait_for` names
    health URLs of services starting beside this (the Prefect API, the MLflow UI that creates the
    store's tables) that must answer before anything else is done.
    """
    started_at = started_at or datetime.now(UTC)
    wait_until_answering(wait_for)
    uri = configure_tracking()
    champion = champion_version(MlflowClient(), TONE.name)
    if champion is not None:
        echo(f"{TONE.name}@{CHAMPION_ALIAS} is version {champion.version} ({uri})")
        resume_analyses(echo, started_at)
        return str(champion.version)
    first = params or ToneTrainingParams(recipe="embedding-logreg")
    echo(
        f"No {TONE.name}@{CHAMPION_ALIAS} in the MLflow registry ({uri}): "
        f"training a first one ({first.recipe})."
    )
    outcome = train_tone_classifier(first)
    version = str(outcome["model_version"])
    echo(f"{TONE.name} v{version} ({first.recipe}) trained, test macro-F1 {outcome['test_macro_f1']:.3f}")
    resume_analyses(echo, started_at)
    if fine_tune_in_background:
        let_first_analyses_finish(echo, started_at, FIRST_ANALYSES_GRACE)
        start_fine_tune(echo, wait_for_deployment)
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


def let_first_analyses_finish(echo: Callable[[str], None], started_at: datetime, timeout: float) -> None:
    """Wait (at most `timeout` seconds) until the champion is served and the analyses asked for since
    `started_at` are done: the fine-tune would otherwise take the cores they need."""
    deadline = time.monotonic() + timeout
    try:
        wait_until_ready(get_client(TONE), timeout)
        while time.monotonic() < deadline:
            with session_scope() as session:
                if voice_service.count_unfinished_runs(session, since=started_at) == 0:
                    return
            time.sleep(2)
    except ModelUnavailable as error:
        echo(f"the first {TONE.name} champion is not served yet: {error}")
        return
    echo(f"tone analyses still running after {timeout:.0f}s: the fine-tune starts anyway")


def start_fine_tune(echo: Callable[[str], None], wait_for_deployment: float) -> None:
    """Start the full fine-tune as a run of its deployment (the flow runner registers it as it starts)."""
    deadline = time.monotonic() + wait_for_deployment
    while not deployment_exists(FINE_TUNE_FLOW):
        if time.monotonic() > deadline:
            echo(
                f"no {FINE_TUNE_FLOW} deployment on a Prefect server: start the fine-tune from the Prefect UI"
            )
            return
        time.sleep(2)
    run_id = get_launcher().start(FINE_TUNE_FLOW, {"params": ToneTrainingParams().model_dump()})
    echo(f"the full fine-tune runs in the background as Prefect flow run {run_id}")


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
    ensure_tone_champion(started_at=args.started_at, wait_for=args.wait_for)
    return 0


if __name__ == "__main__":
    sys.exit(main())
