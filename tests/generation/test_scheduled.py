"""generate-scheduled-content: every due slot drafted exactly once, with overlapping runs and crashes."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import delete, func, select

from api.auth.models import User
from api.content.models import ContentDraft
from api.core.config import get_settings
from api.core.db import session_scope
from api.generation import scheduled
from api.schedules.models import RecurringSchedule, ScheduleSlot
from testkit.fake_llm import FakeLLM, serve

pytestmark = pytest.mark.usefixtures("database_url")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def schedules() -> Iterator[Callable[..., list[uuid.UUID]]]:
    """Committed users, each with one schedule due an hour ago; deleted afterwards."""
    users: list[uuid.UUID] = []

    def make(count: int, topics: list[str] | None = None) -> list[uuid.UUID]:
        ids = []
        with session_scope() as session:
            for _ in range(count):
                user = User(email=f"sched-{uuid.uuid4().hex[:10]}@example.com", password_hash="x", name="S")
                session.add(user)
                session.flush()
                users.append(user.id)
                schedule = RecurringSchedule(
                    user_id=user.id, name="Weekly hiring notes", platform="linkedin", frequency="weekly",
                    day_of_week=0, time_of_day=time(9), timezone="UTC", topics=topics or [],
                    next_generation=NOW - timedelta(hours=1),
                )  # fmt: skip
                session.add(schedule)
                session.flush()
                ids.append(schedule.id)
        return ids

    yield make
    with session_scope() as session:
        session.execute(delete(User).where(User.id.in_(users)))


@pytest.fixture
def fake_llm(monkeypatch):
    fakes = []

    def make(replies, delay: float = 0.0, gated: bool = False):
        fake = FakeLLM(replies, delay=delay, gated=gated)
        context = serve(fake)
        monkeypatch.setattr(get_settings(), "llm_base_url", context.__enter__())
        fakes.append(context)
        return fake

    yield make
    for context in fakes:
        context.__exit__(None, None, None)


def counts(schedule_ids: list[uuid.UUID]) -> dict[str, int]:
    with session_scope() as session:
        slots = session.scalar(
            select(func.count()).select_from(ScheduleSlot).where(ScheduleSlot.schedule_id.in_(schedule_ids))
        )
        owners = select(RecurringSchedule.user_id).where(RecurringSchedule.id.in_(schedule_ids))
        drafts = session.scalar(
            select(func.count()).select_from(ContentDraft).where(ContentDraft.user_id.in_(owners))
        )
    return {"slots": int(slots or 0), "drafts": int(drafts or 0)}


def schedule(schedule_id: uuid.UUID) -> RecurringSchedule:
    with session_scope() as session:
        row = session.get(RecurringSchedule, schedule_id)
        assert row is not None
        return row


class TestExactlyOnce:
    def test_a_due_slot_is_drafted_and_the_schedule_advances(self, schedules, fake_llm):
        fake_llm(["Hiring notes: write the scorecard first, then interview."])
        [schedule_id] = schedules(1, topics=["scorecards", "onboarding"])
        outcome = scheduled.draft_slot(schedule_id, NOW)
        assert outcome.status == "drafted"
        assert counts([schedule_id]) == {"slots": 1, "drafts": 1}
        row = schedule(schedule_id)
        assert row.next_generation > NOW and row.last_generated == NOW
        assert scheduled.draft_slot(schedule_id, NOW).status == "skipped"  # not due any more
        assert counts([schedule_id]) == {"slots": 1, "drafts": 1}

    def test_topics_are_taken_in_turn(self, schedules, fake_llm):
        fake = fake_llm(["A post about what we learned this week, in plain words."])
        [schedule_id] = schedules(1, topics=["scorecards", "onboarding"])
        scheduled.draft_slot(schedule_id, NOW)
        assert "scorecards" in fake.requests[-1]["messages"][1]["content"]

    def test_two_overlapping_runs_draft_each_slot_once(self, schedules, fake_llm):
        fake_llm(["Hiring notes: write the scorecard first, then interview."], delay=0.05)
        ids = schedules(12)
        results: list[dict[str, int]] = []
        runs = [threading.Thread(target=lambda: results.append(scheduled.run_pass(NOW))) for _ in range(2)]
        for run in runs:
            run.start()
        for run in runs:
            run.join(timeout=120)
        assert sum(result["drafted"] for result in results) == 12
        assert counts(ids) == {"slots": 12, "drafts": 12}

    def test_a_run_that_dies_before_committing_leaves_nothing_and_the_next_drafts_once(
        self, schedules, fake_llm, monkeypatch
    ):
        fake_llm(["Hiring notes: write the scorecard first, then interview."])
        [schedule_id] = schedules(1)

        def crash(*_: object) -> None:
            raise RuntimeError("the worker died")

        with monkeypatch.context() as patch:
            patch.setattr(scheduled, "advance_after_run", crash)
            with pytest.raises(RuntimeError):
                scheduled.draft_slot(schedule_id, NOW)
        assert counts([schedule_id]) == {"slots": 0, "drafts": 0}
        assert schedule(schedule_id).next_generation == NOW - timedelta(hours=1)
        assert scheduled.draft_slot(schedule_id, NOW).status == "drafted"
        assert counts([schedule_id]) == {"slots": 1, "drafts": 1}

    def test_no_lock_is_held_while_the_llm_writes_and_the_leased_slot_is_not_taken_twice(
        self, schedules, fake_llm
    ):
        fake = fake_llm(["Hiring notes: write the scorecard first, then interview."], gated=True)
        [schedule_id] = schedules(1)
        outcomes: list[scheduled.SlotOutcome] = []
        run = threading.Thread(target=lambda: outcomes.append(scheduled.draft_slot(schedule_id, NOW)))
        run.start()
        try:
            fake.wait_for_requests(1)
            with session_scope() as session:  # the claim committed: nothing holds the row
                locked = session.execute(
                    select(RecurringSchedule.id)
                    .where(RecurringSchedule.id == schedule_id)
                    .with_for_update(nowait=True)
                ).all()
            assert len(locked) == 1
            assert scheduled.draft_slot(schedule_id, NOW).status == "skipped"  # leased to the first run
            assert schedule_id not in scheduled.due_schedule_ids(NOW)
        finally:
            fake.release(10)
            run.join(timeout=60)
        assert [outcome.status for outcome in outcomes] == ["drafted"]
        assert counts([schedule_id]) == {"slots": 1, "drafts": 1}
        assert schedule(schedule_id).lease_until is None


class TestFailures:
    def test_an_llm_that_keeps_failing_records_the_error_and_stops_being_claimed(self, schedules, fake_llm):
        fake = fake_llm([500])
        [schedule_id] = schedules(1)
        waits: list[float] = []
        outcome = scheduled.draft_slot(schedule_id, NOW, sleep=waits.append)
        assert outcome.status == "failed"
        assert waits == list(scheduled.BACKOFF_SECONDS)  # backoff between the tries
        assert counts([schedule_id]) == {"slots": 0, "drafts": 0}
        row = schedule(schedule_id)
        assert row.failure_count == 1 and "did not answer" in (row.last_error or "")
        assert len(fake.requests) >= 4
        for _ in range(scheduled.MAX_FAILURES - 1):
            scheduled.draft_slot(schedule_id, NOW, sleep=lambda _: None)
        assert schedule(schedule_id).failure_count == scheduled.MAX_FAILURES
        assert schedule_id not in scheduled.due_schedule_ids(NOW)
