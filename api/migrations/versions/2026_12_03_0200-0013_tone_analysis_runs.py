"""Tone analysis runs: every analysis a user asked for, pending until one covering it is stored.

Revision ID: 0013_tone_analysis_runs
Revises: 0012_generation_jobs
Create Date: 2026-12-03 02:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_tone_analysis_runs"
down_revision: str | None = "0012_generation_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tone_analysis_runs",
        sa.Column("flow_run_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("status", sa.String(length=20), server_default="queued", nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'waiting_for_model', 'running', 'completed', 'failed')",
            name=op.f("ck_tone_analysis_runs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tone_analysis_runs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("flow_run_id", name=op.f("pk_tone_analysis_runs")),
    )
    op.create_index(op.f("ix_tone_analysis_runs_user_id"), "tone_analysis_runs", ["user_id"], unique=False)
    op.create_index(
        "ix_tone_analysis_runs_unfinished_user_id",
        "tone_analysis_runs",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("finished_at IS NULL"),
    )
    op.execute(
        "CREATE TRIGGER trg_tone_analysis_runs_updated_at BEFORE UPDATE ON tone_analysis_runs "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS trg_tone_analysis_runs_updated_at ON tone_analysis_runs")
    op.drop_index("ix_tone_analysis_runs_unfinished_user_id", table_name="tone_analysis_runs")
    op.drop_index(op.f("ix_tone_analysis_runs_user_id"), table_name="tone_analysis_runs")
    op.drop_table("tone_analysis_runs")
