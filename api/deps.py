"""Dependency aliases shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.auth.models import User
from api.core.config import Settings, get_settings
from api.core.db import get_session
from api.core.errors import Unauthorized
from api.core.ratelimit import RateLimiter, get_rate_limiter
from api.core.security import InvalidToken, decode_access_token

# scope="function": the session's exit (commit) runs when the handler returns, before the response is sent,
# so a 2xx always means the write is committed and a failed commit becomes an error response.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
# Read-only endpoints that stream their answer keep their session until the last byte is sent.
StreamingSessionDep = Annotated[Session, Depends(get_session, scope="request")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]

# tokenUrl points at the form-accepting login so Swagger's "Authorize" button works.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_current_user(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The authenticated user, or 401 (missing, malformed, expired or forged token, or deleted account)."""
    if not token:
        raise Unauthorized("Not authenticated: send 'Authorization: Bearer <access_token>'.")
    try:
        user_id = decode_access_token(token, settings)
    except InvalidToken as exc:
        raise Unauthorized("Invalid or expired access token.") from exc
    user = session.get(User, user_id)
    if user is None:
        raise Unauthorized("Invalid or expired access token.")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="A retry with the same key returns the first answer and creates nothing twice (24 h).",
    ),
]
