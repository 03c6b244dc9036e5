"""Recurring schedules: create, change, pause and resume, with next_generation always recomputed here.

The generation flow (its own domain) claims due schedules and calls `advance_after_run` from
`api.schedules.recurrence` after each run; this module keeps next_generation right when the user edits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from api.core.errors import NotFound, Unprocessable
from api.core.ownership import Scope, get_owned, owned_rows
from api.core.pagination import paginate
from api.schedules.models import RecurringSchedule
from api.schedules.recurrence import recompute, recurrence_of
from api.schedules.schemas import RecurringCreate, RecurringUpdate
from api.templates.models import ContentTemplate

# Changing any of these moves the next firing.
_TIMING_FIELDS = frozenset({"frequency", "day_of_week", "time_of_day", "timezone", "week_of_month", "active"})


def get_owned_schedule(session: Session, scope: Scope, schedule_id: uuid.UUID) -> RecurringSchedule:
    """The workspace's recurring schedule, or 404 (also for another workspace's)."""
    return get_owned(session, RecurringSchedule, scope, schedule_id, "recurring schedule")


def schedules_query(
    scope: Scope, *, active: bool | None = None, platform: str | None = None
) -> Select[RecurringSchedule]:
    query = owned_rows(RecurringSchedule, scope)
    if active is not None:
        query = query.where(RecurringSchedule.active.is_(active))
    if platform is not None:
        query = query.where(RecurringSchedule.platform == platform)
    return query


def page(
    session: Session, query: Select[RecurringSchedule], limit: int, offset: int
) -> tuple[list[RecurringSchedule], int]:
    """One page, soonest next firing first (paused ones last), and the total."""
    order = (RecurringSchedule.next_generation.asc().nulls_last(), RecurringSchedule.id)
    return paginate(session, query, order, limit, offset)


def create_schedule(
    session: Session,
    scope: Scope,
    user_timezone: str,
    body: RecurringCreate,
    *,
    now: datetime | None = None,
) -> RecurringSchedule:
    """A new schedule in the given zone (the user's by default), its first firing computed."""
    _check_template(session, body.template_id)
    schedule = RecurringSchedule(
        workspace_id=scope.workspace_id,
        user_id=scope.user_id,
        name=body.name,
        platform=body.platform,
        content_type=body.content_type,
        frequency=body.frequency,
        day_of_week=body.day_of_week,
        time_of_day=body.time_of_day,
        timezone=body.timezone or user_timezone,
        week_of_month=body.week_of_month,
        active=body.active,
        topics=list(body.topics),
        template_id=body.template_id,
    )
    _recompute(schedule, now)
    session.add(schedule)
    session.flush()
    return schedule


def update_schedule(
    session: Session,
    scope: Scope,
    schedule_id: uuid.UUID,
    body: RecurringUpdate,
    *,
    now: datetime | None = None,
) -> RecurringSchedule:
    """Apply the fields sent; a change of timing, zone or `active` recomputes next_generation."""
    schedule = get_owned_schedule(session, scope, schedule_id)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    _check_template(session, changes.get("template_id"))
    for name in (
        "name",
        "platform",
        "frequency",
        "day_of_week",
        "time_of_day",
        "timezone",
        "active",
        "topics",
    ):
        if name in changes and changes[name] is None:
            raise Unprocessable(f"{name} cannot be null.")
    for name, value in changes.items():
        setattr(schedule, name, value)
    # An edit is the user's answer to a failing schedule: it is claimed again.
    schedule.failure_count, schedule.last_error = 0, None
    if schedule.frequency != "monthly":
        if changes.get("week_of_month") is not None:
            raise Unprocessable("week_of_month applies to monthly schedules only.")
        schedule.week_of_month = None
    if _TIMING_FIELDS & changes.keys():
        _recompute(schedule, now)
    session.flush()
    return schedule


def delete_schedule(session: Session, scope: Scope, schedule_id: uuid.UUID) -> None:
    session.delete(get_owned_schedule(session, scope, schedule_id))
    session.flush()


def _recompute(schedule: RecurringSchedule, now: datetime | None) -> None:
    try:
        recurrence_of(schedule)  # validates the combination before computing
        recompute(schedule, now or datetime.now(UTC))
    except ValueError as exc:
        raise Unprocessable(str(exc)) from exc


def _check_template(session: Session, template_id: uuid.UUID | None) -> None:
    """404 naming the field when a schedule names a template that does not exist."""
    if template_id is not None and session.get(ContentTemplate, template_id) is None:
        raise NotFound(f"template_id: no template {template_id}.")
