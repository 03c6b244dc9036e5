"""`Idempotency-Key` for POSTs that create things: a retry with the same key returns the first answer.

The stored answer is written in the same transaction as the rows it describes, so either both exist or
neither; a concurrent request with the same key loses on the unique key and gets a 409. The same key
with a different body is a 422 (it names another request). Keys are per user and kept 24 hours.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.core.errors import Unprocessable
from api.db.base import Base, TimestampMixin, UUIDPkMixin

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 200


class IdempotentResponse(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "idempotent_responses"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[Any] = mapped_column(JSONB, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


def fingerprint(route: str, payload: bytes) -> str:
    """What identifies a request: its route and its exact body."""
    return hashlib.sha256(route.encode() + b"\0" + payload).hexdigest()


def replay(session: Session, user_id: uuid.UUID, key: str | None, print_: str) -> IdempotentResponse | None:
    """The stored answer for this key, or None to go ahead (422 when the key named another request)."""
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(f"{HEADER}: 1 to {MAX_KEY_LENGTH} characters.")
    now = datetime.now(UTC)
    session.execute(delete(IdempotentResponse).where(IdempotentResponse.expires_at < now))
    stored = session.scalar(
        select(IdempotentResponse).where(IdempotentResponse.user_id == user_id, IdempotentResponse.key == key)
    )
    if stored is not None and stored.fingerprint != print_:
        raise Unprocessable(f"{HEADER} {key!r} was used for a different request; use a new key.")
    return stored


def remember(
    session: Session, user_id: uuid.UUID, key: str | None, print_: str, status_code: int, body: Any
) -> None:
    """Store the answer with the request's own transaction (flushes)."""
    if key is None:
        return
    session.add(
        IdempotentResponse(
            user_id=user_id,
            key=key,
            fingerprint=print_,
            status_code=status_code,
            body=body,
            expires_at=datetime.now(UTC) + TTL,
        )
    )
    session.flush()
