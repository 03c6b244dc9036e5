"""The tone classifier as an MLflow pyfunc model, and the one function every caller classifies with.

The Bento service, the API's in-process client and the analysis flow all go through `classify_texts`
on a loaded pyfunc model, so the HTTP path and the in-process path cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

import pandas as pd
from mlflow.pyfunc import PyFuncModel
from mlflow.pyfunc.model import PythonModel

MODEL_NAME = "tone-classifier"
CHAMPION_ALIAS = "champion"
TEXT_COLUMN = "text"
LABEL_COLUMN = "label"
# The saved ToneClassifier folder travels with the MLflow model under this artifact key.
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
        """Load the saved ToneClassifier that was logged as the model's artifact."""
        from models.tone.classifier import ToneClassifier

        self.classifier = ToneClassifier.load(context.artifacts[MODEL_ARTIFACT_KEY])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> Any:
        """Classify every row's `text`."""
        if self.classifier is None:
            raise RuntimeError("TonePyfunc.predict called before load_context: no classifier is loaded")
        texts = [str(text) for text in _text_column(model_input)]
        return results_to_frame(self.classifier.classify(texts))


def _text_column(model_input: Any) -> list[Any]:
    """Accept a frame with a `text` column (the signature) or a plain list of strings."""
    if isinstance(model_input, pd.DataFrame):
        if TEXT_COLUMN not in model_input.columns:
            raise ValueError(
                f"the tone model expects a {TEXT_COLUMN!r} column, got {list(model_input.columns)}"
            )
        return list(model_input[TEXT_COLUMN])
    return list(model_input)


def results_to_frame(results: Sequence[ToneResult]) -> pd.DataFrame:
    """Flatten classify() results into the pyfunc output frame (column order = the model's label order)."""
    if not results:
        return pd.DataFrame({LABEL_COLUMN: pd.Series([], dtype=str)})
    labels = list(results[0]["scores"])
    frame: dict[str, list[Any]] = {LABEL_COLUMN: [result["label"] for result in results]}
    for label in labels:
        frame[label] = [float(result["scores"][label]) for result in results]
    return pd.DataFrame(frame)


def frame_to_results(frame: pd.DataFrame) -> list[ToneResult]:
    """The inverse of `results_to_frame`: plain Python floats, ready for JSON."""
    labels = [column for column in frame.columns if column != LABEL_COLUMN]
    results: list[ToneResult] = []
    for record in frame.to_dict("records"):
        results.append(
            ToneResult(
                label=str(record[LABEL_COLUMN]),
                scores={str(label): float(record[label]) for label in labels},
            )
        )
    return results


def classify_texts(model: PyFuncModel, texts: Sequence[str]) -> list[ToneResult]:
    """Classify texts with a loaded pyfunc tone model (the single code path behind every caller)."""
    if not texts:
        return []
    output = model.predict(pd.DataFrame({TEXT_COLUMN: [str(text) for text in texts]}))
    if not isinstance(output, pd.DataFrame):
        output = pd.DataFrame(output)
    return frame_to_results(output)


def model_labels(model: PyFuncModel) -> list[str]:
    """The tone labels in the model's output order, read from its signature."""
    signature = model.metadata.signature
    if signature is None or signature.outputs is None:
        raise ValueError("the tone model was logged without an output signature")
    return [name for name in signature.outputs.input_names() if name != LABEL_COLUMN]
