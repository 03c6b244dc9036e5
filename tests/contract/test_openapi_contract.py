"""The OpenAPI document is a contract: schemathesis, with every check and every phase (examples, coverage,
fuzzing, and the stateful phase that follows the links between operations), finds nothing.

The API runs as its own process (a real uvicorn) on a fresh database, with the platforms configured and a
fake OpenAI-compatible LLM, so no operation answers 503 for want of a dependency. The few rules JSON Schema
cannot state are excluded per operation in `schemathesis.toml`, each with its reason.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from testkit.database import create_database
from testkit.fake_llm import FakeLLM, serve
from testkit.support import free_port, stop_group, wait_ready

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# How many examples each operation gets in each phase: enough to find the classes of problems above in
# about a minute on two cores; `make bench`-sized runs pass a larger N through SCHEMATHESIS_MAX_EXAMPLES.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8")
WORDS = [
    "teams",
    "ship",
    "small",
    "changes",
    "often",
    "and",
    "learn",
    "from",
    "what",
    "users",
    "actually",
    "do",
    "with",
    "them",
    "every",
    "week",
    "hiring",
    "managers",
    "write",
    "the",
    "scorecard",
    "before",
    "the",
    "first",
    "interview",
    "so",
    "everyone",
    "knows",
    "what",
    "good",
    "looks",
    "like",
    "onboarding",
    "starts",
    "before",
    "day",
    "one",
    "with",
    "a",
    "laptop",
    "a",
    "buddy",
    "and",
    "a",
    "plan",
    "for",
    "the",
    "first",
    "month",
]


def _replies(count: int) -> list[str]:
    """Distinct, ordinary sentences: every generated variant passes the checks and differs from the rest."""
    rng = random.Random(7)
    return [" ".join(rng.sample(WORDS, 14)).capitalize() + "." for _ in range(count)]


@pytest.fixture
def api_process(pg_server_url: str, tmp_path: Path) -> Iterator[str]:
    url, drop = create_database(pg_server_url, "pw_contract")
    fake = FakeLLM(_replies(4000))
    with serve(fake) as llm_url:
        env = os.environ | {
            "DATABASE_URL": url,
            "ENVIRONMENT": "test",
            "JWT_SECRET": secrets.token_urlsafe(48),
            "VAR_DIR": str(tmp_path / "var"),
            "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/mlflow.db",
            "LLM_BASE_URL": llm_url,
            "X_CLIENT_ID": "contract-x",
            "LINKEDIN_CLIENT_ID": "contract-linkedin",
            "WEBHOOK_ALLOW_PRIVATE": "true",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        env.pop("SERVING_URLS", None)
        subprocess.run(
            [sys.executable, "-c", "from api.cli import migrate; migrate()"], env=env, check=True, cwd=ROOT
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # Its own process group: flows it runs in-process start a temporary Prefect server as a child,
            # and stopping the group stops that child too.
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(server, base, timeout=60)
            yield base
        finally:
            stop_group(server)
            drop()


def _token(base: str) -> str:
    account = {"email": "contract@example.com", "password": "a-long-contract-password"}
    assert httpx.post(f"{base}/api/auth/register", json=account | {"name": "Contract"}).status_code == 201
    answer = httpx.post(f"{base}/api/auth/login", json=account)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_schemathesis_with_every_check_finds_nothing(api_process: str, tmp_path: Path) -> None:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{api_process}/openapi.json",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--header",
        f"Authorization: Bearer {_token(api_process)}",
        "--max-examples",
        MAX_EXAMPLES,
        "--continue-on-failure",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-4000:]
    assert "passed" in run.stdout
