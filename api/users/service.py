"""Profile changes, onboarding, export and erasure."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic_core import to_json
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.models import User
from api.auth.schemas import UserOut
from api.content.models import ContentDraft, DraftComment
from api.core import mail
from api.core.config import Settings
from api.core.errors import Conflict, Forbidden, Unprocessable
from api.core.ratelimit import RateLimiter
from api.core.security import hash_password, verify_password
from api.db.base import Base
from api.history.models import UserPost
from api.schedules.models import RecurringSchedule
from api.users.schemas import OnboardingIn, ProfileUpdate
from api.voice.models import ToneAnalysis
from api.workspaces import activity
from api.workspaces.models import ActivityEvent, Workspace, WorkspaceMember

_SENSITIVE_FIELDS = {"email", "new_password"}


EMAIL_CHANGE_TTL = timedelta(hours=24)


def _password_matches(user: User, password: str, settings: Settings, limiter: RateLimiter) -> bool:
    """Check the user's password, at most a few wrong tries a minute (then 429 with Retry-After)."""
    limiter.check(settings.rate_limit_password_checks, "password_check", str(user.id))
    valid, _ = verify_password(password, user.password_hash)
    if not valid:
        limiter.record(settings.rate_limit_password_checks, "password_check", str(user.id))
    return valid


def _require_current_password(
    user: User, current_password: str | None, reason: str, settings: Settings, limiter: RateLimiter
) -> None:
    if not current_password:
        raise Unprocessable(
            [{"loc": ["body", "current_password"], "msg": f"current_password is required to {reason}"}]
        )
    if not _password_matches(user, current_password, settings, limiter):
        # 401 would make clients drop a perfectly valid session; the password is just wrong.
        raise Unprocessable([{"loc": ["body", "current_password"], "msg": "current_password is incorrect"}])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _request_email_change(
    session: Session, settings: Settings, user: User, new_email: str, limiter: RateLimiter
) -> None:
    """Keep the new address pending and send it a confirmation link. An address that belongs to another
    account gets nothing, and the answer is the same either way: nobody learns who has an account."""
    if new_email == user.email.lower():
        user.pending_email = user.email_change_token_hash = user.email_change_expires_at = None
        return
    limiter.hit(settings.rate_limit_email_changes, "email_change", str(user.id))
    token = secrets.token_urlsafe(32)
    user.pending_email = new_email
    user.email_change_token_hash = _token_hash(token)
    user.email_change_expires_at = datetime.now(UTC) + EMAIL_CHANGE_TTL
    existing = auth_service.get_user_by_email(session, new_email)
    if existing is None:
        link = f"{settings.public_base_url.rstrip('/')}/confirm-email?token={token}"
        mail.send(
            settings,
            new_email,
            "Confirm your new Postwright e-mail address",
            f"Hello {user.name},\n\nconfirm that {new_email} is your new Postwright address: {link}\n"
            f"(or POST the token to /api/users/email/confirm). The link works for 24 hours.\n\n"
            f"Token: {token}\n\nIf you did not ask for this, ignore this message.\n",
        )


def confirm_email_change(session: Session, token: str) -> User:
    """Make the pending address the account's e-mail, once, within 24 hours."""
    user = session.scalar(
        select(User)
        .where(
            User.email_change_token_hash == _token_hash(token),
            User.email_change_expires_at > datetime.now(UTC),
        )
        .with_for_update()
    )
    if user is None or user.pending_email is None:
        raise Forbidden(
            "This confirmation link is invalid, already used or expired; change the e-mail again."
        )
    existing = auth_service.get_user_by_email(session, user.pending_email)
    if existing is not None and existing.id != user.id:
        raise Conflict("That address now belongs to another account.")
    user.email = user.pending_email
    user.pending_email = user.email_change_token_hash = user.email_change_expires_at = None
    session.flush()
    return user


def update_profile(
    session: Session, settings: Settings, user: User, changes: ProfileUpdate, limiter: RateLimiter
) -> User:
    """Apply only the fields that were sent; email and password need the current password, and a new
    email only takes effect once its confirmation link is used."""
    sent = changes.model_dump(exclude_unset=True)
    current_password = sent.pop("current_password", None)
    if _SENSITIVE_FIELDS & sent.keys():
        _require_current_password(user, current_password, "change the email or password", settings, limiter)
    for field in ("name", "platforms", "goals", "timezone", "email"):
        if field in sent and sent[field] is None:
            raise Unprocessable([{"loc": ["body", field], "msg": f"{field} cannot be null"}])
    if "email" in sent:
        _request_email_change(
            session, settings, user, auth_service.normalise_email(sent.pop("email")), limiter
        )
    if "new_password" in sent:
        new_password = sent.pop("new_password")
        auth_service.validate_password(new_password, settings, user.email)
        user.password_hash = hash_password(new_password)
        # A changed password signs out every other session.
        auth_service.revoke_all_for_user(session, user.id)
    for field, value in sent.items():
        setattr(user, field, value)
    session.flush()
    return user


def onboard(session: Session, user: User, data: OnboardingIn) -> User:
    for field, value in data.model_dump().items():
        setattr(user, field, value)
    user.onboarded = True
    session.flush()
    return user


# Exported per row: everything but the owner column (and nothing secret: no table exported holds one).
# Drafts and schedules are those the person wrote, in any workspace; comments and activity theirs too.
_EXPORTED: tuple[tuple[str, Any, Any, str], ...] = (
    ("posts", UserPost, UserPost.posted_at, "user_id"),
    ("drafts", ContentDraft, ContentDraft.created_at, "user_id"),
    ("recurring_schedules", RecurringSchedule, RecurringSchedule.created_at, "user_id"),
    ("workspaces", WorkspaceMember, WorkspaceMember.created_at, "user_id"),
    ("comments", DraftComment, DraftComment.created_at, "author_id"),
    ("activity", ActivityEvent, ActivityEvent.created_at, "actor_id"),
)
EXPORT_BATCH = 1000


def _columns(model: Any, owner: str = "user_id") -> list[Any]:
    return [column for column in model.__table__.columns if column.key != owner]


def export_chunks(session: Session, user: User) -> Iterator[bytes]:
    """All the user's rows as one JSON document, produced piece by piece: rows are read through a
    server-side cursor in batches and written as they come, so memory stays flat however many there are."""
    profile = UserOut.model_validate(user).model_dump(mode="json")
    yield b'{"exported_at":' + to_json(datetime.now(UTC)) + b',"profile":' + to_json(profile)
    for name, model, order, owner in _EXPORTED:
        yield f',"{name}":['.encode()
        rows = session.execute(
            select(*_columns(model, owner))
            .where(getattr(model, owner) == user.id)
            .order_by(order, *model.__table__.primary_key.columns),
            execution_options={"yield_per": EXPORT_BATCH},
        ).mappings()
        for index, row in enumerate(rows):
            yield (b"," if index else b"") + to_json(dict(row))
        yield b"]"
    tone = (
        session.execute(select(*_columns(ToneAnalysis)).where(ToneAnalysis.user_id == user.id))
        .mappings()
        .first()
    )
    yield b',"tone_analysis":' + to_json(dict(tone) if tone is not None else None) + b"}"


def erase(session: Session, user: User, password: str, settings: Settings, limiter: RateLimiter) -> None:
    """Delete the account; foreign keys cascade to everything it owns."""
    if not _password_matches(user, password, settings, limiter):
        # A 422 at the field, as for the other password checks: a 401 would make clients drop a valid session.
        raise Unprocessable(
            [{"loc": ["body", "password"], "msg": "password is incorrect; the account was not deleted"}]
        )
    _leave_team_workspaces(session, user)
    session.execute(delete(User).where(User.id == user.id))
    session.expunge(user)


def _leave_team_workspaces(session: Session, user: User) -> None:
    """Before an account goes: a team workspace it alone is in goes with it; one it is the last owner of
    while others remain refuses (409: make someone an owner first); in any other, what it made (drafts,
    schedules, queue slots, accounts, webhooks, jobs) passes to an owner, so the team loses nothing."""
    memberships = session.execute(
        select(Workspace, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
        .where(WorkspaceMember.user_id == user.id, Workspace.personal_of.is_(None))
    ).all()
    scoped = [
        table
        for table in Base.metadata.tables.values()
        if {"workspace_id", "user_id"} <= set(table.c.keys()) and table.name != WorkspaceMember.__tablename__
    ]
    for workspace, _role in memberships:
        others = session.execute(
            select(WorkspaceMember.user_id, WorkspaceMember.role).where(
                WorkspaceMember.workspace_id == workspace.id, WorkspaceMember.user_id != user.id
            )
        ).all()
        if not others:
            session.delete(workspace)
            continue
        heirs = [member for member, role in others if role == "owner"]
        if not heirs:
            raise Conflict(
                f'You are the last owner of the workspace "{workspace.name}": make another member an owner, '
                "or delete the workspace, before deleting your account."
            )
        for table in scoped:
            session.execute(
                update(table)
                .where(table.c.workspace_id == workspace.id, table.c.user_id == user.id)
                .values(user_id=heirs[0])
            )
        activity.record(session, workspace.id, None, "account_deleted", "member", user.id, heir=str(heirs[0]))
    session.flush()
    session.expire_all()  # the rows moved by the bulk updates above are read afresh
