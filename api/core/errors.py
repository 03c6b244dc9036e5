"""The one error hierarchy; one handler renders every error as {"error": code, "detail": message}."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ml.client import ModelUnavailable

logger = logging.getLogger("postwright.api")


class ErrorBody(BaseModel):
    """What every error response carries."""

    error: str
    detail: Any


class AppError(Exception):
    """An expected failure with a status code; never a 500."""

    status_code: ClassVar[int] = status.HTTP_400_BAD_REQUEST
    code: ClassVar[str] = "bad_request"
    description: ClassVar[str] = "The request is malformed."

    def __init__(self, detail: Any = None, headers: dict[str, str] | None = None) -> None:
        self.detail = detail if detail is not None else self.description
        self.headers = headers
        super().__init__(str(self.detail))


class BadRequest(AppError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "bad_request"
    description = "The request is malformed."


class Unauthorized(AppError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "unauthorized"
    description = "Missing, invalid or expired credentials."

    def __init__(self, detail: Any = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"
    description = "Not allowed."


class NotFound(AppError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    description = "No such resource."


class Conflict(AppError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    description = "The request conflicts with the current state."


class PayloadTooLarge(AppError):
    status_code = status.HTTP_413_CONTENT_TOO_LARGE
    code = "payload_too_large"
    description = "The upload is larger than the configured limit."


class UnsupportedMediaType(AppError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_media_type"
    description = "The file is not in a supported format."


class Unprocessable(AppError):
    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    code = "validation_error"
    description = "The request is well-formed but its values are invalid."


class TooManyRequests(AppError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "rate_limited"
    description = "Too many requests; retry after the number of seconds in Retry-After."

    def __init__(self, retry_after: int, detail: Any = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"
    description = "A dependency of this endpoint is not available yet; retry after Retry-After seconds."

    def __init__(self, detail: Any = None, retry_after: int = 30) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


def responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries so clients see what can go wrong."""
    result: dict[int | str, dict[str, Any]] = {}
    for error in errors:
        entry = result.setdefault(error.status_code, {"model": ErrorBody, "description": error.description})
        if error.description not in entry["description"]:
            entry["description"] += " " + error.description
    return result


def _body(code: str, detail: Any) -> dict[str, Any]:
    return {"error": code, "detail": jsonable_encoder(detail)}


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(_body(exc.code, exc.detail), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return JSONResponse(_body("validation_error", detail), status_code=422)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's path supports, across all routes that match it (Starlette's own 405
    names only the first matching route's). HEAD and OPTIONS are not part of the documented interface."""
    routes = request.app.router.routes
    allowed = []
    for method in _METHODS:
        scope = dict(request.scope, method=method)
        if any(route.matches(scope)[0] is Match.FULL for route in routes):
            allowed.append(method)
    return allowed


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        # FastAPI's answer to a body that is not JSON (or not UTF-8): the client's data, so a 422.
        detail = [
            {"loc": ["body"], "msg": "the body is not valid JSON text in UTF-8", "type": "json_invalid"}
        ]
        return JSONResponse(_body("validation_error", detail), status_code=422)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    code = _HTTP_CODES.get(exc.status_code, "error")
    return JSONResponse(_body(code, exc.detail), status_code=exc.status_code, headers=headers)


async def _model_unavailable(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ModelUnavailable)
    return await _app_error(_, ServiceUnavailable(str(exc), retry_after=exc.retry_after))


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A unique violation is the client's conflict; a lost connection is a 503; anything else is a bug.

    Bound parameters are never logged (they can hold password hashes and tokens): only the SQL error.
    """
    assert isinstance(exc, DBAPIError)
    if isinstance(exc, IntegrityError) and getattr(exc.orig, "sqlstate", None) == "23505":
        return await _app_error(request, Conflict("That already exists (a concurrent request created it)."))
    if isinstance(exc, DataError) and "NUL" in str(exc.orig):
        return await _app_error(request, Unprocessable("Text cannot contain NUL (\\u0000) characters."))
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        logger.warning("database unavailable: %s", type(exc.orig).__name__)
        return await _app_error(request, ServiceUnavailable("The database is unavailable; retry shortly.", 5))
    logger.error("database error %s: %s", type(exc.orig).__name__, str(exc.orig).splitlines()[0][:300])
    return JSONResponse(_body("internal_error", "Something went wrong on our side."), status_code=500)


async def _pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    """No database connection came free in time: the server is overloaded, try again shortly."""
    logger.warning("database pool exhausted")
    return await _app_error(request, ServiceUnavailable("The server is busy; retry shortly.", 2))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # A bug, not the client's fault: log it with the stack, tell the client nothing internal.
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse(_body("internal_error", "Something went wrong on our side."), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the one rendering of every error."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ModelUnavailable, _model_unavailable)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _pool_exhausted)
    app.add_exception_handler(Exception, _unexpected)
