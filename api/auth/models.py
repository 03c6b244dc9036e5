"""Identities: the user (email, password hash, profile columns) and their refresh tokens, stored hashed
and grouped in families (one family per login) for reuse detection. Every domain's rows point at `User`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin


class RefreshToken(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(nullable=False, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Set when the token was exchanged for a new pair; presenting it again means it was stolen.
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class User(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Emails compare case-insensitively: the unique index is on lower(email).
        Index("uq_users_email_lower", func.lower(text("email")), unique=True),
    )

    email: Mapped[str] = mapped_column(String(320), nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    company: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    niche: Mapped[str | None] = mapped_column(String(200))
    tone: Mapped[str | None] = mapped_column(String(50))
    platforms: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")
    )
    goals: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default=text("'{}'::text[]"))
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, server_default="UTC")
    onboarded: Mapped[bool] = mapped_column(nullable=False, server_default=text("false"))
    # An e-mail change waits for the new address to confirm it: the address, and the SHA-256 of the
    # token sent there (the token itself is never stored).
    pending_email: Mapped[str | None] = mapped_column(String(320))
    email_change_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    email_change_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
