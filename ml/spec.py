"""`ModelSpec`: everything the platform needs to know about one model, written once per model.

A spec says how versions are compared (the gate metric), which `PythonModel` wraps the saved model, how
inputs and results travel (frames for the pyfunc model, JSON over HTTP), how the BentoML service serves it
(`Serving`) and which Prefect flow trains it (`Training`). `ml.catalog` lists the registered specs; the
serving services, the served-model table of `make up`, the flow runner's deployments and the first-champion
bootstrap are all derived from that list.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version as package_version
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import pandas as pd

I = TypeVar("I")  # noqa: E741 - one input item (a text, a feature row)
R = TypeVar("R")  # one result

CHAMPION_ALIAS = "champion"
CHALLENGER_TAG = "challenger"
# The key of the logged model's config that names its `PythonModel` class (see `ml.entry_pyfunc`).
PYTHON_MODEL_CONFIG_KEY = "python_model"


def no_description(model: Any) -> dict[str, Any]:
    """Most models add nothing to the `/model` answer beyond name, version and Bento tag."""
    return {}


@dataclass(frozen=True)
class Serving:
    """How the model's BentoML service serves it (`serving.services` builds the service from this).

    `service_class` is the attribute `bentoml serve serving.services:<service_class>` names; `route` and
    `input_field` make the batchable endpoint (`POST <route> {"<input_field>": [...]}`), whose items are
    `input_json_type` (what `ModelSpec.to_json` makes of one input). `describe(model)` adds fields of the
    loaded pyfunc model to `POST /model`.
    """

    service_class: str
    route: str
    input_field: str
    input_json_type: Any
    timeout_seconds: int = 60
    max_batch_size: int = 256
    max_latency_ms: int = 2_000
    describe: Callable[[Any], Mapping[str, Any]] = no_description


@dataclass(frozen=True)
class Training:
    """The Prefect flow that trains the model, and what a fresh install trains before anything else.

    `entrypoint` (`path/to/module.py:function`, as in prefect.yaml) names the flow, so the ML layer never
    imports it. `first_champion`: the parameters of a quick first version trained at start while the
    registry has no champion (None: the model can wait for its flow's schedule or trigger);
    `follow_up`: the parameters of the full run then started in the background through the deployment.
    """

    flow: str
    entrypoint: str
    first_champion: Mapping[str, Any] | None = None
    follow_up: Mapping[str, Any] | None = None


@dataclass(frozen=True, eq=False)  # identity: a spec is one registered model (and a cache key)
class ModelSpec(Generic[I, R]):
    """A registered model: its name, how the gate compares versions, and how its results travel.

    `to_frame` turns inputs into the pyfunc model's input frame and `from_frame` its output frame into
    results; `from_json` reads one result back from the serving endpoint's JSON. The in-process client,
    the HTTP client and the Bento service all go through these, so every path answers the same.
    `python_model` (`package.module:Class`) is the `PythonModel` that loads the saved model; it is logged
    as code through `ml.entry_pyfunc`, never pickled.
    """

    name: str
    metric: str
    greater_is_better: bool
    python_model: str
    artifact_key: str
    requirements: tuple[str, ...]
    to_frame: Callable[[Sequence[I]], pd.DataFrame]
    from_frame: Callable[[pd.DataFrame], list[R]]
    from_json: Callable[[Any], R]
    to_json: Callable[[I], Any]
    preparing_message: str
    serving: Serving | None = None
    training: Training | None = None

    @property
    def experiment(self) -> str:
        """Runs of a model are logged to an experiment of the same name."""
        return self.name

    def better(self, candidate: float, incumbent: float) -> bool:
        """Strictly better on the gate metric, in the metric's direction."""
        return candidate > incumbent if self.greater_is_better else candidate < incumbent

    def pinned_requirements(self) -> list[str]:
        """Exact pins of the packages the pyfunc model imports, taken from this environment."""
        return [f"{package}=={package_version(package)}" for package in self.requirements]

    def served(self) -> Serving:
        """Its serving description; a model without one has no service to call."""
        if self.serving is None:
            raise LookupError(f"{self.name} is not served over HTTP (its ModelSpec has no Serving)")
        return self.serving


def import_object(path: str) -> Any:
    """The object `package.module:attribute` names (how a spec names its `PythonModel`)."""
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise ValueError(f"{path!r} is not of the form package.module:attribute")
    return getattr(importlib.import_module(module_name), attribute)
