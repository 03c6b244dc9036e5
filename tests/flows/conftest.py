"""Fixtures for the ML pipeline tests: one Prefect test harness, throwaway MLflow and Bento stores.

tests/serving and tests/voice import these fixtures, so every folder gets the same harness.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.support import (
    isolated_bento_store,
    prefect_harness_once,
    throwaway_mlflow,
    write_tiny_tone_dataset,
)


@pytest.fixture(scope="session")
def prefect_harness(pytestconfig: pytest.Config) -> None:
    """Flows run against a temporary Prefect server and database for the whole session."""
    prefect_harness_once(pytestconfig.add_cleanup)


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite tracking store and artifact folder for one test module."""
    with throwaway_mlflow(tmp_path_factory.mktemp("mlflow")) as uri:
        yield uri


@pytest.fixture(scope="module")
def bento_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An empty Bento model store for one test module."""
    with isolated_bento_store(tmp_path_factory.mktemp("bento")) as folder:
        yield folder


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """72 labelled rows in three clearly different tones (fixed train, validation and test), as JSONL."""
    return write_tiny_tone_dataset(tmp_path_factory.mktemp("data") / "tiny.jsonl")
