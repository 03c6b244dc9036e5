"""Operator commands: `python -m api.cli COMMAND`. Each command starts one component only, in the foreground.

`up` is what `make up` runs on one machine: the database (embedded unless DATABASE_URL is set), migrations,
the Prefect server and the flow runner, the MLflow UI, a first champion model when the registry has none,
the model services, the local LLM and the API. Every child's command line comes from the same builder the
standalone command below uses.

Running the parts on their own (one process each, any host; a missing setting is refused with one line
naming the variable, exit code 2):

    python -m api.cli migrate
        DATABASE_URL
    python -m api.cli api --host H --port P --workers N
        DATABASE_URL. In production (ENVIRONMENT=production) also JWT_SECRET, TOKEN_ENCRYPTION_KEY,
        PREFECT_API_URL (flow runs go to its deployments and workers) and MLFLOW_TRACKING_URI as an
        http(s) tracking server. Optional: SERVING_URLS (a model missing there runs in-process from the
        registry), LLM_BASE_URL (without it generation answers 503 naming it), REDIS_URL. Starts no
        database and no other server.
    python -m api.cli prefect-server --host H --port P
        PREFECT_DATABASE_URL: the Prefect server's own PostgreSQL database (postgresql://user@host/db, any
        driver prefix; run with asyncpg), created when missing.
    python -m api.cli mlflow-server --host H --port P
        MLFLOW_DATABASE_URL: the tracking server's own PostgreSQL database (backend store), created when
        missing; artifacts are kept in MLFLOW_ARTIFACT_ROOT (a folder on this host, default
        mlruns/artifacts) and proxied by the server (mlflow-artifacts:/), so clients need only
        MLFLOW_TRACKING_URI=http://H:P.
    python -m api.cli deploy [--pool postwright-process]
        PREFECT_API_URL. Creates the process work pool, its queues `interactive` and `training` with their
        limits from WORK_QUEUE_LIMITS (default {"interactive": 4, "training": 1}), and registers every
        prefect.yaml deployment and every ml.catalog training flow on its queue with its schedules;
        idempotent.
    python -m api.cli worker --pool postwright-process [--queue interactive --queue training] [--limit K]
        PREFECT_API_URL, DATABASE_URL, MLFLOW_TRACKING_URI (the flows' database and registry); LLM_BASE_URL
        and SERVING_URLS as the flows use them. Runs flow runs from this checkout.
    python -m api.cli serve-model NAME --host H --port P
        MLFLOW_TRACKING_URI. NAME is a served model of ml.catalog (tone-classifier, engagement-model); it
        follows NAME@champion, polling every CHAMPION_POLL_SECONDS (default 10).
    python -m api.cli llm --host H --port P
        nothing (the packaged GGUF, or --gguf PATH).

JOB_LEASE_SECONDS, when set, is the lease of every due-row job (publishing, scheduled generation, metric
pulls, webhook deliveries) instead of each job's own.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from api.core.config import PROJECT_ROOT, ConfigurationError, Settings, get_settings
from api.core.logging import configure_logging
from api.embedded_pg import EmbeddedPostgres
from api.supervisor import ChildService, ProcessGuard, python_module, venv_script
from ml import catalog
from ml.registry import resolve_tracking_uri

logger = logging.getLogger("postwright.cli")
EMBEDDED_DATABASE = "postwright"
# How `make up` runs uvicorn. proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from any
# loopback client, letting it pick its own rate-limit bucket; the app trusts FORWARDED_ALLOW_IPS only.
# timeout_graceful_shutdown: a stop waits this long for requests in progress, then cuts them off.
UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "proxy_headers": False,
    "timeout_graceful_shutdown": 10,
}
# One API worker process per core (each is one interpreter: the GIL lets it use one core), at most four.
DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))


def served_models() -> dict[str, str]:
    """Registered model name -> the BentoML service that serves its champion (one port each, from
    --bento-port), for every served model of `ml.catalog`."""
    return {spec.name: f"serving.services:{spec.served().service_class}" for spec in catalog.served()}


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    return config


def migrate() -> None:
    """Bring the database schema to the newest migration."""
    logger.info("migrating the database to head")
    command.upgrade(alembic_config(), "head")


def _use_embedded_database(settings: Settings) -> EmbeddedPostgres:
    server = EmbeddedPostgres(settings.var_dir / "pgdata")
    server.start()
    os.environ["DATABASE_URL"] = server.ensure_database(EMBEDDED_DATABASE)
    get_settings.cache_clear()
    return server


# Each component's command line, from one builder: `up` starts them as its children, the standalone commands
# (`python -m api.cli prefect-server` ...) become them (exec).

# The MLflow server's GenAI job runner (eight worker processes, about 1.5 GiB) serves nothing we use.
MLFLOW_SERVER_ENV = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
# The process work pool of prefect.yaml, and how many flow runs a worker runs at once by default.
DEFAULT_POOL = "postwright-process"
DEFAULT_WORKER_LIMIT = 4


def prefect_server_command(host: str, port: int) -> list[str]:
    return [venv_script("prefect"), "server", "start", "--host", host, "--port", str(port)]


def mlflow_server_command(
    host: str,
    port: int,
    backend_store_uri: str,
    artifacts: Path,
    proxied: bool,
    allowed_hosts: str | None = None,
) -> list[str]:
    """The MLflow tracking server. `proxied`: the server keeps the artifacts in `artifacts` (a folder on its
    host) and serves them (`mlflow-artifacts:/` locations), so clients need only the tracking URI; otherwise
    clients write to `artifacts` themselves (`make up`: one machine)."""
    argv = [venv_script("mlflow"), "server", "--backend-store-uri", backend_store_uri]
    if proxied:
        argv += ["--artifacts-destination", artifacts.resolve().as_uri(), "--serve-artifacts"]
    else:
        argv += ["--default-artifact-root", artifacts.resolve().as_uri()]
    argv += ["--host", host, "--port", str(port), "--workers", "1"]
    if allowed_hosts:
        argv += ["--allowed-hosts", allowed_hosts]
    return argv


def serve_model_command(model_name: str, host: str, port: int) -> list[str]:
    """The BentoML service of one served model of `ml.catalog` (it follows the model's champion alias)."""
    return [venv_script("bentoml"), "serve", served_models()[model_name], "--host", host, "--port", str(port)]


def llm_command(host: str, port: int) -> list[str]:
    return python_module("serving.llm_server", "--host", host, "--port", str(port))


def flow_runner_command(limit: int) -> list[str]:
    """`make up`'s flow runner: every deployment served from one process, no work pool."""
    return python_module("flows.serve", "--limit", str(limit))


def deploy_command(pool: str) -> list[str]:
    return python_module("flows.serve", "--deploy", "--pool", pool)


def worker_command(pool: str, queues: list[str], limit: int) -> list[str]:
    argv = [venv_script("prefect"), "worker", "start", "--pool", pool, "--type", "process"]
    for queue in queues:
        argv += ["--work-queue", queue]
    return [*argv, "--limit", str(limit)]


def model_service_env(settings: Settings) -> dict[str, str]:
    return {"BENTOML_HOME": str(settings.var_dir / "bentoml")}


def _platform_services(
    settings: Settings, prefect_port: int, mlflow_port: int
) -> tuple[ChildService | None, ChildService | None]:
    """The Prefect server (unless PREFECT_API_URL names one) and the MLflow UI (for a local store)."""
    logs = settings.var_dir / "log"
    prefect_server = mlflow_ui = None
    if not os.environ.get("PREFECT_API_URL"):
        prefect_home = settings.var_dir / "prefect"
        prefect_home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(prefect_home)
        os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{prefect_port}/api"
        prefect_server = ChildService(
            "Prefect server",
            prefect_server_command("127.0.0.1", prefect_port),
            logs / "prefect-server.log",
            health_url=f"http://127.0.0.1:{prefect_port}/api/health",
        )
    tracking_uri = resolve_tracking_uri(settings.mlflow_tracking_uri)
    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    if tracking_uri.startswith("sqlite:"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        mlflow_ui = ChildService(
            "MLflow UI",
            mlflow_server_command(
                "127.0.0.1", mlflow_port, tracking_uri, settings.mlflow_artifact_root, proxied=False
            ),
            logs / "mlflow-ui.log",
            health_url=f"http://127.0.0.1:{mlflow_port}/health",
            env=MLFLOW_SERVER_ENV,
        )
    return prefect_server, mlflow_ui


def _served_models(settings: Settings, first_port: int) -> list[tuple[ChildService, str]]:
    """The BentoML service of every served model, each on its own port, with its URL."""
    logs = settings.var_dir / "log"
    served = []
    for offset, model_name in enumerate(served_models()):
        port = first_port + offset
        url = f"http://127.0.0.1:{port}"
        child = ChildService(
            f"{model_name} service",
            serve_model_command(model_name, "127.0.0.1", port),
            logs / f"{model_name}-service.log",
            health_url=f"{url}/livez",
            env=model_service_env(settings),
        )
        served.append((child, url))
    return served


def _local_llm(logs: Path, llm_port: int) -> ChildService | None:
    """The embedded LLM server, unless LLM_BASE_URL names another OpenAI-compatible endpoint."""
    if os.environ.get("LLM_BASE_URL"):
        return None
    return ChildService(
        "LLM (llama.cpp, OpenAI API)",
        llm_command("127.0.0.1", llm_port),
        logs / "llm-server.log",
        health_url=f"http://127.0.0.1:{llm_port}/health",
    )


def up(
    host: str,
    port: int,
    prefect_port: int,
    mlflow_port: int,
    bento_port: int,
    platform: bool,
    llm_port: int = 8081,
    workers: int = DEFAULT_WORKERS,
) -> None:
    """Database, migrations, platform services and model services, then the API until interrupted.

    The API answers at once; the first tone model is trained in the background (seconds) and the full
    fine-tune follows as a Prefect flow run. Until a model exists, endpoints that need one answer 503.
    """
    # Until uvicorn installs its own handlers, a SIGTERM must still unwind through `finally`
    # (the default action would kill us and orphan the embedded database and the children).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # No machine here reaches the internet: the Prefect servers this starts (or that flow runs start
    # on their own) must not try to report usage. `make up` sets these too; this covers a direct start.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # The OAuth redirect URIs point back at this API unless a public address is configured.
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}")
    get_settings.cache_clear()
    settings = get_settings()
    # Refuse a weak production secret before anything touches the database.
    settings.jwt_signing_key()
    settings.encryption_keys()
    started_at = datetime.now(UTC)
    embedded = None if settings.database_url else _use_embedded_database(settings)
    # After the embedded database (its server is a daemon of its own): everything started from here on is
    # stopped together, under one deadline, and a watchdog ends it all should this process be killed.
    guard = ProcessGuard.start()
    children: list[ChildService] = []
    table: list[tuple[str, str, str]] = []
    try:
        migrate()
        if platform:
            settings = get_settings()
            prefect_server, mlflow_ui = _platform_services(settings, prefect_port, mlflow_port)
            served_names = list(served_models())
            served = _served_models(settings, bento_port)
            # The API and the flows reach every served model over HTTP.
            os.environ["SERVING_URLS"] = json.dumps(
                {name: url for name, (_, url) in zip(served_names, served, strict=True)}
            )
            os.environ.update(model_service_env(settings))
            get_settings.cache_clear()
            logs = settings.var_dir / "log"
            # The first tone model is what the first analyses wait for and the longest step of a fresh
            # start: it starts with the platform services (its imports overlap theirs; it waits for the
            # Prefect API itself), ahead of everything else that wants the cores.
            platform_children = [child for child in (prefect_server, mlflow_ui) if child is not None]
            # It waits for the Prefect API and for the MLflow UI, which creates a new store's tables (two
            # processes creating them at once fail).
            waits = [arg for child in platform_children for arg in ("--wait-for", str(child.health_url))]
            first_model = ChildService(
                "first champions",
                python_module("flows.bootstrap", "--started-at", started_at.isoformat(), *waits),
                logs / "bootstrap.log",
            )
            children = [*platform_children, first_model]
            for child in children:
                child.start()
            for child in children:
                child.wait_healthy()
            llm = _local_llm(logs, llm_port)
            if llm is not None:
                served_llm = [llm]
                os.environ["LLM_BASE_URL"] = f"http://127.0.0.1:{llm_port}/v1"
                os.environ.setdefault("LLM_GRAMMAR", "true")  # llama.cpp takes a grammar
                get_settings.cache_clear()
            else:
                served_llm = []
            # Flow runs (trainings, scheduled generation, publishing) are background work: at a lower
            # CPU priority they never take the cores from requests, the model services or the first model.
            runner = ChildService("flow runner", flow_runner_command(4), logs / "flows.log", nice=10)
            for child in (runner, *served_llm, *(child for child, _ in served)):
                child.start()
                children.append(child)
            for child in (*served_llm, *(child for child, _ in served)):
                child.wait_healthy()
            table = [(child.name, child.health_url or "", str(child.log_path)) for child in children]
            table += [
                (f"{name} metrics", f"{url}/metrics", "")
                for name, (_, url) in zip(served_names, served, strict=True)
            ]
        table[:0] = [
            ("API", f"http://{host}:{port}/docs", "stdout"),
            ("API metrics", f"http://{host}:{port}/metrics", ""),
        ]
        print_table(table)
        serve_api(host, port, workers)
    finally:
        guard.stop(children)
        if embedded is not None:
            embedded.stop()


def serve_api(host: str, port: int, workers: int) -> None:
    """The API in `workers` processes on one socket (uvicorn restarts one that dies). With more than one,
    the processes share their rate limits (through the database unless REDIS_URL is set) and their
    metrics (a folder of files every process writes, read by whichever answers GET /metrics)."""
    import uvicorn

    os.environ["API_WORKERS"] = str(workers)
    if workers > 1:
        metrics_dir = get_settings().var_dir / "metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)  # counts of an earlier start are not this one's
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    get_settings.cache_clear()
    uvicorn.run("api.main:app", host=host, port=port, workers=workers, **UVICORN_OPTIONS)


def print_table(rows: list[tuple[str, str, str]]) -> None:
    """One table of what runs where, printed once everything has started."""
    width = max(len(name) for name, _, _ in rows)
    lines = ["", "Postwright is up:"]
    lines += [f"  {name:<{width}}  {url:<45}  {log}" for name, url, log in rows]
    lines.append("Stop everything with Ctrl+C.")
    print("\n".join(lines), flush=True)


def _workers_default() -> int:
    value = os.environ.get("API_WORKERS")
    return int(value) if value else DEFAULT_WORKERS


# The standalone commands: check what the component needs, then become it.


def required(variable: str, value: str | None, meaning: str) -> str:
    """The value of a setting the command cannot start without; a ConfigurationError naming it otherwise."""
    if not value:
        raise ConfigurationError(f"{variable} is not set: {meaning}")
    return value


def _explicit(settings: Settings, field: str) -> str | None:
    """A setting given in the environment (or .env), not its one-machine default."""
    value = getattr(settings, field)
    return str(value) if field in settings.model_fields_set and value else None


def postgres_url(variable: str, url: str, driver: str) -> str:
    """A PostgreSQL URL (any driver prefix) with `driver`, or a ConfigurationError naming the variable."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is None or parsed.get_backend_name() not in ("postgresql", "postgres") or not parsed.database:
        raise ConfigurationError(
            f"{variable} must be a PostgreSQL URL with a database: postgresql://user@host/db"
        )
    return parsed.set(drivername=f"postgresql+{driver}").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the database `url` names on its server when it does not exist (through the server's `postgres`
    database); the role needs CREATEDB only the first time."""
    import psycopg
    from psycopg import errors, sql

    parsed = make_url(url).set(drivername="postgresql")
    try:
        psycopg.connect(parsed.render_as_string(hide_password=False)).close()
        return
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            raise
    admin = parsed.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        try:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database or "")))
            logger.info("created database %s", parsed.database)
        except errors.DuplicateDatabase:  # another process created it meanwhile
            pass


def _become(argv: list[str], env: dict[str, str] | None = None) -> None:
    """Replace this process with the component (from the repository root); never returns."""
    logger.info("starting %s", " ".join(argv))
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(PROJECT_ROOT)
    os.execve(argv[0], argv, {**os.environ, **(env or {})})


def check_api(settings: Settings) -> None:
    """What `api` needs: the database always; in production strong secrets, a Prefect API (flow runs go to
    the workers of its deployments) and an MLflow tracking server (the registry every host shares)."""
    settings.require_database_url()
    settings.jwt_signing_key()
    settings.encryption_keys()
    if settings.environment != "production":
        return
    required(
        "PREFECT_API_URL",
        os.environ.get("PREFECT_API_URL"),
        "the API starts flow runs on the Prefect server's deployments (http://host:4200/api)",
    )
    tracking = _explicit(settings, "mlflow_tracking_uri") or ""
    if not tracking.startswith(("http://", "https://")):
        raise ConfigurationError(
            "MLFLOW_TRACKING_URI is not set to a tracking server (http://host:5000): in production the API "
            "reads the model registry every host shares"
        )


def run_prefect_server(settings: Settings, host: str, port: int) -> None:
    variable = "PREFECT_DATABASE_URL"
    url = required(variable, settings.prefect_database_url, "the Prefect server's own PostgreSQL database")
    url = postgres_url(variable, url, "asyncpg")
    ensure_database(url)
    home = Path(os.environ.get("PREFECT_HOME") or settings.var_dir / "prefect-server")
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PREFECT_API_DATABASE_CONNECTION_URL": url,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    _become(prefect_server_command(host, port), env)


def run_mlflow_server(settings: Settings, host: str, port: int) -> None:
    variable = "MLFLOW_DATABASE_URL"
    url = required(
        variable, settings.mlflow_database_url, "the MLflow tracking server's own PostgreSQL database"
    )
    url = postgres_url(variable, url, "psycopg")
    ensure_database(url)
    artifacts = Path(settings.mlflow_artifact_root).resolve()
    artifacts.mkdir(parents=True, exist_ok=True)
    argv = mlflow_server_command(
        host, port, url, artifacts, proxied=True, allowed_hosts=settings.mlflow_allowed_hosts
    )
    _become(argv, MLFLOW_SERVER_ENV)


def run_deploy(pool: str) -> None:
    required(
        "PREFECT_API_URL",
        os.environ.get("PREFECT_API_URL"),
        "the Prefect server to deploy to (http://host:4200/api)",
    )
    _become(deploy_command(pool), {"PREFECT_SERVER_ANALYTICS_ENABLED": "false"})


def check_flow_host(settings: Settings) -> None:
    """What a host running flows needs: the Prefect API, the database and the shared model registry."""
    required("PREFECT_API_URL", os.environ.get("PREFECT_API_URL"), "the Prefect server whose runs to execute")
    settings.require_database_url()
    required(
        "MLFLOW_TRACKING_URI",
        _explicit(settings, "mlflow_tracking_uri"),
        "the model registry the flows train into and read from (http://host:5000)",
    )


def run_worker(settings: Settings, pool: str, queues: list[str], limit: int) -> None:
    check_flow_host(settings)
    # prefect.yaml's pull step runs each flow run from this checkout; training runs lower their own CPU
    # priority (api.core.priority: a worker starts every run with PREFECT__FLOW_RUN_ID set).
    env = {"POSTWRIGHT_ROOT": str(PROJECT_ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    _become(worker_command(pool, queues, limit), env)


def run_model_service(settings: Settings, model_name: str, host: str, port: int) -> None:
    required(
        "MLFLOW_TRACKING_URI",
        _explicit(settings, "mlflow_tracking_uri"),
        f"the model registry whose {model_name}@champion this service follows (http://host:5000)",
    )
    _become(serve_model_command(model_name, host, port), model_service_env(settings))


def _add_host_port(parser: argparse.ArgumentParser, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m api.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="start the database (embedded by default), migrate, serve the API")
    up_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    up_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    up_parser.add_argument("--prefect-port", type=int, default=int(os.environ.get("PREFECT_PORT", "4200")))
    up_parser.add_argument("--mlflow-port", type=int, default=int(os.environ.get("MLFLOW_PORT", "5000")))
    up_parser.add_argument("--bento-port", type=int, default=int(os.environ.get("BENTO_PORT", "3000")))
    up_parser.add_argument("--llm-port", type=int, default=int(os.environ.get("LLM_PORT", "8081")))
    up_parser.add_argument(
        "--api-only", action="store_true", help="serve only the API (no Prefect, MLflow UI or model training)"
    )
    workers_help = f"API worker processes (default: one per core, at most 4; here {DEFAULT_WORKERS})"
    up_parser.add_argument("--workers", type=int, default=_workers_default(), help=workers_help)
    api_parser = sub.add_parser(
        "api",
        help="serve only the API, on DATABASE_URL (migrated), with the model services SERVING_URLS names",
    )
    api_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    api_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    api_parser.add_argument("--workers", type=int, default=_workers_default(), help=workers_help)
    sub.add_parser("migrate", help="apply migrations to DATABASE_URL")
    _add_host_port(sub.add_parser("prefect-server", help="the Prefect server on PREFECT_DATABASE_URL"), 4200)
    _add_host_port(
        sub.add_parser(
            "mlflow-server", help="the MLflow tracking server on MLFLOW_DATABASE_URL, artifacts proxied"
        ),
        5000,
    )
    deploy_parser = sub.add_parser(
        "deploy", help="the work pool, its queues and every deployment (idempotent)"
    )
    deploy_parser.add_argument("--pool", default=DEFAULT_POOL)
    worker_parser = sub.add_parser("worker", help="a Prefect process worker running flows from this checkout")
    worker_parser.add_argument("--pool", default=DEFAULT_POOL)
    worker_parser.add_argument(
        "--queue", action="append", default=[], help="a work queue to take runs from (repeat; default: all)"
    )
    worker_parser.add_argument("--limit", type=int, default=DEFAULT_WORKER_LIMIT, help="flow runs at once")
    model_parser = sub.add_parser(
        "serve-model", help="the BentoML service of one model, following its champion"
    )
    model_parser.add_argument("name", choices=sorted(served_models()))
    _add_host_port(model_parser, 3000)
    _add_host_port(sub.add_parser("llm", help="the local OpenAI-compatible LLM server"), 8081)
    openapi_parser = sub.add_parser(
        "openapi", help="write the API's OpenAPI document (no server, no database) for the web app's client"
    )
    openapi_parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (ConfigurationError, ValidationError) as error:
        message = str(error) if isinstance(error, ConfigurationError) else _settings_error(error)
        print(f"python -m api.cli {args.command}: {message}", file=sys.stderr, flush=True)
        return 2


def _settings_error(error: ValidationError) -> str:
    """One line naming the environment variable of each invalid setting."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']).upper()}: {item['msg']}" for item in error.errors()
    )


def _run(args: argparse.Namespace) -> int:
    settings = get_settings()
    configure_logging(settings.log_level)
    if args.command == "up":
        up(
            args.host,
            args.port,
            args.prefect_port,
            args.mlflow_port,
            args.bento_port,
            platform=not args.api_only,
            llm_port=args.llm_port,
            workers=args.workers,
        )
    elif args.command == "api":
        check_api(settings)  # no embedded database or other server here: say what is missing first
        serve_api(args.host, args.port, args.workers)
    elif args.command == "migrate":
        settings.require_database_url()
        migrate()
    elif args.command == "prefect-server":
        run_prefect_server(settings, args.host, args.port)
    elif args.command == "mlflow-server":
        run_mlflow_server(settings, args.host, args.port)
    elif args.command == "deploy":
        run_deploy(args.pool)
    elif args.command == "worker":
        run_worker(settings, args.pool, args.queue, args.limit)
    elif args.command == "serve-model":
        run_model_service(settings, args.name, args.host, args.port)
    elif args.command == "llm":
        _become(llm_command(args.host, args.port))
    elif args.command == "openapi":
        write_openapi(args.out)
    return 0


def write_openapi(out: Path) -> None:
    """The document exactly as the API serves it at /openapi.json."""
    from api.main import create_app

    out.write_text(json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
