"""EngagementService under a real `bentoml serve` answers like the in-process model, naming its version.

(A second BentoML ASGI app in the test process would register BentoML's metrics twice, so this service
is served for real rather than through an in-process test client.)
"""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from ml.client import HttpClient, InProcessClient
from ml.config import PROJECT_ROOT
from ml.engagement import ENGAGEMENT, rows_from_frame
from testkit.support import (
    free_port,
    publish_engagement_champion,
    stop,
    train_synthetic_engagement_model,
    wait_ready,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def champion(mlflow_store, bento_store):
    model, usable = train_synthetic_engagement_model()
    return publish_engagement_champion(model, usable), usable[usable["split"] == "test"].head(6)


def test_bentoml_serve_answers_like_the_in_process_model_with_the_version(champion, bento_store):
    version, rows = champion
    port = free_port()
    env = os.environ | {"BENTOML_HOME": str(bento_store), "BENTOML_DO_NOT_TRACK": "true"}
    command = [sys.executable, "-m", "bentoml", "serve", "serving.services:EngagementService",
               "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_ready(server, base_url, timeout=120)
        inputs = rows_from_frame(rows)
        with httpx.Client(base_url=base_url, timeout=60) as client:
            served = HttpClient(ENGAGEMENT, base_url, client=client).predict(inputs)
            assert client.post("/model", json={}).json()["version"] == version
            assert "bentoml_service_request_total" in client.get("/metrics").text
        in_process = InProcessClient(ENGAGEMENT).predict(inputs)
        assert served.version == in_process.version == version
        assert served.results == in_process.results
    finally:
        stop(server)
