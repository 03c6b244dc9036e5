"""Password hashing (argon2), access tokens (JWT) and refresh-token material."""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api.core.config import Settings


@lru_cache
def password_hasher() -> PasswordHash:
    """Argon2id with the library's recommended parameters."""
    return PasswordHash((Argon2Hasher(),))


# Each argon2 computation holds its memory cost (tens of MiB) for its duration: at most this many run at
# once, so a burst of logins queues instead of growing the process by a gigabyte.
_HASHING = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def hash_password(password: str) -> str:
    with _HASHING:
        return password_hasher().hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the stored one uses outdated parameters)."""
    with _HASHING:
        return password_hasher().verify_and_update(password, password_hash)


@lru_cache
def dummy_password_hash() -> str:
    """A real hash to verify against for unknown emails, so login takes the same time either way."""
    return hash_password(secrets.token_urlsafe(16))


def create_access_token(user_id: uuid.UUID, settings: Settings) -> tuple[str, int]:
    """A short-lived signed JWT for `user_id`, and its lifetime in seconds."""
    now = datetime.now(UTC)
    ttl = settings.access_token_ttl_seconds
    claims = {
        "sub": str(user_id),
        "iss": settings.jwt_issuer,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": uuid.uuid4().hex,
        "type": "access",
    }
    return jwt.encode(claims, settings.jwt_signing_key(), algorithm=settings.jwt_algorithm), ttl


class InvalidToken(Exception):
    """The access token is missing, malformed, expired or forged."""


def decode_access_token(token: str, settings: Settings) -> uuid.UUID:
    """The user id an access token was issued to; raises InvalidToken otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_signing_key(),
            algorithms=[settings.jwt_algorithm],
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        if claims.get("type") != "access":
            raise InvalidToken("not an access token")
        return uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_refresh_token() -> str:
    """An opaque random refresh token (only its hash is stored)."""
    return secrets.token_urlsafe(48)


def hash_refresh_token(token: str) -> str:
    # The token is 384 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()
