"""`train-engagement-model`: one pooled model on every account's posts, gated against the champion and
both baselines on the same time-held-out test split."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any, Literal

import mlflow
import numpy as np
import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field

from api.core import priority
from api.core.db import session_scope
from api.engagement.data import export_frame, history_frame
from ml import registry
from ml.bento import ensure_imported
from ml.engagement import ENGAGEMENT, frame_to_results, inputs_to_frame, rows_from_frame
from models.engagement.evaluation import TfidfForestBaseline, score, time_split
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


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
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


@task(cache_policy=NO_CACHE)
def fit_and_evaluate(frame: pd.DataFrame, params: EngagementTrainingParams) -> dict[str, Any]:
    """Time-split per author, fit the model and both baselines, score all three on the same test posts."""
    logger = get_run_logger()
    annotated = add_history(frame)
    annotated["split"] = time_split(annotated, params.test_share, params.calibration_share)
    usable = annotated[annotated["baseline_log"].notna()]
    train, calibration, test = (usable[usable["split"] == s] for s in ("train", "calibration", "test"))
    logger.info("splits: %d train, %d calibration, %d test posts", len(train), len(calibration), len(test))
    model = EngagementModel(params.model).fit(train, calibration)
    predicted = model.predict_log(test)
    forest = TfidfForestBaseline(params.model.seed).fit(pd.concat([train, calibration]))
    metrics = {
        "candidate": score(test, predicted["expected_log"], predicted["low_log"], predicted["high_log"]),
        "tfidf_random_forest": score(test, forest.predict_log(test)),
        "trailing_median": score(test, test["baseline_log"].to_numpy()),
    }
    for name, values in metrics.items():
        logger.info("%s: Spearman %.3f, log-MAE %.3f", name, values["spearman"], values["mae_log"])
    test_hash = hashlib.sha256("\n".join(sorted(test["post_id"].astype(str))).encode()).hexdigest()
    return {"model": model, "test": test, "predicted": predicted, "metrics": metrics, "test_hash": test_hash}


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def log_run(outcome: dict[str, Any], frame: pd.DataFrame, params: EngagementTrainingParams) -> str:
    """Params, dataset hash and size, metrics of the candidate and both baselines, plots and the model."""
    summary = dataset_summary(frame)
    split = {"test_share": params.test_share, "calibration_share": params.calibration_share}
    mlflow.log_params(params.model.model_dump() | split | {"exports_folder": params.exports_folder})
    mlflow.set_tags(
        {registry.DATASET_HASH_TAG: summary["sha256"], registry.TEST_SPLIT_HASH_TAG: outcome["test_hash"]}
    )
    mlflow.log_metrics({"dataset_posts": summary["posts"], "dataset_accounts": summary["accounts"]})
    mlflow.log_dict(summary, "dataset/summary.json")
    for name, values in outcome["metrics"].items():
        prefix = "test" if name == "candidate" else f"baseline_{name}"
        for key in ("spearman", "mae_log", "coverage", "mean_width_log"):
            if key in values and not np.isnan(values[key]):
                mlflow.log_metric(f"{prefix}_{key}", float(values[key]))
    mlflow.log_dict(
        {name: values for name, values in outcome["metrics"].items()}, "evaluation/test_metrics.json"
    )
    test, predicted, model = outcome["test"], outcome["predicted"], outcome["model"]
    with tempfile.TemporaryDirectory(prefix="engagement-eval-") as folder:
        out = Path(folder)
        mlflow.log_artifact(
            str(plot_predicted_vs_actual(test, predicted, out / "predicted_vs_actual.png")), "evaluation"
        )
        mlflow.log_artifact(
            str(plot_calibration(test, predicted, out / "interval_calibration.png")), "evaluation"
        )
        mlflow.log_artifact(
            str(plot_importance(model.feature_importance(), out / "feature_importance.png")), "evaluation"
        )
    example_rows = rows_from_frame(test.head(3))
    example = inputs_to_frame(example_rows)
    from ml.engagement import predict_frame

    info = registry.log_pyfunc_model(ENGAGEMENT, model.save, example, predict_frame(model, example))
    return info.model_uri


@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def register_and_gate(model_uri: str, outcome: dict[str, Any]) -> tuple[str, registry.PromotionDecision]:
    """Register a version; champion only if it beats the champion and both baselines on this test split."""
    test = outcome["test"]
    metrics = outcome["metrics"]

    def rescore(champion_uri: str) -> float:
        champion = mlflow.pyfunc.load_model(champion_uri)
        results = frame_to_results(champion.predict(inputs_to_frame(rows_from_frame(test))))
        return float(score(test, np.array([r["expected_log"] for r in results]))["spearman"])

    version, decision = registry.gate_and_register(
        ENGAGEMENT,
        model_uri,
        metrics["candidate"]["spearman"],
        outcome["test_hash"],
        rescore,
        must_beat={name: metrics[name]["spearman"] for name in ("tfidf_random_forest", "trailing_median")},
    )
    get_run_logger().info("%s v%s: %s", ENGAGEMENT.name, version, decision.reason)
    return version, decision


@flow(name="train-engagement-model", log_prints=True)
def train_engagement_model(params: EngagementTrainingParams = EngagementTrainingParams()) -> dict[str, Any]:
    """Train the engagement model on every account's history and promote it only if it beats the
    champion and both baselines on the same test split."""
    priority.lowest_for_this_process()  # background work: requests and publishing keep the cores
    registry.configure_tracking()
    experiment_id = registry.ensure_experiment(ENGAGEMENT.experiment)
    frame = load_posts(params)
    outcome = fit_and_evaluate(frame, params)
    with mlflow.start_run(experiment_id=experiment_id, run_name="train-engagement"):
        model_uri = log_run(outcome, frame, params)
        version, decision = register_and_gate(model_uri, outcome)
        run = mlflow.active_run()
        run_id = run.info.run_id if run else ""
    if decision.promote:
        ensure_imported(ENGAGEMENT, version)
    metrics = outcome["metrics"]
    result = {
        "run_id": run_id,
        "model_version": version,
        "promoted": decision.promote,
        "reason": decision.reason,
        "test_spearman": metrics["candidate"]["spearman"],
        "test_mae_log": metrics["candidate"]["mae_log"],
        "test_coverage": metrics["candidate"]["coverage"],
    }
    create_markdown_artifact(
        key="engagement-training-outcome",
        markdown=_outcome_markdown(result, metrics),
        description="Result of the promotion gate",
    )
    return result


def _outcome_markdown(result: dict[str, Any], metrics: dict[str, Any]) -> str:
    rows = "\n".join(
        f"| {name} | {values['spearman']:.3f} | {values['mae_log']:.3f} "
        f"| {values.get('coverage', float('nan')):.3f} |"
        for name, values in metrics.items()
    )
    verdict = "promoted to **champion**" if result["promoted"] else "kept as **challenger**"
    return (
        f"## {ENGAGEMENT.name} v{result['model_version']}: {verdict}\n\n{result['reason']}\n\n"
        f"| model | Spearman | log-MAE | 80% coverage |\n|---|---|---|---|\n{rows}\n"
    )
