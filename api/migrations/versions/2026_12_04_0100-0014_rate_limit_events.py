"""Rate-limit events: the moving windows several API worker processes share (unlogged).

Revision ID: 0014_rate_limit_events
Revises: 0013_tone_analysis_runs
Create Date: 2026-12-04 01:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_rate_limit_events"
down_revision: str | None = "0013_tone_analysis_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_events")),
        prefixes=["UNLOGGED"],
    )
    op.create_index("ix_rate_limit_events_key_at", "rate_limit_events", ["key", "at"], unique=False)
    op.create_index("ix_rate_limit_events_expires_at", "rate_limit_events", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rate_limit_events_expires_at", table_name="rate_limit_events")
    op.drop_index("ix_rate_limit_events_key_at", table_name="rate_limit_events")
    op.drop_table("rate_limit_events")
