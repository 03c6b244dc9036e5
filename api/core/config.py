"""One typed settings object per process, read from the environment and `.env`."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from ml.config import PROJECT_ROOT, MLSettings

__all__ = ["PROJECT_ROOT", "ConfigurationError", "Settings", "get_settings"]

# Values that must never sign tokens outside development (copied from examples, tutorials, .env templates).
_KNOWN_DEFAULT_SECRETS = {"", "changeme", "change-me", "changethis", "secret", "dev", "development"}
MIN_SECRET_LENGTH = 32
# "secretsecretsecret..." is long but guessable; random secrets of 32+ characters have far more.
MIN_DISTINCT_SECRET_CHARACTERS = 16


class ConfigurationError(RuntimeError):
    """The process cannot start with these settings; the message says what to change."""


class Settings(MLSettings):
    """Everything a Postwright process can be told from outside (the ML layer's settings included)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"

    # PostgreSQL everywhere: `make up` starts an embedded server and sets this when it is unset.
    database_url: str | None = None
    # Connections kept open (no reconnect churn under load) and the extra ones a burst may open; the API
    # admits at most this many requests at once (api.core.admission), the rest wait for a slot.
    db_pool_size: int = 20
    db_max_overflow: int = 5
    db_pool_timeout_seconds: float = 10.0
    var_dir: Path = PROJECT_ROOT / "var"

    # Tokens
    jwt_secret: SecretStr | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "postwright"
    access_token_ttl_seconds: int = Field(default=15 * 60, ge=60, le=24 * 3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    password_min_length: int = Field(default=10, ge=8)

    # Worker processes of the API (`make up` sets it from --workers): with more than one, anything a
    # process would keep for itself (rate limits, metrics) is shared instead.
    api_workers: int = Field(default=1, ge=1, le=64)
    # Rate limits (the `limits` library's notation): Redis when REDIS_URL is set, else the database with
    # several API workers, else memory (api.core.ratelimit).
    redis_url: str | None = None
    rate_limit_login_per_ip: str = "20/minute"
    # Failed logins: per account and client address (an attacker elsewhere cannot lock the owner out), and
    # per account across all addresses (slows distributed guessing).
    rate_limit_login_per_account: str = "5/minute"
    rate_limit_login_failures_per_account: str = "50/hour"
    # Wrong current passwords (profile changes, erasure) per user, and e-mail change requests per user.
    rate_limit_password_checks: str = "5/minute"
    rate_limit_email_changes: str = "5/hour"
    rate_limit_register_per_ip: str = "5/minute"
    rate_limit_refresh_per_ip: str = "60/minute"
    # The web app's refresh cookie is `Secure` (browsers accept it over plain http on 127.0.0.1 and
    # localhost only); set false only behind a proxy on a private network that terminates TLS elsewhere.
    session_cookie_secure: bool = True
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For is believed; none by default,
    # so a client can never choose its own address (and with it, its rate-limit bucket).
    forwarded_allow_ips: list[str] = Field(default_factory=list)

    # LLM: any OpenAI-compatible endpoint. `make up` starts a local llama.cpp server and sets the URL.
    llm_base_url: str | None = None
    llm_api_key: SecretStr = SecretStr("local")
    llm_model: str = "smollm2-135m-instruct"
    llm_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    llm_max_tokens: int = Field(default=300, ge=16, le=4096)
    # Send each request a llama.cpp grammar that keeps invented hashtags and @mentions out as the answer is
    # written (api/generation/grammar.py). llama.cpp servers accept it, OpenAI's API refuses it; `make up`
    # turns it on for the embedded server.
    llm_grammar: bool = False

    # Imports
    import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Per-user quotas: posts kept (imports past it reject the extra rows) and drafts.
    max_posts_per_user: int = Field(default=100_000, ge=1)
    max_drafts_per_user: int = Field(default=20_000, ge=1)

    # The largest JSON body any endpoint reads (the import has IMPORT_MAX_BYTES).
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Swagger UI, ReDoc and /openapi.json; off in production unless asked for.
    api_docs: bool | None = None

    cors_origins: list[str] = Field(default_factory=list)
    # The built web app (`make install` builds it); the API serves it at `/`.
    web_dist_dir: Path = PROJECT_ROOT / "web" / "dist"

    # Publishing. The platforms' endpoints are settings so tests and staging setups point them elsewhere;
    # with no client id a platform cannot be connected (503 naming the setting).
    public_base_url: str = "http://127.0.0.1:8000"
    x_authorize_url: str = "https://x.com/i/oauth2/authorize"
    x_token_url: str = "https://api.x.com/2/oauth2/token"
    x_api_base_url: str = "https://api.x.com"
    x_client_id: str | None = None
    x_client_secret: SecretStr | None = None
    x_scopes: str = "tweet.read tweet.write users.read media.write offline.access"
    linkedin_authorize_url: str = "https://www.linkedin.com/oauth/v2/authorization"
    linkedin_token_url: str = "https://www.linkedin.com/oauth/v2/accessToken"
    linkedin_api_base_url: str = "https://api.linkedin.com"
    linkedin_client_id: str | None = None
    linkedin_client_secret: SecretStr | None = None
    linkedin_scopes: str = "openid profile w_member_social"
    linkedin_api_version: str = "202511"
    platform_timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    # Fernet keys (comma-separated, newest first: older ones still decrypt, so keys can be rotated) for the
    # platform tokens and webhook secrets at rest. Development generates one under var/; production refuses
    # to start without it.
    token_encryption_key: SecretStr | None = None
    # A scheduled post is retried on transient errors until this long after its time, then marked failed.
    publish_deadline_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # E-mail (address confirmations). Without SMTP_HOST, development writes messages to var/outbox/ and
    # production refuses what needs an e-mail.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "Postwright <no-reply@localhost>"
    # Webhook URLs on private, loopback or link-local addresses are refused unless this is set.
    webhook_allow_private: bool = False
    # Flow runs without a Prefect deployment (no flow runner: `--api-only`, scripts) execute in a child
    # process, so CPU-heavy work never holds the API's interpreter; `thread` runs them on a thread of this
    # process instead (the test suite, whose flows share its settings and fixtures).
    flow_execution: Literal["process", "thread"] = "process"

    # Components started on their own (`python -m api.cli prefect-server|mlflow-server|deploy`).
    # The Prefect server's own PostgreSQL database (any driver prefix; the server talks asyncpg), created
    # when missing.
    prefect_database_url: str | None = None
    # The MLflow tracking server's own PostgreSQL database (its backend store), created when missing; its
    # artifacts are kept in MLFLOW_ARTIFACT_ROOT on the server's host and proxied by the server.
    mlflow_database_url: str | None = None
    # Host headers the MLflow server accepts (its default: localhost and private addresses), comma-separated.
    mlflow_allowed_hosts: str | None = None
    # Concurrency limit of each work queue `deploy` creates (a queue not named here has none).
    work_queue_limits: dict[str, int] = Field(default_factory=lambda: {"interactive": 4, "training": 1})
    # The lease of every due-row job (api.core.jobs) instead of each job's own (tests shorten it).
    job_lease_seconds: float | None = Field(default=None, gt=0, le=7 * 24 * 3600)

    def docs_enabled(self) -> bool:
        """Whether the interactive docs and the OpenAPI document are served."""
        return self.api_docs if self.api_docs is not None else self.environment != "production"

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, value: str | None) -> str | None:
        """Accept plain postgres URLs and always talk psycopg 3."""
        if value is None or value == "":
            return None
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        if not value.startswith("postgresql+psycopg://"):
            raise ValueError("DATABASE_URL must be a PostgreSQL URL (postgresql+psycopg://user@host:port/db)")
        return value

    def require_database_url(self) -> str:
        """The database URL, or a loud error telling the operator how to get one."""
        if not self.database_url:
            raise ConfigurationError(
                "DATABASE_URL is not set. `make up` starts an embedded PostgreSQL and sets it for you; "
                "otherwise set DATABASE_URL=postgresql+psycopg://user:password@host:5432/dbname."
            )
        return self.database_url

    def jwt_signing_key(self) -> str:
        """The JWT secret: configured, or (development only) generated once and kept under var/."""
        if self.jwt_secret is not None:
            value = self.jwt_secret.get_secret_value()
            if self.environment == "production" and (
                value.lower() in _KNOWN_DEFAULT_SECRETS
                or len(value) < MIN_SECRET_LENGTH
                or len(set(value)) < MIN_DISTINCT_SECRET_CHARACTERS
            ):
                raise ConfigurationError(
                    f"JWT_SECRET is a default, shorter than {MIN_SECRET_LENGTH} characters or too "
                    f"repetitive (fewer than {MIN_DISTINCT_SECRET_CHARACTERS} different characters); "
                    "refusing to start in production. Generate one with "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
                )
            return value
        if self.environment == "production":
            raise ConfigurationError("JWT_SECRET must be set in production (at least 32 random characters).")
        return _development_secret(self.var_dir)

    def encryption_keys(self) -> list[str]:
        """The Fernet keys for secrets at rest: configured, or (development and tests) generated once."""
        if self.token_encryption_key is not None:
            keys = [k.strip() for k in self.token_encryption_key.get_secret_value().split(",") if k.strip()]
            if keys:
                return keys
        if self.environment == "production":
            raise ConfigurationError(
                "TOKEN_ENCRYPTION_KEY must be set in production (a Fernet key: `python -c "
                "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
            )
        return [_development_secret(self.var_dir, "token_key", _fernet_key)]


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _development_secret(
    var_dir: Path, name: str = "jwt_secret", generate: Callable[[], str] = lambda: secrets.token_urlsafe(48)
) -> str:
    """Generate a development secret on first use and keep it, readable by the owner only."""
    path = var_dir / name
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


@lru_cache
def get_settings() -> Settings:
    """The process's settings (tests clear the cache or override the dependency)."""
    return Settings()
