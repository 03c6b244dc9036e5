"""One BentoML service per served model, built from its `ModelSpec`: `bentoml serve serving.services:<Name>`.

`<Name>` is the spec's `Serving.service_class` (`ToneService`, `EngagementService`, ...); the module builds
that service the first time it is asked for (`make up` starts one per model of `ml.catalog`). Every
service loads the registry's `<model>@champion` through the Bento store, polls the alias every
`CHAMPION_POLL_SECONDS` and swaps a new champion in without a restart or a failed request, and answers:

- `POST <route> {"<input_field>": [...]}`: batchable (concurrent requests are merged into one batch, all
  answered by one champion); one result per input, each with the `model_version` that produced it;
- `POST /model`: the served model's registry name, version and Bento tag (plus what the spec's
  `describe` adds, e.g. the tone labels);
- `GET /readyz`: 200 only once a champion is loaded; `/livez`, `/metrics` as every BentoML service.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

import bentoml

from ml import catalog
from ml.champion import LiveChampion
from ml.client import VERSION_FIELD
from ml.spec import ModelSpec
from serving.champion_api import is_ready, loaded_or_503, predict_or_503, start_champion

logger = logging.getLogger("postwright.serving")


def build_service(spec: ModelSpec[Any, Any]) -> Any:
    """The BentoML service of one model (made once per process: see `__getattr__`)."""
    serving = spec.served()
    endpoint = serving.route.strip("/")
    if not endpoint or "/" in endpoint or not endpoint.isidentifier():
        raise ValueError(f"{spec.name}: the route {serving.route!r} must be one word, like /classify")

    def __init__(self: Any) -> None:
        self.champion = start_champion(LiveChampion(spec), logger)

    def __is_ready__(self: Any) -> bool:
        """Ready only once a champion model is loaded (`GET /readyz`)."""
        return is_ready(self.champion)

    def stop_following_champion(self: Any) -> None:
        """On shutdown: stop polling the registry (a stopped service's watcher would otherwise go on
        pointing this process's MLflow client at its store)."""
        self.champion.stop()

    def predict(self: Any, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        # One argument, named by the spec (`texts`, `rows`): BentoML passes it by name, or positionally
        # when it merges a batch.
        (inputs,) = (*args, *kwargs.values())
        results, version = predict_or_503(self.champion, list(inputs))
        return [{**result, VERSION_FIELD: version} for result in results]

    predict.__name__ = predict.__qualname__ = endpoint
    predict.__doc__ = (
        f"{spec.name} for each of `{serving.input_field}`; concurrent requests are merged into one batch, "
        "all answered by one champion, and every result names the version that produced it."
    )
    # BentoML reads the request body's field (its name and item type) from the signature.
    predict.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(
                serving.input_field,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=list[serving.input_json_type],  # type: ignore[name-defined]
            ),
        ],
        return_annotation=list[dict[str, Any]],
    )

    def model_info(self: Any) -> dict[str, Any]:
        """The served model's registry name, version and Bento tag."""
        loaded = loaded_or_503(self.champion)
        described = dict(serving.describe(loaded.model))
        return {"name": spec.name, "version": loaded.version, "bento_tag": loaded.bento_tag} | described

    namespace: dict[str, Any] = {
        "__doc__": f"Serves `models:/{spec.name}@champion`, following the alias as it moves.",
        "__module__": __name__,
        "__qualname__": serving.service_class,
        "__init__": __init__,
        "__is_ready__": __is_ready__,
        endpoint: bentoml.api(
            batchable=True,
            max_batch_size=serving.max_batch_size,
            max_latency_ms=serving.max_latency_ms,
            route=serving.route,
        )(predict),
        "model_info": bentoml.api(route="/model")(model_info),
        "stop_following_champion": bentoml.on_shutdown(stop_following_champion),
    }
    service_class = type(serving.service_class, (), namespace)
    return bentoml.service(name=spec.name, traffic={"timeout": serving.timeout_seconds})(service_class)


def __getattr__(name: str) -> Any:
    """`serving.services.<Name>`: the service of the registered model served as `<Name>`, built on first
    use and kept as a module attribute (BentoML finds a service's import string among them)."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        spec = catalog.by_service_class(name)
    except KeyError as error:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}: {error}") from None
    service = build_service(spec)
    globals()[name] = service
    return service
