"""Recurring schedules draft their own posts: each due slot exactly once, even with overlapping runs.

A slot is claimed by locking its schedule row (`FOR UPDATE SKIP LOCKED`, so concurrent runs take different
schedules) and inserting its `(schedule_id, slot_at)` row, the unique key of a drafted slot. Generating, the
draft, the slot row and the advance of `next_generation` commit together: a run that dies before the commit
leaves nothing behind and the slot is drafted by the next run; one that committed never drafts it again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from api.core.db import session_scope
from api.core.errors import AppError, ServiceUnavailable
from api.generation import service as generation_service
from api.generation.schemas import GenerateIn
from api.schedules.models import RecurringSchedule, ScheduleSlot
from api.schedules.recurrence import advance_after_run
from api.templates.models import ContentTemplate
from api.users.models import User

logger = logging.getLogger("postwright.schedules")

MAX_FAILURES = 5
BACKOFF_SECONDS = (1.0, 2.0, 4.0)  # waits between the tries of one slot when the LLM is unavailable


@dataclass(frozen=True)
class SlotOutcome:
    schedule_id: uuid.UUID
    status: str  # drafted | skipped (claimed by another run, or no longer due) | failed
    slot_at: datetime | None = None
    draft_id: uuid.UUID | None = None
    error: str | None = None


def _due(now: datetime) -> list[object]:
    return [
        RecurringSchedule.active.is_(True),
        RecurringSchedule.next_generation <= now,
        RecurringSchedule.failure_count < MAX_FAILURES,
    ]


def due_schedule_ids(now: datetime, limit: int = 1000) -> list[uuid.UUID]:
    """Candidates, soonest first; each is claimed (or skipped) separately by `draft_slot`."""
    with session_scope() as session:
        rows = session.scalars(
            select(RecurringSchedule.id)
            .where(*_due(now))  # type: ignore[arg-type]
            .order_by(RecurringSchedule.next_generation)
            .limit(limit)
        )
        return list(rows)


def _topic(schedule: RecurringSchedule, drafted: int) -> str:
    """The schedule's topics in turn; its name when it has none."""
    if schedule.topics:
        return schedule.topics[drafted % len(schedule.topics)]
    return schedule.name


def draft_slot(
    schedule_id: uuid.UUID,
    now: datetime | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> SlotOutcome:
    """Draft the schedule's due slot in one transaction, or skip it if another run holds or drafted it."""
    now = now or datetime.now(UTC)
    try:
        with session_scope() as session:
            schedule = session.scalar(
                select(RecurringSchedule)
                .where(RecurringSchedule.id == schedule_id, *_due(now))  # type: ignore[arg-type]
                .with_for_update(skip_locked=True)
            )
            if schedule is None or schedule.next_generation is None:
                return SlotOutcome(schedule_id, "skipped")
            slot_at = schedule.next_generation
            slot_id = session.scalar(
                insert(ScheduleSlot)
                .values(schedule_id=schedule.id, slot_at=slot_at)
                .on_conflict_do_nothing(index_elements=[ScheduleSlot.schedule_id, ScheduleSlot.slot_at])
                .returning(ScheduleSlot.id)
            )
            if slot_id is None:  # drafted and committed before: only move on
                advance_after_run(schedule, now)
                return SlotOutcome(schedule_id, "skipped", slot_at)
            drafted = session.scalar(
                select(func.count()).select_from(ScheduleSlot).where(ScheduleSlot.schedule_id == schedule.id)
            )
            user = session.get(User, schedule.user_id)
            if user is None:
                return SlotOutcome(schedule_id, "skipped")
            template = session.get(ContentTemplate, schedule.template_id) if schedule.template_id else None
            body = GenerateIn(
                platform=schedule.platform,
                topic=_topic(schedule, int(drafted or 1) - 1),
                content_type=schedule.content_type,
                variants=1,
                template_id=template.id if template is not None else None,
            )
            draft = None
            for attempt, wait in enumerate((*BACKOFF_SECONDS, None), start=1):
                try:
                    with session.begin_nested():  # a failed try leaves nothing in the transaction
                        [draft, *_] = generation_service.generate(session, user, body)
                    break
                except ServiceUnavailable:
                    if wait is None:
                        raise
                    logger.info(
                        "slot generation retries", extra={"schedule_id": str(schedule_id), "try": attempt}
                    )
                    sleep(wait)
            assert draft is not None
            session.execute(update(ScheduleSlot).where(ScheduleSlot.id == slot_id).values(draft_id=draft.id))
            advance_after_run(schedule, now)
            schedule.failure_count, schedule.last_error = 0, None
            return SlotOutcome(schedule_id, "drafted", slot_at, draft.id)
    except AppError as error:
        message = str(error.detail)
        with session_scope() as session:
            session.execute(
                update(RecurringSchedule)
                .where(RecurringSchedule.id == schedule_id)
                .values(failure_count=RecurringSchedule.failure_count + 1, last_error=message[:2000])
            )
        logger.warning("slot generation failed", extra={"schedule_id": str(schedule_id), "error": message})
        return SlotOutcome(schedule_id, "failed", error=message)


def run_pass(
    now: datetime | None = None, limit: int = 1000, sleep: Callable[[float], None] = time.sleep
) -> dict[str, int]:
    """Draft every due slot once; counts by outcome."""
    now = now or datetime.now(UTC)
    counts = {"drafted": 0, "skipped": 0, "failed": 0}
    for schedule_id in due_schedule_ids(now, limit):
        counts[draft_slot(schedule_id, now, sleep=sleep).status] += 1
    return counts
