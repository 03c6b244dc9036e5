"""The Bento model store side of promotion: a registry champion is imported here, services load it back."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bentoml
from mlflow import MlflowClient

from ml.registry import champion_version, configure_tracking
from ml.spec import CHAMPION_ALIAS, ModelSpec

# The registry version travels as a label, so a service can say which version it serves.
MLFLOW_VERSION_LABEL = "mlflow-version"


class ChampionNotImported(LookupError):
    """Neither the registry nor the Bento store holds a champion of this model yet."""


def import_version(spec: ModelSpec[Any, Any], version: str) -> bentoml.Model:
    """Copy `models:/<name>/<version>` into the Bento store (tracking URI already configured)."""
    model: bentoml.Model = bentoml.mlflow.import_model(
        spec.name,
        f"models:/{spec.name}/{version}",
        signatures={"predict": {"batchable": True}},
        labels={MLFLOW_VERSION_LABEL: str(version), "alias": CHAMPION_ALIAS},
        metadata={"registered_model": spec.name, "registered_version": str(version)},
    )
    return model


def imported_version(spec: ModelSpec[Any, Any], version: str) -> bentoml.Model | None:
    """The Bento store's copy of that registry version, if it was imported before."""
    try:
        stored = bentoml.models.list(spec.name)
    except bentoml.exceptions.NotFound:  # no model of that name yet
        return None
    for model in stored:
        if model.info.labels.get(MLFLOW_VERSION_LABEL) == str(version):
            return model
    return None


def ensure_imported(spec: ModelSpec[Any, Any], version: str) -> bentoml.Model:
    """The Bento store's copy of a registry version, importing it once.

    One import at a time per store (a file lock, across processes): a promotion is imported by whoever
    sees it first (the training flow, a test, each running service's watcher), and two imports of one
    model name at once can read each other's half-written folder ("does not contain a 'model.yaml'")."""
    with _store_lock():
        return imported_version(spec, version) or import_version(spec, version)


@contextmanager
def _store_lock() -> Iterator[None]:
    from bentoml._internal.configuration.containers import BentoMLContainer

    store = Path(BentoMLContainer.model_store.get()._path)
    store.mkdir(parents=True, exist_ok=True)
    with (store / ".import.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_champion_imported(spec: ModelSpec[Any, Any]) -> bentoml.Model:
    """Import the registry's current champion unless the Bento store already holds that version."""
    configure_tracking()
    champion = champion_version(MlflowClient(), spec.name)
    if champion is None:
        raise ChampionNotImported(
            f"the MLflow registry has no {spec.name}@{CHAMPION_ALIAS} yet: {spec.preparing_message}"
        )
    return ensure_imported(spec, str(champion.version))
