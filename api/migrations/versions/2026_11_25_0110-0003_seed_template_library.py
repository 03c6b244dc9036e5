"""Seed the template library (api/templates/library.json): insert or refresh by title, usage counts kept.

The seed is idempotent: upgrading an already seeded database refreshes the texts and changes nothing else.
A later change to the library ships as a new revision that calls the same seed.

Revision ID: 0003_seed_template_library
Revises: 0002_content_workflow
Create Date: 2026-11-25 01:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

from api.templates.library import seed_templates, unseed_templates

revision: str = "0003_seed_template_library"
down_revision: str | None = "0002_content_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    seed_templates(op.get_bind())


def downgrade() -> None:
    unseed_templates(op.get_bind())
