"""Recurring schedules count weekdays from Sunday (0 = Sunday ... 6 = Saturday), as the original design says.

The API took 0 = Monday, so a client following the documented contract got every schedule a day late.
Stored values move by one day of numbering (not of time): Monday was 0 and is now 1, Sunday was 6 and is 0.

Revision ID: 0010_sunday_first_weekdays
Revises: 0009_publishing
Create Date: 2026-11-30 02:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_sunday_first_weekdays"
down_revision: str | None = "0009_publishing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE recurring_schedules SET day_of_week = (day_of_week + 1) % 7")


def downgrade() -> None:
    op.execute("UPDATE recurring_schedules SET day_of_week = (day_of_week + 6) % 7")
