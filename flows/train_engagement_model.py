"""`train-engagement-model`: one pooled model on every account's posts, gated against the champion and
both baselines on the same time-held-out test split; its steps run in the one training skeleton
(`flows.training`)."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import mlflow
import numpy as np
import pandas as pd
from prefect import flow, get_run_logger
from pydantic import BaseModel, ConfigDict, Field

from api.core.db import session_scope
from api.engagement.data import export_frame, history_frame
from flows.training import Evaluation, Fitted, Trainer, train_model
from ml import registry
from ml.engagement import ENGAGEMENT, frame_to_results, inputs_to_frame, predict_frame, rows_from_frame
from models.engagement.evaluation import (
    COVERAGE_BAND,
    TfidfForestBaseline,
    score,
    score_per_account,
    time_split,
)
from models.engagement.history import add_history
from models.engagement.model import EngagementConfig, EngagementModel
from models.engagement.plots import plot_calibration, plot_importance, plot_predicted_vs_actual

MIN_POSTS_PER_AUTHOR = 10


class EngagementTrainingParams(BaseModel):
    """Tunables of a training run; the Prefect UI renders them as a validated form."""

    model_config = ConfigDict(extra="forbid")

    include_database: bool = Field(default=True, description="train on every account's posts in the product")
    exports_folder: str | None = Field(
        default=None,
        description="also read every CSV/JSON export under this folder (public data to pre-train on)",
    )
    exports_author_by: Literal["file", "followers"] = Field(
        default="file",
        description='"file": one author per folder; "followers": scraped sets, author = follower count',
    )
    test_share: float = Field(default=0.2, gt=0, lt=0.5)
    calibration_share: float = Field(default=0.15, gt=0, lt=0.5)
    model: EngagementConfig = Field(default_factory=EngagementConfig)


@dataclass
class EngagementData:
    """Every usable post, its author's history attached, split in time per author."""

    posts: pd.DataFrame
    train: pd.DataFrame
    calibration: pd.DataFrame
    test: pd.DataFrame
    test_hash: str


def load_posts(params: EngagementTrainingParams) -> pd.DataFrame:
    """Every dated post with engagement: the product's accounts and/or a folder of exports."""
    frames = []
    if params.include_database:
        with session_scope() as session:
            frames.append(history_frame(session))
    if params.exports_folder:
        folder = Path(params.exports_folder).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(f"exports_folder {folder} is not a folder")
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".csv", ".json"))
        frames.append(export_frame(files, params.exports_author_by))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    frame = frame[frame["engagements"].notna()] if not frame.empty else frame
    sizes = frame.groupby("author")["post_id"].transform("size") if not frame.empty else pd.Series(dtype=int)
    frame = frame[sizes >= MIN_POSTS_PER_AUTHOR].reset_index(drop=True) if not frame.empty else frame
    get_run_logger().info(
        "%d posts from %d accounts", len(frame), frame["author"].nunique() if not frame.empty else 0
    )
    return frame


def dataset_summary(frame: pd.DataFrame) -> dict[str, Any]:
    """Hash and size of the training data, as the registry records them."""
    digest = hashlib.sha256()
    for row in frame.sort_values(["author", "posted_at"]).itertuples(index=False):
        digest.update(f"{row.author}|{row.platform}|{row.posted_at}|{row.engagements}|{row.content}".encode())
    return {
        "sha256": digest.hexdigest(),
        "posts": len(frame),
        "accounts": int(frame["author"].nunique()),
        "posts_per_platform": {str(k): int(v) for k, v in frame["platform"].value_counts().items()},
    }


class EngagementTrainer(Trainer[EngagementTrainingParams, EngagementData, EngagementModel]):
    """The engagement model's steps: posts split in time per author, Spearman gate, two baselines."""

    spec = ENGAGEMENT

    def run_name(self, params: EngagementTrainingParams, data: EngagementData) -> str:
        return "train-engagement"

    def load(self, params: EngagementTrainingParams) -> EngagementData:
        frame = load_posts(params)
        annotated = add_history(frame)
        annotated["split"] = time_split(annotated, params.test_share, params.calibration_share)
        usable = annotated[annotated["baseline_log"].notna()]
        train, calibration, test = (usable[usable["split"] == s] for s in ("train", "calibration", "test"))
        get_run_logger().info(
            "splits: %d train, %d calibration, %d test posts", len(train), len(calibration), len(test)
        )
        test_hash = hashlib.sha256("\n".join(sorted(test["post_id"].astype(str))).encode()).hexdigest()
        return EngagementData(frame, train, calibration, test, test_hash)

    def fit(self, data: EngagementData, params: EngagementTrainingParams) -> Fitted[EngagementModel]:
        return Fitted(EngagementModel(params.model).fit(data.train, data.calibration))

    def evaluate(
        self, model: EngagementModel, data: EngagementData, params: EngagementTrainingParams
    ) -> Evaluation:
        """The model and both baselines (trailing median; TF-IDF + random forest) on the same test posts."""
        test = data.test
        predicted = model.predict_log(test)
        forest = TfidfForestBaseline(params.model.seed).fit(pd.concat([data.train, data.calibration]))
        forest_log = forest.predict_log(test)
        baseline_log = test["baseline_log"].to_numpy()
        scores = {
            "candidate": score(test, predicted["expected_log"], predicted["low_log"], predicted["high_log"]),
            "tfidf_random_forest": score(test, forest_log),
            "trailing_median": score(test, baseline_log),
        }
        per_account = score_per_account(
            test, {"candidate": predicted, "tfidf_random_forest": forest_log, "trailing_median": baseline_log}
        )
        logger = get_run_logger()
        for name, values in scores.items():
            logger.info("%s: Spearman %.3f, log-MAE %.3f", name, values["spearman"], values["mae_log"])
        metrics = {
            f"{'test' if name == 'candidate' else f'baseline_{name}'}_{key}": float(values[key])
            for name, values in scores.items()
            for key in ("spearman", "mae_log", "coverage", "mean_width_log")
            if key in values and not np.isnan(values[key])
        } | account_metrics(per_account)
        return Evaluation(
            score=scores["candidate"]["spearman"],
            test_split_hash=data.test_hash,
            metrics=metrics,
            baselines={name: scores[name]["spearman"] for name in ("tfidf_random_forest", "trailing_median")},
            details={"scores": scores, "predicted": predicted, "per_account": per_account},
            # A newcomer's first model is trained on their first import (tens of test posts, where the
            # forest's lead is mostly noise): beating "your typical post" is enough to serve predictions.
            first_version_must_beat=("trailing_median",),
        )

    def log(
        self,
        model: EngagementModel,
        data: EngagementData,
        params: EngagementTrainingParams,
        evaluation: Evaluation,
    ) -> None:
        summary = dataset_summary(data.posts)
        split = {"test_share": params.test_share, "calibration_share": params.calibration_share}
        mlflow.log_params(params.model.model_dump() | split | {"exports_folder": params.exports_folder})
        mlflow.set_tag(registry.DATASET_HASH_TAG, summary["sha256"])
        mlflow.log_metrics({"dataset_posts": summary["posts"], "dataset_accounts": summary["accounts"]})
        mlflow.log_dict(summary, "dataset/summary.json")
        mlflow.log_dict(evaluation.details["scores"], "evaluation/test_metrics.json")
        mlflow.log_dict(evaluation.details["per_account"], "evaluation/per_account.json")
        test, predicted = data.test, evaluation.details["predicted"]
        with tempfile.TemporaryDirectory(prefix="engagement-eval-") as folder:
            out = Path(folder)
            for plot in (
                plot_predicted_vs_actual(test, predicted, out / "predicted_vs_actual.png"),
                plot_calibration(test, predicted, out / "interval_calibration.png"),
                plot_importance(model.feature_importance(), out / "feature_importance.png"),
            ):
                mlflow.log_artifact(str(plot), "evaluation")

    def example(self, model: EngagementModel, data: EngagementData) -> tuple[pd.DataFrame, pd.DataFrame]:
        example = inputs_to_frame(rows_from_frame(data.test.head(3)))
        return example, predict_frame(model, example)

    def save(self, model: EngagementModel, folder: Path) -> None:
        model.save(folder)

    def rescore(self, champion_uri: str, data: EngagementData, params: EngagementTrainingParams) -> float:
        champion = mlflow.pyfunc.load_model(champion_uri)
        results = frame_to_results(champion.predict(inputs_to_frame(rows_from_frame(data.test))))
        return float(score(data.test, np.array([r["expected_log"] for r in results]))["spearman"])

    def summary(self, params: EngagementTrainingParams, evaluation: Evaluation) -> dict[str, Any]:
        candidate = evaluation.details["scores"]["candidate"]
        return {"test_mae_log": candidate["mae_log"], "test_coverage": candidate["coverage"]}

    def report(self, outcome: Mapping[str, Any], evaluation: Evaluation) -> str:
        rows = "\n".join(
            f"| {name} | {values['spearman']:.3f} | {values['mae_log']:.3f} "
            f"| {values.get('coverage', float('nan')):.3f} |"
            for name, values in evaluation.details["scores"].items()
        )
        table = f"| model | Spearman | log-MAE | 80% coverage |\n|---|---|---|---|\n{rows}\n"
        return f"{table}\n{account_report(evaluation.details['per_account'])}"


def account_metrics(per_account: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Per-account figures as MLflow metrics: `account.<account>.<model>_<metric>`."""
    metrics: dict[str, float] = {}
    for account, entry in per_account.items():
        for name in ("candidate", "tfidf_random_forest", "trailing_median"):
            for key in ("spearman", "mae_log", "coverage"):
                value = entry[name].get(key)
                if value is not None and not np.isnan(value):
                    metrics[f"account.{_metric_name(account)}.{name}_{key}"] = float(value)
    return metrics


def _metric_name(account: str) -> str:
    return "".join(c if c.isalnum() or c in "_-." else "_" for c in account)


def account_report(per_account: Mapping[str, Mapping[str, Any]]) -> str:
    """The per-account table the gate shows: Spearman of the model and both baselines, and whether the 80%
    interval's coverage lies in the band."""
    low, high = COVERAGE_BAND
    lines = [
        "| account | test posts | Spearman | forest | trailing median | 80% coverage |",
        "|---|---|---|---|---|---|",
    ]
    for account, entry in per_account.items():
        coverage = entry["candidate"].get("coverage", float("nan"))
        flag = "" if low <= coverage <= high else f" (outside {low:.2f}-{high:.2f})"
        lines.append(
            f"| {account} | {entry['test_posts']} | {entry['candidate']['spearman']:.3f} "
            f"| {entry['tfidf_random_forest']['spearman']:.3f} | {entry['trailing_median']['spearman']:.3f} "
            f"| {coverage:.3f}{flag} |"
        )
    return "\n".join(lines) + "\n"


TRAINER = EngagementTrainer()


@flow(name="train-engagement-model", log_prints=True)
def train_engagement_model(params: EngagementTrainingParams = EngagementTrainingParams()) -> dict[str, Any]:
    """Train the engagement model on every account's history and promote it only if it beats the
    champion and both baselines on the same test split."""
    return train_model(TRAINER, params)
