"""The media library: stored files by content hash (`media_blobs`), a workspace's images and documents
(`media_assets`), and drafts' attachments (`draft_media`).

Downgrade drops the three tables; the files under MEDIA_DIR (or the bucket) stay where they are.

Revision ID: 0019_media
Revises: 0018_workspaces
Create Date: 2026-12-04 06:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_media"
down_revision: str | None = "0018_workspaces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("mime_type", sa.String(50), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_media_blobs")),
    )
    op.create_table(
        "media_assets",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), server_default="upload", nullable=False),
        sa.Column("mime_type", sa.String(50), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("frames", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("alt_text", sa.Text(), nullable=True),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('image', 'document')", name=op.f("ck_media_assets_kind")),
        sa.CheckConstraint("source IN ('upload', 'carousel')", name=op.f("ck_media_assets_source")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_media_assets_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_media_assets_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["media_blobs.sha256"], name=op.f("fk_media_assets_sha256_media_blobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_assets")),
        sa.UniqueConstraint("workspace_id", "sha256", name="uq_media_assets_workspace_id_sha256"),
    )
    op.create_index("ix_media_assets_workspace_id_created_at", "media_assets", ["workspace_id", "created_at"])
    op.create_index(op.f("ix_media_assets_created_by"), "media_assets", ["created_by"])
    op.create_index(op.f("ix_media_assets_sha256"), "media_assets", ["sha256"])
    op.execute(
        "CREATE TRIGGER trg_media_assets_updated_at BEFORE UPDATE ON media_assets "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )
    op.create_table(
        "draft_media",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("draft_id", sa.Uuid(), nullable=False),
        sa.Column("media_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("external_media_id", sa.String(200), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("part >= 0", name=op.f("ck_draft_media_part")),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["content_drafts.id"],
            name=op.f("fk_draft_media_draft_id_content_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media_assets.id"], name=op.f("fk_draft_media_media_id_media_assets")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_draft_media_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_media")),
        sa.UniqueConstraint("draft_id", "position", name="uq_draft_media_draft_id_position"),
        sa.UniqueConstraint("draft_id", "part", "media_id", name="uq_draft_media_draft_id_part_media_id"),
    )
    op.create_index(op.f("ix_draft_media_media_id"), "draft_media", ["media_id"])
    op.create_index(op.f("ix_draft_media_workspace_id"), "draft_media", ["workspace_id"])


def downgrade() -> None:
    op.drop_table("draft_media")
    op.execute("DROP TRIGGER IF EXISTS trg_media_assets_updated_at ON media_assets")
    op.drop_table("media_assets")
    op.drop_table("media_blobs")
