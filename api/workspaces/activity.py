"""The activity log: one place that writes it (`record`) and reads it (`page`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.models import User
from api.core.pagination import paginate
from api.workspaces.models import ActivityEvent


def record(
    session: Session,
    workspace_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | None,
    **detail: Any,
) -> None:
    """Note that `actor_id` (None: the system) did `action` to the subject, in the caller's transaction."""
    session.add(
        ActivityEvent(
            workspace_id=workspace_id,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail={key: value for key, value in detail.items() if value is not None},
        )
    )


def page(
    session: Session,
    workspace_id: uuid.UUID,
    *,
    subject_id: uuid.UUID | None = None,
    since: datetime | None = None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[ActivityEvent, str | None]], int]:
    """The workspace's events, newest first, each with its actor's name (also once they have left; None
    for the system or a deleted account)."""
    query = select(ActivityEvent).where(ActivityEvent.workspace_id == workspace_id)
    if subject_id is not None:
        query = query.where(ActivityEvent.subject_id == subject_id)
    if since is not None:
        query = query.where(ActivityEvent.created_at >= since)
    events, total = paginate(
        session, query, (ActivityEvent.created_at.desc(), ActivityEvent.id.desc()), limit, offset
    )
    actors = {event.actor_id for event in events if event.actor_id is not None}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(actors))).tuples().all())
    return [(event, names.get(event.actor_id) if event.actor_id else None) for event in events], total
