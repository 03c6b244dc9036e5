"""The product API as `make up` serves it, for the benchmarks that load it: migrated, `python -m api.cli api`
with as many worker processes as `make up` starts (or `workers`), its output in a log file of the
benchmark's work folder."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def api_env(work: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a throwaway API: its database, a fresh secret, state and tracking under `work`."""
    return os.environ | {
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "VAR_DIR": str(work / "var"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
        **extra,
    }


def start_api(
    work: Path, env: dict[str, str], workers: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Migrate `env`'s database, serve the API and wait until it is ready; returns the process (stop it with
    `testkit.support.stop_group`) and its base URL. Its output (and its flow runs') goes to `work/api.log`, a
    file: a pipe nobody reads would stall them once full."""
    from testkit.support import free_port, stop_group, wait_ready

    subprocess.run(
        [sys.executable, "-c", "from api.cli import migrate; migrate()"], env=env, check=True, cwd=ROOT
    )
    from api.cli import DEFAULT_WORKERS

    port = free_port()
    argv = [sys.executable, "-m", "api.cli", "api", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers or DEFAULT_WORKERS)]  # fmt: skip
    log = work / "api.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(server, base, timeout=60)
    except AssertionError as error:
        stop_group(server)
        raise RuntimeError(f"the API did not start: see {log}") from error
    return server, base


def up_env(work: Path, database_url: str | None = None) -> tuple[dict[str, str], dict[str, int]]:
    """The environment of a fresh `python -m api.cli up` with its own `var/`, MLflow store and free ports
    (and the embedded database unless `database_url`), nothing inherited that would point it elsewhere;
    returns it and the ports by name (api, prefect, mlflow, bento, llm)."""
    from testkit.support import free_port

    ports = {name: free_port() for name in ("api", "prefect", "mlflow", "bento", "llm")}
    env = {
        **os.environ,
        "VAR_DIR": str(work / "var"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlruns' / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_ROOT": str(work / "mlruns" / "artifacts"),
        "PORT": str(ports["api"]),
        "PREFECT_PORT": str(ports["prefect"]),
        "MLFLOW_PORT": str(ports["mlflow"]),
        "BENTO_PORT": str(ports["bento"]),
        "LLM_PORT": str(ports["llm"]),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    for inherited in ("DATABASE_URL", "PREFECT_API_URL", "SERVING_URLS", "LLM_BASE_URL"):
        env.pop(inherited, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env, ports
