"""Medium and low findings of the API review: limits at the edge, protective headers, odd input."""

from __future__ import annotations

import threading
import time

import pytest

from api.core.config import ConfigurationError, Settings, get_settings


class TestBodyLimits:
    def test_a_huge_declared_body_is_413_before_it_is_read(self, client):
        response = client.post(
            "/api/auth/login",
            content=b"{}",
            headers={"content-type": "application/json", "content-length": "2000000000"},
        )
        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"

    def test_a_streamed_body_past_the_limit_is_413(self, client):
        def chunks():
            for _ in range(3):
                yield b"x" * (600 * 1024)

        response = client.post(
            "/api/auth/login", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413

    def test_an_upload_without_a_valid_token_is_refused_unread(self, client):
        response = client.post(
            "/api/posts/import",
            files={"file": ("p.json", b"[]" + b" " * 1_000_000, "application/json")},
            headers={"Authorization": "Bearer forged.token.value"},
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    def test_an_import_larger_than_its_limit_is_413(self, client, user_factory, auth_headers):
        limit = get_settings().import_max_bytes
        response = client.post(
            "/api/posts/import",
            content=b"x",
            headers=auth_headers(user_factory()) | {"content-length": str(limit + 10 * 1024 * 1024)},
        )
        assert response.status_code == 413


class TestHeaders:
    def test_every_api_response_is_nosniff_and_never_cached(self, client, user_factory, auth_headers):
        for response in (
            client.get("/api/users/profile", headers=auth_headers(user_factory())),
            client.post(
                "/api/auth/login", json={"email": "nobody@example.com", "password": "wrong-password-1"}
            ),
            client.get("/api/users/export", headers=auth_headers(user_factory())),
        ):
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["cache-control"] == "no-store"


class TestOddInput:
    def test_an_offset_past_bigint_is_422_not_500(self, client, user_factory, auth_headers):
        response = client.get(
            "/api/content/drafts?offset=9223372036854775808", headers=auth_headers(user_factory())
        )
        assert response.status_code == 422

    @pytest.mark.parametrize("name", ["localtime", "Factory"])
    def test_zone_files_that_are_not_places_are_refused(self, client, user_factory, auth_headers, name):
        body = {"name": "W", "platform": "linkedin", "frequency": "weekly", "day_of_week": 1,
                "time_of_day": "09:00", "timezone": name}  # fmt: skip
        response = client.post("/api/schedules/recurring", json=body, headers=auth_headers(user_factory()))
        assert response.status_code == 422


class TestSettings:
    def test_a_long_but_repetitive_secret_is_refused_in_production(self):
        settings = Settings(environment="production", jwt_secret="secret" * 10, database_url=None)
        with pytest.raises(ConfigurationError, match="repetitive"):
            settings.jwt_signing_key()

    def test_docs_are_off_in_production_unless_asked_for(self):
        assert not Settings(environment="production").docs_enabled()
        assert Settings(environment="production", api_docs=True).docs_enabled()
        assert Settings(environment="development").docs_enabled()

    def test_without_docs_the_app_serves_no_openapi_document(self, monkeypatch):
        from fastapi.testclient import TestClient

        from api.main import create_app

        monkeypatch.setenv("API_DOCS", "false")
        get_settings.cache_clear()
        try:
            with TestClient(create_app()) as bare:
                assert bare.get("/openapi.json").status_code == 404
                assert bare.get("/docs").status_code == 404
        finally:
            monkeypatch.delenv("API_DOCS")
            get_settings.cache_clear()

    def test_a_wildcard_cors_origin_never_allows_credentials(self, monkeypatch):
        from fastapi.testclient import TestClient

        from api.main import create_app

        monkeypatch.setenv("CORS_ORIGINS", '["*"]')
        get_settings.cache_clear()
        try:
            with TestClient(create_app()) as cors:
                response = cors.get("/healthz", headers={"Origin": "https://evil.example"})
                assert response.headers.get("access-control-allow-credentials") is None
        finally:
            monkeypatch.delenv("CORS_ORIGINS")
            get_settings.cache_clear()


def test_password_hashing_runs_at_most_one_per_core_at_once(monkeypatch):
    import os

    from api.core import security

    running, peak = 0, 0
    lock = threading.Lock()

    class Slow:
        def hash(self, password: str) -> str:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.05)
            with lock:
                running -= 1
            return "hashed"

    monkeypatch.setattr(security, "password_hasher", lambda: Slow())
    threads = [threading.Thread(target=security.hash_password, args=("pw",)) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak <= max(1, os.cpu_count() or 1)
