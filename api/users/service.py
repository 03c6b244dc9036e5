"""Profile changes, onboarding, export and erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.content.models import ContentDraft
from api.core.config import Settings
from api.core.errors import Conflict, Unauthorized, Unprocessable
from api.core.security import hash_password, verify_password
from api.posts.models import UserPost
from api.schedules.models import RecurringSchedule
from api.users.models import User
from api.users.schemas import OnboardingIn, ProfileUpdate, UserExport, UserOut
from api.voice.models import ToneAnalysis

_SENSITIVE_FIELDS = {"email", "new_password"}


def _require_current_password(user: User, current_password: str | None, reason: str) -> None:
    if not current_password:
        raise Unprocessable(
            [{"loc": ["body", "current_password"], "msg": f"current_password is required to {reason}"}]
        )
    valid, _ = verify_password(current_password, user.password_hash)
    if not valid:
        # 401 would make clients drop a perfectly valid session; the password is just wrong.
        raise Unprocessable([{"loc": ["body", "current_password"], "msg": "current_password is incorrect"}])


def update_profile(session: Session, settings: Settings, user: User, changes: ProfileUpdate) -> User:
    """Apply only the fields that were sent; email and password need the current password."""
    sent = changes.model_dump(exclude_unset=True)
    current_password = sent.pop("current_password", None)
    if _SENSITIVE_FIELDS & sent.keys():
        _require_current_password(user, current_password, "change the email or password")
    for field in ("name", "platforms", "goals", "timezone"):
        if field in sent and sent[field] is None:
            raise Unprocessable([{"loc": ["body", field], "msg": f"{field} cannot be null"}])
    if "email" in sent:
        new_email = auth_service.normalise_email(sent.pop("email"))
        existing = auth_service.get_user_by_email(session, new_email)
        if existing is not None and existing.id != user.id:
            raise Conflict("An account with this email already exists.")
        user.email = new_email
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


def _row(obj: Any) -> dict[str, Any]:
    """A table row as a JSON-ready dict, without the owner column."""
    return {c.key: getattr(obj, c.key) for c in inspect(obj).mapper.column_attrs if c.key != "user_id"}


def export(session: Session, user: User) -> UserExport:
    """All the user's rows, table by table."""

    def rows(model: Any, order: Any) -> list[dict[str, Any]]:
        return [
            _row(r) for r in session.scalars(select(model).where(model.user_id == user.id).order_by(order))
        ]

    tone = session.scalar(select(ToneAnalysis).where(ToneAnalysis.user_id == user.id))
    return UserExport(
        exported_at=datetime.now(UTC),
        profile=UserOut.model_validate(user),
        posts=rows(UserPost, UserPost.posted_at),
        drafts=rows(ContentDraft, ContentDraft.created_at),
        recurring_schedules=rows(RecurringSchedule, RecurringSchedule.created_at),
        tone_analysis=_row(tone) if tone else None,
    )


def erase(session: Session, user: User, password: str) -> None:
    """Delete the account; foreign keys cascade to everything it owns."""
    valid, _ = verify_password(password, user.password_hash)
    if not valid:
        raise Unauthorized("Password is incorrect; the account was not deleted.")
    session.execute(delete(User).where(User.id == user.id))
    session.expunge(user)
