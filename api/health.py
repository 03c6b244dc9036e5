"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.core.db import database_ready

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "The database does not answer."}})
def readyz() -> JSONResponse:
    """The process can serve: its database answers."""
    if database_ready():
        return JSONResponse({"status": "ready", "database": "ok"})
    return JSONResponse(
        {"error": "service_unavailable", "detail": "The database does not answer."}, status_code=503
    )
