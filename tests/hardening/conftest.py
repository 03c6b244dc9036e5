"""A real uvicorn server on a free port, running the app as `make up` does, against the test database.

Requests here are committed for real (no per-test transaction): each test names its users with a unique
prefix and the fixture deletes them afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from api.cli import UVICORN_OPTIONS
from testkit.support import serve_in_thread


@pytest.fixture(scope="module")
def live_server(app: Any) -> Iterator[str]:
    """The API served by uvicorn with the options `make up` uses; yields its base URL."""
    with serve_in_thread(app, **UVICORN_OPTIONS) as url:
        yield url


@pytest.fixture
def email_prefix() -> Iterator[str]:
    """A unique e-mail prefix; every user whose e-mail starts with it is deleted after the test."""
    prefix = f"hard-{uuid.uuid4().hex[:10]}"
    yield prefix
    from api.auth.models import User
    from api.core.db import session_scope

    with session_scope() as session:
        session.execute(delete(User).where(User.email.like(f"{prefix}%")))


@pytest.fixture
def http(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client
