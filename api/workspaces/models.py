"""Workspaces, their members (one role each), invitations by e-mail, and the activity log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.core.ownership import APPROVAL_RULES, ROLES
from api.db.base import Base, TimestampMixin, UUIDPkMixin


class Workspace(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "workspaces"
    __table_args__ = (CheckConstraint(f"approval_rule IN {APPROVAL_RULES}", name="approval_rule"),)

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # Every user has exactly one personal workspace (their data before teams existed lives there); it has
    # no other members. Team workspaces have `personal_of` NULL.
    personal_of: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    # Approvals: off, or on with who may approve (see api.core.ownership.APPROVAL_RULES).
    needs_approval: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    approval_rule: Mapped[str] = mapped_column(String(20), nullable=False, server_default="any_reviewer")
    # The workspace's colours (carousels and previews), "#rrggbb".
    brand_colors: Mapped[dict[str, str]] = mapped_column(
        JSONB,
        nullable=False,
        server_default=text("""'{"background": "#ffffff", "text": "#1a1a2e", "accent": "#0a66c2"}'::jsonb"""),
    )


class WorkspaceMember(TimestampMixin, Base):
    __tablename__ = "workspace_members"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20), nullable=False)


class WorkspaceInvitation(UUIDPkMixin, TimestampMixin, Base):
    """An invitation to join with a role: a single-use link that expires (only its token's hash is kept)."""

    __tablename__ = "workspace_invitations"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ActivityEvent(UUIDPkMixin, Base):
    """Who did what to which thing, when: created, edited, submitted, approved, scheduled, published..."""

    __tablename__ = "activity_events"
    __table_args__ = (Index("ix_activity_events_workspace_id_created_at", "workspace_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )
    # The person who did it; NULL for the system (the publisher, a schedule) or a deleted account.
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(50), nullable=False)
    subject_type: Mapped[str] = mapped_column(String(30), nullable=False)
    subject_id: Mapped[uuid.UUID | None] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    # The moment of the write, not of its transaction's start: events of one request keep their order.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
