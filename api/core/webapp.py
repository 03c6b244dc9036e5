"""The web app, served by the API from its own origin and port (no CORS, one process to run).

- Files under `assets/` have content hashes in their names: a year's immutable cache.
- `index.html` (and the app's answer to any deep link) is `no-cache`, with a strict Content-Security-Policy.
- Each file is sent gzip-compressed when the client accepts it (`.gz` files are made at build time, so no
  request pays for compression).
- Every GET or HEAD path that is not the API's own (`/api/...`, the docs, the probes, `/metrics`) gets the
  app, so a reload on a deep link works; an unknown `/api/...` path stays the API's JSON 404.
- Only files found in the build at startup are ever served: a request path is looked up, never joined to a
  folder, so no path can reach outside the build.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse, JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger("postwright.web")

API_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")
IMMUTABLE = "public, max-age=31536000, immutable"
# No inline script anywhere, no framing, nothing from another origin. Inline style *attributes* set by
# script through the CSSOM (React's `style` prop) are not governed by style-src.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
COMPRESSIBLE = {".js", ".css", ".html", ".svg", ".json", ".txt", ".map"}


@dataclass(frozen=True)
class BuiltFile:
    path: Path
    gzipped: Path | None
    media_type: str


def scan_build(dist: Path) -> dict[str, BuiltFile]:
    """Every file of the build by its URL path (`/assets/index-3f2a.js`); empty when there is no build."""
    files: dict[str, BuiltFile] = {}
    if not (dist / "index.html").is_file():
        return files
    for path in sorted(dist.rglob("*")):
        if not path.is_file() or path.suffix == ".gz":
            continue
        gz = path.with_name(path.name + ".gz")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media_type.startswith("text/") or media_type in ("application/javascript", "image/svg+xml"):
            media_type += "; charset=utf-8"
        url = "/" + path.relative_to(dist).as_posix()
        files[url] = BuiltFile(path, gz if gz.is_file() and path.suffix in COMPRESSIBLE else None, media_type)
    return files


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path == "/api"


class WebAppMiddleware:
    """Answers the web app's paths itself and hands everything else to the API."""

    def __init__(self, app: ASGIApp, *, dist: Path) -> None:
        self.app = app
        self.dist = dist
        self.files = scan_build(dist)
        if not self.files:
            logger.warning(
                "the web app is not built (%s has no index.html): `make install` builds it; `/` answers 503",
                dist,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or is_api_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if not self.files:
            response = JSONResponse(
                {
                    "error": "service_unavailable",
                    "detail": f"The web app is not built ({self.dist}/index.html is missing): run `make "
                    "install`. The API is at /api and its documentation at /docs.",
                },
                status_code=503,
                headers={"Retry-After": "60", "Cache-Control": "no-store"},
            )
            await response(scope, receive, send)
            return
        path: str = scope["path"]
        found = self.files.get(path)
        if found is not None and path != "/index.html":
            headers = {"Cache-Control": IMMUTABLE if path.startswith("/assets/") else "no-cache"}
        else:
            # A deep link (or `/`): the app itself decides what to show.
            found = self.files["/index.html"]
            headers = dict(PAGE_HEADERS)
        await self._send_file(found, headers, scope, receive, send)

    async def _send_file(
        self, file: BuiltFile, headers: dict[str, str], scope: Scope, receive: Receive, send: Send
    ) -> None:
        headers["Vary"] = "Accept-Encoding"
        path = file.path
        if file.gzipped is not None and "gzip" in Headers(scope=scope).get("accept-encoding", ""):
            path = file.gzipped
            headers["Content-Encoding"] = "gzip"
        response = FileResponse(path, headers=headers, media_type=file.media_type)
        await response(scope, receive, send)
