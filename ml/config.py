"""The ML layer's settings; the product's one settings object extends them, so a process still has one."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class MLSettings(BaseSettings):
    """Where models are tracked, stored and served."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    mlflow_tracking_uri: str = f"sqlite:///{PROJECT_ROOT / 'mlruns' / 'mlflow.db'}"
    mlflow_artifact_root: Path = PROJECT_ROOT / "mlruns" / "artifacts"
    # Registered model name -> base URL of the BentoML service that serves its champion, as JSON:
    # SERVING_URLS='{"tone-classifier": "http://127.0.0.1:3000"}'. A model without one runs in-process.
    serving_urls: dict[str, str] = Field(default_factory=dict)
    serving_timeout_seconds: float = Field(default=120.0, gt=0, le=3600)
    # How often a serving process looks for a new champion (seconds).
    champion_poll_seconds: float = Field(default=10.0, gt=0, le=3600)
    # How long a flow run that needs a model waits for its first champion before it gives up (seconds);
    # what it was asked for stays pending and runs again once the first champion is registered.
    model_wait_seconds: float = Field(default=600.0, ge=0, le=86_400)

    def serving_url_for(self, model_name: str) -> str | None:
        """The serving URL of one registered model, or None to run it in-process."""
        return self.serving_urls.get(model_name) or None


@lru_cache
def get_ml_settings() -> MLSettings:
    """Settings for processes that are not the API (serving, scripts); the API passes its own."""
    return MLSettings()
