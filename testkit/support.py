"""Throwaway stores and a tiny dataset, so tests (and demos) run the real pipeline in seconds.

Used by tests/flows, tests/serving, tests/voice and the benchmarks; the product never imports it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from api.core.config import get_settings
from ml.config import get_ml_settings

# Three tones written so differently that one short epoch separates them.
_TEMPLATES: dict[str, list[str]] = {
    "professional": [
        "We are pleased to report that the {topic} programme closed the quarter on schedule and on budget.",
        "Our {topic} team delivered the migration with no customer impact; thank you to everyone involved.",
        "Please find below the key results of the {topic} review presented to the board this week.",
        "The {topic} initiative reached its second milestone; the full report is available to partners.",
    ],
    "casual": [
        "lol the {topic} thing today was wild, totally forgot my coffee again haha",
        "ok so {topic} broke twice before lunch and honestly im just vibing now",
        "anyone else's {topic} just randomly stop working?? going for a walk brb",
        "tbh {topic} is fine, weekend plans are the real priority lol",
    ],
    "inspirational": [
        "Every setback in {topic} is a setup for a comeback. Keep going, your future self will thank you!",
        "Dream big about {topic}. Start small. Never stop believing you can change the world!",
        "Your {topic} journey is yours alone. Rise, grow and inspire others to rise with you!",
        "Believe in your {topic} vision even when nobody else does. Greatness takes courage!",
    ],
}
_TOPICS = ["data platform", "hiring", "cloud", "design", "sales", "security"]
_SPLIT_OF_TOPIC = {"data platform": "train", "hiring": "train", "cloud": "train", "design": "validation",
                   "sales": "test", "security": "test"}  # fmt: skip


def tiny_tone_rows() -> list[dict[str, str]]:
    """72 labelled rows (36 train, 12 validation, 24 test) in three clearly different tones."""
    rows = []
    for label, templates in _TEMPLATES.items():
        for topic in _TOPICS:
            for template in templates:
                rows.append(
                    {"text": template.format(topic=topic), "label": label, "split": _SPLIT_OF_TOPIC[topic]}
                )
    return rows


def write_tiny_tone_dataset(path: Path) -> Path:
    """Write the tiny dataset as JSONL (the format a training flow accepts as its `dataset`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(row) for row in tiny_tone_rows()) + "\n", encoding="utf-8")
    return path


@contextmanager
def throwaway_mlflow(folder: Path) -> Iterator[str]:
    """Point the settings (and so every flow) at a fresh SQLite tracking store under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    uri = f"sqlite:///{folder.resolve() / 'mlflow.db'}"
    with _environment(MLFLOW_TRACKING_URI=uri, MLFLOW_ARTIFACT_ROOT=str(folder.resolve() / "artifacts")):
        get_settings.cache_clear()
        get_ml_settings.cache_clear()
        try:
            yield uri
        finally:
            get_settings.cache_clear()
            get_ml_settings.cache_clear()
        get_ml_settings.cache_clear()


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def isolated_bento_store(folder: Path) -> Iterator[Path]:
    """Send the Bento model store (in this process and in `bentoml serve` children) to `folder`."""
    from bentoml._internal.configuration.containers import BentoMLContainer
    from bentoml._internal.models import ModelStore

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "models").mkdir(exist_ok=True)
    with (
        _environment(BENTOML_HOME=str(folder)),
        BentoMLContainer.bentoml_home.patch(str(folder)),
        BentoMLContainer.model_store.patch(ModelStore(str(folder / "models"))),
    ):
        yield folder


def publish_version(
    spec: Any,
    save: Callable[[Path], None],
    example: Any,
    output: Any,
    metrics: dict[str, float] | None = None,
    *,
    import_to_bento: bool = True,
) -> str:
    """Log, register and promote a version of any model (and import it into the Bento store); return it.

    The quick way to give a throwaway registry a champion when a test is about using one, not training it.
    """
    import mlflow
    from mlflow import MlflowClient

    from ml import registry
    from ml.bento import ensure_imported
    from ml.client import forget_champions

    registry.configure_tracking()
    with mlflow.start_run(experiment_id=registry.ensure_experiment(spec.experiment)):
        if metrics:
            mlflow.log_metrics(metrics)
        info = registry.log_pyfunc_model(spec, save, example, output)
        version = str(registry.register_version(spec, info.model_uri, {}).version)
    registry.apply_promotion(
        MlflowClient(), spec, version, registry.PromotionDecision(True, "published by a test")
    )
    if import_to_bento:
        ensure_imported(spec, version)
    forget_champions()  # this process sees the new champion at once
    return version


def publish_champion(classifier: Any, example_texts: list[str], test_macro_f1: float = 0.0) -> str:
    """Publish a tone model as the champion; return its version."""
    from ml.tone import TONE, results_to_frame, texts_to_frame

    example = texts_to_frame(example_texts[:3])
    output = results_to_frame(classifier.classify(list(example["text"])))
    return publish_version(TONE, classifier.save, example, output, {TONE.metric: test_macro_f1})


_HARNESS: ExitStack | None = None


def prefect_harness_once(add_cleanup: Callable[[Callable[[], None]], None]) -> None:
    """Start one Prefect test harness (temporary server and database) per process.

    `add_cleanup` registers its shutdown (pytest: `config.add_cleanup`), so several test folders can ask
    for it without starting a second server.
    """
    global _HARNESS
    if _HARNESS is not None:
        return
    from prefect.testing.utilities import prefect_test_harness

    stack = ExitStack()
    stack.enter_context(prefect_test_harness())
    _HARNESS = stack

    def stop() -> None:
        global _HARNESS
        stack.close()
        _HARNESS = None

    add_cleanup(stop)


# ----- engagement -----------------------------------------------------------------------------------------

# The synthetic world's true effects, in log1p(engagements): what a good model must recover.
QUESTION_EFFECT = 0.6
HASHTAG_EFFECT = -0.25
MORNING_EFFECT = 0.4


def synthetic_posts(authors: int = 6, posts: int = 120, noise: float = 0.4, seed: int = 5) -> Any:
    """Posts whose engagement is the author's level times known effects times log-normal noise.

    Authors differ a lot in audience (their level), so the trailing median carries the level and the
    model must find the effects of a question, hashtags and a 09:00 post on top of it.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    topics = ["hiring", "data", "design", "sales", "security", "cloud", "teams", "product"]
    rows = []
    start = pd.Timestamp("2025-01-01T00:00:00Z")
    for author in range(authors):
        level = 2.0 + 1.2 * author
        at = start
        for index in range(posts):
            at = at + pd.Timedelta(hours=int(rng.integers(10, 60)))
            hour = int(rng.choice([9, 13, 18]))
            posted = at.normalize() + pd.Timedelta(hours=hour)
            question, hashtags = bool(rng.random() < 0.4), int(rng.integers(0, 4))
            topic = topics[int(rng.integers(0, len(topics)))]
            text = f"Notes on {topic} from this week, part {index}."
            text += " What would you do?" if question else " Here is what we learned."
            text += "".join(f" #{topic}{k}" for k in range(hashtags))
            log = level + QUESTION_EFFECT * question + HASHTAG_EFFECT * hashtags
            log += MORNING_EFFECT * (hour == 9) + rng.normal(0.0, noise)
            likes = float(np.round(np.expm1(log)))
            rows.append(
                {
                    "post_id": f"a{author}-{index}",
                    "author": f"author-{author}",
                    "platform": "twitter",
                    "posted_at": posted,
                    "content": text,
                    "likes": likes,
                    "comments": 0.0,
                    "shares": 0.0,
                    "impressions": None,
                    "followers": None,
                    "timezone": "UTC",
                    "time_precision": "exact",
                    "engagements": likes,
                }
            )
    return pd.DataFrame(rows)


def train_synthetic_engagement_model(noise: float = 0.4) -> Any:
    """An EngagementModel trained the way the flow trains it, on synthetic posts."""
    from models.engagement.evaluation import time_split
    from models.engagement.history import add_history
    from models.engagement.model import EngagementConfig, EngagementModel

    frame = add_history(synthetic_posts(noise=noise))
    frame["split"] = time_split(frame)
    usable = frame[frame["baseline_log"].notna()]
    model = EngagementModel(EngagementConfig(n_estimators=200, text_components=4)).fit(
        usable[usable["split"] == "train"], usable[usable["split"] == "calibration"]
    )
    return model, usable


def publish_engagement_champion(model: Any, example: Any) -> str:
    """Publish an engagement model as the champion; return its version."""
    from ml.engagement import ENGAGEMENT, inputs_to_frame, predict_frame, rows_from_frame

    frame = inputs_to_frame(rows_from_frame(example.head(3)))
    return publish_version(ENGAGEMENT, model.save, frame, predict_frame(model, frame), import_to_bento=False)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(server: Any, base_url: str, timeout: float, path: str = "/readyz") -> None:
    """Until a served process answers `path` with 200 (or exits, which fails the test with its stderr)."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited: {server.stderr.read() if server.stderr else ''}")
        try:
            if httpx.get(f"{base_url}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{base_url}{path} did not become ready in time")


@contextmanager
def serve_in_thread(app: Any, **options: Any) -> Iterator[str]:
    """Serve an ASGI app with a real uvicorn on a free port in a daemon thread; yield its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, **({"log_config": None} | options))
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stop(server: Any, grace: float = 30.0) -> None:
    """Terminate a served subprocess, killing it if it does not exit within `grace` seconds."""
    import subprocess

    server.terminate()
    try:
        server.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        server.kill()


def stop_group(server: Any, grace: float = 30.0) -> None:
    """Terminate a subprocess started with `start_new_session=True` and everything it started."""
    import contextlib
    import os
    import signal
    import subprocess

    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # children that outlived their parent


def personal_scope(session: Any, user_id: Any) -> Any:
    """The scope a request without X-Workspace-Id has: the user's personal workspace, as its owner."""
    from api.workspaces import service

    return service.scope_for(session, user_id, None)
