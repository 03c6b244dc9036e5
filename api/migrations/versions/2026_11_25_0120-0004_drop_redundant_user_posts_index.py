"""Drop ix_user_posts_user_id: the composite indexes on user_posts already lead with user_id.

Every index is maintained on each row of a bulk import; this one served no query the others do not.

Revision ID: 0004_drop_user_posts_user_ix
Revises: 0003_seed_template_library
Create Date: 2026-11-25 01:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_drop_user_posts_user_ix"
down_revision: str | None = "0003_seed_template_library"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_user_posts_user_id", table_name="user_posts")


def downgrade() -> None:
    op.create_index("ix_user_posts_user_id", "user_posts", ["user_id"], unique=False)
