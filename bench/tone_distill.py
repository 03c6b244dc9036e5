"""One tone model as good as an ensemble: distillation on TweetEval emotion.

The seed ensemble of bench.tone_tweeteval beats each of its members by more than a point of macro-F1, but
serving it costs one forward pass per member. Here the ensemble teaches a single MiniLM-L6 (the served
architecture, so the served speed is unchanged): its averaged probabilities become soft labels for the
training tweets and for unlabelled tweets that no split of the yardstick holds (TweetEval irony, the same
SemEval-2018 collection, and the shipped Twitter exports), each removed where its text is in the emotion
task. Teachers, the student's recipe and its epoch are chosen on the validation split; the test split only
reports.

    python -m bench.tone_distill                 # -> bench/results/tone_distill.json
    python -m bench.tone_distill --device cuda   # the same on a GPU (figures name the device)
    python -m bench.tone_distill --mlflow        # record a finished run's tries in MLflow (tracking URI
                                                 # from MLFLOW_TRACKING_URI, else the project's mlruns/)
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from bench.tone_common import DATASETS, RESULTS_DIR, TWEETEVAL_EMOTION, machine, require, write_result
from bench.tone_tweeteval import RECIPE
from models.tone.classifier import ToneClassifier, TrainConfig
from models.tone.corpus import load_tweeteval_emotion
from models.tone.inference import report_for
from models.tone.text import normalize_for_model

logger = logging.getLogger("postwright.bench")

# The recipe of bench.tone_tweeteval (chosen there on validation): the teachers.
TEACHER = RECIPE
TEACHER_SEEDS = (101, 102, 103, 104, 105)
STUDENT_SEEDS = (1, 2, 3)
SEARCH_SEED = 1
# The student's tries, each scored on validation with SEARCH_SEED; the best one is trained with every seed.
STUDENT_BASE = TEACHER.model_copy(update={"epochs": 8, "distill_weight": 0.5, "distill_temperature": 2.0})
TRIES: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("labels+teacher, train only", {}, "none"),
    ("labels+teacher, + irony", {}, "irony"),
    ("labels+teacher, + all tweets", {}, "all"),
    ("teacher-heavy (0.9), + all tweets", {"distill_weight": 0.9}, "all"),
    ("layer decay 0.9, + all tweets", {"layer_lr_decay": 0.9}, "all"),
    ("12 epochs, + all tweets", {"epochs": 12}, "all"),
)


def _split(frame: pd.DataFrame, name: str) -> tuple[list[str], list[str]]:
    part = frame[frame["split"] == name]
    return part["text"].tolist(), part["label"].tolist()


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _key(text: str) -> str:
    """Two tweets are the same when the model would read the same words, whatever the case."""
    return normalize_for_model(text).casefold()


def unlabelled_pool(frame: pd.DataFrame, datasets: Path = DATASETS) -> dict[str, list[str]]:
    """Tweets without emotion labels, by source, none of whose normalised texts is in the emotion task."""
    taken = {_key(text) for text in frame["text"]}
    sources: dict[str, list[str]] = {"irony": [], "exports": []}
    irony = datasets / "tweeteval" / "irony"
    for part in ("train", "val", "test"):
        sources["irony"] += _lines(irony / f"{part}_text.txt")
    for pattern in (
        "twitter_analytics_ropensci/*.csv",
        "twitter_analytics_gerardtieng/*.csv",
        "twitter_analytics_wearerladies/*.csv",
        "twitter_yumbrands/yum_tweets_10_years.csv",
    ):
        for file in sorted(datasets.glob(pattern)):
            columns = pd.read_csv(file, nrows=0).columns
            column = next((c for c in ("Tweet text", "Tweet.text", "text") if c in columns), None)
            if column is not None:
                sources["exports"] += (
                    pd.read_csv(file, usecols=[column])[column].dropna().astype(str).tolist()
                )
    for name, texts in sources.items():
        kept: list[str] = []
        for text in texts:
            key = _key(text)
            if len(key) >= 10 and key not in taken:
                taken.add(key)
                kept.append(text)
        sources[name] = kept
    return sources


def _fit(
    frame: pd.DataFrame,
    config: TrainConfig,
    device: str,
    soft: np.ndarray | None = None,
    pool: list[str] | None = None,
    pool_soft: np.ndarray | None = None,
) -> tuple[ToneClassifier, list[float], float]:
    train_texts, train_labels = _split(frame, "train")
    val_texts, val_labels = _split(frame, "validation")
    classifier = ToneClassifier.from_base(sorted(set(train_labels)))
    started = time.perf_counter()
    history = classifier.fit(
        train_texts,
        train_labels,
        val_texts,
        val_labels,
        config=config,
        soft_targets=soft,
        unlabelled_texts=pool or [],
        unlabelled_targets=pool_soft,
        device=device,
    )
    return classifier, [round(row["val_macro_f1"], 4) for row in history], time.perf_counter() - started


def _test_f1(classifier: ToneClassifier, frame: pd.DataFrame) -> tuple[float, np.ndarray]:
    texts, labels = _split(frame, "test")
    probabilities = classifier.predict_proba(texts)
    predicted = [classifier.labels[i] for i in probabilities.argmax(axis=1)]
    return round(100 * report_for(classifier.labels, labels, predicted).macro_f1, 2), probabilities


def main(
    device: str, budget_seconds: float | None = None, n_rounds: int = 1, tries_from: Path | None = None
) -> dict[str, Any]:
    """Teachers, the student's tries on validation, then the chosen recipe per seed on test. With a
    budget, tries that would start after 60% of it are skipped (and listed), so the seeds still run."""
    require(TWEETEVAL_EMOTION, "TweetEval emotion")
    frame = load_tweeteval_emotion(TWEETEVAL_EMOTION)
    train_texts, _ = _split(frame, "train")
    val_texts, val_labels = _split(frame, "validation")
    test_texts, test_labels = _split(frame, "test")
    sources = unlabelled_pool(frame)
    pools = {"none": [], "irony": sources["irony"], "all": sources["irony"] + sources["exports"]}
    started = time.perf_counter()

    # 1. Teachers: the project recipe, one per seed; their averaged probabilities are the soft labels.
    teachers: list[dict[str, Any]] = []
    train_probs, pool_probs, test_probs, val_probs = [], [], [], []
    for seed in TEACHER_SEEDS:
        teacher, val_curve, seconds = _fit(frame, TEACHER.model_copy(update={"seed": seed}), device)
        f1, probabilities = _test_f1(teacher, frame)
        teachers.append(
            {
                "seed": seed,
                "test_macro_f1": f1,
                "val_macro_f1": round(100 * max(val_curve), 2),
                "train_seconds": round(seconds, 1),
            }
        )
        logger.info("teacher %d: %s", seed, teachers[-1])
        test_probs.append(probabilities)
        train_probs.append(teacher.predict_proba(train_texts))
        val_probs.append(teacher.predict_proba(val_texts))
        pool_probs.append(teacher.predict_proba(pools["all"]))
        labels = teacher.labels
    soft = np.mean(train_probs, axis=0)
    pool_soft_all = np.mean(pool_probs, axis=0)
    ensemble_test = report_for(labels, test_labels, [labels[i] for i in np.mean(test_probs, 0).argmax(1)])
    ensemble_val = report_for(labels, val_labels, [labels[i] for i in np.mean(val_probs, 0).argmax(1)])

    # 2. The student's recipe, chosen on validation with one seed.
    tries: list[dict[str, Any]] = []
    skipped: list[str] = []
    earlier = json.loads(tries_from.read_text()) if tries_from is not None else None
    for name, update, pool_name in () if earlier else TRIES:
        if budget_seconds is not None and time.perf_counter() - started > 0.6 * budget_seconds:
            skipped.append(name)
            continue
        config = STUDENT_BASE.model_copy(update={**update, "seed": SEARCH_SEED})
        pool = pools[pool_name]
        _, curve, seconds = _fit(frame, config, device, soft, pool, pool_soft_all[: len(pool)])
        tries.append(
            {
                "name": name,
                "pool": pool_name,
                "pool_size": len(pool),
                "config": config.model_dump(exclude={"log_every"}),
                "val_macro_f1_by_epoch": curve,
                "val_macro_f1": round(100 * max(curve), 2),
                "train_seconds": round(seconds, 1),
            }
        )
        logger.info("student try %r: val %.2f", name, tries[-1]["val_macro_f1"])
        write_result("tone_distill_partial", {"teachers": teachers, "student_tries": tries})
    if earlier:
        # The search's tries as an earlier run recorded them (same seed, same validation split).
        tries, skipped = earlier["student_tries"], earlier.get("tries_skipped_for_time", [])
    best = max(tries, key=lambda row: row["val_macro_f1"])

    # 3. The chosen recipe with each seed, scored on test: one model per seed, never averaged. With more
    # rounds, each round's students (averaged) teach the next round (born-again distillation).
    chosen = TrainConfig(**best["config"])
    pool = pools[best["pool"]]
    train_soft, unlabelled_soft = soft, pool_soft_all[: len(pool)]
    rounds: list[dict[str, Any]] = []
    for number in range(1, max(1, n_rounds) + 1):
        students: list[dict[str, Any]] = []
        next_train, next_pool = [], []
        for seed in STUDENT_SEEDS:
            config = chosen.model_copy(update={"seed": seed})
            student, curve, seconds = _fit(frame, config, device, train_soft, pool, unlabelled_soft)
            f1, _ = _test_f1(student, frame)
            report = student.evaluate(test_texts, test_labels)
            students.append(
                {
                    "seed": seed,
                    "test_macro_f1": f1,
                    "test_accuracy": round(100 * report.accuracy, 2),
                    "per_class_f1": {k: round(100 * v["f1"], 2) for k, v in report.per_class.items()},
                    "val_macro_f1": round(100 * max(curve), 2),
                    "best_epoch": int(np.argmax(curve)) + 1,
                    "train_seconds": round(seconds, 1),
                }
            )
            logger.info("round %d student seed %d: %s", number, seed, students[-1])
            if number < n_rounds:
                next_train.append(student.predict_proba(train_texts))
                next_pool.append(student.predict_proba(pool))
            write_result(
                "tone_distill_partial",
                {
                    "teachers": teachers,
                    "student_tries": tries,
                    "rounds": [*rounds, {"round": number, "students": students}],
                },
            )
        rounds.append(
            {
                "round": number,
                "teacher": "the seed ensemble" if number == 1 else f"round {number - 1}'s students, averaged",
                "students": students,
                "mean_val_macro_f1": round(statistics.fmean(row["val_macro_f1"] for row in students), 2),
                "mean_macro_f1": round(statistics.fmean(row["test_macro_f1"] for row in students), 2),
                "stdev_macro_f1": round(statistics.stdev(row["test_macro_f1"] for row in students), 2),
            }
        )
        if next_train:
            train_soft, unlabelled_soft = np.mean(next_train, axis=0), np.mean(next_pool, axis=0)
    final = max(rounds, key=lambda row: row["mean_val_macro_f1"])
    students = final["students"]
    f1s = [row["test_macro_f1"] for row in students]
    teacher_f1s = [row["test_macro_f1"] for row in teachers]
    result = {
        "dataset": "TweetEval emotion (official splits); test macro-F1 x100",
        "device": device,
        "teachers": {
            "recipe": TEACHER.model_dump(exclude={"seed", "log_every"}),
            "per_seed": teachers,
            "mean_macro_f1": round(statistics.fmean(teacher_f1s), 2),
            "ensemble_test_macro_f1": round(100 * ensemble_test.macro_f1, 2),
            "ensemble_val_macro_f1": round(100 * ensemble_val.macro_f1, 2),
        },
        "unlabelled": {name: len(texts) for name, texts in sources.items()},
        "student_tries": tries,
        "tries_skipped_for_time": skipped,
        "chosen": {
            "name": best["name"],
            "pool": best["pool"],
            "selected_on": "validation",
            "config": best["config"],
        },
        "rounds": rounds,
        "reported_round": {"round": final["round"], "selected_on": "mean validation macro-F1 of its seeds"},
        "students": students,
        "mean_macro_f1": round(statistics.fmean(f1s), 2),
        "stdev_macro_f1": round(statistics.stdev(f1s), 2),
        "aim": 79.3,
        "architecture": "MiniLM-L6, mean pooling, linear head: the served model's (same served speed)",
        "seconds_total": round(time.perf_counter() - started, 1),
        "machine": {
            **machine(),
            "device": device,
            "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else None,
        },
    }
    write_result("tone_distill", result)
    (RESULTS_DIR / "tone_distill_partial.json").unlink(missing_ok=True)
    return result


def record_in_mlflow(path: Path = RESULTS_DIR / "tone_distill.json") -> int:
    """Log each teacher, student try and student seed of a finished run as an MLflow run (with its
    validation curve) in the experiment `tone-distill`; returns how many runs were logged."""
    import mlflow

    result = json.loads(path.read_text())
    mlflow.set_experiment("tone-distill")
    logged = 0
    for kind, rows in (
        ("teacher", result["teachers"]["per_seed"]),
        ("try", result["student_tries"]),
        ("student", result["students"]),
    ):
        for row in rows:
            name = f"{kind} {row.get('name', row.get('seed'))}"
            with mlflow.start_run(run_name=name):
                mlflow.set_tags({"kind": kind, "device": result["device"]})
                config = row.get("config") or (
                    result["teachers"]["recipe"] if kind == "teacher" else result["chosen"]["config"]
                )
                mlflow.log_params({key: value for key, value in config.items() if key != "seed"})
                mlflow.log_param("seed", row.get("seed", config.get("seed")))
                for step, value in enumerate(row.get("val_macro_f1_by_epoch", []), start=1):
                    mlflow.log_metric("val_macro_f1_epoch", 100 * value, step=step)
                metrics = {k: row[k] for k in ("test_macro_f1", "val_macro_f1", "train_seconds") if k in row}
                mlflow.log_metrics(metrics)
            logged += 1
    return logged


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--budget-seconds", type=float, default=None, help="skip tries past 60%% of this")
    parser.add_argument(
        "--rounds", type=int, default=1, help="born-again rounds of students teaching students"
    )
    parser.add_argument(
        "--tries-from", type=Path, default=None, help="reuse the tries recorded in this result"
    )
    parser.add_argument(
        "--mlflow", action="store_true", help="record bench/results/tone_distill.json in MLflow"
    )
    arguments = parser.parse_args()
    if arguments.mlflow:
        print(f"logged {record_in_mlflow()} runs")
    else:
        print(
            json.dumps(
                main(arguments.device, arguments.budget_seconds, arguments.rounds, arguments.tries_from),
                indent=2,
            )
        )
