"""`ToneService`: the champion tone classifier behind a batchable HTTP endpoint, swapped live on promotion.

Start it with `bentoml serve serving.tone_service:ToneService` (from the repository root). It loads the
registry's `tone-classifier@champion` through the Bento store and polls the registry every
`CHAMPION_POLL_SECONDS`: a new champion is imported and swapped in without a restart or a failed request.
Every result names the version that produced it.
"""

from __future__ import annotations

import logging

import bentoml
from pydantic import BaseModel

from ml.champion import LiveChampion
from ml.tone import TONE, model_labels
from serving.champion_api import is_ready, loaded_or_503, predict_or_503, start_champion

logger = logging.getLogger("postwright.serving")


class ToneScore(BaseModel):
    """One text's tone, the probability of every tone, and the model version that said so."""

    label: str
    scores: dict[str, float]
    model_version: str


class ModelInfo(BaseModel):
    """Which registry version this process serves."""

    name: str
    version: str
    bento_tag: str
    labels: list[str]


@bentoml.service(name="tone-classifier", traffic={"timeout": 120})
class ToneService:
    """Classifies texts with `models:/tone-classifier@champion`, following the alias as it moves."""

    def __init__(self) -> None:
        self.champion = start_champion(LiveChampion(TONE), logger)

    def __is_ready__(self) -> bool:
        """Ready only once a champion model is loaded (`GET /readyz`)."""
        return is_ready(self.champion)

    @bentoml.api(batchable=True, max_batch_size=256, max_latency_ms=10_000)
    def classify(self, texts: list[str]) -> list[ToneScore]:
        """Classify texts; concurrent requests are merged into one batch, all from one champion."""
        results, version = predict_or_503(self.champion, texts)
        return [ToneScore(label=r["label"], scores=r["scores"], model_version=version) for r in results]

    @bentoml.api(route="/model")
    def model_info(self) -> ModelInfo:
        """The served model's registry name, version, Bento tag and labels."""
        loaded = loaded_or_503(self.champion)
        return ModelInfo(
            name=TONE.name,
            version=loaded.version,
            bento_tag=loaded.bento_tag,
            labels=model_labels(loaded.model),
        )
