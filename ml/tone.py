"""The tone classifier on the platform: its `ModelSpec`, its result type and its MLflow pyfunc wrapper."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

import pandas as pd
from mlflow.pyfunc.model import PythonModel

from ml.spec import ModelSpec, Serving, Training

TEXT_COLUMN = "text"
LABEL_COLUMN = "label"
MODEL_ARTIFACT_KEY = "model"


class ToneResult(TypedDict):
    """One text's predicted tone and the probability of every tone."""

    label: str
    scores: dict[str, float]


class TonePyfunc(PythonModel):
    """MLflow wrapper: a frame of texts in, a frame of `label` plus one probability column per tone out."""

    def __init__(self) -> None:
        self.classifier: Any = None

    def load_context(self, context: Any) -> None:
        """Load the saved tone model (fine-tuned or embedding-based) logged as the model's artifact."""
        from models.tone.loading import load_tone_model

        self.classifier = load_tone_model(context.artifacts[MODEL_ARTIFACT_KEY])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> Any:
        """Classify every row's `text`."""
        if self.classifier is None:
            raise RuntimeError("TonePyfunc.predict called before load_context: no classifier is loaded")
        return results_to_frame(self.classifier.classify([str(text) for text in _text_column(model_input)]))


def _text_column(model_input: Any) -> list[Any]:
    """Accept a frame with a `text` column (the signature) or a plain list of strings."""
    if isinstance(model_input, pd.DataFrame):
        if TEXT_COLUMN not in model_input.columns:
            raise ValueError(
                f"the tone model expects a {TEXT_COLUMN!r} column, got {list(model_input.columns)}"
            )
        return list(model_input[TEXT_COLUMN])
    return list(model_input)


def texts_to_frame(texts: Sequence[str]) -> pd.DataFrame:
    """The pyfunc input frame of some texts."""
    return pd.DataFrame({TEXT_COLUMN: [str(text) for text in texts]})


def results_to_frame(results: Sequence[ToneResult]) -> pd.DataFrame:
    """Flatten classify() results into the pyfunc output frame (column order = the model's label order)."""
    if not results:
        return pd.DataFrame({LABEL_COLUMN: pd.Series([], dtype=str)})
    labels = list(results[0]["scores"])
    frame: dict[str, list[Any]] = {LABEL_COLUMN: [result["label"] for result in results]}
    for label in labels:
        frame[label] = [float(result["scores"][label]) for result in results]
    return pd.DataFrame(frame)


def frame_to_results(frame: Any) -> list[ToneResult]:
    """The inverse of `results_to_frame`: plain Python floats, ready for JSON."""
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    labels = [column for column in frame.columns if column != LABEL_COLUMN]
    return [
        ToneResult(
            label=str(record[LABEL_COLUMN]),
            scores={str(label): float(record[label]) for label in labels},
        )
        for record in frame.to_dict("records")
    ]


def result_from_json(item: Any) -> ToneResult:
    """One served result (`{"label", "scores", ...}`) as a ToneResult."""
    return ToneResult(
        label=str(item["label"]), scores={str(k): float(v) for k, v in dict(item["scores"]).items()}
    )


def model_labels(model: Any) -> list[str]:
    """The tone labels in a loaded pyfunc model's output order, read from its signature."""
    signature = model.metadata.signature
    if signature is None or signature.outputs is None:
        raise ValueError("the tone model was logged without an output signature")
    return [name for name in signature.outputs.input_names() if name != LABEL_COLUMN]


def describe(model: Any) -> dict[str, Any]:
    """What `POST /model` adds for the tone model: its labels, in output order."""
    return {"labels": model_labels(model)}


TONE: ModelSpec[str, ToneResult] = ModelSpec(
    name="tone-classifier",
    metric="test_macro_f1",
    greater_is_better=True,
    python_model="ml.tone:TonePyfunc",
    artifact_key=MODEL_ARTIFACT_KEY,
    requirements=(
        "mlflow",
        "torch",
        "transformers",
        "onnxruntime",
        "onnx",
        "tokenizers",
        "scikit-learn",
        "pandas",
        "numpy",
    ),
    to_frame=texts_to_frame,
    from_frame=frame_to_results,
    from_json=result_from_json,
    to_json=str,
    preparing_message=(
        "the first tone model is being trained (about a minute after `make up` starts); retry shortly"
    ),
    serving=Serving(
        service_class="ToneService",
        route="/classify",
        input_field="texts",
        input_json_type=str,
        timeout_seconds=120,
        max_batch_size=256,
        max_latency_ms=10_000,
        describe=describe,
    ),
    training=Training(
        flow="train-tone-classifier",
        entrypoint="flows/train_tone_classifier.py:train_tone_classifier",
        # Users' analyses wait for a first champion: the quick recipe (seconds) is trained at start, the
        # full fine-tune (the flow's default parameters) follows in the background.
        first_champion={"recipe": "embedding-logreg"},
        follow_up={},
    ),
)
