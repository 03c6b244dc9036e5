"""The engagement model: gradient boosting on how a post differs from its author's usual post.

Target: log1p(engagements) minus the author's baseline (log1p of the trailing median), so audience size
and habits are factored out and the model learns what content, form and timing add on top. Intervals are
split-conformal (crepes), normalised by a learned difficulty: a small booster fitted to the size of the
model's out-of-fold errors on the training posts, from what the row says about its author (platform, date
precision, history size, how much their engagement varies, audience), so an author whose posts are easy to
predict gets a narrow interval and one known only by relative dates a wide one. They are calibrated on a
time-held-out slice. Reasons are LightGBM's exact per-feature contributions (TreeSHAP).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import lightgbm as lgb
import numpy as np
import pandas as pd
from crepes import ConformalRegressor
from pydantic import BaseModel, ConfigDict, Field
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold

from models.engagement.features import NUMERIC_COLUMNS, feature_array
from models.engagement.history import engagement_count
from models.engagement.reasons import Habits, explain, suggest

FORMAT_VERSION = 1
_META = "engagement_model.json"
_PARTS = "engagement_model.joblib"
# Predictions are a few rows at a time inside a request: LightGBM's default team of OpenMP threads (one per
# core, spinning while they wait) costs more than the trees and takes the cores the other requests need
# (a draft write: 23 -> 18.5 ms serially). Training keeps every core.
PREDICT_THREADS = 1


class EngagementConfig(BaseModel):
    """Tunables of the engagement model."""

    model_config = ConfigDict(extra="forbid")

    n_estimators: int = Field(default=300, ge=10, le=5000)
    learning_rate: float = Field(default=0.03, gt=0, le=1)
    num_leaves: int = Field(default=15, ge=2, le=256)
    min_child_samples: int = Field(default=20, ge=1, le=1000)
    text_components: int = Field(default=16, ge=0, le=128)
    level: float = Field(default=0.8, gt=0.5, lt=1.0)
    seed: int = Field(default=13, ge=0)


def difficulty(history_posts: Sequence[float] | np.ndarray) -> np.ndarray:
    """How hard a post is to predict: wider intervals for authors with little history (the fallback of a
    model saved without a learned difficulty)."""
    return 1.0 + 2.0 / np.sqrt(1.0 + np.asarray(history_posts, dtype=float))


# What the learned difficulty sees: the author and the circumstances of the post, not its words.
DIFFICULTY_COLUMNS = (
    "platform_linkedin", "date_precision", "media", "followers_log", "history_posts_log", "baseline_log",
    "spread_log", "trend_log", "days_since_last", "is_reply", "chars_log", "links",
)  # fmt: skip
DIFFICULTY_FOLDS = 3
# A floor on the learned difficulty (log1p units), so no row gets a zero-width interval.
MIN_DIFFICULTY = 0.05


class EngagementModel:
    """Fit on history-annotated posts; predict expected engagement, an interval, reasons and suggestions."""

    def __init__(self, config: EngagementConfig | None = None) -> None:
        self.config = config or EngagementConfig()
        self._vectorizer: TfidfVectorizer | None = None
        self._svd: TruncatedSVD | None = None
        self._booster: lgb.LGBMRegressor | None = None
        self._conformal: ConformalRegressor | None = None
        self._difficulty: lgb.LGBMRegressor | None = None
        self.columns: list[str] = []

    # ----- training ---------------------------------------------------------------------------------------

    def fit(self, train: pd.DataFrame, calibration: pd.DataFrame) -> EngagementModel:
        """Train on `train`, calibrate the intervals on the later `calibration` posts."""
        train, calibration = _usable(train), _usable(calibration)
        if len(train) < 20 or len(calibration) < 5:
            raise ValueError(
                f"too little history to train: {len(train)} training and {len(calibration)} calibration "
                "posts "
                "with a baseline (need 20 and 5)"
            )
        self.columns = []
        self._fit_text(list(train["content"].astype(str)))
        x_train = self.matrix(train)
        self.columns = list(x_train.columns)
        target = residual_target(train)
        self._booster = self._new_booster().fit(x_train, target)
        self._difficulty = self._fit_difficulty(x_train, target)
        x_calibration = self.matrix(calibration)
        residuals = residual_target(calibration) - self._booster.predict(x_calibration)
        self._conformal = ConformalRegressor().fit(residuals, sigmas=self._sigmas(calibration, x_calibration))
        return self

    def _new_booster(self) -> lgb.LGBMRegressor:
        config = self.config
        return lgb.LGBMRegressor(
            n_estimators=config.n_estimators,
            learning_rate=config.learning_rate,
            num_leaves=config.num_leaves,
            min_child_samples=config.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=config.seed,
            n_jobs=2,
            verbose=-1,
        )

    def _fit_difficulty(self, x_train: pd.DataFrame, target: np.ndarray) -> lgb.LGBMRegressor:
        """A small booster for the size of the model's error, fitted to out-of-fold errors (in-sample ones
        are too small, and most so where the model memorised an author)."""
        errors = np.zeros(len(x_train))
        folds = KFold(DIFFICULTY_FOLDS, shuffle=True, random_state=self.config.seed)
        for fit_rows, held_rows in folds.split(x_train):
            booster = self._new_booster().fit(x_train.iloc[fit_rows], target[fit_rows])
            errors[held_rows] = np.abs(target[held_rows] - booster.predict(x_train.iloc[held_rows]))
        estimator = lgb.LGBMRegressor(
            n_estimators=200,
            learning_rate=0.03,
            num_leaves=4,
            min_child_samples=50,
            random_state=self.config.seed,
            n_jobs=2,
            verbose=-1,
        )
        return estimator.fit(x_train.loc[:, list(DIFFICULTY_COLUMNS)], errors)

    def _sigmas(self, frame: pd.DataFrame, matrix: pd.DataFrame) -> np.ndarray:
        """Each row's difficulty: the learned one, or the history-size fallback."""
        if self._difficulty is None:
            return difficulty(frame["history_posts"].to_numpy())
        values = matrix.loc[:, list(DIFFICULTY_COLUMNS)].to_numpy(dtype=float)
        predicted = self._difficulty.booster_.predict(values, num_threads=PREDICT_THREADS)
        sigmas: np.ndarray = np.maximum(np.asarray(predicted, dtype=float), MIN_DIFFICULTY)
        return sigmas

    def _fit_text(self, texts: list[str]) -> None:
        if self.config.text_components == 0:
            return
        self._vectorizer = TfidfVectorizer(max_features=5000, ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        matrix = self._vectorizer.fit_transform(texts)
        components = max(1, min(self.config.text_components, matrix.shape[1] - 1))
        self._svd = TruncatedSVD(n_components=components, random_state=self.config.seed).fit(matrix)

    # ----- inference --------------------------------------------------------------------------------------

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's input table: numeric features plus the text components (a fitted model's own
        columns, in its order: a model saved before a feature was added goes on without it)."""
        if set(NUMERIC_COLUMNS) <= set(frame.columns):
            blocks = [frame.loc[:, list(NUMERIC_COLUMNS)].to_numpy(dtype=float)]
        else:
            blocks = [feature_array(frame)]
        names = list(NUMERIC_COLUMNS)
        if self._vectorizer is not None and self._svd is not None:
            topics = self._svd.transform(self._vectorizer.transform(frame["content"].astype(str)))
            blocks.append(topics)
            names += [f"topic_{k}" for k in range(topics.shape[1])]
        # One constructor call: adding columns one by one costs more than the model itself for one draft.
        table = pd.DataFrame(np.hstack(blocks), columns=names, index=frame.index)
        return table if not self.columns or self.columns == names else table.loc[:, self.columns]

    def predict_log(self, frame: pd.DataFrame, matrix: pd.DataFrame | None = None) -> pd.DataFrame:
        """Expected log1p(engagements) and the interval bounds, per row (rows need a baseline); `matrix` is
        `self.matrix(frame)` when the caller has it already."""
        booster, conformal = self._require()
        matrix = self.matrix(frame) if matrix is None else matrix
        residual = booster.booster_.predict(matrix.to_numpy(), num_threads=PREDICT_THREADS)
        bounds = conformal.predict_int(
            residual, sigmas=self._sigmas(frame, matrix), confidence=self.config.level
        )
        baseline = frame["baseline_log"].to_numpy(dtype=float)
        return pd.DataFrame(
            {
                "expected_log": baseline + residual,
                "low_log": baseline + bounds[:, 0],
                "high_log": baseline + bounds[:, 1],
                "baseline_log": baseline,
            },
            index=frame.index,
        )

    def contributions(self, matrix: pd.DataFrame) -> pd.DataFrame:
        """Per-feature contributions to the predicted log-ratio (TreeSHAP), one column per feature."""
        booster, _ = self._require()
        values = booster.booster_.predict(matrix.to_numpy(), pred_contrib=True, num_threads=PREDICT_THREADS)
        return pd.DataFrame(np.asarray(values)[:, :-1], columns=list(matrix.columns), index=matrix.index)

    def predict_detailed(
        self, frame: pd.DataFrame, habits: Sequence[Habits] | None = None
    ) -> list[dict[str, Any]]:
        """Per row: expected count, the interval, and up to five reasons and three suggestions."""
        matrix = self.matrix(frame)
        logs = self.predict_log(frame, matrix)
        booster, _ = self._require()
        # Plain arrays and dicts from here: per-row table lookups cost more than the trees for one draft.
        values = matrix.to_numpy(dtype=float)
        columns = [str(column) for column in matrix.columns]
        contributions = np.asarray(
            booster.booster_.predict(values, pred_contrib=True, num_threads=PREDICT_THREADS)
        )[:, :-1]
        expected, low, high, baseline = (
            logs[name].to_numpy(dtype=float)
            for name in ("expected_log", "low_log", "high_log", "baseline_log")
        )
        results = []
        for position in range(len(frame)):
            row_habits = habits[position] if habits is not None else Habits()
            features = dict(zip(columns, values[position].tolist(), strict=True))
            contribution = dict(zip(columns, contributions[position].tolist(), strict=True))
            results.append(
                {
                    "expected_log": float(expected[position]),
                    "low_log": float(low[position]),
                    "high_log": float(high[position]),
                    "baseline_log": float(baseline[position]),
                    "reasons": explain(features, contribution, row_habits),
                    "suggestions": suggest(
                        self, values[position], columns, float(baseline[position]), row_habits
                    ),
                }
            )
        return results

    def predict_rows_log(self, rows: np.ndarray, columns: list[str], baseline_log: np.ndarray) -> np.ndarray:
        """Expected log1p(engagements) for ready-made feature rows whose columns are named by `columns`
        (used to evaluate suggestions)."""
        booster, _ = self._require()
        if columns != self.columns:
            rows = rows[:, [columns.index(name) for name in self.columns]]
        residual = booster.booster_.predict(rows, num_threads=PREDICT_THREADS)
        return np.asarray(baseline_log, dtype=float) + residual

    def _require(self) -> tuple[lgb.LGBMRegressor, ConformalRegressor]:
        if self._booster is None or self._conformal is None:
            raise RuntimeError("the engagement model is not trained")
        return self._booster, self._conformal

    def feature_importance(self) -> dict[str, float]:
        """Total gain per feature, for the training run's plot."""
        booster, _ = self._require()
        gains = booster.booster_.feature_importance(importance_type="gain")
        return {name: float(gain) for name, gain in zip(self.columns, gains, strict=True)}

    # ----- persistence ------------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """A folder with the fitted parts (joblib) and the config (JSON)."""
        self._require()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(
            {"vectorizer": self._vectorizer, "svd": self._svd, "booster": self._booster,
             "conformal": self._conformal, "difficulty": self._difficulty, "columns": self.columns},
            path / _PARTS,
        )  # fmt: skip
        meta = {"format_version": FORMAT_VERSION, "config": self.config.model_dump()}
        (path / _META).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str) -> EngagementModel:
        """Load a folder written by `save`."""
        path = Path(path)
        meta = json.loads((path / _META).read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported engagement model format {meta.get('format_version')!r} in {path}")
        model = cls(EngagementConfig(**meta["config"]))
        parts = joblib.load(path / _PARTS)
        model._vectorizer, model._svd = parts["vectorizer"], parts["svd"]
        model._booster, model._conformal = parts["booster"], parts["conformal"]
        model._difficulty = parts.get("difficulty")
        model.columns = list(parts["columns"])
        return model


def residual_target(frame: pd.DataFrame) -> np.ndarray:
    """log1p(engagements) minus the author's baseline at the time."""
    target: np.ndarray = np.log1p(frame["engagements"].to_numpy(dtype=float)) - frame[
        "baseline_log"
    ].to_numpy(dtype=float)
    return target


def _usable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a known engagement and a baseline (at least one earlier post)."""
    if "engagements" not in frame.columns:
        frame = frame.assign(engagements=engagement_count(frame))
    return frame[frame["engagements"].notna() & frame["baseline_log"].notna()]
