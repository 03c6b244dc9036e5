"""Accounts and the token life cycle: register, login, rotate refresh tokens, detect reuse, log out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.auth.models import RefreshToken, User
from api.core.config import Settings
from api.core.errors import Conflict, Unauthorized, Unprocessable
from api.core.security import (
    create_access_token,
    dummy_password_hash,
    hash_password,
    hash_refresh_token,
    new_refresh_token,
    verify_password,
)


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int


class RefreshTokenReused(Unauthorized):
    """A spent refresh token came back: someone else holds a copy. The whole family is revoked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_password(password: str, settings: Settings, email: str | None = None) -> None:
    """Length and obviousness rules (NIST 800-63B style: length over composition rules)."""
    problems = []
    if len(password) < settings.password_min_length:
        problems.append(f"must be at least {settings.password_min_length} characters")
    if password.strip() != password or not password.strip():
        problems.append("must not start or end with whitespace")
    if email and password.lower() == normalise_email(email):
        problems.append("must not be the email address")
    if problems:
        raise Unprocessable([{"loc": ["body", "password"], "msg": "Password " + "; ".join(problems)}])


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register(session: Session, settings: Settings, *, email: str, password: str, name: str) -> User:
    validate_password(password, settings, email)
    if get_user_by_email(session, email) is not None:
        raise Conflict("An account with this email already exists.")
    user = User(email=normalise_email(email), password_hash=hash_password(password), name=name.strip())
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The user for these credentials, or 401; as slow for unknown emails as for wrong passwords."""
    user = get_user_by_email(session, email)
    if user is None:
        verify_password(password, dummy_password_hash())
        raise Unauthorized("Incorrect email or password.")
    valid, new_hash = verify_password(password, user.password_hash)
    if not valid:
        raise Unauthorized("Incorrect email or password.")
    if new_hash is not None:  # parameters were upgraded since this hash was made
        user.password_hash = new_hash
    return user


def issue_tokens(
    session: Session, settings: Settings, user: User, family_id: uuid.UUID | None = None
) -> IssuedTokens:
    """A new access token and a new refresh token (in a new family for a fresh login)."""
    access_token, expires_in = create_access_token(user.id, settings)
    refresh_token = new_refresh_token()
    ttl = timedelta(days=settings.refresh_token_ttl_days)
    session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=hash_refresh_token(refresh_token),
            family_id=family_id or uuid.uuid4(),
            expires_at=datetime.now(UTC) + ttl,
        )
    )
    session.flush()
    return IssuedTokens(access_token, refresh_token, expires_in, int(ttl.total_seconds()))


def _load_refresh_token(session: Session, refresh_token: str) -> RefreshToken:
    row = session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == hash_refresh_token(refresh_token))
        .with_for_update()
    )
    if row is None:
        raise Unauthorized("Invalid refresh token.")
    return row


def revoke_family(session: Session, family_id: uuid.UUID) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


def revoke_all_for_user(session: Session, user_id: uuid.UUID) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


def rotate(session: Session, settings: Settings, refresh_token: str) -> IssuedTokens:
    """Spend a refresh token for a new pair in the same family; a reused token revokes the family.

    The caller must commit before rendering RefreshTokenReused, or the revocation is rolled back.
    """
    row = _load_refresh_token(session, refresh_token)
    if row.revoked_at is not None:
        raise Unauthorized("This session was signed out; log in again.")
    if row.used_at is not None:
        revoke_family(session, row.family_id)
        raise RefreshTokenReused(
            "Refresh token reuse detected: every session of this login was signed out; log in again."
        )
    if row.expires_at <= datetime.now(UTC):
        raise Unauthorized("Refresh token expired; log in again.")
    user = session.get(User, row.user_id)
    if user is None:  # the account was erased; cascades make this unlikely but not impossible mid-request
        raise Unauthorized("Invalid refresh token.")
    row.used_at = datetime.now(UTC)
    return issue_tokens(session, settings, user, family_id=row.family_id)


def logout(session: Session, refresh_token: str) -> None:
    """Revoke the whole family of this refresh token (idempotent for an already revoked one)."""
    row = _load_refresh_token(session, refresh_token)
    revoke_family(session, row.family_id)
