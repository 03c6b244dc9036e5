"""`ToneService`: the champion tone classifier behind a batchable HTTP endpoint.

Start it with `bentoml serve serving.tone_service:ToneService` (from the repository root). It serves the
champion most recently imported into the Bento store (the training flow imports it on promotion); a
promotion takes effect at the next start.
"""

from __future__ import annotations

import logging
from typing import Any

import bentoml
from pydantic import BaseModel

from serving.bento_store import MLFLOW_VERSION_LABEL, ChampionNotImported, latest_champion
from serving.tone_model import MODEL_NAME, classify_texts, model_labels

logger = logging.getLogger("postwright.serving")


class ToneScore(BaseModel):
    """One text's tone and the probability of every tone."""

    label: str
    scores: dict[str, float]


class ModelInfo(BaseModel):
    """Which registry version this process serves."""

    name: str
    version: str
    bento_tag: str
    labels: list[str]


@bentoml.service(name="tone-classifier", traffic={"timeout": 120})
class ToneService:
    """Classifies texts with `models:/tone-classifier@champion` as imported into the Bento store."""

    def __init__(self) -> None:
        self.pyfunc: Any = None
        self.info: ModelInfo | None = None
        self.load_error: str | None = None
        try:
            bento_model = latest_champion()
        except ChampionNotImported as error:
            # Stay up but never ready: the readiness probe and /classify both say what is missing.
            self.load_error = str(error)
            logger.error("ToneService has no model: %s", error)
            return
        self.pyfunc = bentoml.mlflow.load_model(bento_model)
        self.info = ModelInfo(
            name=MODEL_NAME,
            version=bento_model.info.labels.get(MLFLOW_VERSION_LABEL, "unknown"),
            bento_tag=str(bento_model.tag),
            labels=model_labels(self.pyfunc),
        )
        logger.info("ToneService serves %s v%s (%s)", MODEL_NAME, self.info.version, self.info.bento_tag)

    def __is_ready__(self) -> bool:
        """Ready only once a champion model is loaded (`GET /readyz`)."""
        return self.pyfunc is not None

    def _require_model(self) -> Any:
        if self.pyfunc is None:
            raise bentoml.exceptions.ServiceUnavailable(self.load_error or "no tone model is loaded")
        return self.pyfunc

    @bentoml.api(batchable=True, max_batch_size=256, max_latency_ms=10_000)
    def classify(self, texts: list[str]) -> list[ToneScore]:
        """Classify texts; concurrent requests are merged into one batch."""
        return [ToneScore(**result) for result in classify_texts(self._require_model(), texts)]

    @bentoml.api(route="/model")
    def model_info(self) -> ModelInfo:
        """The served model's registry name, version, Bento tag and labels."""
        self._require_model()
        if self.info is None:
            raise bentoml.exceptions.ServiceUnavailable("no tone model is loaded")
        return self.info
