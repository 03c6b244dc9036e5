"""Test harness: a fresh PostgreSQL database migrated to head, and a rolled-back transaction per test.

With TEST_DATABASE_URL set (CI: the machine's server) a throwaway database is created on that server;
otherwise an embedded PostgreSQL is started for the session. Either way the schema comes from Alembic.

Inside a test, `db.commit()` only releases a savepoint of the test's transaction: commit what a test arranges
directly, so that a request that fails (and rolls back its savepoint) does not take the arranged rows with it.
"""

from __future__ import annotations

import os
import secrets
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from testkit.database import create_database

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Under pytest-xdist (`make test`: two workers on two cores) each worker, and every server it starts,
# computes on its share of the cores: torch, ONNX Runtime and LightGBM each spinning as many OpenMP threads
# as there are cores, in two workers at once, were 3-4x slower (tests/models' tone files: 200 s against
# 45-65 s with another process busy). Set here, before anything imports torch.
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    _workers = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _workers)))

TEST_PASSWORD = "a-long-test-password"


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server to create test databases on."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured.replace("postgresql://", "postgresql+psycopg://", 1)
        return
    from api.embedded_pg import EmbeddedPostgres

    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")) / "data")
    server.start()
    try:
        yield server.url("postgres")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def database_url(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this test session, migrated to head through Alembic."""
    url, drop = create_database(pg_server_url, "pw_test")
    os.environ.update(
        DATABASE_URL=url,
        ENVIRONMENT="test",
        # Flows without a deployment run on a thread here, sharing the session's settings and fixtures;
        # tests/flows/test_flow_execution.py runs them in child processes as the API does.
        FLOW_EXECUTION="thread",
        JWT_SECRET=secrets.token_urlsafe(48),
        VAR_DIR=str(tmp_path_factory.mktemp("var")),
        MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path_factory.mktemp('mlruns')}/mlflow.db",
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("SERVING_URLS", None)
    _clear_caches()
    from api.cli import migrate

    migrate()
    try:
        yield url
    finally:
        from api.core.db import get_engine
        from api.core.launcher import in_process_launcher

        # A flow a test started and nobody waited for (a first training after an import) finishes before
        # its database and Prefect server go: a run cut off at exit deadlocks the interpreter's shutdown.
        if in_process_launcher.cache_info().currsize and not in_process_launcher().drain(timeout=600):
            warnings.warn("flow runs were still executing when the test session ended", stacklevel=1)
        get_engine().dispose()
        drop()


def _clear_caches() -> None:
    from api.core.config import get_settings
    from api.core.db import get_engine, get_sessionmaker
    from api.core.ratelimit import get_rate_limiter
    from ml.config import get_ml_settings

    for cached in (get_settings, get_ml_settings, get_engine, get_sessionmaker, get_rate_limiter):
        cached.cache_clear()


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    from api.core.db import get_engine

    with get_engine().connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """A Session whose commits are savepoints inside the test's transaction."""
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
    )
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def app(database_url: str) -> Any:
    from api.main import create_app

    return create_app()


@pytest.fixture(autouse=True)
def _fresh_champion_lookups() -> None:
    """Each test looks the champions up afresh (the API caches the lookup for CHAMPION_POLL_SECONDS)."""
    from ml.client import forget_champions

    forget_champions()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    from api.core.ratelimit import get_rate_limiter

    get_rate_limiter.cache_clear()
    yield
    get_rate_limiter.cache_clear()


@pytest.fixture
def client(app: Any, db: Session) -> Iterator[Any]:
    """An HTTP client whose requests run in the test's transaction (commit = savepoint release)."""
    from fastapi.testclient import TestClient

    from api.core.db import get_session

    def session_override() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_session] = session_override
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        app.dependency_overrides.pop(get_session, None)


@pytest.fixture
def user_factory(db: Session) -> Callable[..., Any]:
    """Create users directly in the database (password TEST_PASSWORD unless given)."""
    from api.auth.models import User
    from api.core.security import hash_password

    hashed_default = hash_password(TEST_PASSWORD)

    def make(email: str | None = None, password: str | None = None, **fields: Any) -> User:
        user = User(
            email=(email or f"user-{uuid.uuid4().hex[:8]}@example.com").lower(),
            password_hash=hash_password(password) if password else hashed_default,
            name=fields.pop("name", "Test User"),
            **fields,
        )
        db.add(user)
        db.commit()  # a savepoint release: a later failing request's rollback keeps the user
        return user

    return make


@pytest.fixture
def auth_headers(database_url: str) -> Callable[[Any], dict[str, str]]:
    """A valid bearer header for a user."""
    from api.core.config import get_settings
    from api.core.security import create_access_token

    def headers(user: Any) -> dict[str, str]:
        token, _ = create_access_token(user.id, get_settings())
        return {"Authorization": f"Bearer {token}"}

    return headers


# The longest test files (seconds on 2 cores): under `make test`'s two workers (pytest-xdist, a whole file to
# a worker, in this order) they start first, so that no worker is left with a long file at the end.
LONG_FILES = [
    "tests/web/test_e2e.py",  # about 220
    "tests/flows/test_train_tone_classifier.py",  # 40
    "tests/web/test_frontend.py",  # 37
    "tests/serving/test_tone_service.py",  # 30
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The first-model tests start from an empty registry and follow a real first champion into service.
    They run first, before any other module has started model watchers or served a champion in this
    process: after the whole suite, leftover watchers polling their own stores raced them (seen in a full
    run; each passes alone and with tests/voice). The longest files come next (LONG_FILES)."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        if path == "tests/voice/test_first_model.py":
            return 0
        return 1 + LONG_FILES.index(path) if path in LONG_FILES else 1 + len(LONG_FILES)

    items.sort(key=rank)  # stable: the files keep their order within each rank, and tests within a file
