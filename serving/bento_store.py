"""The Bento model store side of promotion: the champion is imported here, and `ToneService` reads it back."""

from __future__ import annotations

import bentoml

from serving.tone_model import CHAMPION_ALIAS, MODEL_NAME

# The registry version travels as a label, so the service can say which version it serves.
MLFLOW_VERSION_LABEL = "mlflow-version"


class ChampionNotImported(LookupError):
    """The Bento store holds no tone model: train one (which imports it on promotion) or import it."""


def import_champion(version: str, name: str = MODEL_NAME) -> str:
    """Copy `models:/<name>@champion` into the Bento store (tracking URI already configured); return the tag.

    `version` is the registry version the alias points at, recorded as a label for `ToneService`.
    """
    model = bentoml.mlflow.import_model(
        name,
        f"models:/{name}@{CHAMPION_ALIAS}",
        signatures={"predict": {"batchable": True}},
        labels={MLFLOW_VERSION_LABEL: str(version), "alias": CHAMPION_ALIAS},
        metadata={"registered_model": name, "registered_version": str(version)},
    )
    return str(model.tag)


def latest_champion(name: str = MODEL_NAME) -> bentoml.Model:
    """The most recently imported champion (each promotion imports a new one)."""
    try:
        return bentoml.models.get(f"{name}:latest")
    except bentoml.exceptions.NotFound as error:
        raise ChampionNotImported(
            f"the Bento store has no {name!r} model: run the train-tone-classifier flow "
            f"(it imports the champion on promotion) or `python -m serving.bento_store`"
        ) from error


def ensure_champion_imported(name: str = MODEL_NAME) -> str:
    """Import the registry's current champion unless the Bento store already holds that version."""
    from mlflow import MlflowClient

    from flows.tracking import champion_version, configure_tracking

    configure_tracking()
    champion = champion_version(MlflowClient(), name)
    if champion is None:
        raise ChampionNotImported(f"the MLflow registry has no {name}@{CHAMPION_ALIAS}: train one first")
    try:
        current = latest_champion(name)
    except ChampionNotImported:
        current = None
    if current is not None and current.info.labels.get(MLFLOW_VERSION_LABEL) == str(champion.version):
        return str(current.tag)
    return import_champion(str(champion.version), name)


if __name__ == "__main__":
    print(ensure_champion_imported())
