"""Cross-cutting conventions: error format, request ids, probes, settings, migrations."""

from __future__ import annotations

import json
import logging
import secrets
import stat

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from api.cli import alembic_config
from api.core.config import ConfigurationError, Settings
from api.core.logging import JsonFormatter, request_id_var
from api.db.models import Base
from testkit.database import create_database


class TestErrorFormat:
    def test_unknown_route_is_a_json_404(self, client):
        response = client.get("/api/nothing-here")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "Not Found"}

    def test_wrong_method_is_405_in_the_same_shape(self, client):
        response = client.delete("/healthz")
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"

    def test_malformed_json_is_422_not_500(self, client):
        response = client.post(
            "/api/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["error"] == "validation_error"

    def test_openapi_documents_the_errors(self, app):
        spec = app.openapi()
        login = spec["paths"]["/api/auth/login"]["post"]["responses"]
        assert {"401", "422", "429"} <= set(login)
        assert login["429"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")


class TestRequestIds:
    def test_every_response_has_a_request_id(self, client):
        first = client.get("/healthz").headers["x-request-id"]
        second = client.get("/healthz").headers["x-request-id"]
        assert first and second and first != second

    def test_a_sane_incoming_id_is_echoed(self, client):
        response = client.get("/healthz", headers={"X-Request-ID": "trace-abc-12345"})
        assert response.headers["x-request-id"] == "trace-abc-12345"

    def test_a_hostile_incoming_id_is_replaced(self, client):
        response = client.get("/healthz", headers={"X-Request-ID": 'x"}\n{"level": "ERROR"'})
        assert response.headers["x-request-id"] != 'x"}\n{"level": "ERROR"'

    def test_log_lines_are_json_with_the_request_id(self):
        token = request_id_var.set("req-12345678")
        try:
            record = logging.makeLogRecord(
                {
                    "msg": "hello %s",
                    "args": ("world",),
                    "levelname": "INFO",
                    "name": "postwright.test",
                    "user_count": 3,
                }
            )
            line = json.loads(JsonFormatter().format(record))
        finally:
            request_id_var.reset(token)
        assert line["msg"] == "hello world"
        assert line["request_id"] == "req-12345678"
        assert line["user_count"] == 3


class TestProbes:
    def test_healthz(self, client):
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_readyz_checks_the_database(self, client):
        assert client.get("/readyz").json()["database"] == "ok"

    def test_readyz_is_503_when_the_database_is_down(self, client, monkeypatch):
        monkeypatch.setattr("api.health.database_ready", lambda: False)
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["error"] == "service_unavailable"


class TestSettings:
    def test_development_secret_is_generated_once_and_private(self, tmp_path):
        settings = Settings(environment="development", var_dir=tmp_path, jwt_secret=None)
        first = settings.jwt_signing_key()
        assert len(first) >= 32
        assert (
            Settings(environment="development", var_dir=tmp_path, jwt_secret=None).jwt_signing_key() == first
        )
        assert stat.S_IMODE((tmp_path / "jwt_secret").stat().st_mode) == 0o600

    @pytest.mark.parametrize("secret", [None, "changeme", "short-secret"])
    def test_production_refuses_missing_default_or_weak_secrets(self, tmp_path, secret):
        settings = Settings(environment="production", var_dir=tmp_path, jwt_secret=secret)
        with pytest.raises(ConfigurationError):
            settings.jwt_signing_key()
        assert not (tmp_path / "jwt_secret").exists()

    def test_production_accepts_a_strong_secret(self, tmp_path):
        strong = secrets.token_urlsafe(48)
        settings = Settings(environment="production", var_dir=tmp_path, jwt_secret=strong)
        assert settings.jwt_signing_key() == strong

    def test_plain_postgres_urls_use_psycopg(self):
        assert Settings(database_url="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"
        with pytest.raises(ValueError):
            Settings(database_url="sqlite:///x.db")

    def test_missing_database_url_says_how_to_fix_it(self):
        with pytest.raises(ConfigurationError, match="make up"):
            Settings(database_url=None).require_database_url()

    def test_secret_is_never_in_the_settings_repr(self):
        settings = Settings(jwt_secret="super-secret-value-that-is-long-enough")
        assert "super-secret-value" not in repr(settings)


class TestMigrations:
    def test_empty_database_migrates_up_down_and_up_with_nothing_left_to_add(
        self, pg_server_url, monkeypatch
    ):
        url, drop = create_database(pg_server_url, "pw_migrations")
        monkeypatch.setenv("DATABASE_URL", url)
        from api.core.config import get_settings

        get_settings.cache_clear()
        engine = create_engine(url)
        try:
            command.upgrade(alembic_config(), "head")
            with engine.connect() as conn:
                diff = compare_metadata(
                    MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
                )
                assert diff == []
                tables = set(inspect(conn).get_table_names())
            assert {
                "users",
                "user_posts",
                "content_drafts",
                "recurring_schedules",
                "content_templates",
                "tone_analysis",
                "refresh_tokens",
            } <= tables
            command.downgrade(alembic_config(), "base")
            with engine.connect() as conn:
                assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
            command.upgrade(alembic_config(), "head")
        finally:
            engine.dispose()
            get_settings.cache_clear()
            drop()

    def test_every_foreign_key_is_indexed_and_cascades_from_users(self, db):
        inspector = inspect(db.connection())
        for table in inspector.get_table_names():
            indexed = {ix["column_names"][0] for ix in inspector.get_indexes(table)}
            indexed |= {uq["column_names"][0] for uq in inspector.get_unique_constraints(table)}
            indexed |= set(inspector.get_pk_constraint(table)["constrained_columns"][:1])
            for fk in inspector.get_foreign_keys(table):
                column = fk["constrained_columns"][0]
                assert column in indexed, f"{table}.{column} has no index"
                if fk["referred_table"] == "users":
                    # A person's rows go with them; a workspace's shared records only lose the name.
                    expected = "SET NULL" if (table, column) in SIGNED_SHARED_RECORDS else "CASCADE"
                    assert fk["options"].get("ondelete") == expected, f"{table}.{column} is not {expected}"


# Who did something in a team workspace: the record stays when that person's account is deleted.
SIGNED_SHARED_RECORDS = {
    ("content_drafts", "last_edited_by"),
    ("content_drafts", "approved_by"),
    ("draft_comments", "author_id"),
    ("activity_events", "actor_id"),
    ("workspace_invitations", "invited_by"),
    ("workspace_invitations", "accepted_by"),
    ("media_assets", "created_by"),
}


class TestUpdatedAt:
    def test_the_database_sets_updated_at_on_every_update(self, db, user_factory):
        from sqlalchemy import text

        user = user_factory()
        # Even a writer that tries to set an old value (raw SQL, bulk tools) gets the current time.
        db.execute(
            text("UPDATE users SET name = 'x', updated_at = '2000-01-01' WHERE id = :id"), {"id": user.id}
        )
        stamp = db.execute(
            text("SELECT updated_at > '2001-01-01' FROM users WHERE id = :id"), {"id": user.id}
        )
        assert stamp.scalar_one() is True


class TestRedisRateLimits:
    def test_limits_hold_across_processes_through_redis(self):
        import uuid

        import redis

        from api.core.errors import TooManyRequests
        from api.core.ratelimit import RateLimiter

        url = "redis://127.0.0.1:6379/15"
        try:
            redis.Redis.from_url(url).ping()
        except redis.ConnectionError:
            pytest.skip("no Redis server on 127.0.0.1:6379")
        key = uuid.uuid4().hex
        first, second = RateLimiter(url), RateLimiter(url)  # two API processes sharing one Redis
        first.hit("2/minute", "login", key)
        second.hit("2/minute", "login", key)
        with pytest.raises(TooManyRequests) as blocked:
            first.hit("2/minute", "login", key)
        assert int(blocked.value.headers["Retry-After"]) >= 1


class TestDatabaseRateLimits:
    """Several API worker processes without Redis share their limits through the database."""

    def test_two_processes_share_one_window_and_a_race_never_overspends_it(self, database_url):
        import time
        import uuid
        from concurrent.futures import ThreadPoolExecutor

        from sqlalchemy import create_engine, text

        from api.core.errors import TooManyRequests
        from api.core.ratelimit import DatabaseStorage, RateLimiter

        engines = [create_engine(database_url, pool_size=8) for _ in range(2)]
        try:
            first, second = (RateLimiter(DatabaseStorage(engine)) for engine in engines)
            key = uuid.uuid4().hex
            first.hit("2/minute", "login", key)
            second.hit("2/minute", "login", key)
            with pytest.raises(TooManyRequests) as blocked:
                first.hit("2/minute", "login", key)
            assert 1 <= int(blocked.value.headers["Retry-After"]) <= 60
            second.check("5/minute", "login", uuid.uuid4().hex)  # another key is untouched

            # 16 attempts at once from both "processes" at a limit of 5: exactly 5 get through.
            racing = uuid.uuid4().hex

            def attempt(i: int) -> bool:
                try:
                    (first, second)[i % 2].hit("5/minute", "login", racing)
                except TooManyRequests:
                    return False
                return True

            with ThreadPoolExecutor(8) as pool:
                assert sum(pool.map(attempt, range(16))) == 5

            # A key never hit again leaves nothing behind once its window has passed: any later hit
            # sweeps every key's expired events.
            gone = uuid.uuid4().hex
            first.hit("3/second", "login", gone)
            time.sleep(1.1)
            second.hit("5/minute", "login", uuid.uuid4().hex)
            with engines[0].connect() as connection:
                left = connection.scalar(
                    text("SELECT count(*) FROM rate_limit_events WHERE key LIKE :key"), {"key": f"%{gone}%"}
                )
            assert left == 0
        finally:
            for engine in engines:
                engine.dispose()

    def test_the_api_uses_the_database_when_it_runs_as_several_workers(self, monkeypatch, database_url):
        from api.core.config import get_settings
        from api.core.ratelimit import DatabaseStorage, get_rate_limiter

        monkeypatch.setenv("API_WORKERS", "2")
        monkeypatch.delenv("REDIS_URL", raising=False)
        get_settings.cache_clear()
        get_rate_limiter.cache_clear()
        try:
            assert isinstance(get_rate_limiter()._storage, DatabaseStorage)
        finally:
            monkeypatch.delenv("API_WORKERS")
            get_settings.cache_clear()
            get_rate_limiter.cache_clear()
        assert not isinstance(get_rate_limiter()._storage, DatabaseStorage)


class TestStandaloneProcesses:
    def test_a_process_importing_one_flow_resolves_every_foreign_key(self, database_url):
        # The flow runner imports only its flow module; the session factory must register every table.
        import subprocess
        import sys

        code = (
            "import flows.analyze_user_tone\n"
            "from api.core.db import get_sessionmaker\n"
            "get_sessionmaker()\n"
            "from api.db.base import Base\n"
            "tables = Base.metadata.tables.values()\n"
            "print(sorted({fk.column.table.name for t in tables for fk in t.foreign_keys}))\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "users" in result.stdout


class TestMetrics:
    def test_metrics_count_requests_by_route_template_and_status_in_prometheus_format(
        self, client, user_factory, auth_headers
    ):
        headers = auth_headers(user_factory())
        client.get("/api/posts", headers=headers)
        client.get("/api/posts", headers={"Authorization": "Bearer nonsense"})
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert 'handler="/api/posts"' in text
        assert 'status="200"' in text and 'status="401"' in text
        assert "postwright_http_request_duration_seconds_bucket" in text
        assert "postwright_http_requests_inprogress" in text

    def test_metrics_are_not_part_of_the_api_contract(self, app):
        assert "/metrics" not in app.openapi()["paths"]
