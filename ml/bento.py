"""The Bento model store side of promotion: a registry champion is imported here, services load it back."""

from __future__ import annotations

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
    """The Bento store's copy of a registry version, importing it once."""
    return imported_version(spec, version) or import_version(spec, version)


def ensure_champion_imported(spec: ModelSpec[Any, Any]) -> bentoml.Model:
    """Import the registry's current champion unless the Bento store already holds that version."""
    configure_tracking()
    champion = champion_version(MlflowClient(), spec.name)
    if champion is None:
        raise ChampionNotImported(
            f"the MLflow registry has no {spec.name}@{CHAMPION_ALIAS} yet: {spec.preparing_message}"
        )
    return ensure_imported(spec, str(champion.version))
