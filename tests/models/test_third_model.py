"""A third model, added by one registration in this file and nothing else: trained, gated, served, called.

"hook-quality" says whether a post's first line hooks the reader (a question, a number up front, "you").
Its pure model code, its pyfunc wrapper, its `ModelSpec`, its trainer steps and its thin Prefect flow are
all below, and `catalog.register(HOOK)` is its one registration. From that alone, with no other file
changed, the platform's generic pieces take it the whole way: the one training skeleton trains it and
gates it against the champion and a majority-class baseline, the first-champion bootstrap and the flow
runner see it, `make up` would start its service, and the spec-built BentoML service answers over HTTP
exactly like the in-process client. This is the recipe `flows/README.md` describes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from mlflow.pyfunc.model import PythonModel
from prefect import flow
from pydantic import BaseModel, ConfigDict, Field
from sklearn.linear_model import LogisticRegression
from starlette.testclient import TestClient

from flows.training import Evaluation, Fitted, Trainer, train_model
from ml import catalog
from ml.bento import imported_version
from ml.client import HttpClient, InProcessClient
from ml.registry import champion_version
from ml.spec import CHALLENGER_TAG, ModelSpec, Serving, Training
from tests.flows.conftest import bento_store, mlflow_store, prefect_harness  # noqa: F401 - fixtures

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "mlflow_store", "bento_store")]

# ----- the model itself (what would live in models/hook_quality/: text in, results out) ------------------


def hook_features(texts: Sequence[str]) -> np.ndarray:
    """A few surface features of each text's first line."""
    rows = []
    for text in texts:
        first = text.strip().splitlines()[0] if text.strip() else ""
        words = first.split()
        rows.append(
            [
                float("?" in first),
                float(bool(words) and words[0].rstrip(".:").isdigit()),
                float(any(word.lower().strip(",.!?") in ("you", "your") for word in words)),
                len(words) / 20.0,
            ]
        )
    return np.array(rows, dtype=float).reshape(len(rows), 4)


class HookResult(TypedDict):
    label: str
    score: float


class HookModel:
    """Logistic regression over `hook_features`; `strong` or `weak`, with the probability of `strong`."""

    def __init__(self, coef: list[float], intercept: float, columns: Sequence[int]) -> None:
        self.coef, self.intercept, self.columns = np.array(coef), intercept, list(columns)

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], columns: Sequence[int]) -> HookModel:
        target = np.array([label == "strong" for label in labels])
        fitted = LogisticRegression().fit(hook_features(texts)[:, list(columns)], target)
        return cls(list(fitted.coef_[0]), float(fitted.intercept_[0]), columns)

    def predict(self, texts: Sequence[str]) -> list[HookResult]:
        logits = hook_features(texts)[:, self.columns] @ self.coef + self.intercept
        strong = 1.0 / (1.0 + np.exp(-logits))
        return [HookResult(label="strong" if p > 0.5 else "weak", score=float(p)) for p in strong]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        state = {"coef": list(self.coef), "intercept": self.intercept, "columns": self.columns}
        (folder / "hook.json").write_text(json.dumps(state), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path | str) -> HookModel:
        state = json.loads((Path(folder) / "hook.json").read_text(encoding="utf-8"))
        return cls(state["coef"], state["intercept"], state["columns"])


# ----- on the platform: the pyfunc wrapper and the spec (what would live in ml/hook_quality.py) ----------


class HookPyfunc(PythonModel):
    """MLflow wrapper: a frame of texts in, a frame of `label` and `score` out."""

    def __init__(self) -> None:
        self.model: HookModel | None = None

    def load_context(self, context: Any) -> None:
        self.model = HookModel.load(context.artifacts["model"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> Any:
        assert self.model is not None
        return pd.DataFrame(self.model.predict([str(text) for text in model_input["text"]]))


def texts_to_frame(texts: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({"text": [str(text) for text in texts]})


def frame_to_results(frame: pd.DataFrame) -> list[HookResult]:
    return [
        HookResult(label=str(row["label"]), score=float(row["score"])) for row in frame.to_dict("records")
    ]


def result_from_json(item: Any) -> HookResult:
    return HookResult(label=str(item["label"]), score=float(item["score"]))


HOOK: ModelSpec[str, HookResult] = ModelSpec(
    name="hook-quality",
    metric="test_accuracy",
    greater_is_better=True,
    python_model=f"{__name__}:HookPyfunc",
    artifact_key="model",
    requirements=("mlflow", "scikit-learn", "pandas", "numpy"),
    to_frame=texts_to_frame,
    from_frame=frame_to_results,
    from_json=result_from_json,
    to_json=str,
    preparing_message="no hook-quality model is trained yet (run the train-hook-quality flow)",
    serving=Serving(
        service_class="HookQualityService", route="/score", input_field="texts", input_json_type=str
    ),
    training=Training(
        flow="train-hook-quality",
        entrypoint=f"{__name__.replace('.', '/')}.py:train_hook_quality",
        first_champion={"features": "all"},
    ),
)

# ----- its training steps and its thin flow (what would live in flows/train_hook_quality.py) -------------

FEATURE_COLUMNS = {"all": [0, 1, 2, 3], "length": [3]}


class HookParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    features: str = Field(default="all", pattern="^(all|length)$")


@dataclass
class HookData:
    train: list[tuple[str, str]]
    test: list[tuple[str, str]]

    def test_hash(self) -> str:
        return hashlib.sha256("\n".join(text for text, _ in self.test).encode()).hexdigest()


STRONG = [
    "Why do {topic} projects fail?",
    "3 lessons from a year of {topic}",
    "You are doing {topic} wrong, and here is how I know after ten years.",
    "What would you change first about {topic} in your team?",
]
WEAK = [
    "Notes on {topic}.",
    "An update on {topic} from the team this week.",
    "The {topic} meeting summary is online.",
    "Some thoughts about {topic} and the plans we made for the next quarter at the offsite.",
    "We reviewed {topic} again today.",
    "A short report on {topic} for the partners.",
    "Slides from the {topic} session.",
    "The {topic} group met on Thursday to agree on the budget and the hiring plan for spring.",
]
TRAIN_TOPICS = ["hiring", "data platform", "design", "sales"]
TEST_TOPICS = ["security", "cloud"]


def hook_rows() -> HookData:
    """Strong hooks ask, count or speak to the reader; weak ones state. Lengths overlap, and two in three
    are weak, so the majority baseline scores 2/3 and length alone cannot beat it."""

    def rows(topics: list[str]) -> list[tuple[str, str]]:
        return [
            (template.format(topic=topic), label)
            for topic in topics
            for label, templates in (("strong", STRONG), ("weak", WEAK))
            for template in templates
        ]

    return HookData(rows(TRAIN_TOPICS), rows(TEST_TOPICS))


def accuracy(results: Sequence[HookResult], rows: Sequence[tuple[str, str]]) -> float:
    return float(
        np.mean([result["label"] == label for result, (_, label) in zip(results, rows, strict=True)])
    )


class HookTrainer(Trainer[HookParams, HookData, HookModel]):
    spec = HOOK

    def background(self, params: HookParams) -> bool:
        return False  # seconds of work

    def load(self, params: HookParams) -> HookData:
        return hook_rows()

    def fit(self, data: HookData, params: HookParams) -> Fitted[HookModel]:
        texts, labels = zip(*data.train, strict=True)
        return Fitted(HookModel.fit(texts, labels, FEATURE_COLUMNS[params.features]))

    def evaluate(self, model: HookModel, data: HookData, params: HookParams) -> Evaluation:
        score = accuracy(model.predict([text for text, _ in data.test]), data.test)
        labels = [label for _, label in data.train]
        majority = max(set(labels), key=labels.count)
        baseline = float(np.mean([label == majority for _, label in data.test]))
        return Evaluation(
            score, data.test_hash(), {"test_accuracy": score}, baselines={"majority class": baseline}
        )

    def log(self, model: HookModel, data: HookData, params: HookParams, evaluation: Evaluation) -> None:
        mlflow.log_params(params.model_dump() | {"train_rows": len(data.train), "test_rows": len(data.test)})
        mlflow.log_dict({"coef": list(model.coef), "intercept": model.intercept}, "evaluation/model.json")

    def example(self, model: HookModel, data: HookData) -> tuple[pd.DataFrame, pd.DataFrame]:
        example = texts_to_frame([text for text, _ in data.test[:3]])
        return example, pd.DataFrame(model.predict(list(example["text"])))

    def save(self, model: HookModel, folder: Path) -> None:
        model.save(folder)

    def rescore(self, champion_uri: str, data: HookData, params: HookParams) -> float:
        champion = mlflow.pyfunc.load_model(champion_uri)
        output = champion.predict(texts_to_frame([text for text, _ in data.test]))
        return accuracy(frame_to_results(output), data.test)


TRAINER = HookTrainer()


@flow(name="train-hook-quality")
def train_hook_quality(params: HookParams = HookParams()) -> dict[str, Any]:
    """Train the hook-quality model; promote it only if it beats the champion and the majority class."""
    return train_model(TRAINER, params)


# ----- the one registration, and the proof -----------------------------------------------------------------


@pytest.fixture(scope="module")
def registered() -> Iterator[ModelSpec[str, HookResult]]:
    catalog.register(HOOK)
    yield HOOK
    catalog.unregister(HOOK.name)


@pytest.fixture(scope="module")
def first(registered) -> dict[str, str]:
    """The bootstrap's own path: the model's flow found through the list, run with its first parameters."""
    from flows.bootstrap import train_first_champion

    messages: list[str] = []
    version = train_first_champion(HOOK, messages.append, "throwaway store", None)
    return {"version": version, "messages": "\n".join(messages)}


@pytest.fixture(scope="module")
def service(first):
    import prometheus_client
    from bentoml._internal.configuration.containers import BentoMLContainer
    from bentoml._internal.server.metrics.prometheus import PrometheusClient

    from serving import services

    # BentoML registers its Prometheus metrics in the process-wide registry: with another service's ASGI
    # app made earlier in the session (tests/serving) a second one would register them again and fail,
    # so this in-process app counts into a registry of its own.
    metrics = PrometheusClient(multiproc=False)
    metrics._registry = prometheus_client.CollectorRegistry()
    with (
        BentoMLContainer.metrics_client.patch(metrics),
        TestClient(services.HookQualityService.to_asgi()) as client,
    ):
        yield client


TEXTS = ["Why does nobody read the changelog?", "Minutes of the weekly sync.", "7 ways to ship faster"]


class TestOneRegistration:
    def test_the_list_derives_its_service_deployment_and_first_champion(self, registered):
        from api.cli import served_models
        from flows.serve import build_deployments

        assert served_models()[HOOK.name] == "serving.services:HookQualityService"
        assert HOOK in catalog.needing_first_champion()
        assert "train-hook-quality" in {deployment.name for deployment in build_deployments()}

    def test_the_bootstrap_trains_a_first_champion_through_the_generic_flow(self, first):
        client = MlflowClient()
        assert first["version"] == "1"
        assert "training a first one (features all)" in first["messages"]
        assert str(champion_version(client, HOOK.name).version) == first["version"]
        run = client.get_run(client.get_model_version(HOOK.name, first["version"]).run_id)
        assert run.data.metrics["test_accuracy"] == 1.0
        assert run.data.tags["promotion"] == "champion"
        assert run.data.params["features"] == "all"
        assert imported_version(HOOK, first["version"]) is not None

    def test_a_version_that_does_not_beat_the_baseline_stays_challenger(self, first):
        outcome = train_hook_quality(HookParams(features="length"))
        assert not outcome["promoted"], outcome
        assert outcome["test_accuracy"] <= 2 / 3
        assert outcome["bento_tag"] is None
        client = MlflowClient()
        version = client.get_model_version(HOOK.name, outcome["model_version"])
        assert "does not beat" in version.tags[CHALLENGER_TAG]
        assert str(champion_version(client, HOOK.name).version) == first["version"]

    def test_the_spec_built_service_serves_the_champion_like_the_in_process_client(self, service, first):
        assert service.get("/readyz").status_code == 200
        assert service.post("/model", json={}).json() == {
            "name": HOOK.name,
            "version": first["version"],
            "bento_tag": str(imported_version(HOOK, first["version"]).tag),
        }
        answer = service.post("/score", json={"texts": TEXTS})
        assert answer.status_code == 200
        assert [(r["label"], r["model_version"]) for r in answer.json()] == [
            ("strong", "1"),
            ("weak", "1"),
            ("strong", "1"),
        ]
        assert all(set(result) == {"label", "score", "model_version"} for result in answer.json())
        over_http = HttpClient(HOOK, "http://testserver", client=service).predict(TEXTS)
        in_process = InProcessClient(HOOK).predict(TEXTS)
        assert over_http.version == in_process.version == first["version"]
        assert over_http.results == in_process.results


def test_a_services_503_reads_in_its_own_words_never_the_frameworks_stand_in():
    import httpx

    from ml.client import HttpClient, ModelUnavailable
    from ml.engagement import ENGAGEMENT

    def answer(body: dict[str, str]) -> str:
        transport = httpx.MockTransport(lambda request: httpx.Response(503, json=body))
        client = httpx.Client(base_url="http://engagement", transport=transport)
        with pytest.raises(ModelUnavailable) as caught:
            HttpClient(ENGAGEMENT, "http://engagement", client=client).predict([])
        return str(caught.value)

    generic = answer({"error": "An unexpected error has occurred, please check the server log."})
    assert generic == "the engagement-model service has no model yet"
    own = answer({"error": "no engagement model is trained yet"})
    assert own == "the engagement-model service has no model yet: no engagement model is trained yet"
