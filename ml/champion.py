"""A serving process's champion: loaded from the Bento store, swapped live when the registry alias moves.

A request takes one `Loaded` snapshot (model and version together) and uses it to the end, so a swap in
the middle of a request changes nothing for it: no request fails during a promotion.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import bentoml
from mlflow import MlflowClient

from ml.bento import MLFLOW_VERSION_LABEL, ensure_imported
from ml.client import ModelUnavailable
from ml.config import MLSettings, get_ml_settings
from ml.registry import champion_version, configure_tracking
from ml.spec import CHAMPION_ALIAS, ModelSpec

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")

logger = logging.getLogger("postwright.ml")
# Until a first champion is loaded the registry is asked this often (seconds): on a fresh install work is
# waiting for it, and the lookup costs a few milliseconds.
FIRST_CHAMPION_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Loaded:
    """One loaded champion: the pyfunc model, its registry version and its Bento tag."""

    model: Any
    version: str
    bento_tag: str


class LiveChampion(Generic[I, R]):
    """Keeps the registry's champion of one model loaded, and swaps in a new one when the alias moves."""

    def __init__(self, spec: ModelSpec[I, R], settings: MLSettings | None = None) -> None:
        self.spec = spec
        self._settings = settings or get_ml_settings()
        self._loaded: Loaded | None = None
        self._swap_lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.last_error: str | None = None

    def current(self) -> Loaded:
        """The loaded champion, or ModelUnavailable saying what is being prepared."""
        loaded = self._loaded
        if loaded is None:
            raise ModelUnavailable(
                self.last_error
                or f"no {self.spec.name}@{CHAMPION_ALIAS} is loaded yet: {self.spec.preparing_message}"
            )
        return loaded

    def refresh(self) -> bool:
        """Load the registry's champion if it is not the one loaded; True when a new one was swapped in."""
        with self._swap_lock:
            configure_tracking(self._settings)
            champion = champion_version(MlflowClient(), self.spec.name)
            if champion is None:
                self.last_error = (
                    f"the MLflow registry has no {self.spec.name}@{CHAMPION_ALIAS} yet: "
                    f"{self.spec.preparing_message}"
                )
                return False
            version = str(champion.version)
            if self._loaded is not None and self._loaded.version == version:
                return False
            bento_model = ensure_imported(self.spec, version)
            model = bentoml.mlflow.load_model(bento_model)
            # One reference assignment: a request sees the old champion or the new one, never a mix.
            self._loaded = Loaded(
                model, bento_model.info.labels.get(MLFLOW_VERSION_LABEL, version), str(bento_model.tag)
            )
            self.last_error = None
            logger.info("%s: serving v%s (%s)", self.spec.name, version, bento_model.tag)
            return True

    def predict(self, inputs: list[I]) -> tuple[list[R], str]:
        """Results from one snapshot of the champion, and its version."""
        loaded = self.current()
        if not inputs:
            return [], loaded.version
        output = loaded.model.predict(self.spec.to_frame(inputs))
        return self.spec.from_frame(output), loaded.version

    def start_watching(self, interval: float | None = None) -> None:
        """Poll the registry in a daemon thread and swap a new champion in as soon as it appears (every
        second until the first one is loaded)."""
        if self._watcher is not None:
            return
        period = interval if interval is not None else self._settings.champion_poll_seconds

        def next_wait() -> float:
            return period if self._loaded is not None else min(period, FIRST_CHAMPION_POLL_SECONDS)

        def watch() -> None:
            wait = next_wait()
            while not self._stop.wait(wait):
                try:
                    self.refresh()
                    wait = next_wait()
                except Exception as error:  # keep serving the current champion; say why loudly
                    self.last_error = f"could not load the new {self.spec.name} champion: {error}"
                    logger.exception("champion refresh of %s failed", self.spec.name)
                    wait = period

        self._watcher = threading.Thread(target=watch, name=f"{self.spec.name}-watcher", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Stop the watcher thread."""
        self._stop.set()
