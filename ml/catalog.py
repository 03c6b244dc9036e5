"""The one list of registered models. Everything that exists once per model is derived from it: the
BentoML service of each served model (`serving.services`), the table of services `make up` starts
(`api.cli`), the training deployments the flow runner serves (`flows.serve`) and the models a fresh install
trains a first champion of (`flows.bootstrap`).

A new model is registered by adding its spec to `BUILT_IN` (or, for a test or a plugin package,
`register(spec)` at import).
"""

from __future__ import annotations

from typing import Any

from ml.engagement import ENGAGEMENT
from ml.spec import ModelSpec
from ml.tone import TONE

BUILT_IN: tuple[ModelSpec[Any, Any], ...] = (TONE, ENGAGEMENT)

_REGISTERED: dict[str, ModelSpec[Any, Any]] = {spec.name: spec for spec in BUILT_IN}


def register(spec: ModelSpec[Any, Any]) -> ModelSpec[Any, Any]:
    """Add a model to the list; its name must be new (two specs of one registry name would fight over
    its champion alias)."""
    existing = _REGISTERED.get(spec.name)
    if existing is not None and existing is not spec:
        raise ValueError(f"a model named {spec.name!r} is already registered")
    _REGISTERED[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a model registered with `register` (the built-in ones stay)."""
    if any(spec.name == name for spec in BUILT_IN):
        raise ValueError(f"{name!r} is a built-in model")
    _REGISTERED.pop(name, None)


def models() -> tuple[ModelSpec[Any, Any], ...]:
    """Every registered model, built-in ones first, in registration order."""
    return tuple(_REGISTERED.values())


def get(name: str) -> ModelSpec[Any, Any]:
    """The registered model of that name."""
    try:
        return _REGISTERED[name]
    except KeyError:
        raise KeyError(f"no model named {name!r} is registered (see ml.catalog)") from None


def served() -> tuple[ModelSpec[Any, Any], ...]:
    """The models with a BentoML service."""
    return tuple(spec for spec in models() if spec.serving is not None)


def trained() -> tuple[ModelSpec[Any, Any], ...]:
    """The models with a training flow."""
    return tuple(spec for spec in models() if spec.training is not None)


def needing_first_champion() -> tuple[ModelSpec[Any, Any], ...]:
    """The models a fresh install trains a first version of at start (their users wait for one)."""
    return tuple(spec for spec in trained() if spec.training and spec.training.first_champion is not None)


def by_service_class(name: str) -> ModelSpec[Any, Any]:
    """The served model whose service is called `name` (`bentoml serve serving.services:<name>`)."""
    for spec in served():
        if spec.served().service_class == name:
            return spec
    raise KeyError(f"no registered model is served as {name!r}")


def by_training_flow(flow: str) -> ModelSpec[Any, Any]:
    """The model trained by the flow called `flow`."""
    for spec in trained():
        if spec.training and spec.training.flow == flow:
            return spec
    raise KeyError(f"no registered model is trained by a flow named {flow!r}")
