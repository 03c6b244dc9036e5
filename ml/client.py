"""One client per model, two adapters: the champion in this process, or its BentoML service over HTTP.

Both return a `Prediction`: the results and the registry version that produced them, from one call, so a
promotion between reading the version and predicting can never mislabel a result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, Protocol, TypeVar

import httpx

from ml.config import MLSettings, get_ml_settings
from ml.spec import CHAMPION_ALIAS, ModelSpec

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")
I_contra = TypeVar("I_contra", contravariant=True)

# Items per HTTP request: big enough to amortise the round trip, small enough for the service's batcher.
HTTP_CHUNK = 64
# The JSON key every served result carries its model version under.
VERSION_FIELD = "model_version"
# A registry without a champion is asked again this soon (seconds): the first one is being waited for.
MISSING_CHAMPION_TTL = 1.0


class ModelUnavailable(RuntimeError):
    """No champion to answer with yet (still being prepared) or its serving endpoint is down.

    `retry_after` is how long a caller should wait before asking again, in seconds.
    """

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Prediction(Generic[R]):
    """Results in input order and the registry version of the model that produced all of them."""

    results: list[R]
    version: str


class ModelClient(Protocol[I_contra, R]):
    """Predict with a model's champion; say which version answered."""

    def predict(self, inputs: Sequence[I_contra]) -> Prediction[R]: ...

    def ready(self) -> str | None:
        """None when a champion can answer now, else what is missing."""
        ...


# (tracking URI, model name) -> (champion version or None, when it was looked up)
_CHAMPIONS: dict[tuple[str, str], tuple[str | None, float]] = {}


def forget_champions() -> None:
    """Drop the cached champion lookups (tests that promote a model and predict at once)."""
    _CHAMPIONS.clear()


class InProcessClient(Generic[I, R]):
    """Loads `models:/<name>@champion` from MLflow into this process, once per version."""

    def __init__(self, spec: ModelSpec[I, R], settings: MLSettings | None = None) -> None:
        self.spec = spec
        self._settings = settings or get_ml_settings()

    def champion(self) -> str:
        """The registry version the champion alias points at (looked up at most every
        CHAMPION_POLL_SECONDS: a registry query per prediction would cost more than the prediction)."""
        key = (self._settings.mlflow_tracking_uri, self.spec.name)
        cached = _CHAMPIONS.get(key)
        now = time.monotonic()
        found_one = cached is not None and cached[0] is not None
        ttl = self._settings.champion_poll_seconds if found_one else MISSING_CHAMPION_TTL
        if cached is not None and now - cached[1] < ttl:
            version = cached[0]
        else:
            # MLflow (and pandas under it) load on the first lookup only: a process that never asks, such as
            # a publish-due-posts run, stays without them.
            from mlflow import MlflowClient

            from ml.registry import champion_version, configure_tracking

            configure_tracking(self._settings)
            found = champion_version(MlflowClient(), self.spec.name)
            version = None if found is None else str(found.version)
            _CHAMPIONS[key] = (version, now)
        if version is None:
            raise ModelUnavailable(
                f"the MLflow registry has no {self.spec.name}@{CHAMPION_ALIAS} yet: "
                f"{self.spec.preparing_message}"
            )
        return version

    def ready(self) -> str | None:
        try:
            self.champion()
        except ModelUnavailable as error:
            return str(error)
        return None

    def predict(self, inputs: Sequence[I]) -> Prediction[R]:
        """Results from the current champion (reloaded only when the alias has moved) and its version."""
        version = self.champion()
        if not inputs:
            return Prediction([], version)
        model = _load_version(self._settings.mlflow_tracking_uri, self.spec.name, version)
        output = model.predict(self.spec.to_frame(inputs))
        return Prediction(self.spec.from_frame(output), version)


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _cached_model(tracking_uri: str, name: str, version: str) -> Any:
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(f"models:/{name}/{version}")


def _load_version(tracking_uri: str, name: str, version: str) -> Any:
    """One load per (store, model, version) per process; the lock keeps concurrent first calls to one."""
    with _LOAD_LOCK:
        return _cached_model(tracking_uri, name, version)


class HttpClient(Generic[I, R]):
    """Talks to the model's BentoML service; every served result carries its `model_version`."""

    def __init__(
        self,
        spec: ModelSpec[I, R],
        base_url: str,
        *,
        client: httpx.Client | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.spec = spec
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)

    def ready(self) -> str | None:
        try:
            response = self._client.get("/readyz")
        except httpx.HTTPError as error:
            return f"the {self.spec.name} service at {self._client.base_url} is unreachable: {error}"
        if response.status_code != 200:
            return f"the {self.spec.name} service is not ready: {self.spec.preparing_message}"
        return None

    def predict(self, inputs: Sequence[I]) -> Prediction[R]:
        """POST in chunks; a promotion between chunks is retried so all results share one version."""
        for _ in range(3):
            results, versions = self._predict_chunks(inputs)
            if len(versions) <= 1:
                version = next(iter(versions)) if versions else self._served_version()
                return Prediction(results, version)
        raise ModelUnavailable(f"the {self.spec.name} service kept switching versions mid-request", 5)

    def _predict_chunks(self, inputs: Sequence[I]) -> tuple[list[R], set[str]]:
        results: list[R] = []
        versions: set[str] = set()
        serving = self.spec.served()
        for start in range(0, len(inputs), HTTP_CHUNK):
            chunk = [self.spec.to_json(item) for item in inputs[start : start + HTTP_CHUNK]]
            body = self._post(serving.route, {serving.input_field: chunk})
            if not isinstance(body, list) or len(body) != len(chunk):
                raise ModelUnavailable(
                    f"the {self.spec.name} service answered {len(body)} results for {len(chunk)} inputs"
                )
            for item in body:
                versions.add(str(item[VERSION_FIELD]))
                results.append(self.spec.from_json(item))
        return results, versions

    def _served_version(self) -> str:
        return str(self._post("/model", {})["version"])

    def _post(self, path: str, payload: dict[str, Any]) -> Any:
        try:
            response = self._client.post(path, json=payload)
        except httpx.HTTPError as error:
            raise ModelUnavailable(
                f"the {self.spec.name} service at {self._client.base_url} is unreachable: {error}", 10
            ) from error
        if response.status_code == 503:
            said = _service_error(response)
            raise ModelUnavailable(
                f"the {self.spec.name} service has no model yet" + (f": {said}" if said else "")
            )
        if response.status_code >= 400:
            raise ModelUnavailable(
                f"the {self.spec.name} service answered {response.status_code} on {path}: "
                f"{response.text[:300]}",
                10,
            )
        return response.json()


def wait_until_ready(
    client: ModelClient[Any, Any],
    timeout: float,
    *,
    poll: float = 1.0,
    report_every: float = 15.0,
    on_wait: Callable[[float, str], None] | None = None,
) -> float:
    """Block until the client's champion can answer and return the seconds waited; ModelUnavailable
    (saying why) once `timeout` seconds passed without one. `on_wait(waited, reason)` is told on the
    first miss and then every `report_every` seconds, so a long wait shows its progress."""
    started = time.monotonic()
    reported_at: float | None = None
    while (reason := client.ready()) is not None:
        waited = time.monotonic() - started
        if waited >= timeout:
            raise ModelUnavailable(f"no model after waiting {waited:.0f}s: {reason}")
        if on_wait is not None and (reported_at is None or waited - reported_at >= report_every):
            on_wait(waited, reason)
            reported_at = waited
        time.sleep(min(poll, max(timeout - waited, 0.0)))
    return time.monotonic() - started


@lru_cache(maxsize=8)
def _http_client(spec: ModelSpec[Any, Any], base_url: str, timeout: float) -> HttpClient[Any, Any]:
    """One client (and connection pool) per model and serving URL for the process."""
    return HttpClient(spec, base_url, timeout=timeout)


def get_client(spec: ModelSpec[I, R], settings: MLSettings | None = None) -> ModelClient[I, R]:
    """HTTP to the model's serving URL when one is configured, the in-process champion otherwise."""
    settings = settings or get_ml_settings()
    url = settings.serving_url_for(spec.name)
    if url:
        client: ModelClient[I, R] = _http_client(spec, url, settings.serving_timeout_seconds)
        return client
    return InProcessClient(spec, settings)


def warm(spec: ModelSpec[I, R], settings: MLSettings | None = None) -> str | None:
    """Load the champion into this process now when it is served in-process, so the first prediction of a
    fresh worker does not load it inside a request (seconds, holding the interpreter). Returns the version
    loaded; None over HTTP or while there is no champion (the first prediction says so, as always)."""
    client = get_client(spec, settings)
    if not isinstance(client, InProcessClient):
        return None
    try:
        version = client.champion()
    except ModelUnavailable:
        return None
    _load_version(client._settings.mlflow_tracking_uri, spec.name, version)
    return version


# What the serving framework answers in place of an exception's message it does not pass on.
_GENERIC_ERROR = "An unexpected error has occurred"


def _service_error(response: httpx.Response) -> str:
    """The service's own words for an error (its JSON `error`), never the framework's generic stand-in."""
    try:
        said = response.json().get("error", "")
    except (ValueError, AttributeError):
        said = response.text
    said = str(said).strip()[:300]
    return "" if said.startswith(_GENERIC_ERROR) else said
