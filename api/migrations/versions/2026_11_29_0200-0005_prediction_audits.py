"""Prediction audits: what a draft's prediction said, next to what the published post really got.

Revision ID: 0005_prediction_audits
Revises: 0004_drop_user_posts_user_ix
Create Date: 2026-11-29 23:52:18.859795+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_prediction_audits"
down_revision: str | None = "0004_drop_user_posts_user_ix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prediction_audits",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("draft_id", sa.Uuid(), nullable=True),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("predicted", sa.Float(), nullable=False),
        sa.Column("predicted_low", sa.Float(), nullable=False),
        sa.Column("predicted_high", sa.Float(), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("actual", sa.Float(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["content_drafts.id"],
            name=op.f("fk_prediction_audits_draft_id_content_drafts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["user_posts.id"],
            name=op.f("fk_prediction_audits_post_id_user_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_prediction_audits_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prediction_audits")),
        sa.UniqueConstraint("post_id", name=op.f("uq_prediction_audits_post_id")),
    )
    op.create_index(op.f("ix_prediction_audits_draft_id"), "prediction_audits", ["draft_id"], unique=False)
    op.create_index(op.f("ix_prediction_audits_user_id"), "prediction_audits", ["user_id"], unique=False)
    op.execute(
        "CREATE TRIGGER trg_prediction_audits_updated_at BEFORE UPDATE ON prediction_audits "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS trg_prediction_audits_updated_at ON prediction_audits")
    op.drop_index(op.f("ix_prediction_audits_user_id"), table_name="prediction_audits")
    op.drop_index(op.f("ix_prediction_audits_draft_id"), table_name="prediction_audits")
    op.drop_table("prediction_audits")
