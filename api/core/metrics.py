"""The in-flight request gauge of `GET /metrics` (the request counters and histograms come from
prometheus-fastapi-instrumentator)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge
from starlette.types import ASGIApp, Receive, Scope, Send


def in_flight_gauge(registry: CollectorRegistry) -> Gauge:
    """`postwright_http_requests_inprogress{method}` in the given registry."""
    return Gauge(
        "postwright_http_requests_inprogress",
        "HTTP requests being handled right now.",
        labelnames=("method",),
        registry=registry,
        # Several API worker processes (PROMETHEUS_MULTIPROC_DIR): the sum over the live ones.
        multiprocess_mode="livesum",
    )


class InFlightMiddleware:
    """Counts HTTP requests from their first byte in to their last byte out."""

    def __init__(self, app: ASGIApp, gauge: Gauge) -> None:
        self.app = app
        self.gauge = gauge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        in_flight = self.gauge.labels(method=scope["method"])
        in_flight.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            in_flight.dec()
