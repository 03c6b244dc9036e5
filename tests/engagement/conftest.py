"""A throwaway registry whose engagement champion was trained here on synthetic posts."""

from __future__ import annotations

from typing import Any

import pytest

from testkit.support import publish_engagement_champion, train_synthetic_engagement_model
from tests.flows.conftest import bento_store, mlflow_store, prefect_harness, tiny_dataset

__all__ = ["bento_store", "mlflow_store", "prefect_harness", "tiny_dataset"]


@pytest.fixture(scope="module")
def engagement_champion(mlflow_store: str) -> tuple[str, Any]:
    model, usable = train_synthetic_engagement_model()
    return publish_engagement_champion(model, usable), model
