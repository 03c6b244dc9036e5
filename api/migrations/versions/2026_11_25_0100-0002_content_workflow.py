"""Content workflow: post provenance and id-less dedupe, schedule time zone and week of month.

- user_posts.time_precision / source_format: how far posted_at can be trusted, and which export it came from.
- uq_user_posts_content_without_external_id: a post without a platform id is identified by its text, so a
  re-import of a scraped export or a JSON list does not duplicate it.
- recurring_schedules.timezone / week_of_month: the zone the local time is in, and for monthly schedules the
  n-th (1-4) or last (-1) weekday of the month.

Revision ID: 0002_content_workflow
Revises: 0001
Create Date: 2026-11-25 01:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_content_workflow"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "user_posts",
        sa.Column("time_precision", sa.String(length=12), server_default="exact", nullable=False),
    )
    op.add_column("user_posts", sa.Column("source_format", sa.String(length=30), nullable=True))
    op.create_check_constraint(
        op.f("ck_user_posts_time_precision"),
        "user_posts",
        "time_precision IN ('exact', 'day', 'approximate')",
    )
    op.create_index(
        "uq_user_posts_content_without_external_id",
        "user_posts",
        ["user_id", "platform", sa.text("md5(content)")],
        unique=True,
        postgresql_where=sa.text("external_id IS NULL"),
    )
    op.add_column(
        "recurring_schedules",
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
    )
    op.add_column("recurring_schedules", sa.Column("week_of_month", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        op.f("ck_recurring_schedules_week_of_month"),
        "recurring_schedules",
        "week_of_month IN (1, 2, 3, 4, -1)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_recurring_schedules_week_of_month"), "recurring_schedules", type_="check")
    op.drop_column("recurring_schedules", "week_of_month")
    op.drop_column("recurring_schedules", "timezone")
    op.drop_index("uq_user_posts_content_without_external_id", table_name="user_posts")
    op.drop_constraint(op.f("ck_user_posts_time_precision"), "user_posts", type_="check")
    op.drop_column("user_posts", "source_format")
    op.drop_column("user_posts", "time_precision")
