"""ToneService over HTTP (ASGI test client and a real `bentoml serve`), and its match with in-process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import bentoml
import httpx
import pytest
from starlette.testclient import TestClient

from ml.client import HttpClient, InProcessClient, ModelUnavailable
from ml.config import PROJECT_ROOT, get_ml_settings
from ml.tone import TONE
from models.tone import inference as inference_module
from models.tone import onnx_int8
from models.tone.classifier import ToneClassifier
from models.tone.inference import cpu_supports_bf16
from serving.services import ToneService
from testkit.support import (
    free_port,
    isolated_bento_store,
    publish_champion,
    stop,
    throwaway_mlflow,
    wait_ready,
)

pytestmark = pytest.mark.slow

LABELS = ["casual", "inspirational", "professional"]
TEXTS = [
    "We are pleased to report that the migration closed on schedule.",
    "lol the deploy broke again, going for a walk brb",
    "Believe in your vision even when nobody else does!",
    "Short one.",
    "A much longer post about hiring, onboarding, mentoring and the quiet work that makes a team feel "
    "like a place where people want to stay for years, written over several sentences. It keeps going.",
]


@pytest.fixture(scope="module")
def champion(mlflow_store, bento_store) -> str:
    """An (untrained) classifier published as the champion: these tests are about serving, not quality."""
    return publish_champion(ToneClassifier.from_base(LABELS), TEXTS)


@pytest.fixture(scope="module")
def service(champion):
    # The hot-swap test below needs the service to notice a promotion quickly.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHAMPION_POLL_SECONDS", "0.5")
        get_ml_settings.cache_clear()
        with TestClient(ToneService.to_asgi()) as client:
            yield client
    get_ml_settings.cache_clear()


class TestToneService:
    def test_ready_once_the_champion_is_loaded(self, service, champion):
        assert service.get("/readyz").status_code == 200
        info = service.post("/model", json={}).json()
        assert info["version"] == champion
        assert info["labels"] == LABELS

    def test_classify_answers_one_distribution_per_text(self, service):
        response = service.post("/classify", json={"texts": TEXTS})
        assert response.status_code == 200
        results = response.json()
        assert len(results) == len(TEXTS)
        for result in results:
            assert list(result["scores"]) == LABELS
            assert result["model_version"] == "1"
            assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-4)
            assert result["label"] == max(result["scores"], key=result["scores"].get)

    def test_http_client_and_in_process_answer_identically_with_the_version(self, service, champion):
        over_http = HttpClient(TONE, "http://testserver", client=service).predict(TEXTS)
        in_process = InProcessClient(TONE).predict(TEXTS)
        assert over_http.version == in_process.version == champion
        assert over_http.results == in_process.results

    def test_concurrent_requests_each_get_their_own_answers(self, service):
        expected = InProcessClient(TONE).predict(TEXTS).results

        def one(index: int) -> list[dict]:
            return service.post("/classify", json={"texts": [TEXTS[index]]}).json()

        with ThreadPoolExecutor(max_workers=len(TEXTS)) as pool:
            answers = list(pool.map(one, range(len(TEXTS))))

        for index, answer in enumerate(answers):
            # Merged with other requests a text is padded and batched differently; under bf16 or int8
            # inference (int8 activations are quantized per batch) that moves the second decimal at most.
            assert answer[0]["scores"] == pytest.approx(expected[index]["scores"], abs=2e-2)

    def test_not_ready_and_unavailable_without_a_model(self, champion, tmp_path):
        # A second ASGI app per process would re-register BentoML's metrics, so the hook is called directly.
        with isolated_bento_store(tmp_path / "empty"), throwaway_mlflow(tmp_path / "registry"):
            empty = ToneService.inner()
            empty.champion.stop()
            assert not empty.__is_ready__()
            with pytest.raises(bentoml.exceptions.ServiceUnavailable, match="being trained"):
                empty.classify(["hello"])
            with pytest.raises(ModelUnavailable, match="being trained"):
                InProcessClient(TONE).predict(["hello"])


class TestServedBackend:
    def test_the_logged_champion_serves_with_onnx_runtime_int8(self, champion, monkeypatch):
        import mlflow.pyfunc

        from ml import registry

        if cpu_supports_bf16():  # such CPUs serve bf16 unless told otherwise; ask for what others serve
            monkeypatch.setenv(inference_module.PRECISION_ENV, "int8")
        registry.configure_tracking()  # this module's registry, whatever an earlier test pointed at
        # What ToneService and the in-process client both load: the registry's champion pyfunc.
        model = mlflow.pyfunc.load_model(f"models:/{TONE.name}@champion")
        classifier = model.unwrap_python_model().classifier
        # The int8 copy alone: no torch module beside it in the service.
        assert isinstance(classifier, inference_module.Int8ToneModel)
        assert classifier.backend == "onnxruntime-int8"
        # The copy served is the fused graph of the current recipe, not an older one.
        assert onnx_int8.recipe_of(classifier._session.path.parent) == onnx_int8.RECIPE


class TestBentomlServe:
    def test_bentoml_serve_answers_like_the_in_process_model(self, champion, bento_store):
        port = free_port()
        env = os.environ | {"BENTOML_HOME": str(bento_store), "BENTOML_DO_NOT_TRACK": "true"}
        command = [
            sys.executable,
            "-m",
            "bentoml",
            "serve",
            "serving.services:ToneService",
            "--port",
            str(port),
        ]
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(server, base_url, timeout=120)
            with httpx.Client(base_url=base_url, timeout=60) as client:
                served = HttpClient(TONE, base_url, client=client).predict(TEXTS)
                in_process = InProcessClient(TONE).predict(TEXTS)
                assert served.version == in_process.version
                assert served.results == in_process.results
        finally:
            stop(server)


class TestPromotionReachesTheRunningService:
    """Last in the module: it moves the champion alias the other tests read."""

    def test_requests_in_a_loop_never_fail_while_the_new_champion_is_swapped_in(self, service, champion):
        answers: list[tuple[int, str | None]] = []
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                response = service.post("/classify", json={"texts": TEXTS[:2]})
                version = response.json()[0]["model_version"] if response.status_code == 200 else None
                answers.append((response.status_code, version))

        worker = threading.Thread(target=loop)
        worker.start()
        try:
            time.sleep(1.0)
            promoted = publish_champion(ToneClassifier.from_base(LABELS), TEXTS)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(v == promoted for _, v in answers[-5:]):
                time.sleep(0.2)
            time.sleep(0.5)
        finally:
            stop.set()
            worker.join(timeout=30)
        statuses = {status for status, _ in answers}
        assert statuses == {200}, f"some requests failed during the swap: {statuses}"
        versions = [version for _, version in answers]
        assert versions[0] == champion and versions[-1] == promoted != champion
        # Once the new champion answers, the old one never does again.
        first_new = versions.index(promoted)
        assert set(versions[first_new:]) == {promoted}
        assert service.post("/model", json={}).json()["version"] == promoted
