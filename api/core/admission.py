"""Admission control: at most as many requests inside the app as there are database connections.

A request takes a connection in one worker-thread turn and gives it back several turns later (its handler,
the response's serialisation, the commit). Were more requests inside than connections, a burst could fill
every worker thread with requests waiting for a connection while the connections' own requests wait for a
thread: a stall until the pool times out. Requests past the limit wait here, in the event loop, which costs
nothing; one that waits too long is a 503 with Retry-After. Liveness and metrics are never held back.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Receive, Scope, Send

_ALWAYS = ("/healthz", "/metrics")


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, limit: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._slots: asyncio.Semaphore | None = None  # made in the serving event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _ALWAYS:
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            await _busy(send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


async def _busy(send: Send) -> None:
    body = json.dumps(
        {"error": "service_unavailable", "detail": "The server is busy; retry shortly."}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"2"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
