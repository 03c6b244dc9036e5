"""Each component started for real on its own (`python -m api.cli COMMAND`), in `make test-cluster`:

- `prefect-server` on a throwaway PostgreSQL database, then `deploy` twice: one process pool, the
  `interactive` and `training` queues with their limits, every deployment on its queue with its schedules,
  the same set after the second run;
- a `worker` on the interactive queue runs a flow run created from a deployment to completion;
- `mlflow-server` on PostgreSQL with proxied artifacts: a client process that has only the tracking URI
  (its own MLFLOW_ARTIFACT_ROOT unusable, another working directory) logs, registers and promotes a model
  through `ml/` and loads it back; the files land in the server's artifact folder;
- `serve-model` on the tracking URI alone serves the registered champion.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from testkit.database import create_database
from testkit.support import free_port
from tests.ops.test_components import PYTHON, ROOT, cli, component_env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [PYTHON, "-m", "api.cli", *args], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def wait_for(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {timeout:.0f}s: {log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGINT first (a Prefect worker stops on it, not on SIGTERM), then SIGTERM, then SIGKILL, to the
    process's whole group."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            os.killpg(process.pid, signum)
            process.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="module")
def prefect_server(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prefect-server` on a database of its own (the command creates it: only its name is made up here)."""
    tmp = tmp_path_factory.mktemp("prefect")
    url, drop = create_database(pg_server_url, "pw_prefect")
    drop()  # the command creates a missing database itself
    port = free_port()
    log = tmp / "prefect-server.log"
    env = component_env(tmp, PREFECT_DATABASE_URL=url.replace("+psycopg", ""))
    server = start(["prefect-server", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        wait_for(server, f"http://127.0.0.1:{port}/api/health", log)
        yield f"http://127.0.0.1:{port}/api"
    finally:
        stop(server)
        drop()


def read_pool(api_url: str) -> dict[str, Any]:
    """What the Prefect server holds: the pool's type, its queues' limits, each deployment's queue and
    schedules."""
    pool = httpx.get(f"{api_url}/work_pools/postwright-process").json()
    queues = httpx.post(f"{api_url}/work_pools/postwright-process/queues/filter", json={}).json()
    deployments = httpx.post(f"{api_url}/deployments/filter", json={}).json()
    return {
        "type": pool["type"],
        "queues": {queue["name"]: queue["concurrency_limit"] for queue in queues},
        "deployments": {
            deployment["name"]: (
                deployment["work_pool_name"],
                deployment["work_queue_name"],
                sorted(
                    (
                        schedule["slug"],
                        str(schedule["schedule"].get("cron") or schedule["schedule"]["interval"]),
                    )
                    for schedule in deployment["schedules"]
                ),
                deployment["pull_steps"],
                deployment["entrypoint"],
            )
            for deployment in deployments
        },
    }


@pytest.fixture(scope="module")
def deployed(prefect_server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], ...]:
    tmp = tmp_path_factory.mktemp("deploy")
    env = component_env(
        tmp, PREFECT_API_URL=prefect_server, WORK_QUEUE_LIMITS='{"interactive": 3, "training": 1}'
    )
    states = []
    for _ in range(2):
        result = cli("deploy", env=env, timeout=180)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        states.append(read_pool(prefect_server))
    return tuple(states)


def test_deploy_creates_the_pool_its_queues_and_every_deployment_on_its_queue(deployed):
    from api.core.launcher import read_deployments
    from flows.serve import training_entries
    from ml import catalog

    first, _ = deployed
    assert first["type"] == "process"
    assert first["queues"]["interactive"] == 3 and first["queues"]["training"] == 1
    listed = read_deployments()
    expected = {entry["name"]: entry for entry in [*listed, *training_entries(listed)]}
    assert set(first["deployments"]) == set(expected)
    for spec in catalog.trained():
        assert first["deployments"][spec.training.flow][1] == "training"
    for name, entry in expected.items():
        pool, queue, schedules, pull, entrypoint = first["deployments"][name]
        assert pool == "postwright-process"
        assert queue == entry["work_pool"]["work_queue_name"]
        assert [slug for slug, _ in schedules] == sorted(s["slug"] for s in entry.get("schedules") or [])
        assert entrypoint == entry["entrypoint"]
        assert pull == [
            {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $POSTWRIGHT_ROOT }}"}}
        ]
    assert {name for name, (_, queue, *_) in first["deployments"].items() if queue == "interactive"} >= {
        "publish-due-posts", "generate-scheduled-content", "analyze-user-tone", "collect-post-metrics",
    }  # fmt: skip


def test_deploying_twice_leaves_the_same_pool_queues_deployments_and_schedules(deployed):
    first, second = deployed
    assert second == first


@pytest.mark.slow
def test_a_worker_runs_a_flow_run_created_from_a_deployment(deployed, prefect_server, database_url, tmp_path):
    env = component_env(
        tmp_path,
        PREFECT_API_URL=prefect_server,
        DATABASE_URL=database_url,
        MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}",
        PREFECT_WORKER_QUERY_SECONDS="1",
        JWT_SECRET=os.environ["JWT_SECRET"],
    )
    log = tmp_path / "worker.log"
    worker = start(
        ["worker", "--pool", "postwright-process", "--queue", "interactive", "--limit", "2"], env, log
    )
    try:
        deployment = httpx.get(
            f"{prefect_server}/deployments/name/publish-due-posts/publish-due-posts"
        ).json()
        created = httpx.post(
            f"{prefect_server}/deployments/{deployment['id']}/create_flow_run", json={"parameters": {}}
        )
        assert created.status_code == 201, created.text
        run_id = created.json()["id"]
        deadline = time.monotonic() + 90
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            state = httpx.get(f"{prefect_server}/flow_runs/{run_id}").json()["state"]
            if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                break
            assert worker.poll() is None, log.read_text()[-3000:]
            time.sleep(1)
        assert state.get("type") == "COMPLETED", (state, log.read_text()[-3000:])
        assert "set_working_directory" in log.read_text()
    finally:
        stop(worker)


CLIENT = """
import json, sys
from mlflow import MlflowClient
from api.core.config import get_settings
from ml.client import get_client
from ml.engagement import ENGAGEMENT, rows_from_frame
from ml.registry import configure_tracking
from testkit.support import publish_engagement_champion, train_synthetic_engagement_model

model, usable = train_synthetic_engagement_model()
version = publish_engagement_champion(model, usable)
configure_tracking()
experiment = MlflowClient().get_experiment_by_name(ENGAGEMENT.experiment)
prediction = get_client(ENGAGEMENT, get_settings()).predict(rows_from_frame(usable.head(2)))
from ml.bento import ensure_imported
bento = ensure_imported(ENGAGEMENT, version)
print(json.dumps({"version": version, "location": experiment.artifact_location,
                  "loaded": prediction.version, "results": len(prediction.results), "bento": str(bento.tag)}))
"""


@pytest.mark.slow
def test_a_client_with_only_the_tracking_uri_registers_and_loads_a_model(pg_server_url, tmp_path):
    url, drop = create_database(pg_server_url, "pw_mlflow")
    drop()  # created by the command
    artifacts = tmp_path / "server-artifacts"
    port = free_port()
    log = tmp_path / "mlflow-server.log"
    env = component_env(tmp_path, MLFLOW_DATABASE_URL=url, MLFLOW_ARTIFACT_ROOT=str(artifacts))
    server = start(["mlflow-server", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        wait_for(server, f"http://127.0.0.1:{port}/health", log)
        workdir = tmp_path / "client"
        workdir.mkdir()
        client_env = component_env(
            workdir,
            MLFLOW_TRACKING_URI=f"http://127.0.0.1:{port}",
            # Unusable on purpose: the client must not write artifacts anywhere itself.
            MLFLOW_ARTIFACT_ROOT="/proc/no-artifacts-here",
            BENTOML_HOME=str(workdir / "bento"),
            PYTHONPATH=str(ROOT),
        )
        result = subprocess.run(
            [PYTHON, "-c", CLIENT], cwd=workdir, env=client_env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stderr[-3000:]
        out = json.loads(result.stdout.strip().splitlines()[-1])
        assert out["location"].startswith("mlflow-artifacts:")
        assert out["loaded"] == out["version"] == "1" and out["results"] == 2
        assert out["bento"].startswith("engagement-model:")
        assert list(artifacts.rglob("MLmodel")), "the server keeps the artifacts in its own folder"
        assert not list(workdir.glob("mlruns*"))
        # A model service on "another host": only the tracking URI, its own Bento store.
        service_port = free_port()
        service_log = tmp_path / "service.log"
        service_env = client_env | {
            "BENTOML_HOME": str(tmp_path / "service-bento"),
            "VAR_DIR": str(tmp_path / "s"),
        }
        service = start(
            ["serve-model", "engagement-model", "--host", "127.0.0.1", "--port", str(service_port)],
            service_env,
            service_log,
        )
        try:
            wait_for(service, f"http://127.0.0.1:{service_port}/readyz", service_log)
            described = httpx.post(f"http://127.0.0.1:{service_port}/model", json={}).json()
            assert described["name"] == "engagement-model" and described["version"] == "1"
        finally:
            stop(service)
    finally:
        stop(server)
        drop()
