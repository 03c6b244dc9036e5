"""What every model service does with its live champion: readiness, and a 503 while none is loaded."""

from __future__ import annotations

from typing import Any

import bentoml

from ml.champion import LiveChampion, Loaded
from ml.client import ModelUnavailable


def start_champion(champion: LiveChampion[Any, Any], logger: Any) -> LiveChampion[Any, Any]:
    """Load the champion now if the registry has one, and keep following its alias."""
    try:
        champion.refresh()
    except Exception:  # the registry may be unreachable at start; the watcher retries and says why
        logger.exception("could not load the %s champion at start", champion.spec.name)
    if champion.last_error:
        logger.error("no %s model yet: %s", champion.spec.name, champion.last_error)
    champion.start_watching()
    return champion


def is_ready(champion: LiveChampion[Any, Any]) -> bool:
    """Ready only once a champion is loaded (the service's `/readyz`)."""
    try:
        champion.current()
    except ModelUnavailable:
        return False
    return True


def loaded_or_503(champion: LiveChampion[Any, Any]) -> Loaded:
    """The loaded champion, or BentoML's 503 saying what is being prepared."""
    try:
        return champion.current()
    except ModelUnavailable as error:
        raise bentoml.exceptions.ServiceUnavailable(str(error)) from error


def predict_or_503(champion: LiveChampion[Any, Any], inputs: list[Any]) -> tuple[list[Any], str]:
    """Results and version from one snapshot of the champion, or a 503."""
    try:
        return champion.predict(inputs)
    except ModelUnavailable as error:
        raise bentoml.exceptions.ServiceUnavailable(str(error)) from error
