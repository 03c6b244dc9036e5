"""Admission control: never more requests inside the app than database connections; the rest wait in the
event loop, and one that waits too long is a 503 with Retry-After."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from api.core.admission import AdmissionMiddleware


def _app_counting(active: list[int], peak: list[int], delay: float):  # type: ignore[no-untyped-def]
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        active[0] += 1
        peak[0] = max(peak[0], active[0])
        await asyncio.sleep(delay)
        active[0] -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_requests_past_the_limit_wait_and_never_exceed_it(anyio_backend: str) -> None:
    active, peak = [0], [0]
    app = AdmissionMiddleware(_app_counting(active, peak, 0.05), limit=3, wait_seconds=5)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answers = await asyncio.gather(*(client.get("/api/content/drafts") for _ in range(12)))
    assert [a.status_code for a in answers] == [200] * 12
    assert peak[0] == 3


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_request_that_waits_too_long_is_503_and_liveness_is_never_held(anyio_backend: str) -> None:
    active, peak = [0], [0]
    app = AdmissionMiddleware(_app_counting(active, peak, 0.5), limit=1, wait_seconds=0.1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        first, second, health = await asyncio.gather(
            client.get("/api/content/drafts"), client.get("/api/templates"), client.get("/healthz")
        )
    assert first.status_code == 200 and health.status_code == 200
    assert second.status_code == 503 and second.headers["retry-after"] == "2"
    assert second.json()["error"] == "service_unavailable"


def test_the_startup_freezes_what_is_loaded_out_of_the_collectors_reach(database_url: str) -> None:
    """Half a million long-lived objects scanned by every full collection made pauses of hundreds of
    milliseconds under load; after startup they are frozen (gc.freeze), and requests do not undo it."""
    import gc

    from fastapi.testclient import TestClient

    from api.main import create_app

    gc.unfreeze()
    with TestClient(create_app()) as client:
        assert gc.get_freeze_count() > 100_000
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 100_000
