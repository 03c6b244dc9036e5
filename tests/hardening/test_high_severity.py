"""Regression tests for the high-severity findings: a post that froze the API, rate limits bypassed with
X-Forwarded-For, and writes acknowledged before they were committed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from models.style import text_features
from models.style.profile import build_style_profile
from tests.conftest import TEST_PASSWORD


def _best_of(runs: int, work: Any) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings)


class TestOnePostCannotFreezeTheApi:
    @pytest.mark.parametrize("unit", ["A", "a.", "a-", "a+b", "x_1"])
    def test_the_email_pattern_scans_a_long_word_run_in_linear_time(self, unit):
        # Four times the input: quadratic matching takes 16 times as long, linear 4 times. Compared as a
        # ratio in one run (best of 5 each), so the machine's speed does not matter, and with room between
        # 4 and 16 for the noise of a busy machine.
        short, long = unit * (10_000 // len(unit)), unit * (40_000 // len(unit))
        ratio = _best_of(5, lambda: text_features.plain_text(long)) / _best_of(
            5, lambda: text_features.plain_text(short)
        )
        assert ratio < 8.0, f"plain_text grew {ratio:.1f}x for 4x the input: a pattern backtracks"

    def test_a_megabyte_post_is_measured_on_its_first_25000_characters(self):
        huge = "A" * 1_000_000
        features = text_features.post_features(huge)
        assert features.chars == text_features.MAX_ANALYSED_CHARS

    def test_a_profile_of_hostile_posts_finishes(self):
        posts = ["A" * 200_000, "@" * 50_000 + "a.b", "#" + "1" * 100_000, "😀" * 20_000, "x@y." * 20_000]
        profile = build_style_profile(posts, with_embedding=False)
        assert profile.post_count == len(posts)

    def test_import_rejects_a_post_longer_than_any_platform_publishes_and_keeps_the_rest(
        self, client, user_factory, auth_headers
    ):
        import json

        from api.history.importers import MAX_CONTENT_CHARS

        rows = [
            {"platform": "linkedin", "content": "kept", "posted_at": "2025-01-02T10:00:00Z", "likes": 1},
            {
                "platform": "linkedin",
                "content": "B" * (MAX_CONTENT_CHARS + 1),
                "posted_at": "2025-01-03T10:00:00Z",
                "likes": 1,
            },
        ]
        response = client.post(
            "/api/posts/import",
            headers=auth_headers(user_factory()),
            files={"file": ("p.json", json.dumps(rows).encode(), "application/json")},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["imported"] == 1 and body["rejected_count"] == 1
        assert "125,000" in body["rejected"][0]["reason"]


class TestForwardedForIsNotBelieved:
    def test_rotating_x_forwarded_for_still_hits_the_login_limit(self, http, email_prefix):
        statuses = []
        for attempt in range(25):
            response = http.post(
                "/api/auth/login",
                json={"email": f"{email_prefix}-{attempt}@example.com", "password": "wrong-password-1"},
                headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
            )
            statuses.append(response.status_code)
        assert 429 in statuses, statuses
        assert statuses.index(429) <= 20  # 20/minute per address: the header bought nothing

    def test_a_configured_proxy_is_believed(self, monkeypatch):
        from fastapi.testclient import TestClient

        from api.core.config import get_settings
        from api.core.ratelimit import get_rate_limiter
        from api.main import create_app

        monkeypatch.setenv("FORWARDED_ALLOW_IPS", '["testclient"]')
        monkeypatch.setenv("RATE_LIMIT_LOGIN_PER_IP", "2/minute")
        get_settings.cache_clear()
        get_rate_limiter.cache_clear()
        try:
            with TestClient(create_app()) as proxied:
                for attempt in range(4):
                    response = proxied.post(
                        "/api/auth/login",
                        json={"email": f"nobody-{attempt}@example.com", "password": "wrong-password-1"},
                        headers={"X-Forwarded-For": f"198.51.100.{attempt}"},
                    )
                    # Each request comes from another client behind the proxy: none is limited.
                    assert response.status_code == 401
        finally:
            monkeypatch.delenv("FORWARDED_ALLOW_IPS")
            monkeypatch.delenv("RATE_LIMIT_LOGIN_PER_IP")
            get_settings.cache_clear()
            get_rate_limiter.cache_clear()


class TestAcknowledgedMeansCommitted:
    def test_register_then_login_at_once_always_works(self, http, email_prefix, monkeypatch):
        from api.core.config import get_settings

        monkeypatch.setattr(get_settings(), "rate_limit_register_per_ip", "100/minute")
        monkeypatch.setattr(get_settings(), "rate_limit_login_per_ip", "100/minute")
        for attempt in range(15):
            email = f"{email_prefix}-{attempt}@example.com"
            registered = http.post(
                "/api/auth/register", json={"email": email, "password": TEST_PASSWORD, "name": "Fast"}
            )
            assert registered.status_code == 201
            login = http.post("/api/auth/login", json={"email": email, "password": TEST_PASSWORD})
            assert login.status_code == 200, (attempt, login.text)

    def test_concurrent_registrations_of_one_email_give_one_201_and_409s(
        self, live_server, email_prefix, monkeypatch
    ):
        from api.core.config import get_settings

        monkeypatch.setattr(get_settings(), "rate_limit_register_per_ip", "100/minute")
        email = f"{email_prefix}@example.com"

        def register(_: int) -> int:
            with httpx.Client(base_url=live_server, timeout=60) as client:
                body = {"email": email, "password": TEST_PASSWORD, "name": "Race"}
                return client.post("/api/auth/register", json=body).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = sorted(pool.map(register, range(8)))
        assert statuses == [201] + [409] * 7

    def test_a_failed_commit_is_an_error_response_and_nothing_is_stored(self, http, email_prefix):
        from sqlalchemy import event, select
        from sqlalchemy.exc import OperationalError
        from sqlalchemy.orm import Session

        from api.auth.models import User
        from api.core.db import session_scope

        def fail_once(session: Session) -> None:
            event.remove(Session, "before_commit", fail_once)
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

        event.listen(Session, "before_commit", fail_once)
        email = f"{email_prefix}@example.com"
        try:
            response = http.post(
                "/api/auth/register", json={"email": email, "password": TEST_PASSWORD, "name": "Lost"}
            )
        finally:
            if event.contains(Session, "before_commit", fail_once):
                event.remove(Session, "before_commit", fail_once)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        with session_scope() as session:
            assert session.scalar(select(User).where(User.email == email)) is None


class TestSecretsStayOutOfLogs:
    def test_a_database_error_logs_no_bound_parameters(self, http, email_prefix, caplog):
        from sqlalchemy import event

        from api.core.db import get_engine

        # The API refuses a NUL in a name before the database sees it; one slipped into the INSERT that
        # also binds the password hash makes PostgreSQL itself refuse the statement.
        def nul_in_the_name(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("INSERT INTO users") and isinstance(parameters, dict):
                parameters = {**parameters, "name": "Nul\u0000Name"}
            return statement, parameters

        caplog.set_level("DEBUG")
        engine = get_engine()
        event.listen(engine, "before_cursor_execute", nul_in_the_name, retval=True)
        try:
            response = http.post(
                "/api/auth/register",
                json={"email": f"{email_prefix}@example.com", "password": TEST_PASSWORD, "name": "Nul Name"},
            )
        finally:
            event.remove(engine, "before_cursor_execute", nul_in_the_name)
        assert response.status_code == 422
        assert "NUL" in response.json()["detail"]
        logged = "\n".join(record.getMessage() + str(record.exc_info) for record in caplog.records)
        assert "$argon2" not in logged
        assert TEST_PASSWORD not in logged
