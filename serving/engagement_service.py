"""`EngagementService`: the champion engagement model behind a batchable `/predict`, swapped live.

`bentoml serve serving.engagement_service:EngagementService` (`make up` starts it). Rows arrive with the
author's history attached by the API; every answer names the model version that produced it.
"""

from __future__ import annotations

import logging
from typing import Any

import bentoml
from pydantic import BaseModel

from ml.champion import LiveChampion
from ml.engagement import ENGAGEMENT, EngagementInput
from serving.champion_api import is_ready, loaded_or_503, predict_or_503, start_champion

logger = logging.getLogger("postwright.serving")


class EngagementScore(BaseModel):
    """One post's prediction (log1p space), reasons, suggestions, and the version that made it."""

    expected_log: float
    low_log: float
    high_log: float
    baseline_log: float
    reasons: list[dict[str, Any]]
    suggestions: list[dict[str, Any]]
    model_version: str


@bentoml.service(name="engagement-model", traffic={"timeout": 60})
class EngagementService:
    """Predicts with `models:/engagement-model@champion`, following the alias as it moves."""

    def __init__(self) -> None:
        self.champion: LiveChampion[EngagementInput, Any] = start_champion(LiveChampion(ENGAGEMENT), logger)

    def __is_ready__(self) -> bool:
        """Ready once a champion is loaded."""
        return is_ready(self.champion)

    @bentoml.api(batchable=True, max_batch_size=512, max_latency_ms=2_000)
    def predict(self, rows: list[dict[str, Any]]) -> list[EngagementScore]:
        """Predict each row; concurrent requests are merged into one batch from one champion."""
        results, version = predict_or_503(self.champion, rows)
        return [EngagementScore(**result, model_version=version) for result in results]

    @bentoml.api(route="/model")
    def model_info(self) -> dict[str, str]:
        """The served model's registry name and version."""
        loaded = loaded_or_503(self.champion)
        return {"name": ENGAGEMENT.name, "version": loaded.version, "bento_tag": loaded.bento_tag}
