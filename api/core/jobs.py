"""One way to work through due rows (publishing, scheduled generation, metric pulls, webhook deliveries).

Each pass, for every due row, soonest first:

1. **claim**: in a short transaction, lock the row with `FOR UPDATE SKIP LOCKED` (a row another run holds
   is skipped, not waited for), check it is still due and not leased, set its lease, let the job read
   what it needs (`prepare`), and commit. Until the lease runs out no other run takes the row, whether
   the claimer is still working or died;
2. **perform**: call the outside world (a platform, the LLM, a user's URL) with *no transaction open*: no
   row lock or connection is held across a call that may take seconds;
3. **record**: in a new transaction, write the outcome (and clear or move the lease).

A job states only its table, what "due" means, its lease, and the three steps. An error in 2 or 3 gives
the row back at once (as it was before the claim). A process that dies between 1 and 3 leaves a leased
row that is taken again when the lease ends, so `perform` must be safe to run again (the publisher
reconciles with the platform first; scheduled generation records a slot at most once; a webhook receiver
deduplicates by the event's id).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.core.config import get_settings
from api.core.db import session_scope

logger = logging.getLogger("postwright.jobs")

Row = TypeVar("Row")
Work = TypeVar("Work")
Result = TypeVar("Result")

SKIPPED = "skipped"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Done:
    """What `prepare` returns when the row needs no call outside (nothing to do, or it failed already):
    the outcome's name for the pass's counts."""

    outcome: str


@dataclass(frozen=True)
class Claimed(Generic[Work]):
    row_id: uuid.UUID
    work: Work
    previous_lease: datetime | None
    lease: datetime


@dataclass(frozen=True)
class LeasedJob(Generic[Row, Work, Result]):
    name: str
    table: type[Row]
    # Conditions that make a row due at a given time (beside the lease being free).
    due: Callable[[datetime], Sequence[ColumnElement[bool]]]
    order_by: Any
    # Free when NULL or not after now; set to now + `lease` by the claim. It may be a due column too
    # (a delivery's next_attempt_at): the claim then moves the row's next attempt past the lease.
    # JOB_LEASE_SECONDS, when set, replaces `lease` for every job.
    lease_column: InstrumentedAttribute[Any]
    lease: timedelta
    # In the claim's transaction, the row locked and leased: what `perform` needs, as plain data.
    prepare: Callable[[Session, Row, datetime], Work | Done]
    # No transaction open.
    perform: Callable[[Work], Result]
    # In a new transaction: write the outcome, return its name.
    record: Callable[[Session, Work, Result, datetime], str]

    def lease_length(self) -> timedelta:
        """The job's own lease, or JOB_LEASE_SECONDS when that is set."""
        configured = get_settings().job_lease_seconds
        return timedelta(seconds=configured) if configured is not None else self.lease

    def _free(self, now: datetime) -> ColumnElement[bool]:
        return or_(self.lease_column.is_(None), self.lease_column <= now)

    def due_ids(self, now: datetime, limit: int) -> list[uuid.UUID]:
        with session_scope() as session:
            table: Any = self.table
            return list(
                session.scalars(
                    select(table.id)
                    .where(*self.due(now), self._free(now))
                    .order_by(self.order_by)
                    .limit(limit)
                )
            )

    def claim(self, row_id: uuid.UUID, now: datetime) -> Claimed[Work] | Done:
        """Lease the row and prepare its work in one committed transaction, or say why not."""
        with session_scope() as session:
            table: Any = self.table
            row = session.scalar(
                select(table)
                .where(table.id == row_id, *self.due(now), self._free(now))
                .with_for_update(skip_locked=True)
            )
            if row is None:  # another run holds it, or it is no longer due
                return Done(SKIPPED)
            previous = getattr(row, self.lease_column.key)
            lease = now + self.lease_length()
            setattr(row, self.lease_column.key, lease)
            work = self.prepare(session, row, now)
            return work if isinstance(work, Done) else Claimed(row_id, work, previous, lease)

    def release(self, claimed: Claimed[Work]) -> None:
        """Give the row back as it was before the claim, if the lease is still this run's: what failed
        with an error is taken again by the next pass; a process that ends mid-call (killed, Ctrl+C)
        leaves the lease, and the row waits for it to end, the outcome of its call being unknown."""
        with session_scope() as session:
            table: Any = self.table
            session.execute(
                update(table)
                .where(table.id == claimed.row_id, self.lease_column == claimed.lease)
                .values({self.lease_column.key: claimed.previous_lease})
            )

    def run_one(self, row_id: uuid.UUID, clock: Callable[[], datetime] = utc_now) -> str:
        claimed = self.claim(row_id, clock())
        if isinstance(claimed, Done):
            return claimed.outcome
        try:
            result = self.perform(claimed.work)
            with session_scope() as session:
                return self.record(session, claimed.work, result, clock())
        except Exception:  # an error, not the process ending (Ctrl+C, exit): then the lease holds
            self.release(claimed)
            raise

    def run_pass(self, clock: Callable[[], datetime] = utc_now, limit: int = 1000) -> Counter[str]:
        """Every row due now, once each; counts by outcome."""
        counts: Counter[str] = Counter()
        for row_id in self.due_ids(clock(), limit):
            counts[self.run_one(row_id, clock)] += 1
        if counts:
            logger.info("job pass", extra={"job": self.name, **counts})
        return counts


def fixed(moment: datetime | None) -> Callable[[], datetime]:
    """A clock for a pass: `moment` when given (tests and catch-up runs), otherwise the real time."""
    return (lambda: moment) if moment is not None else utc_now
