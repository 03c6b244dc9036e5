"""The OpenAPI document is a contract: schemathesis with every check, on every operation, finds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session

from api.core.db import get_session
from api.main import create_app

OPERATIONS = sorted(
    f"{method.upper()} {path}" for path, item in create_app().openapi()["paths"].items() for method in item
)


@pytest.fixture
def api_schema(app: Any, db: Session) -> Iterator[Any]:
    def session_override() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_session] = session_override
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        app.dependency_overrides.pop(get_session, None)


@pytest.fixture
def bearer(user_factory, auth_headers) -> dict[str, str]:
    return auth_headers(user_factory())


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_keeps_its_contract(label: str, api_schema: Any, bearer: dict[str, str]) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=bearer)

    run()
