"""What every request meets before any route: body limits, protective headers, no upload before auth.

- A body larger than its route's limit is a 413 before it is read: by `Content-Length` at once, and for a
  body without one, as soon as the bytes received pass the limit.
- An upload (the posts import, a media file) needs a valid bearer token before a byte of its body is read,
  and has a limit of its own.
- Every response says `X-Content-Type-Options: nosniff`; every /api response `Cache-Control: no-store`
  (tokens, exports and personal data must not sit in caches).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The endpoints that take files (multipart bodies past the JSON limit): each gets its own limit.
UPLOAD_PATHS = frozenset({"/api/posts/import", "/api/media"})


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        json_limit: int,
        upload_limits: dict[str, int],
        authenticate: Callable[[str], bool],
    ) -> None:
        if set(upload_limits) != UPLOAD_PATHS:
            raise ValueError(f"upload limits are for exactly {sorted(UPLOAD_PATHS)}")
        self.app = app
        self.json_limit = json_limit
        self.upload_limits = upload_limits
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = dict(scope["headers"])
        upload = path in UPLOAD_PATHS
        limit = self.upload_limits[path] if upload else self.json_limit
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _error(send, 400, "bad_request", "Content-Length is not a number.")
                return
            if size > limit:
                await _error(
                    send, 413, "payload_too_large", f"The body is {size} bytes; this endpoint takes {limit}."
                )
                return
        if upload and scope["method"] == "POST":
            authorization = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not self.authenticate(token.strip()):
                detail = "Not authenticated: send 'Authorization: Bearer <access_token>'."
                challenge = [(b"www-authenticate", b"Bearer")]
                await _error(send, 401, "unauthorized", detail, extra_headers=challenge)
                return
        received = 0
        started = False
        too_large = False
        detail = f"The body is larger than this endpoint's {limit} bytes."

        async def counted_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Stop reading; whatever the app answers to the cut body is replaced by a 413 below.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large:
                if not started:
                    started = True
                    await _error(send, 413, "payload_too_large", detail)
                return
            if message["type"] == "http.response.start":
                started = True
                extra = [(b"x-content-type-options", b"nosniff")]
                if path.startswith("/api/"):
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
            if not started:
                await _error(send, 413, "payload_too_large", detail)


async def _error(
    send: Send, status: int, code: str, detail: str, extra_headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": code, "detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
        *(extra_headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
