"""Each imported post's tone, as the tone champion read it in the user's latest analysis: the label it
gave the most probability and every tone's probability. Tone against performance reads them.

Revision ID: 0017_post_tones
Revises: 0016_job_leases
Create Date: 2026-12-04 04:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_post_tones"
down_revision: str | None = "0016_job_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user_posts", sa.Column("tone", sa.String(40), nullable=True))
    op.add_column("user_posts", sa.Column("tone_scores", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("user_posts", "tone_scores")
    op.drop_column("user_posts", "tone")
