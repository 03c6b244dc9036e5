"""The request's workspace and the caller's rights there: `X-Workspace-Id` names it (a workspace the
caller is a member of; any other is a 404), and without the header the caller's personal workspace is
meant. Each endpoint asks for the right it needs; a member without it gets a 403.

Membership is read on every request, so a removed member's next request fails at once, whatever tokens
they still hold.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header
from pydantic import WithJsonSchema

from api.core.errors import Forbidden
from api.core.ownership import Right, Scope
from api.deps import CurrentUser, SessionDep
from api.workspaces import service

WorkspaceHeader = Annotated[
    uuid.UUID | None,
    Header(
        alias="X-Workspace-Id",
        description="The workspace to act in (one you are a member of); without it, your personal workspace.",
    ),
    # Absent or a workspace's id: a header has no null to send.
    WithJsonSchema({"type": "string", "format": "uuid"}),
]

_NEEDS = {
    Right.READ: "read this workspace",
    Right.WRITE: "write in this workspace (an editor's or owner's right)",
    Right.COMMENT: "comment in this workspace",
    Right.REVIEW: "approve or send back drafts (a reviewer's or owner's right)",
    Right.ADMIN: "manage this workspace (an owner's right)",
}


def _scope_with(right: Right):  # type: ignore[no-untyped-def]
    def resolve(user: CurrentUser, session: SessionDep, workspace_id: WorkspaceHeader = None) -> Scope:
        scope = service.scope_for(session, user.id, workspace_id)
        if not scope.can(right):
            raise Forbidden(f"Your role here is {scope.role}: it may not {_NEEDS[right]}.")
        return scope

    resolve.right = right  # type: ignore[attr-defined]  # what an operation needs, for the role tests
    return resolve


ReadScope = Annotated[Scope, Depends(_scope_with(Right.READ))]
WriteScope = Annotated[Scope, Depends(_scope_with(Right.WRITE))]
CommentScope = Annotated[Scope, Depends(_scope_with(Right.COMMENT))]
ReviewScope = Annotated[Scope, Depends(_scope_with(Right.REVIEW))]
AdminScope = Annotated[Scope, Depends(_scope_with(Right.ADMIN))]


def _path_scope_with(right: Right):  # type: ignore[no-untyped-def]
    def resolve(workspace_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Scope:
        scope = service.scope_for(session, user.id, workspace_id)
        if not scope.can(right):
            raise Forbidden(f"Your role here is {scope.role}: it may not {_NEEDS[right]}.")
        return scope

    resolve.right = right  # type: ignore[attr-defined]
    return resolve


# The workspace named in the path (`/api/workspaces/{workspace_id}/...`).
PathReadScope = Annotated[Scope, Depends(_path_scope_with(Right.READ))]
PathAdminScope = Annotated[Scope, Depends(_path_scope_with(Right.ADMIN))]
