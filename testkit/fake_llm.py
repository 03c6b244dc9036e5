"""A fake OpenAI-compatible server: records every request and answers with scripted chat completions."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from testkit.support import serve_in_thread


@dataclass(frozen=True)
class Raw:
    """An answer exactly as given: any body, content type and status (what a misconfigured proxy or a
    server that is not an LLM at all might send)."""

    body: str | bytes
    content_type: str = "application/json"
    status: int = 200


Reply = str | int | Raw


class FakeLLM:
    """`replies` are served in order (the last one repeats): a string is the completion's text, an int
    answers that HTTP status, a `Raw` is sent as it is.

    With `gated=True` each request waits until the test lets it through (`release`), so a test can watch a
    generation between two variants; `arrived` counts the requests that have come in so far."""

    def __init__(self, replies: list[Reply], delay: float = 0.0, gated: bool = False) -> None:
        self.replies = list(replies)
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.arrived = 0
        self._arrival = threading.Condition()
        self._gate = threading.Semaphore(0) if gated else None
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._complete)

    def release(self, count: int = 1) -> None:
        """Let `count` more requests through the gate."""
        assert self._gate is not None, "not a gated fake"
        self._gate.release(count)

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> None:
        """Block until at least `count` requests have arrived (answered or waiting at the gate)."""
        with self._arrival:
            if not self._arrival.wait_for(lambda: self.arrived >= count, timeout):
                raise TimeoutError(f"{self.arrived} of {count} requests arrived in {timeout} s")

    async def _complete(self, request: Request) -> Response:
        body = await request.json()
        with self._arrival:
            self.arrived += 1
            self._arrival.notify_all()
        # Waits off the event loop; bounded so a forgotten release fails a test instead of hanging it.
        if self._gate is not None and not await anyio.to_thread.run_sync(self._gate.acquire, True, 60.0):
            return JSONResponse({"error": {"message": "gate never opened"}}, status_code=504)
        if self.delay:
            await asyncio.sleep(self.delay)
        self.requests.append(body | {"authorization": request.headers.get("authorization")})
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Raw):
            return Response(reply.body, status_code=reply.status, media_type=reply.content_type)
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
        try:
            yield f"{url}/v1"
        finally:
            if fake._gate is not None:
                fake.release(1000)  # nothing left waiting when the server stops


# Ordinary posts the generation checks accept, for fakes that must answer many requests.
REPLY_SENTENCES = [
    "Code review is a conversation, not a gate.",
    "Ask what the change is for before you ask how it works.",
    "A pull request under two hundred lines gets a real review.",
    "Praise the test that caught the bug, not only the fix.",
    "The reviewer owns the question; the author owns the answer.",
    "Leave one comment that teaches something, every time.",
    "Approve when it is better than before, not when it is perfect.",
    "Pair on the hard reviews instead of writing twenty comments.",
    "Read the tests first: they say what the code promises.",
    "A checklist catches what tired eyes miss at five o'clock.",
    "Name the risk in the description so the reviewer looks there.",
    "Ship the refactor apart from the feature; review both faster.",
]


def ordinary_replies(count: int) -> list[str]:
    """Ordinary posts; consecutive ones share no sentence, so the variants of one request differ."""
    n = len(REPLY_SENTENCES)
    return [f"{REPLY_SENTENCES[(2 * k) % n]} {REPLY_SENTENCES[(2 * k + 1) % n]}" for k in range(count)]
