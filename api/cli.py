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
        PREFECT_API_URL. Creates the process work pool, its queues `interactive` (INTERACTIVE_QUEUE_LIMIT,
        default 4) and `training` (TRAINING_QUEUE_LIMIT, default 1), and registers every prefect.yaml
        deployment and every ml.catalog training flow on its queue with its schedules; idempotent.
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

from api.core.config import PROJECT_ROOT, Settings, get_settings
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
            [
                venv_script("prefect"),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(prefect_port),
            ],
            logs / "prefect-server.log",
            health_url=f"http://127.0.0.1:{prefect_port}/api/health",
        )
    tracking_uri = resolve_tracking_uri(settings.mlflow_tracking_uri)
    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    if tracking_uri.startswith("sqlite:"):
        Path(tracking_uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        mlflow_ui = ChildService(
            "MLflow UI",
            [
                venv_script("mlflow"),
                "server",
                "--backend-store-uri",
                tracking_uri,
                "--default-artifact-root",
                settings.mlflow_artifact_root.resolve().as_uri(),
                "--host",
                "127.0.0.1",
                "--port",
                str(mlflow_port),
                "--workers",
                "1",
            ],
            logs / "mlflow-ui.log",
            health_url=f"http://127.0.0.1:{mlflow_port}/health",
            # Its GenAI job runner (eight worker processes, about 1.5 GiB) serves nothing we use.
            env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        )
    return prefect_server, mlflow_ui


def _served_models(settings: Settings, first_port: int) -> list[tuple[ChildService, str]]:
    """The BentoML service of every served model, each on its own port, with its URL."""
    logs = settings.var_dir / "log"
    served = []
    for offset, (model_name, target) in enumerate(served_models().items()):
        port = first_port + offset
        url = f"http://127.0.0.1:{port}"
        child = ChildService(
            f"{model_name} service",
            [venv_script("bentoml"), "serve", target, "--host", "127.0.0.1", "--port", str(port)],
            logs / f"{model_name}-service.log",
            health_url=f"{url}/livez",
            env={"BENTOML_HOME": str(settings.var_dir / "bentoml")},
        )
        served.append((child, url))
    return served


def _local_llm(logs: Path, llm_port: int) -> ChildService | None:
    """The embedded LLM server, unless LLM_BASE_URL names another OpenAI-compatible endpoint."""
    if os.environ.get("LLM_BASE_URL"):
        return None
    return ChildService(
        "LLM (llama.cpp, OpenAI API)",
        python_module("serving.llm_server", "--port", str(llm_port)),
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
            os.environ["BENTOML_HOME"] = str(settings.var_dir / "bentoml")
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
                get_settings.cache_clear()
            else:
                served_llm = []
            # Flow runs (trainings, scheduled generation, publishing) are background work: at a lower
            # CPU priority they never take the cores from requests, the model services or the first model.
            runner = ChildService(
                "flow runner", python_module("flows.serve", "--limit", "4"), logs / "flows.log", nice=10
            )
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.cli", description=__doc__)
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
    openapi_parser = sub.add_parser(
        "openapi", help="write the API's OpenAPI document (no server, no database) for the web app's client"
    )
    openapi_parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    configure_logging(get_settings().log_level)
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
        settings = get_settings()
        settings.require_database_url()  # no embedded database here: say so before anything starts
        settings.jwt_signing_key()
        serve_api(args.host, args.port, args.workers)
    elif args.command == "migrate":
        migrate()
    elif args.command == "openapi":
        write_openapi(args.out)
    return 0


def write_openapi(out: Path) -> None:
    """The document exactly as the API serves it at /openapi.json."""
    from api.main import create_app

    out.write_text(json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
