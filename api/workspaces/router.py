"""/api/workspaces: your workspaces, their members and roles, invitations and the activity log;
/api/invitations: look at and accept an invitation."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    responses,
)
from api.core.pagination import MAX_OFFSET
from api.core.types import IsoDateTime
from api.deps import CurrentUser, SessionDep, SettingsDep
from api.workspaces import activity, service
from api.workspaces.deps import PathAdminScope, PathReadScope
from api.workspaces.models import Workspace
from api.workspaces.schemas import (
    ActivityOut,
    ActivityPage,
    InvitationIn,
    InvitationList,
    InvitationOut,
    InvitationPreview,
    InvitationToken,
    Joined,
    MemberList,
    MemberOut,
    RoleChange,
    WorkspaceIn,
    WorkspaceList,
    WorkspaceOut,
    WorkspaceUpdate,
)

router = APIRouter(tags=["workspaces"], responses=responses(Unauthorized))
ONE = "/api/workspaces/{workspace_id}"


def _out(workspace: Workspace, role: str) -> WorkspaceOut:
    return WorkspaceOut.model_validate(
        {
            "id": workspace.id,
            "name": workspace.name,
            "personal": workspace.personal_of is not None,
            "role": role,
            "needs_approval": workspace.needs_approval,
            "approval_rule": workspace.approval_rule,
            "brand_colors": workspace.brand_colors,
            "created_at": workspace.created_at,
        }
    )


@router.get("/api/workspaces", response_model=WorkspaceList)
def list_workspaces(user: CurrentUser, session: SessionDep) -> WorkspaceList:
    """The workspaces you belong to and your role in each, your personal one first. Send a workspace's id
    as `X-Workspace-Id` to act in it."""
    return WorkspaceList(items=[_out(w, role) for w, role in service.mine(session, user.id)])


@router.post(
    "/api/workspaces",
    response_model=WorkspaceOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(Conflict, Unprocessable),
)
def create_workspace(body: WorkspaceIn, user: CurrentUser, session: SessionDep) -> WorkspaceOut:
    """A team workspace, with you as its owner."""
    workspace = service.create(session, user.id, body.name)
    session.refresh(workspace)
    return _out(workspace, "owner")


@router.get(ONE, response_model=WorkspaceOut, responses=responses(NotFound))
def get_workspace(scope: PathReadScope, session: SessionDep) -> WorkspaceOut:
    """One of your workspaces (any other is a 404)."""
    return _out(service.get(session, scope), scope.role)


@router.patch(ONE, response_model=WorkspaceOut, responses=responses(Forbidden, NotFound, Unprocessable))
def update_workspace(body: WorkspaceUpdate, scope: PathAdminScope, session: SessionDep) -> WorkspaceOut:
    """Name, approval setting and rule, brand colours (owners)."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    workspace = service.update_settings(session, scope, changes)
    return _out(workspace, scope.role)


@router.delete(
    ONE, status_code=status.HTTP_204_NO_CONTENT, responses=responses(Forbidden, NotFound, Conflict)
)
def delete_workspace(scope: PathAdminScope, session: SessionDep) -> Response:
    """Delete a team workspace and everything in it (owners). A personal workspace goes with its account."""
    service.delete_workspace(session, scope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(ONE + "/members", response_model=MemberList, responses=responses(NotFound))
def list_members(scope: PathReadScope, session: SessionDep) -> MemberList:
    """Who is in the workspace, with their roles."""
    return MemberList(
        items=[
            MemberOut(user_id=u.id, name=u.name, email=u.email, role=m.role, joined_at=m.created_at)  # type: ignore[arg-type]
            for m, u in service.members(session, scope)
        ]
    )


@router.patch(
    ONE + "/members/{user_id}",
    response_model=MemberOut,
    responses=responses(Forbidden, NotFound, Conflict, Unprocessable),
)
def change_role(
    user_id: uuid.UUID, body: RoleChange, scope: PathAdminScope, session: SessionDep
) -> MemberOut:
    """Give a member another role (owners). The last owner cannot be demoted (409)."""
    member = service.change_role(session, scope, user_id, body.role)
    user = next(u for m, u in service.members(session, scope) if m.user_id == member.user_id)
    return MemberOut(
        user_id=user.id, name=user.name, email=user.email, role=body.role, joined_at=member.created_at
    )


@router.delete(
    ONE + "/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(Forbidden, NotFound, Conflict),
)
def remove_member(user_id: uuid.UUID, scope: PathReadScope, session: SessionDep) -> Response:
    """Remove a member (owners), or leave (your own id). Their next request in this workspace is a 404,
    whatever tokens they hold. The last owner cannot leave (409)."""
    service.remove_member(session, scope, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(ONE + "/invitations", response_model=InvitationList, responses=responses(Forbidden, NotFound))
def list_invitations(scope: PathAdminScope, session: SessionDep) -> InvitationList:
    """Pending invitations (owners)."""
    return InvitationList(
        items=[InvitationOut.model_validate(i) for i in service.invitations(session, scope)]
    )


@router.post(
    ONE + "/invitations",
    response_model=InvitationOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(Forbidden, NotFound, Conflict, Unprocessable, ServiceUnavailable),
)
def invite(
    body: InvitationIn, scope: PathAdminScope, session: SessionDep, settings: SettingsDep
) -> InvitationOut:
    """Invite someone by e-mail with a role (owners): the link works once, for 7 days, for that address."""
    return InvitationOut.model_validate(service.invite(session, scope, str(body.email), body.role, settings))


@router.delete(
    ONE + "/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(Forbidden, NotFound),
)
def revoke_invitation(invitation_id: uuid.UUID, scope: PathAdminScope, session: SessionDep) -> Response:
    """Withdraw an invitation (owners); its link stops working."""
    service.revoke(session, scope, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(ONE + "/activity", response_model=ActivityPage, responses=responses(NotFound, Unprocessable))
def list_activity(
    scope: PathReadScope,
    session: SessionDep,
    subject_id: uuid.UUID | None = None,
    since: Annotated[IsoDateTime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ActivityPage:
    """Who created, edited, submitted, approved, scheduled and published what, and when; newest first.
    `subject_id` narrows it to one draft (or member, account...)."""
    rows, total = activity.page(
        session, scope.workspace_id, subject_id=subject_id, since=since, limit=limit, offset=offset
    )
    items = [
        ActivityOut.model_validate(event).model_copy(update={"actor_name": name}) for event, name in rows
    ]
    return ActivityPage(items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/api/invitations/preview",
    response_model=InvitationPreview,
    responses=responses(NotFound, Conflict, Unprocessable),
)
def preview_invitation(body: InvitationToken, _: CurrentUser, session: SessionDep) -> InvitationPreview:
    """What an invitation offers, without using it."""
    invitation, workspace = service.preview(session, body.token)
    return InvitationPreview(
        workspace_name=workspace.name,
        role=invitation.role,  # type: ignore[arg-type]
        email=invitation.email,
        expires_at=invitation.expires_at,
    )


@router.post(
    "/api/invitations/accept",
    response_model=Joined,
    responses=responses(Forbidden, NotFound, Conflict, Unprocessable),
)
def accept_invitation(body: InvitationToken, user: CurrentUser, session: SessionDep) -> Joined:
    """Join the workspace with the invitation's role. Only the invited address may accept (403 for
    another); a used, withdrawn or expired link is a 404 or 409."""
    workspace, role = service.accept(session, user, body.token)
    return Joined(workspace=_out(workspace, role))
