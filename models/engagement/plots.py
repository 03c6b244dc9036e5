"""The plots a reviewer sees in MLflow: predicted vs actual, interval calibration, feature importance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def _figure(width: float = 6.0, height: float = 4.5):  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path: Path) -> Path:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(str(path), dpi=110)
    return path


def plot_predicted_vs_actual(test: pd.DataFrame, predicted: pd.DataFrame, path: Path) -> Path:
    """Scatter of predicted against actual log1p(engagements), with the diagonal."""
    figure = _figure()
    axes = figure.add_subplot()
    actual = np.log1p(test["engagements"].to_numpy(dtype=float))
    axes.scatter(predicted["expected_log"], actual, s=6, alpha=0.4)
    limits = [
        float(min(actual.min(), predicted["expected_log"].min())),
        float(max(actual.max(), predicted["expected_log"].max())),
    ]
    axes.plot(limits, limits, color="grey", linewidth=1)
    axes.set_xlabel("predicted log1p(engagements)")
    axes.set_ylabel("actual log1p(engagements)")
    axes.set_title("Test posts: predicted vs actual")
    return _save(figure, path)


def plot_calibration(test: pd.DataFrame, predicted: pd.DataFrame, path: Path) -> Path:
    """Interval coverage by the author's history size, against the nominal 80%."""
    actual = np.log1p(test["engagements"].to_numpy(dtype=float))
    hit = (actual >= predicted["low_log"].to_numpy()) & (actual <= predicted["high_log"].to_numpy())
    buckets = pd.cut(test["history_posts"], [0, 5, 10, 20, 50, np.inf], right=False)
    table = pd.DataFrame({"bucket": buckets.astype(str), "hit": hit}).groupby("bucket", sort=False)["hit"]
    coverage, counts = table.mean(), table.size()
    figure = _figure()
    axes = figure.add_subplot()
    axes.bar(
        range(len(coverage)),
        coverage.to_numpy(),
        tick_label=[f"{b}\n(n={counts[b]})" for b in coverage.index],
    )
    axes.axhline(0.8, color="red", linestyle="--", label="nominal 80%")
    axes.set_ylim(0, 1)
    axes.set_xlabel("earlier posts by the author")
    axes.set_ylabel("share of actual values inside the interval")
    axes.legend()
    return _save(figure, path)


def plot_importance(importance: dict[str, float], path: Path, top: int = 20) -> Path:
    """The features with the most total gain."""
    ranked = sorted(importance.items(), key=lambda item: item[1])[-top:]
    figure = _figure(6.0, 0.3 * len(ranked) + 1.5)
    axes = figure.add_subplot()
    axes.barh([name for name, _ in ranked], [gain for _, gain in ranked])
    axes.set_xlabel("total gain")
    axes.set_title("Feature importance")
    return _save(figure, path)
