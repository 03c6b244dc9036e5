"""A user's drafts by creation time: the drafts list reads a page without sorting every draft.

Revision ID: 0015_drafts_by_creation
Revises: 0014_rate_limit_events
Create Date: 2026-12-04 02:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_drafts_by_creation"
down_revision: str | None = "0014_rate_limit_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_content_drafts_user_id_created_at", "content_drafts", ["user_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_content_drafts_user_id_created_at", table_name="content_drafts")
