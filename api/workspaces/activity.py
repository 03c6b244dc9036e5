"""The activity log: one place that writes it (`record`) and reads it (`page`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
) -> tuple[list[ActivityEvent], int]:
    """The workspace's events, newest first."""
    query = select(ActivityEvent).where(ActivityEvent.workspace_id == workspace_id)
    if subject_id is not None:
        query = query.where(ActivityEvent.subject_id == subject_id)
    if since is not None:
        query = query.where(ActivityEvent.created_at >= since)
    return paginate(session, query, (ActivityEvent.created_at.desc(), ActivityEvent.id.desc()), limit, offset)
