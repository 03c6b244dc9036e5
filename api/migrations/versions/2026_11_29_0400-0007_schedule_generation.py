"""Recurring schedules draft their own posts: topics, template, failure tracking, one slot row per draft.

Revision ID: 0007_schedule_generation
Revises: 0006_generated_drafts
Create Date: 2026-11-30 00:12:22.398748+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_schedule_generation"
down_revision: str | None = "0006_generated_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "schedule_slots",
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("slot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("draft_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["content_drafts.id"],
            name=op.f("fk_schedule_slots_draft_id_content_drafts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["recurring_schedules.id"],
            name=op.f("fk_schedule_slots_schedule_id_recurring_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_slots")),
        sa.UniqueConstraint("schedule_id", "slot_at", name=op.f("uq_schedule_slots_schedule_id_slot_at")),
    )
    op.create_index(op.f("ix_schedule_slots_draft_id"), "schedule_slots", ["draft_id"], unique=False)
    op.execute(
        "CREATE TRIGGER trg_schedule_slots_updated_at BEFORE UPDATE ON schedule_slots "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )
    op.add_column(
        "recurring_schedules",
        sa.Column("topics", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    )
    op.add_column("recurring_schedules", sa.Column("template_id", sa.Uuid(), nullable=True))
    op.add_column(
        "recurring_schedules",
        sa.Column("failure_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("recurring_schedules", sa.Column("last_error", sa.Text(), nullable=True))
    op.create_index(
        op.f("ix_recurring_schedules_template_id"), "recurring_schedules", ["template_id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_recurring_schedules_template_id_content_templates"),
        "recurring_schedules",
        "content_templates",
        ["template_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_recurring_schedules_template_id_content_templates"),
        "recurring_schedules",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_recurring_schedules_template_id"), table_name="recurring_schedules")
    op.drop_column("recurring_schedules", "last_error")
    op.drop_column("recurring_schedules", "failure_count")
    op.drop_column("recurring_schedules", "template_id")
    op.drop_column("recurring_schedules", "topics")
    op.execute("DROP TRIGGER IF EXISTS trg_schedule_slots_updated_at ON schedule_slots")
    op.drop_index(op.f("ix_schedule_slots_draft_id"), table_name="schedule_slots")
    op.drop_table("schedule_slots")
