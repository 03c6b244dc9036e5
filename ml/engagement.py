"""The engagement model on the platform: its `ModelSpec`, result type and MLflow pyfunc wrapper.

Input rows are posts with their author's history already attached (see `models.engagement.history`) and
the author's habits as JSON; output rows carry the expected log1p count, the interval, reasons and
suggestions. The API turns them into counts, ratios and percentiles against the user's own posts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from mlflow.pyfunc.model import PythonModel

from ml.spec import ModelSpec, Serving, Training
from models.engagement.reasons import Habits

MODEL_ARTIFACT_KEY = "model"
INPUT_COLUMNS = (
    "content", "platform", "posted_at", "timezone", "followers",
    "history_posts", "baseline_log", "trend_log", "cadence_7d", "days_since_last", "spread_log",
    "time_precision", "media_type", "habits",
)  # fmt: skip
OUTPUT_COLUMNS = ("expected_log", "low_log", "high_log", "baseline_log", "reasons", "suggestions")


class EngagementInput(TypedDict):
    """One post to predict, with its author's history and habits attached."""

    content: str
    platform: str
    posted_at: str
    timezone: str
    followers: float | None
    history_posts: float
    baseline_log: float
    trend_log: float | None
    cadence_7d: float
    days_since_last: float | None
    spread_log: float | None
    time_precision: str  # exact, day or approximate (a draft's time is exact)
    media_type: str | None  # image, video, article... where the source says; None: unknown
    habits: dict[str, Any]


class EngagementResult(TypedDict):
    """What the model says about one post (log1p space)."""

    expected_log: float
    low_log: float
    high_log: float
    baseline_log: float
    reasons: list[dict[str, Any]]
    suggestions: list[dict[str, Any]]


def habits_json(habits: Habits) -> dict[str, Any]:
    """Habits as a JSON-ready dict."""
    return asdict(habits)


def _habits(value: Any) -> Habits:
    data = json.loads(value) if isinstance(value, str) else dict(value or {})
    data["candidate_times"] = [tuple(pair) for pair in data.get("candidate_times", [])]
    return Habits(**data)


def inputs_to_frame(rows: Sequence[EngagementInput]) -> pd.DataFrame:
    """The pyfunc input frame (habits travel as JSON text)."""
    columns: dict[str, Any] = {
        name: [json.dumps(row["habits"]) if name == "habits" else row[name] for row in rows]  # type: ignore[literal-required]
        for name in INPUT_COLUMNS
    }
    for name in ("followers", "trend_log", "days_since_last", "spread_log"):  # optional numbers: None is NaN
        columns[name] = np.array([np.nan if value is None else value for value in columns[name]], dtype=float)
    # Built column by column with their types (a frame of records then `astype` cost more than the model).
    return pd.DataFrame(columns, columns=list(INPUT_COLUMNS))


def frame_to_results(frame: Any) -> list[EngagementResult]:
    """The pyfunc output frame as results."""
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    return [
        EngagementResult(
            expected_log=float(row["expected_log"]),
            low_log=float(row["low_log"]),
            high_log=float(row["high_log"]),
            baseline_log=float(row["baseline_log"]),
            reasons=json.loads(row["reasons"]),
            suggestions=json.loads(row["suggestions"]),
        )
        for row in frame.to_dict("records")
    ]


def result_from_json(item: Any) -> EngagementResult:
    """One served result."""
    return EngagementResult(
        expected_log=float(item["expected_log"]),
        low_log=float(item["low_log"]),
        high_log=float(item["high_log"]),
        baseline_log=float(item["baseline_log"]),
        reasons=list(item["reasons"]),
        suggestions=list(item["suggestions"]),
    )


def predict_frame(model: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """Run an `EngagementModel` on an input frame and build the output frame."""
    frame = frame.copy()
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True, format="ISO8601")
    habits = [_habits(value) for value in frame["habits"]]
    detailed = model.predict_detailed(frame.drop(columns=["habits"]), habits)
    return pd.DataFrame(
        [
            {**row, "reasons": json.dumps(row["reasons"]), "suggestions": json.dumps(row["suggestions"])}
            for row in detailed
        ],
        columns=list(OUTPUT_COLUMNS),
    )


class EngagementPyfunc(PythonModel):
    """MLflow wrapper around a saved `EngagementModel`."""

    def __init__(self) -> None:
        self.model: Any = None

    def load_context(self, context: Any) -> None:
        """Load the saved model logged as the artifact."""
        from models.engagement.model import EngagementModel

        self.model = EngagementModel.load(context.artifacts[MODEL_ARTIFACT_KEY])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> Any:
        """Predict every row."""
        if self.model is None:
            raise RuntimeError("EngagementPyfunc.predict called before load_context")
        return predict_frame(self.model, model_input)


ENGAGEMENT: ModelSpec[EngagementInput, EngagementResult] = ModelSpec(
    name="engagement-model",
    metric="test_spearman",
    greater_is_better=True,
    python_model="ml.engagement:EngagementPyfunc",
    artifact_key=MODEL_ARTIFACT_KEY,
    requirements=("mlflow", "lightgbm", "crepes", "scikit-learn", "pandas", "numpy", "emoji"),
    to_frame=inputs_to_frame,
    from_frame=frame_to_results,
    from_json=result_from_json,
    to_json=lambda row: dict(row),
    preparing_message=(
        "no engagement model is trained yet; it trains automatically once 30 posts are imported "
        "(or run the train-engagement-model flow)"
    ),
    serving=Serving(
        service_class="EngagementService",
        route="/predict",
        input_field="rows",
        input_json_type=dict[str, Any],
        timeout_seconds=60,
        max_batch_size=512,
        max_latency_ms=2_000,
    ),
    # No first champion at start: it needs the users' own posts, and trains once 30 are imported.
    training=Training(
        flow="train-engagement-model", entrypoint="flows/train_engagement_model.py:train_engagement_model"
    ),
)


def rows_from_frame(frame: pd.DataFrame, habits: Sequence[Habits] | None = None) -> list[EngagementInput]:
    """History-annotated post rows (see `models.engagement.history`) as model inputs."""
    rows: list[EngagementInput] = []
    for position, row in enumerate(frame.itertuples(index=False)):
        row_habits = habits[position] if habits is not None else Habits()
        rows.append(
            EngagementInput(
                content=str(row.content),
                platform=str(row.platform),
                posted_at=pd.Timestamp(row.posted_at).isoformat(),
                timezone=str(getattr(row, "timezone", "UTC") or "UTC"),
                followers=None if pd.isna(row.followers) else float(row.followers),
                history_posts=float(row.history_posts),
                baseline_log=float(row.baseline_log),
                trend_log=None if pd.isna(row.trend_log) else float(row.trend_log),
                cadence_7d=float(row.cadence_7d),
                days_since_last=None if pd.isna(row.days_since_last) else float(row.days_since_last),
                spread_log=_optional(getattr(row, "spread_log", None)),
                time_precision=str(getattr(row, "time_precision", None) or "exact"),
                media_type=_text_or_none(getattr(row, "media_type", None)),
                habits=habits_json(row_habits),
            )
        )
    return rows


def _optional(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
