"""Fake platforms on a real port, settings pointed at them, and committed users with connected accounts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.core.config import get_settings
from testkit.fake_platforms import FakePlatforms
from testkit.support import serve_in_thread
from tests.publishing.world import World


@pytest.fixture(scope="module")
def fake_server() -> Iterator[tuple[FakePlatforms, str]]:
    fake = FakePlatforms()
    with serve_in_thread(fake.app) as url:
        yield fake, url


@pytest.fixture
def platforms(
    fake_server: tuple[FakePlatforms, str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> FakePlatforms:
    """The fake, reset, with every platform setting pointing at it."""
    fake, url = fake_server
    fake.reset()
    settings = get_settings()
    for name, value in {
        "x_client_id": "x-client", "x_authorize_url": f"{url}/x/i/oauth2/authorize",
        "x_token_url": f"{url}/x/2/oauth2/token", "x_api_base_url": f"{url}/x",
        "linkedin_client_id": "li-client", "linkedin_authorize_url": f"{url}/li/oauth/v2/authorization",
        "linkedin_token_url": f"{url}/li/oauth/v2/accessToken", "linkedin_api_base_url": f"{url}/li",
        "public_base_url": "https://postwright.example",
    }.items():  # fmt: skip
        monkeypatch.setattr(settings, name, value)
    return fake


@pytest.fixture
def world(platforms: FakePlatforms) -> Iterator[World]:
    """Committed users with connected accounts and due drafts; all deleted afterwards."""
    made = World(platforms)
    yield made
    made.clean()
