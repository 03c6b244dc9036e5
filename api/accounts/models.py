"""Connected X and LinkedIn accounts (OAuth grants, tokens encrypted at rest) and pending authorisations."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, FetchedValue, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin

ACCOUNT_STATUSES = ("active", "needs_reauth")


class ConnectedAccount(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "connected_accounts"
    __table_args__ = (
        # One account per platform and workspace: connecting again replaces the grant.
        UniqueConstraint("workspace_id", "platform"),
        CheckConstraint(f"status IN {ACCOUNT_STATUSES}", name="status"),
    )

    # Filled by the database with the author's personal workspace when not given (see migration 0018).
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        server_default=FetchedValue(),
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    # The member's id on the platform (X user id; LinkedIn OpenID `sub`) and the name shown for it.
    external_user_id: Mapped[str] = mapped_column(String(100), nullable=False)
    handle: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="active")
    # Fernet ciphertexts (api.core.crypto); never returned, never logged.
    access_token_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scopes: Mapped[str | None] = mapped_column(Text)
    # Why the account needs reconnecting, in plain words.
    last_error: Mapped[str | None] = mapped_column(Text)


class OAuthState(Base):
    """A started authorisation: the `state` nonce (single use), whose it is, and the PKCE verifier."""

    __tablename__ = "oauth_states"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # Filled by the database with the author's personal workspace when not given (see migration 0018).
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        server_default=FetchedValue(),
    )
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    code_verifier_encrypted: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
