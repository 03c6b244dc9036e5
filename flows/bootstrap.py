"""A fresh install needs a champion before any user can be analysed: `python -m flows.bootstrap`.

`make up` calls `ensure_tone_champion()`; it trains on the shipped corpus only when the registry has no
champion, so later starts cost one registry lookup. Nothing is downloaded: the base model and the corpus
ship with the installed packages.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from mlflow import MlflowClient

from flows.tracking import champion_version, configure_tracking
from flows.train_tone_classifier import ToneTrainingParams, train_tone_classifier
from serving.tone_model import CHAMPION_ALIAS, MODEL_NAME


def ensure_tone_champion(
    echo: Callable[[str], None] = print,
    *,
    params: ToneTrainingParams | None = None,
    import_to_bento: bool = True,
) -> str:
    """Return the champion's version, training a first one (default: shipped corpus) if there is none.

    With `import_to_bento`, also make sure the Bento store holds that champion, so `bentoml serve` works.
    """
    uri = configure_tracking()
    champion = champion_version(MlflowClient(), MODEL_NAME)
    if champion is not None:
        echo(f"{MODEL_NAME}@{CHAMPION_ALIAS} is version {champion.version} ({uri})")
        version = str(champion.version)
    else:
        echo(
            f"No {MODEL_NAME}@{CHAMPION_ALIAS} in the MLflow registry ({uri}): training a first one on the "
            "shipped tone corpus. This takes a few minutes on a laptop CPU; progress follows."
        )
        outcome = train_tone_classifier(params or ToneTrainingParams())
        version = str(outcome["model_version"])
        echo(
            f"{MODEL_NAME} version {version} trained (test macro-F1 {outcome['test_macro_f1']:.3f}): "
            f"{outcome['reason']}"
        )
    if import_to_bento:
        from serving.bento_store import ensure_champion_imported

        echo(f"Bento store: {ensure_champion_imported(MODEL_NAME)}")
    return version


if __name__ == "__main__":
    ensure_tone_champion()
    sys.exit(0)
