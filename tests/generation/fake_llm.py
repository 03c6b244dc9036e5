"""A fake OpenAI-compatible server: records every request and answers with scripted chat completions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.support import serve_in_thread


class FakeLLM:
    """`replies` are served in order (the last one repeats); a reply of `500` answers HTTP 500."""

    def __init__(self, replies: list[str | int], delay: float = 0.0) -> None:
        self.replies = list(replies)
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._complete)

    async def _complete(self, request: Request) -> JSONResponse:
        body = await request.json()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.requests.append(body | {"authorization": request.headers.get("authorization")})
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, int):
            return JSONResponse({"error": {"message": "boom"}}, status_code=reply)
        return JSONResponse(
            {
                "id": f"cmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }
        )


@contextmanager
def serve(fake: FakeLLM) -> Iterator[str]:
    """Run the fake on a free port; yield its base URL (`.../v1`)."""
    with serve_in_thread(fake.app) as url:
        yield f"{url}/v1"
