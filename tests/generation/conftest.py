"""A user with a history of their own, and a fake LLM the settings point at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.core.config import get_settings
from api.history.models import UserPost
from testkit.fake_llm import FakeLLM, serve

OWN_POSTS = [
    "Hiring lesson {i}: write the scorecard before the first interview. It saves everyone a week.",
    "We shipped release {i} today. Small steps, every week, no heroics. Proud of this team.",
    "Question for engineering managers: how do you run onboarding number {i}? Mine is a checklist.",
]


@pytest.fixture
def writer(db, user_factory):
    """A user with 15 LinkedIn posts of their own (rolled back with the test)."""
    me = user_factory(name="Ada Lovelace", role="Engineering manager", company="Analytical Engines")
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    for i in range(15):
        db.add(
            UserPost(
                user_id=me.id,
                platform="linkedin",
                content=OWN_POSTS[i % 3].format(i=i),
                posted_at=start + timedelta(days=i),
                engagement_metrics={"likes": 10 + i},
                external_id=f"w{i}",
            )
        )
    db.commit()
    return me


@pytest.fixture
def llm(monkeypatch):
    """`llm(replies, **options)`: a FakeLLM served on a free port, LLM_BASE_URL pointing at it."""
    contexts = []

    def make(replies, **options):
        fake = FakeLLM(replies, **options)
        context = serve(fake)
        monkeypatch.setattr(get_settings(), "llm_base_url", context.__enter__())
        contexts.append(context)
        return fake

    yield make
    for context in contexts:
        context.__exit__(None, None, None)
