"""`ModelSpec`: everything the platform needs to know about one model, written once per model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd

I = TypeVar("I")  # noqa: E741 - one input item (a text, a feature row)
R = TypeVar("R")  # one result

CHAMPION_ALIAS = "champion"
CHALLENGER_TAG = "challenger"


@dataclass(frozen=True)
class ModelSpec(Generic[I, R]):
    """A registered model: its name, how the gate compares versions, and how its results travel.

    `to_frame` turns inputs into the pyfunc model's input frame and `from_frame` its output frame into
    results; `from_json` reads one result back from the serving endpoint's JSON. The in-process client,
    the HTTP client and the Bento service all go through these, so every path answers the same.
    """

    name: str
    metric: str
    greater_is_better: bool
    pyfunc_code: Path
    artifact_key: str
    requirements: tuple[str, ...]
    to_frame: Callable[[Sequence[I]], pd.DataFrame]
    from_frame: Callable[[pd.DataFrame], list[R]]
    from_json: Callable[[Any], R]
    to_json: Callable[[I], Any]
    http_route: str
    http_input_field: str
    preparing_message: str

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
