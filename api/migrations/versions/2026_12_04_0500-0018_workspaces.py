"""Workspaces: every user gets a personal workspace holding what was theirs; drafts, recurring schedules,
queue slots, connected accounts, pending authorisations, webhooks and generation jobs move into it.
Members with roles, invitations, the activity log, draft comments and the approval columns.

Downgrade: each row returns to its author (`user_id`); connected accounts and queue slots of team
workspaces are dropped first (a person could hold one per workspace, the old tables one per person).

Revision ID: 0018_workspaces
Revises: 0017_post_tones
Create Date: 2026-12-04 05:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_workspaces"
down_revision: str | None = "0017_post_tones"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPED = (
    "content_drafts",
    "recurring_schedules",
    "posting_slots",
    "connected_accounts",
    "oauth_states",
    "webhooks",
    "generation_jobs",
)
ROLES = "('owner', 'editor', 'reviewer', 'viewer')"
BRAND = """'{"background": "#ffffff", "text": "#1a1a2e", "accent": "#0a66c2"}'::jsonb"""


PERSONAL_WORKSPACE_FUNCTIONS = """
CREATE FUNCTION personal_workspace_of(person uuid) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE found uuid;
BEGIN
    SELECT id INTO found FROM workspaces WHERE personal_of = person;
    IF found IS NULL THEN
        INSERT INTO workspaces (name, personal_of) VALUES ('Personal', person)
            ON CONFLICT (personal_of) DO NOTHING RETURNING id INTO found;
        IF found IS NULL THEN
            SELECT id INTO found FROM workspaces WHERE personal_of = person;
        ELSE
            INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (found, person, 'owner')
                ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN found;
END $$;
CREATE FUNCTION fill_personal_workspace() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.workspace_id := personal_workspace_of(NEW.user_id);
    RETURN NEW;
END $$;
"""


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def _touch_trigger(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )


def upgrade() -> None:
    uuid_pk = sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False)
    op.create_table(
        "workspaces",
        uuid_pk,
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("personal_of", sa.Uuid(), nullable=True),
        sa.Column("needs_approval", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("approval_rule", sa.String(20), server_default="any_reviewer", nullable=False),
        sa.Column("brand_colors", postgresql.JSONB(), server_default=sa.text(BRAND), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "approval_rule IN ('any_reviewer', 'two_people')", name=op.f("ck_workspaces_approval_rule")
        ),
        sa.ForeignKeyConstraint(
            ["personal_of"], ["users.id"], name=op.f("fk_workspaces_personal_of_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("personal_of", name=op.f("uq_workspaces_personal_of")),
    )
    op.create_table(
        "workspace_members",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(f"role IN {ROLES}", name=op.f("ck_workspace_members_role")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_members_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_workspace_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name=op.f("pk_workspace_members")),
    )
    op.create_index(op.f("ix_workspace_members_user_id"), "workspace_members", ["user_id"])
    op.create_table(
        "workspace_invitations",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(f"role IN {ROLES}", name=op.f("ck_workspace_invitations_role")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_invitations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_workspace_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["users.id"],
            name=op.f("fk_workspace_invitations_accepted_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_workspace_invitations_token_hash")),
    )
    for column in ("workspace_id", "invited_by", "accepted_by"):
        op.create_index(op.f(f"ix_workspace_invitations_{column}"), "workspace_invitations", [column])
    op.create_table(
        "activity_events",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("subject_type", sa.String(30), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("detail", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_activity_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_activity_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_events")),
    )
    op.create_index(
        "ix_activity_events_workspace_id_created_at", "activity_events", ["workspace_id", "created_at"]
    )
    op.create_index(op.f("ix_activity_events_actor_id"), "activity_events", ["actor_id"])
    for table in ("workspaces", "workspace_members", "workspace_invitations"):
        _touch_trigger(table)

    # Everyone's personal workspace, with them as its owner.
    op.execute("INSERT INTO workspaces (name, personal_of) SELECT 'Personal', id FROM users")
    op.execute(
        "INSERT INTO workspace_members (workspace_id, user_id, role) "
        "SELECT id, personal_of, 'owner' FROM workspaces WHERE personal_of IS NOT NULL"
    )
    for table in SCOPED:
        op.add_column(table, sa.Column("workspace_id", sa.Uuid(), nullable=True))
        op.execute(
            f"UPDATE {table} t SET workspace_id = w.id FROM workspaces w WHERE w.personal_of = t.user_id"
        )
        op.alter_column(table, "workspace_id", nullable=False)
        op.create_foreign_key(
            op.f(f"fk_{table}_workspace_id_workspaces"),
            table,
            "workspaces",
            ["workspace_id"],
            ["id"],
            ondelete="CASCADE",
        )
        op.create_index(op.f(f"ix_{table}_workspace_id"), table, ["workspace_id"])

    # A row written for a person without a workspace (a flow, a script, a bulk load) lands in their
    # personal workspace, made on first need: the same rule as an API request without X-Workspace-Id.
    op.execute(PERSONAL_WORKSPACE_FUNCTIONS)
    for table in SCOPED:
        op.execute(
            f"CREATE TRIGGER trg_{table}_workspace BEFORE INSERT ON {table} "
            "FOR EACH ROW WHEN (NEW.workspace_id IS NULL) EXECUTE FUNCTION fill_personal_workspace()"
        )

    op.drop_constraint("uq_connected_accounts_user_id_platform", "connected_accounts", type_="unique")
    op.create_unique_constraint(
        op.f("uq_connected_accounts_workspace_id_platform"),
        "connected_accounts",
        ["workspace_id", "platform"],
    )
    op.drop_constraint(
        "uq_posting_slots_user_id_platform_day_of_week_local_time", "posting_slots", type_="unique"
    )
    # The old unique constraints led with user_id and indexed it; their successors lead with the workspace.
    op.create_index(op.f("ix_posting_slots_user_id"), "posting_slots", ["user_id"])
    op.create_index(op.f("ix_connected_accounts_user_id"), "connected_accounts", ["user_id"])
    op.create_unique_constraint(
        op.f("uq_posting_slots_workspace_id_platform_day_of_week_local_time"),
        "posting_slots",
        ["workspace_id", "platform", "day_of_week", "local_time"],
    )

    op.drop_index("ix_content_drafts_user_id_status", table_name="content_drafts")
    op.drop_index("ix_content_drafts_user_id_created_at", table_name="content_drafts")
    op.create_index("ix_content_drafts_workspace_id_status", "content_drafts", ["workspace_id", "status"])
    op.create_index(
        "ix_content_drafts_workspace_id_created_at", "content_drafts", ["workspace_id", "created_at"]
    )
    op.add_column(
        "content_drafts", sa.Column("approval", sa.String(20), server_default="none", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_content_drafts_approval"),
        "content_drafts",
        "approval IN ('none', 'submitted', 'approved', 'changes_requested')",
    )
    for column in ("last_edited_by", "approved_by"):
        op.add_column("content_drafts", sa.Column(column, sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f(f"fk_content_drafts_{column}_users"),
            "content_drafts",
            "users",
            [column],
            ["id"],
            ondelete="SET NULL",
        )
        op.create_index(op.f(f"ix_content_drafts_{column}"), "content_drafts", [column])
    op.add_column("content_drafts", sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "draft_comments",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("draft_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["content_drafts.id"],
            name=op.f("fk_draft_comments_draft_id_content_drafts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_draft_comments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_draft_comments_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_comments")),
    )
    op.create_index("ix_draft_comments_draft_id_created_at", "draft_comments", ["draft_id", "created_at"])
    op.create_index(op.f("ix_draft_comments_workspace_id"), "draft_comments", ["workspace_id"])
    op.create_index(op.f("ix_draft_comments_author_id"), "draft_comments", ["author_id"])
    _touch_trigger("draft_comments")


def downgrade() -> None:
    op.drop_table("draft_comments")
    op.drop_column("content_drafts", "approved_at")
    for column in ("approved_by", "last_edited_by"):
        op.drop_index(op.f(f"ix_content_drafts_{column}"), table_name="content_drafts")
        op.drop_constraint(op.f(f"fk_content_drafts_{column}_users"), "content_drafts", type_="foreignkey")
        op.drop_column("content_drafts", column)
    op.drop_constraint(op.f("ck_content_drafts_approval"), "content_drafts", type_="check")
    op.drop_column("content_drafts", "approval")
    op.drop_index("ix_content_drafts_workspace_id_created_at", table_name="content_drafts")
    op.drop_index("ix_content_drafts_workspace_id_status", table_name="content_drafts")
    op.create_index("ix_content_drafts_user_id_status", "content_drafts", ["user_id", "status"])
    op.create_index("ix_content_drafts_user_id_created_at", "content_drafts", ["user_id", "created_at"])

    op.drop_index(op.f("ix_connected_accounts_user_id"), table_name="connected_accounts")
    op.drop_index(op.f("ix_posting_slots_user_id"), table_name="posting_slots")
    team = "workspace_id IN (SELECT id FROM workspaces WHERE personal_of IS NULL)"
    op.execute(f"DELETE FROM connected_accounts WHERE {team}")
    op.execute(f"DELETE FROM posting_slots WHERE {team}")
    op.drop_constraint(
        op.f("uq_posting_slots_workspace_id_platform_day_of_week_local_time"), "posting_slots", type_="unique"
    )
    op.create_unique_constraint(
        "uq_posting_slots_user_id_platform_day_of_week_local_time",
        "posting_slots",
        ["user_id", "platform", "day_of_week", "local_time"],
    )
    op.drop_constraint(
        op.f("uq_connected_accounts_workspace_id_platform"), "connected_accounts", type_="unique"
    )
    op.create_unique_constraint(
        "uq_connected_accounts_user_id_platform", "connected_accounts", ["user_id", "platform"]
    )
    for table in SCOPED:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_workspace ON {table}")
        op.drop_index(op.f(f"ix_{table}_workspace_id"), table_name=table)
        op.drop_constraint(op.f(f"fk_{table}_workspace_id_workspaces"), table, type_="foreignkey")
        op.drop_column(table, "workspace_id")
    op.execute("DROP FUNCTION IF EXISTS fill_personal_workspace()")
    op.execute("DROP FUNCTION IF EXISTS personal_workspace_of(uuid)")
    op.drop_table("activity_events")
    op.drop_table("workspace_invitations")
    op.drop_table("workspace_members")
    op.drop_table("workspaces")
