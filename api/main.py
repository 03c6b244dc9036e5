"""The product API: `api.main:app`."""

from __future__ import annotations

import asyncio
import functools
import gc
import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import api
from api import health
from api.content import attachments_router
from api.core.admission import AdmissionMiddleware
from api.core.config import get_settings
from api.core.edge import EdgeMiddleware
from api.core.errors import install_error_handlers
from api.core.logging import RequestIdMiddleware, configure_logging
from api.core.metrics import InFlightMiddleware, in_flight_gauge
from api.core.security import InvalidToken, decode_access_token
from api.core.webapp import WebAppMiddleware
from api.media.storage import get_media_settings

logger = logging.getLogger("postwright.api")
WARM_UP_WAIT_SECONDS = 30.0


def discover_routers() -> list[APIRouter]:
    """Every `api/<domain>/router.py` that defines `router`, in a stable order."""
    routers = []
    for module in sorted(pkgutil.iter_modules(api.__path__), key=lambda m: m.name):
        if not module.ispkg:
            continue
        try:
            router_module = importlib.import_module(f"api.{module.name}.router")
        except ModuleNotFoundError as exc:
            if exc.name != f"api.{module.name}.router":
                raise  # a real missing dependency inside a router must not be hidden
            continue
        router = getattr(router_module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    configure_logging(settings.log_level)
    # Fail at start, not at the first request: no database URL, or a weak secret in production.
    settings.require_database_url()
    settings.jwt_signing_key()
    settings.encryption_keys()
    from api.generation import jobs  # generation jobs a stopped process left unfinished are failed

    jobs.on_startup()
    # Before the first request: a model loading beside requests holds the interpreter for seconds, and
    # the registry's first lookup may initialise its store (migrations that must not run beside others).
    # At most WARM_UP_WAIT_SECONDS: an unreachable registry must not keep the API from starting.
    try:
        await asyncio.wait_for(asyncio.to_thread(_warm_models), timeout=WARM_UP_WAIT_SECONDS)
    except TimeoutError:
        logger.warning("the engagement model is still loading; the API starts without waiting for it")
    # What is loaded by now (the app and its libraries: half a million objects) lives as long as the
    # process. Frozen out of the collector's reach, a full collection scans only what requests made
    # instead of a pause of about 300 ms (measured) every so often under load.
    gc.collect()
    gc.freeze()
    yield


@functools.cache
def _warm_models() -> None:
    """The engagement champion, loaded before the first draft asks for a prediction (see ml.client.warm),
    once per process (an app started again in the same process finds it loaded). A failure here only logs:
    the first prediction meets the same problem and reports it to its caller."""
    from ml.client import warm
    from ml.engagement import ENGAGEMENT

    try:
        version = warm(ENGAGEMENT)
    except Exception:
        logger.warning("could not load the engagement model ahead of the first prediction", exc_info=True)
        return
    if version is not None:
        logger.info("engagement model loaded", extra={"model_version": version})


def _instrument(app: FastAPI) -> None:
    """`GET /metrics` in Prometheus format: requests by route template and status, latency histograms and
    in-flight requests. A registry per app, so tests can build several apps in one process."""
    registry = CollectorRegistry()
    Instrumentator(
        should_group_status_codes=False, excluded_handlers=["/metrics"], registry=registry
    ).instrument(app, metric_namespace="postwright").expose(app, include_in_schema=False)
    # The library's own in-progress gauge always goes to the global registry (a second app in one process
    # would collide), so the in-flight count is kept here, in this app's registry.
    app.add_middleware(InFlightMiddleware, gauge=in_flight_gauge(registry))


def _valid_token(token: str) -> bool:
    """A signature and expiry check only (no database): enough to refuse anonymous uploads unread."""
    try:
        decode_access_token(token, get_settings())
    except InvalidToken:
        return False
    return True


def create_app() -> FastAPI:
    settings = get_settings()
    docs = settings.docs_enabled()
    app = FastAPI(
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        title="Postwright API",
        version="0.1.0",
        description=(
            "Write LinkedIn and X posts in your own voice. Every error is "
            '`{"error": "<code>", "detail": "<message>"}`; authenticate with a bearer access token '
            "from `/api/auth/login` (or the Authorize button)."
        ),
        lifespan=lifespan,
    )
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            # A wildcard origin with credentials would let any site act as the signed-in user.
            allow_credentials="*" not in settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    # Innermost of the edge: requests refused at the edge never take a slot.
    app.add_middleware(
        AdmissionMiddleware,
        limit=settings.db_pool_size + settings.db_max_overflow,
        wait_seconds=settings.db_pool_timeout_seconds * 3,
    )
    # The web app's files never wait for a database slot.
    app.add_middleware(WebAppMiddleware, dist=settings.web_dist_dir)
    app.add_middleware(
        EdgeMiddleware,
        json_limit=settings.max_json_body_bytes,
        # The file plus its multipart envelope; the media route then holds each type to its own limit.
        upload_limits={
            "/api/posts/import": settings.import_max_bytes + 64 * 1024,
            "/api/media": get_media_settings().document_max_bytes + 64 * 1024,
        },
        authenticate=lambda token: _valid_token(token),
    )
    app.add_middleware(RequestIdMiddleware)
    if settings.forwarded_allow_ips:
        # Outermost, so everything inside sees the real client address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    _instrument(app)
    app.include_router(health.router)
    for router in discover_routers():
        app.include_router(router)
    app.include_router(attachments_router.router)  # a draft's media (api/content/attachments.py)
    return app


app = create_app()
