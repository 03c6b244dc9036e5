"""Workspaces and membership: the caller's scope, personal workspaces, members, roles and invitations."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.auth.models import User
from api.core import mail
from api.core.config import Settings
from api.core.errors import Conflict, Forbidden, NotFound
from api.core.ownership import Right, Scope
from api.workspaces import activity
from api.workspaces.models import Workspace, WorkspaceInvitation, WorkspaceMember


def personal_workspace_id(session: Session, user_id: uuid.UUID) -> uuid.UUID:
    """The user's personal workspace, made on first need (an account made before workspaces existed has
    one from the migration; a new one gets it here)."""
    found = session.scalar(select(Workspace.id).where(Workspace.personal_of == user_id))
    if found is not None:
        return found
    workspace_id = session.scalar(
        insert(Workspace)
        .values(name="Personal", personal_of=user_id)
        .on_conflict_do_nothing(index_elements=["personal_of"])
        .returning(Workspace.id)
    )
    if workspace_id is None:  # made by a concurrent request a moment ago
        workspace_id = session.scalar(select(Workspace.id).where(Workspace.personal_of == user_id))
    assert workspace_id is not None
    session.execute(
        insert(WorkspaceMember)
        .values(workspace_id=workspace_id, user_id=user_id, role="owner")
        .on_conflict_do_nothing()
    )
    return workspace_id


def scope_for(session: Session, user_id: uuid.UUID, workspace_id: uuid.UUID | None) -> Scope:
    """The caller's scope in `workspace_id` (their personal workspace if None); a 404 if they are not a
    member of it."""
    if workspace_id is None:
        workspace_id = personal_workspace_id(session, user_id)
    role = role_of(session, workspace_id, user_id)
    if role is None:
        raise NotFound(f"No workspace {workspace_id}.")
    return Scope(user_id=user_id, workspace_id=workspace_id, role=role)


def role_of(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    """The member's role, or None for someone who is not a member."""
    return session.scalar(
        select(WorkspaceMember.role).where(
            WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.user_id == user_id
        )
    )


def is_member(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return role_of(session, workspace_id, user_id) is not None


# ---- workspaces ------------------------------------------------------------------------------------------

MAX_WORKSPACES_PER_USER = 50
MAX_MEMBERS = 200
MAX_PENDING_INVITATIONS = 50
INVITATION_TTL = timedelta(days=7)


def mine(session: Session, user_id: uuid.UUID) -> list[tuple[Workspace, str]]:
    """The caller's workspaces with their role in each, the personal one first."""
    personal_workspace_id(session, user_id)
    rows = session.execute(
        select(Workspace, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
        .where(WorkspaceMember.user_id == user_id)
        .order_by(Workspace.personal_of.is_(None), Workspace.name, Workspace.id)
    ).all()
    return [(workspace, role) for workspace, role in rows]


def create(session: Session, user_id: uuid.UUID, name: str) -> Workspace:
    """A team workspace with the caller as its owner."""
    count = session.scalar(select(func.count()).where(WorkspaceMember.user_id == user_id)) or 0
    if count >= MAX_WORKSPACES_PER_USER:
        raise Conflict(f"You are in {count} workspaces, the most one person may be in; leave one first.")
    workspace = Workspace(name=name)
    session.add(workspace)
    session.flush()
    session.add(WorkspaceMember(workspace_id=workspace.id, user_id=user_id, role="owner"))
    activity.record(session, workspace.id, user_id, "created", "workspace", workspace.id, name=name)
    session.flush()
    return workspace


def get(session: Session, scope: Scope) -> Workspace:
    workspace = session.get(Workspace, scope.workspace_id)
    if workspace is None:
        raise NotFound(f"No workspace {scope.workspace_id}.")
    return workspace


def update_settings(session: Session, scope: Scope, changes: dict[str, Any]) -> Workspace:
    workspace = get(session, scope)
    for field, value in changes.items():
        setattr(workspace, field, value)
    activity.record(
        session,
        workspace.id,
        scope.user_id,
        "settings_changed",
        "workspace",
        workspace.id,
        fields=sorted(changes),
    )
    session.flush()
    return workspace


def delete_workspace(session: Session, scope: Scope) -> None:
    """A team workspace and everything in it (drafts, schedules, accounts, webhooks, media)."""
    workspace = get(session, scope)
    if workspace.personal_of is not None:
        raise Conflict("A personal workspace is deleted with its account (DELETE /api/users/me).")
    session.delete(workspace)
    session.flush()


# ---- members ---------------------------------------------------------------------------------------------


def members(session: Session, scope: Scope) -> list[tuple[WorkspaceMember, User]]:
    rows = session.execute(
        select(WorkspaceMember, User)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == scope.workspace_id)
        .order_by(WorkspaceMember.created_at, User.id)
    ).all()
    return [(member, user) for member, user in rows]


def _member(session: Session, scope: Scope, user_id: uuid.UUID) -> WorkspaceMember:
    member = session.get(WorkspaceMember, (scope.workspace_id, user_id), with_for_update=True)
    if member is None:
        raise NotFound(f"No member {user_id} in this workspace.")
    return member


def _owners(session: Session, workspace_id: uuid.UUID) -> int:
    # Locked, so two owners demoting each other at once cannot leave none.
    rows = session.scalars(
        select(WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == workspace_id, WorkspaceMember.role == "owner")
        .with_for_update()
    ).all()
    return len(rows)


def change_role(session: Session, scope: Scope, user_id: uuid.UUID, role: str) -> WorkspaceMember:
    _not_personal(session, scope)
    member = _member(session, scope, user_id)
    if member.role == "owner" and role != "owner" and _owners(session, scope.workspace_id) <= 1:
        raise Conflict("The last owner cannot be demoted: make another member an owner first.")
    before, member.role = member.role, role
    activity.record(
        session,
        scope.workspace_id,
        scope.user_id,
        "role_changed",
        "member",
        user_id,
        before=before,
        after=role,
    )
    session.flush()
    return member


def remove_member(session: Session, scope: Scope, user_id: uuid.UUID) -> None:
    """Remove a member (an owner) or leave (anyone, for themselves). Their access ends with this request:
    membership is read on every request, whatever tokens they hold."""
    if user_id != scope.user_id and not scope.can(Right.ADMIN):
        raise Forbidden(f"Your role here is {scope.role}: only owners remove other members.")
    _not_personal(session, scope)
    member = _member(session, scope, user_id)
    if member.role == "owner" and _owners(session, scope.workspace_id) <= 1:
        raise Conflict("The last owner cannot leave: make another member an owner, or delete the workspace.")
    session.delete(member)
    action = "left" if user_id == scope.user_id else "removed"
    activity.record(session, scope.workspace_id, scope.user_id, action, "member", user_id)
    session.flush()


def _not_personal(session: Session, scope: Scope) -> Workspace:
    workspace = get(session, scope)
    if workspace.personal_of is not None:
        raise Conflict("A personal workspace has one member; create a team workspace to work with others.")
    return workspace


# ---- invitations -----------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(session: Session, scope: Scope, email: str, role: str, settings: Settings) -> WorkspaceInvitation:
    """Invite someone by e-mail: a single-use link (a 256-bit random token; only its SHA-256 is stored)
    that expires after 7 days. Inviting the same address again replaces the earlier invitation."""
    workspace = _not_personal(session, scope)
    count = (
        session.scalar(select(func.count()).where(WorkspaceMember.workspace_id == scope.workspace_id)) or 0
    )
    if count >= MAX_MEMBERS:
        raise Conflict(f"This workspace has {count} members, the most it may have.")
    already = session.scalar(
        select(WorkspaceMember.user_id)
        .join(User, User.id == WorkspaceMember.user_id)
        .where(WorkspaceMember.workspace_id == scope.workspace_id, func.lower(User.email) == email.lower())
    )
    if already is not None:
        raise Conflict(f"{email} is already a member of this workspace.")
    now = datetime.now(UTC)
    session.execute(
        update(WorkspaceInvitation)
        .where(
            WorkspaceInvitation.workspace_id == scope.workspace_id,
            func.lower(WorkspaceInvitation.email) == email.lower(),
            WorkspaceInvitation.accepted_at.is_(None),
            WorkspaceInvitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    pending = len(invitations(session, scope))
    if pending >= MAX_PENDING_INVITATIONS:
        # Invitations are e-mails to any address: a bounded number waits at once.
        raise Conflict(f"This workspace has {pending} invitations waiting; withdraw some first.")
    token = secrets.token_urlsafe(32)
    invitation = WorkspaceInvitation(
        workspace_id=scope.workspace_id,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by=scope.user_id,
        expires_at=now + INVITATION_TTL,
    )
    session.add(invitation)
    session.flush()
    inviter = session.get(User, scope.user_id)
    link = f"{settings.public_base_url.rstrip('/')}/invitations/accept?token={token}"
    mail.send(
        settings,
        email,
        f"Join {workspace.name} on Postwright",
        f"Hello,\n\n{inviter.name if inviter else 'A member'} invites you to the Postwright workspace "
        f'"{workspace.name}" as {role}.\n\nAccept: {link}\n(sign in or register with this address, '
        f"{email}). The link works once, for 7 days.\n\nToken: {token}\n\n"
        "If you did not expect this, ignore it.\n",
    )
    activity.record(
        session, scope.workspace_id, scope.user_id, "invited", "invitation", invitation.id, role=role
    )
    return invitation


def invitations(session: Session, scope: Scope) -> list[WorkspaceInvitation]:
    """Pending invitations (neither accepted, revoked nor expired), newest first."""
    return list(
        session.scalars(
            select(WorkspaceInvitation)
            .where(
                WorkspaceInvitation.workspace_id == scope.workspace_id,
                WorkspaceInvitation.accepted_at.is_(None),
                WorkspaceInvitation.revoked_at.is_(None),
                WorkspaceInvitation.expires_at > datetime.now(UTC),
            )
            .order_by(WorkspaceInvitation.created_at.desc())
        )
    )


def revoke(session: Session, scope: Scope, invitation_id: uuid.UUID) -> None:
    invitation = session.get(WorkspaceInvitation, invitation_id)
    if invitation is None or invitation.workspace_id != scope.workspace_id:
        raise NotFound(f"No invitation {invitation_id}.")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = datetime.now(UTC)
        activity.record(
            session, scope.workspace_id, scope.user_id, "invitation_revoked", "invitation", invitation.id
        )
    session.flush()


def _pending(session: Session, token: str) -> WorkspaceInvitation:
    invitation = session.scalar(
        select(WorkspaceInvitation).where(WorkspaceInvitation.token_hash == _hash(token)).with_for_update()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise NotFound("No such invitation: the link is wrong or was withdrawn.")
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already used.")
    if invitation.expires_at <= datetime.now(UTC):
        raise Conflict("This invitation has expired; ask for a new one.")
    return invitation


def preview(session: Session, token: str) -> tuple[WorkspaceInvitation, Workspace]:
    """What an invitation offers, without using it (a mail scanner following the link accepts nothing)."""
    invitation = _pending(session, token)
    workspace = session.get(Workspace, invitation.workspace_id)
    assert workspace is not None
    return invitation, workspace


def accept(session: Session, user: User, token: str) -> tuple[Workspace, str]:
    """Join with the invitation's role. It is the invited address's: someone signed in with another
    address gets a 403 and the invitation stays unused."""
    invitation = _pending(session, token)
    if user.email.lower() != invitation.email.lower():
        raise Forbidden(f"This invitation is for {invitation.email}; sign in with that address to accept it.")
    workspace = session.get(Workspace, invitation.workspace_id)
    assert workspace is not None
    invitation.accepted_at, invitation.accepted_by = datetime.now(UTC), user.id
    session.execute(
        insert(WorkspaceMember)
        .values(workspace_id=workspace.id, user_id=user.id, role=invitation.role)
        .on_conflict_do_nothing()
    )
    activity.record(session, workspace.id, user.id, "joined", "member", user.id, role=invitation.role)
    session.flush()
    role = role_of(session, workspace.id, user.id)
    assert role is not None
    return workspace, role
