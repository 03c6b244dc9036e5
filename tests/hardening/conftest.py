"""A real uvicorn server on a free port, running the app as `make up` does, against the test database.

Requests here are committed for real (no per-test transaction): each test names its users with a unique
prefix and the fixture deletes them afterwards.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import delete

from api.cli import UVICORN_OPTIONS


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(app: Any) -> Iterator[str]:
    """The API served by uvicorn with the options `make up` uses; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, **UVICORN_OPTIONS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def email_prefix() -> Iterator[str]:
    """A unique e-mail prefix; every user whose e-mail starts with it is deleted after the test."""
    prefix = f"hard-{uuid.uuid4().hex[:10]}"
    yield prefix
    from api.core.db import session_scope
    from api.users.models import User

    with session_scope() as session:
        session.execute(delete(User).where(User.email.like(f"{prefix}%")))


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client
