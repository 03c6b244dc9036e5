"""Leases for the due-row jobs that had none: a run claims a recurring schedule's slot or a metric pull,
commits, then calls the LLM or the platform with no transaction open (api.core.jobs).

Revision ID: 0016_job_leases
Revises: 0015_drafts_by_creation
Create Date: 2026-12-04 03:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_job_leases"
down_revision: str | None = "0015_drafts_by_creation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recurring_schedules", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("metric_pulls", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("metric_pulls", "lease_until")
    op.drop_column("recurring_schedules", "lease_until")
