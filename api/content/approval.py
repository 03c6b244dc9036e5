"""Approvals and comments on drafts.

In a workspace whose posts need approval, a draft goes none -> submitted (an editor asks) -> approved or
changes_requested (a reviewer answers, with a comment when asking for changes). Editing the text, the
platform or the first comment of an approved draft sends it back to submitted. A draft is scheduled only
once approved, and the publisher holds any due post that lacks its approval (`hold_reason`).

Who may approve (the workspace's `approval_rule`): `any_reviewer`, any member with the review right;
`two_people`, such a member who is neither the draft's author nor its last editor.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.content.models import ContentDraft, DraftComment
from api.core.errors import Conflict, Forbidden
from api.core.ownership import Scope, get_owned
from api.core.pagination import paginate
from api.webhooks import service as webhooks
from api.workspaces import activity
from api.workspaces.models import Workspace


def needs_approval(session: Session, workspace_id: uuid.UUID) -> bool:
    return bool(session.scalar(select(Workspace.needs_approval).where(Workspace.id == workspace_id)))


def hold_reason(session: Session, draft: ContentDraft) -> str | None:
    """Why the publisher must not post this draft now, or None."""
    if draft.approval != "approved" and needs_approval(session, draft.workspace_id):
        return "Waiting for approval: this workspace's posts need a reviewer's approval before they go out."
    return None


def ensure_schedulable(session: Session, draft: ContentDraft) -> None:
    """409 when the workspace needs approval and the draft lacks it."""
    if draft.approval != "approved" and needs_approval(session, draft.workspace_id):
        state = {"none": "not submitted", "submitted": "waiting for review"}.get(draft.approval, "sent back")
        raise Conflict(
            f"This workspace's posts need approval before they are scheduled; this draft is {state}."
        )


def edited(draft: ContentDraft, editor_id: uuid.UUID) -> None:
    """The text changed: an approved draft goes back to review; the editor is noted."""
    draft.last_edited_by = editor_id
    if draft.approval == "approved":
        draft.approval, draft.approved_by, draft.approved_at = "submitted", None, None


def _draft(session: Session, scope: Scope, draft_id: uuid.UUID, version: int) -> ContentDraft:
    draft = get_owned(session, ContentDraft, scope, draft_id, "draft")
    if draft.version != version:
        raise Conflict(f"The draft changed since you read it (version {draft.version}, not {version}).")
    if draft.status == "published":
        raise Conflict("This post is already published.")
    return draft


def _event(
    session: Session, scope: Scope, draft: ContentDraft, action: str, comment: str | None = None
) -> None:
    activity.record(session, scope.workspace_id, scope.user_id, action, "draft", draft.id, comment=comment)
    webhooks.emit(
        session,
        scope.workspace_id,
        f"draft.{action}",
        {"draft_id": str(draft.id), "by": str(scope.user_id), "platform": draft.platform, "comment": comment},
    )


def submit(session: Session, scope: Scope, draft_id: uuid.UUID, version: int) -> ContentDraft:
    """none or changes_requested -> submitted."""
    draft = _draft(session, scope, draft_id, version)
    if draft.approval in ("submitted", "approved"):
        raise Conflict(f"This draft is already {draft.approval}.")
    draft.approval = "submitted"
    _event(session, scope, draft, "submitted")
    session.flush()
    return draft


def approve(session: Session, scope: Scope, draft_id: uuid.UUID, version: int) -> ContentDraft:
    """submitted -> approved, by a reviewer the workspace's rule allows."""
    draft = _draft(session, scope, draft_id, version)
    if draft.approval != "submitted":
        raise Conflict(f"Only a submitted draft can be approved; this one is {draft.approval}.")
    rule = session.scalar(select(Workspace.approval_rule).where(Workspace.id == scope.workspace_id))
    if rule == "two_people" and scope.user_id in (draft.user_id, draft.last_edited_by):
        raise Forbidden(
            "This workspace asks for two people: a draft is approved by someone who did not write it."
        )
    draft.approval, draft.approved_by, draft.approved_at = "approved", scope.user_id, datetime.now(UTC)
    # A due post held for its approval goes out on the publisher's next pass.
    if draft.status == "scheduled":
        draft.next_attempt_at, draft.last_error = None, None
    _event(session, scope, draft, "approved")
    session.flush()
    return draft


def request_changes(
    session: Session, scope: Scope, draft_id: uuid.UUID, version: int, comment: str
) -> ContentDraft:
    """submitted or approved -> changes_requested, with the reviewer's comment on the draft."""
    draft = _draft(session, scope, draft_id, version)
    if draft.approval not in ("submitted", "approved"):
        raise Conflict(
            f"Changes are requested on a submitted or approved draft; this one is {draft.approval}."
        )
    draft.approval, draft.approved_by, draft.approved_at = "changes_requested", None, None
    session.add(
        DraftComment(
            draft_id=draft.id, workspace_id=draft.workspace_id, author_id=scope.user_id, body=comment
        )
    )
    _event(session, scope, draft, "changes_requested", comment)
    session.flush()
    return draft


def add_comment(session: Session, scope: Scope, draft_id: uuid.UUID, body: str) -> DraftComment:
    draft = get_owned(session, ContentDraft, scope, draft_id, "draft")
    comment = DraftComment(
        draft_id=draft.id, workspace_id=draft.workspace_id, author_id=scope.user_id, body=body
    )
    session.add(comment)
    activity.record(session, scope.workspace_id, scope.user_id, "commented", "draft", draft.id)
    session.flush()
    return comment


def comments(
    session: Session, scope: Scope, draft_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[DraftComment], int]:
    """The draft's comments, oldest first (a conversation reads down)."""
    draft = get_owned(session, ContentDraft, scope, draft_id, "draft")
    query = select(DraftComment).where(DraftComment.draft_id == draft.id)
    return paginate(session, query, (DraftComment.created_at, DraftComment.id), limit, offset)
