"""The account and profile of a Postwright user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, DateTime, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin


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
