"""Recurring schedules draft their own posts: each due slot exactly once, even with overlapping runs.

A due schedule is claimed on the job runner (`api.core.jobs`): its row locked with `SKIP LOCKED`, leased
and committed; the LLM writes with no transaction open; then, in one transaction, the slot's
`(schedule_id, slot_at)` row (the unique key of a drafted slot), its draft and the advance of
`next_generation` commit together. A run that fails gives the schedule back at once; one that dies leaves
it leased until `SLOT_LEASE` ends and the next run drafts the slot; a slot recorded once is never drafted
again (the insert does nothing and the schedule only moves on).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.auth.models import User
from api.core.db import session_scope
from api.core.errors import AppError, ServiceUnavailable
from api.core.jobs import Done, LeasedJob, fixed, utc_now
from api.core.ownership import Scope
from api.generation import service as generation_service
from api.generation.schemas import GenerateIn
from api.schedules.models import RecurringSchedule, ScheduleSlot
from api.schedules.recurrence import advance_after_run
from api.templates.models import ContentTemplate

logger = logging.getLogger("postwright.schedules")

MAX_FAILURES = 5
BACKOFF_SECONDS = (1.0, 2.0, 4.0)  # waits between the tries of one slot when the LLM is unavailable


# Three tries with backoff, each up to the LLM's timeout, on two busy cores: generous on purpose.
SLOT_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class SlotOutcome:
    schedule_id: uuid.UUID
    status: str  # drafted | skipped (claimed by another run, or no longer due) | failed
    error: str | None = None


def _due(now: datetime) -> list[object]:
    return [
        RecurringSchedule.active.is_(True),
        RecurringSchedule.next_generation <= now,
        RecurringSchedule.failure_count < MAX_FAILURES,
    ]


def due_schedule_ids(now: datetime, limit: int = 1000) -> list[uuid.UUID]:
    """Candidates, soonest first; each is claimed (or skipped) separately by `draft_slot`."""
    return _job(time.sleep).due_ids(now, limit)


def _topic(schedule: RecurringSchedule, drafted: int) -> str:
    """The schedule's topics in turn; its name when it has none."""
    if schedule.topics:
        return schedule.topics[drafted % len(schedule.topics)]
    return schedule.name


@dataclass(frozen=True)
class _Slot:
    schedule_id: uuid.UUID
    slot_at: datetime
    plan: generation_service.Plan


def _prepare(session: Session, schedule: RecurringSchedule, now: datetime) -> _Slot | Done:
    """In the claim's transaction: the slot and everything its generation reads."""
    if schedule.next_generation is None:
        return Done("skipped")
    slot_at = schedule.next_generation
    slots = select(func.count()).select_from(ScheduleSlot).where(ScheduleSlot.schedule_id == schedule.id)
    if session.scalar(slots.where(ScheduleSlot.slot_at == slot_at)):  # drafted and committed before
        advance_after_run(schedule, now)
        schedule.lease_until = None
        return Done("skipped")
    user = session.get(User, schedule.user_id)
    if user is None:
        return Done("skipped")
    template = session.get(ContentTemplate, schedule.template_id) if schedule.template_id else None
    body = GenerateIn.model_validate(
        {
            "platform": schedule.platform,
            "topic": _topic(schedule, int(session.scalar(slots) or 0)),
            "content_type": schedule.content_type,
            "variants": 1,
            "template_id": template.id if template is not None else None,
        }
    )
    scope = Scope(user_id=user.id, workspace_id=schedule.workspace_id, role="editor")
    plan = generation_service.prepare(session, scope, user, body)
    session.expunge(user)  # the plan keeps it, loaded, after the commit
    return _Slot(schedule.id, slot_at, plan)


def _compose(slot: _Slot, sleep: Callable[[float], None]) -> list[generation_service.Generated]:
    """No transaction open: the LLM writes, tried again with backoff while it is unavailable."""
    for attempt, wait in enumerate((*BACKOFF_SECONDS, None), start=1):
        try:
            return generation_service.compose(slot.plan)
        except ServiceUnavailable:
            if wait is None:
                raise
            logger.info(
                "slot generation retries", extra={"schedule_id": str(slot.schedule_id), "try": attempt}
            )
            sleep(wait)
    raise AssertionError("unreachable: the last try raises")


def _record(session: Session, slot: _Slot, items: list[generation_service.Generated], now: datetime) -> str:
    """The slot, its draft and the schedule's advance, in one transaction; nothing twice."""
    schedule = session.get(RecurringSchedule, slot.schedule_id, with_for_update=True)
    if schedule is None:  # deleted while the LLM wrote
        return "skipped"
    schedule.lease_until = None
    slot_id = session.scalar(
        insert(ScheduleSlot)
        .values(schedule_id=schedule.id, slot_at=slot.slot_at)
        .on_conflict_do_nothing(index_elements=[ScheduleSlot.schedule_id, ScheduleSlot.slot_at])
        .returning(ScheduleSlot.id)
    )
    if slot_id is None:  # another run, after this one's lease ran out, drafted it first
        advance_after_run(schedule, now)
        return "skipped"
    [draft, *_] = generation_service.store(session, slot.plan, items)
    generation_service.announce(session, schedule.workspace_id, slot.plan.body, [draft.id])
    session.execute(update(ScheduleSlot).where(ScheduleSlot.id == slot_id).values(draft_id=draft.id))
    advance_after_run(schedule, now)
    schedule.failure_count, schedule.last_error = 0, None
    return "drafted"


def _job(
    sleep: Callable[[float], None],
) -> LeasedJob[RecurringSchedule, _Slot, list[generation_service.Generated]]:
    return LeasedJob(
        name="generate-scheduled-content",
        table=RecurringSchedule,
        due=_due,  # type: ignore[arg-type]
        order_by=RecurringSchedule.next_generation,
        lease_column=RecurringSchedule.lease_until,
        lease=SLOT_LEASE,
        prepare=_prepare,
        perform=lambda slot: _compose(slot, sleep),
        record=_record,
    )


def draft_slot(
    schedule_id: uuid.UUID,
    now: datetime | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> SlotOutcome:
    """Draft the schedule's due slot, or skip it if another run holds or drafted it; a refusal (the
    LLM unavailable after the backoff, a template gone) counts as one of the schedule's failures."""
    try:
        return SlotOutcome(schedule_id, _job(sleep).run_one(schedule_id, fixed(now)))
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
    now = now or utc_now()
    counts = {"drafted": 0, "skipped": 0, "failed": 0}
    for schedule_id in due_schedule_ids(now, limit):
        counts[draft_slot(schedule_id, now, sleep=sleep).status] += 1
    return counts
