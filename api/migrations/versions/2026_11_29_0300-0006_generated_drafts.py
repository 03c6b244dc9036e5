"""Generated drafts carry their voice match and generation record (model, tokens, seconds, checks).

Revision ID: 0006_generated_drafts
Revises: 0005_prediction_audits
Create Date: 2026-11-30 00:06:48.388227+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_generated_drafts"
down_revision: str | None = "0005_prediction_audits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "content_drafts", sa.Column("voice_match", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column(
        "content_drafts", sa.Column("generation", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("content_drafts", "generation")
    op.drop_column("content_drafts", "voice_match")
