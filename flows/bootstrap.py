"""A fresh install needs a tone champion before any user can be analysed: `python -m flows.bootstrap`.

`make up` calls `ensure_tone_champion()`. With no champion in the registry it trains the quick one
(logistic regression on frozen MiniLM embeddings of the shipped corpus: seconds) and, when a Prefect
server with the deployment is there, starts the full fine-tune as a flow run in the background; the gate
promotes it when it scores better. Later starts cost one registry lookup. Nothing is downloaded.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from mlflow import MlflowClient

from api.core.launcher import deployment_exists, get_launcher
from flows.train_tone_classifier import ToneTrainingParams, train_tone_classifier
from ml.registry import champion_version, configure_tracking
from ml.spec import CHAMPION_ALIAS
from ml.tone import TONE

FINE_TUNE_FLOW = "train-tone-classifier"


def ensure_tone_champion(
    echo: Callable[[str], None] = print,
    *,
    params: ToneTrainingParams | None = None,
    fine_tune_in_background: bool = True,
    wait_for_deployment: float = 60.0,
) -> str:
    """Return the champion's version, training a first one (default: the quick recipe) if there is none."""
    uri = configure_tracking()
    champion = champion_version(MlflowClient(), TONE.name)
    if champion is not None:
        echo(f"{TONE.name}@{CHAMPION_ALIAS} is version {champion.version} ({uri})")
        return str(champion.version)
    first = params or ToneTrainingParams(recipe="embedding-logreg")
    echo(
        f"No {TONE.name}@{CHAMPION_ALIAS} in the MLflow registry ({uri}): "
        f"training a first one ({first.recipe})."
    )
    outcome = train_tone_classifier(first)
    version = str(outcome["model_version"])
    echo(f"{TONE.name} v{version} ({first.recipe}) trained, test macro-F1 {outcome['test_macro_f1']:.3f}")
    if fine_tune_in_background:
        start_fine_tune(echo, wait_for_deployment)
    return version


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


if __name__ == "__main__":
    ensure_tone_champion()
    sys.exit(0)
