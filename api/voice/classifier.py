"""The tone classifier as the rest of the product sees it: one interface, two ways to reach the model.

`HttpToneClassifier` calls the BentoML `ToneService` at `SERVING_URL`; `InProcessToneClassifier` loads the
registry's champion into this process. Both end in `serving.tone_model.classify_texts` on the same
MLflow model, so they answer identically.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import httpx

from api.core.config import Settings, get_settings
from serving.tone_model import CHAMPION_ALIAS, MODEL_NAME, ToneResult, classify_texts

# Texts per HTTP request: big enough to amortise the round trip, small enough for the service's batcher.
HTTP_CHUNK = 64


class ToneModelUnavailable(RuntimeError):
    """No champion to classify with (nothing trained yet) or the serving endpoint is down."""


class ToneClassifierClient(Protocol):
    """Classify texts with the champion tone model and say which version answered."""

    def classify(self, texts: Sequence[str]) -> list[ToneResult]: ...

    def model_version(self) -> str: ...


class HttpToneClassifier:
    """Talks to `bentoml serve serving.tone_service:ToneService` over HTTP."""

    def __init__(self, base_url: str, *, client: httpx.Client | None = None, timeout: float = 120.0) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)

    def classify(self, texts: Sequence[str]) -> list[ToneResult]:
        """POST /classify in chunks; the service batches concurrent chunks together."""
        results: list[ToneResult] = []
        for start in range(0, len(texts), HTTP_CHUNK):
            chunk = [str(text) for text in texts[start : start + HTTP_CHUNK]]
            body = self._post("/classify", {"texts": chunk})
            if not isinstance(body, list) or len(body) != len(chunk):
                raise ToneModelUnavailable(
                    f"tone service answered {len(body)} results for {len(chunk)} texts"
                )
            results.extend(
                ToneResult(label=str(item["label"]), scores={k: float(v) for k, v in item["scores"].items()})
                for item in body
            )
        return results

    def model_version(self) -> str:
        """The registry version the service loaded (POST /model)."""
        return str(self._post("/model", {})["version"])

    def _post(self, path: str, payload: dict[str, Any]) -> Any:
        try:
            response = self._client.post(path, json=payload)
        except httpx.HTTPError as error:
            raise ToneModelUnavailable(
                f"tone service at {self._client.base_url} is unreachable: {error}"
            ) from error
        if response.status_code >= 400:
            raise ToneModelUnavailable(
                f"tone service answered {response.status_code} on {path}: {response.text[:300]}"
            )
        return response.json()


class InProcessToneClassifier:
    """Loads `models:/tone-classifier@champion` from MLflow into this process, once per version."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings or get_settings()

    def model_version(self) -> str:
        """The registry version the champion alias points at now."""
        from mlflow import MlflowClient

        from flows.tracking import champion_version, configure_tracking

        configure_tracking(self._settings)
        champion = champion_version(MlflowClient(), MODEL_NAME)
        if champion is None:
            raise ToneModelUnavailable(
                f"the MLflow registry has no {MODEL_NAME}@{CHAMPION_ALIAS}: run `make up` (it trains one) or "
                "the train-tone-classifier flow"
            )
        return str(champion.version)

    def classify(self, texts: Sequence[str]) -> list[ToneResult]:
        """Classify with the current champion (reloaded only when the alias has moved)."""
        return self.classify_with_version(texts)[0]

    def classify_with_version(self, texts: Sequence[str]) -> tuple[list[ToneResult], str]:
        """Results and the version that produced them, read once so the two always agree."""
        version = self.model_version()
        return classify_texts(_load_champion(self._settings.mlflow_tracking_uri, version), texts), version


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _cached_model(tracking_uri: str, version: str) -> Any:
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{version}")


def _load_champion(tracking_uri: str, version: str) -> Any:
    """One load per (store, version) per process; the lock keeps concurrent first calls to one load."""
    with _LOAD_LOCK:
        return _cached_model(tracking_uri, version)


@lru_cache(maxsize=4)
def _http_classifier(base_url: str) -> HttpToneClassifier:
    """One client (and connection pool) per serving URL for the process."""
    return HttpToneClassifier(base_url)


def get_tone_classifier(settings: Settings | None = None) -> ToneClassifierClient:
    """HTTP to the serving endpoint when `SERVING_URL` is set, the in-process model otherwise."""
    settings = settings or get_settings()
    if settings.serving_url:
        return _http_classifier(settings.serving_url)
    return InProcessToneClassifier(settings)
