"""Every component starts on its own with one command (`python -m api.cli COMMAND`): each refuses to start
without a setting it needs (exit code 2, one line naming the variable); JOB_LEASE_SECONDS replaces every
due-row job's lease. The components started for real, on servers of their own, are
tests/cluster/test_components.py (`make test-cluster`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# What a component could inherit from the test session or the developer's shell and must not.
INHERITED = (
    "DATABASE_URL", "PREFECT_API_URL", "PREFECT_DATABASE_URL", "MLFLOW_DATABASE_URL", "MLFLOW_TRACKING_URI",
    "MLFLOW_ARTIFACT_ROOT", "SERVING_URLS", "LLM_BASE_URL", "PREFECT_HOME", "BENTOML_HOME",
    "PREFECT_API_DATABASE_CONNECTION_URL", "ENVIRONMENT", "JWT_SECRET", "MLFLOW_ALLOWED_HOSTS", "REDIS_URL",
    "WORK_QUEUE_LIMITS", "JOB_LEASE_SECONDS",
)  # fmt: skip


def component_env(tmp: Path, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in INHERITED}
    return env | {"VAR_DIR": str(tmp / "var"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"} | settings


def cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


MISSING = [
    (("migrate",), {}, "DATABASE_URL"),
    (("api",), {}, "DATABASE_URL"),
    (("api",), {"ENVIRONMENT": "production", "DATABASE_URL": "postgresql://u@h/db"}, "JWT_SECRET"),
    (("prefect-server",), {}, "PREFECT_DATABASE_URL"),
    (("prefect-server",), {"PREFECT_DATABASE_URL": "sqlite:///x.db"}, "PREFECT_DATABASE_URL"),
    (("mlflow-server",), {}, "MLFLOW_DATABASE_URL"),
    (("deploy",), {}, "PREFECT_API_URL"),
    (("worker", "--pool", "p"), {}, "PREFECT_API_URL"),
    (("worker",), {"PREFECT_API_URL": "http://h/api"}, "DATABASE_URL"),
    (
        ("worker",),
        {"PREFECT_API_URL": "http://h/api", "DATABASE_URL": "postgresql://u@h/db"},
        "MLFLOW_TRACKING_URI",
    ),
    (("serve-model", "tone-classifier"), {}, "MLFLOW_TRACKING_URI"),
]


@pytest.mark.parametrize(("args", "settings", "variable"), MISSING, ids=lambda value: str(value))
def test_a_command_without_a_setting_it_needs_exits_2_naming_it(tmp_path, args, settings, variable):
    result = cli(*args, env=component_env(tmp_path, **settings))
    assert result.returncode == 2, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and variable in lines[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_the_api_in_production_needs_the_prefect_server_and_a_tracking_server(tmp_path):
    production = {
        "ENVIRONMENT": "production",
        "DATABASE_URL": "postgresql://u@h/db",
        "JWT_SECRET": "Kx9-" + "".join(chr(65 + i) for i in range(26)) + "q7z2m",
        "TOKEN_ENCRYPTION_KEY": "A" * 43 + "=",
    }
    result = cli("api", env=component_env(tmp_path, **production))
    assert result.returncode == 2 and "PREFECT_API_URL" in result.stderr, result.stderr[-2000:]
    result = cli("api", env=component_env(tmp_path, **production, PREFECT_API_URL="http://h/api"))
    assert result.returncode == 2 and "MLFLOW_TRACKING_URI" in result.stderr, result.stderr[-2000:]


def test_job_lease_seconds_replaces_every_jobs_lease(monkeypatch):
    from datetime import timedelta

    from api.core.config import get_settings
    from api.publishing import publisher

    with httpx.Client() as http:
        job = publisher.publish_job(http)
    assert job.lease_length() == publisher.LEASE
    monkeypatch.setenv("JOB_LEASE_SECONDS", "2")
    get_settings.cache_clear()
    try:
        assert job.lease_length() == timedelta(seconds=2)
    finally:
        monkeypatch.delenv("JOB_LEASE_SECONDS")
        get_settings.cache_clear()
