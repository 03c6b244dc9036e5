"""ToneService over HTTP (ASGI test client and a real `bentoml serve`), and its match with in-process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import bentoml
import httpx
import pytest
from starlette.testclient import TestClient

from api.core.config import PROJECT_ROOT
from api.voice.classifier import HttpToneClassifier, InProcessToneClassifier
from flows.testing import isolated_bento_store, publish_champion
from models.tone.classifier import ToneClassifier
from serving.tone_service import ToneService

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
    with TestClient(ToneService.to_asgi()) as client:
        yield client


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
            assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-4)
            assert result["label"] == max(result["scores"], key=result["scores"].get)

    def test_http_client_and_in_process_answer_identically(self, service, champion):
        over_http = HttpToneClassifier("http://testserver", client=service)
        in_process = InProcessToneClassifier()
        assert over_http.model_version() == in_process.model_version() == champion
        assert over_http.classify(TEXTS) == in_process.classify(TEXTS)

    def test_concurrent_requests_each_get_their_own_answers(self, service):
        expected = InProcessToneClassifier().classify(TEXTS)

        def one(index: int) -> list[dict]:
            return service.post("/classify", json={"texts": [TEXTS[index]]}).json()

        with ThreadPoolExecutor(max_workers=len(TEXTS)) as pool:
            answers = list(pool.map(one, range(len(TEXTS))))
        for index, answer in enumerate(answers):
            # Merged with other requests a text is padded differently; under bf16 inference that moves
            # the third decimal at most, never which text the answer belongs to.
            assert answer[0]["scores"] == pytest.approx(expected[index]["scores"], abs=5e-3)

    def test_not_ready_and_unavailable_without_a_model(self, champion, tmp_path):
        # A second ASGI app per process would re-register BentoML's metrics, so the hook is called directly.
        with isolated_bento_store(tmp_path / "empty"):
            empty = ToneService.inner()
        assert not empty.__is_ready__()
        with pytest.raises(bentoml.exceptions.ServiceUnavailable, match="train-tone-classifier"):
            empty.classify(["hello"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestBentomlServe:
    def test_bentoml_serve_answers_like_the_in_process_model(self, champion, bento_store):
        port = _free_port()
        env = os.environ | {"BENTOML_HOME": str(bento_store), "BENTOML_DO_NOT_TRACK": "true"}
        command = [
            sys.executable,
            "-m",
            "bentoml",
            "serve",
            "serving.tone_service:ToneService",
            "--port",
            str(port),
        ]
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_ready(server, base_url, timeout=120)
            with httpx.Client(base_url=base_url, timeout=60) as client:
                served = HttpToneClassifier(base_url, client=client)
                assert served.model_version() == champion
                assert served.classify(TEXTS) == InProcessToneClassifier().classify(TEXTS)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_ready(server: subprocess.Popen, base_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"bentoml serve exited: {server.stderr.read() if server.stderr else ''}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("bentoml serve did not become ready in time")
