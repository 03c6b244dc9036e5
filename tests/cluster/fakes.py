"""The fake X/LinkedIn and the fake LLM as processes of their own, for a host of the cluster test.

    python -m tests.cluster.fakes platforms --host H --port P
    python -m tests.cluster.fakes llm --host H --port P

The platforms add a control surface the test reads over HTTP: `POST /control/grants` (access tokens for
a list of platform users, as an OAuth exchange would give), `GET /control/posts` (every stored post:
author and text), `POST /control/delay` (seconds each post creation takes before answering).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

from testkit.fake_llm import FakeLLM, ordinary_replies
from testkit.fake_platforms import FakePlatforms


def count_callers(app: FastAPI) -> Counter[str]:
    """Requests by caller address (`GET /control/callers`): which host did the work."""
    callers: Counter[str] = Counter()

    @app.middleware("http")
    async def count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method == "POST" and not request.url.path.startswith("/control"):
            callers[request.client.host if request.client else "?"] += 1
        return await call_next(request)

    @app.get("/control/callers")
    async def read() -> dict[str, int]:
        return dict(callers)

    return callers


def platforms_app() -> Any:
    fake = FakePlatforms()
    count_callers(fake.app)

    @fake.app.post("/control/grants")
    async def grants(request: Request) -> dict[str, Any]:
        users = (await request.json())["users"]
        return {"grants": {user: fake._issue(user) for user in users}}

    @fake.app.get("/control/posts")
    async def posts() -> dict[str, Any]:
        return {"posts": [{"author": p.author, "text": p.text, "id": p.id} for p in fake.posts]}

    @fake.app.post("/control/delay")
    async def delay(request: Request) -> dict[str, float]:
        fake.delay_after_store = float((await request.json())["seconds"])
        return {"seconds": fake.delay_after_store}

    return fake.app


def llm_app() -> Any:
    replies = ordinary_replies(10_000)
    app = FakeLLM(replies).app
    count_callers(app)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["platforms", "llm"])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = platforms_app() if args.what == "platforms" else llm_app()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
