"""Calendar arithmetic of recurring schedules: DST gaps and overlaps, month ends, fortnight phase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.schedules.recurrence import Recurrence, advance_after_run, recompute

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class FakeSchedule:
    """Just the attributes the functions read and write (the ORM model has the same); like a stored
    schedule, its day_of_week counts from Sunday = 0."""

    frequency: str
    day_of_week: int
    time_of_day: time
    timezone: str
    week_of_month: int | None = None
    active: bool = True
    last_generated: datetime | None = None
    next_generation: datetime | None = None


def local(dt: datetime, tz: ZoneInfo) -> datetime:
    return dt.astimezone(tz)


class TestWeekly:
    def test_next_is_the_coming_weekday_at_local_time(self):
        rule = Recurrence("weekly", 0, time(9, 0), "Europe/Berlin")  # Mondays 09:00
        after = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # a Wednesday
        assert rule.next_after(after) == datetime(2026, 1, 12, 8, 0, tzinfo=UTC)

    def test_strictly_after(self):
        rule = Recurrence("weekly", 0, time(9, 0), "Europe/Berlin")
        slot = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
        assert rule.next_after(slot) == slot + timedelta(weeks=1)
        assert rule.next_after(slot - timedelta(seconds=1)) == slot

    def test_local_time_holds_across_spring_forward(self):
        rule = Recurrence("weekly", 4, time(9, 0), "America/New_York")  # Fridays 09:00
        before = rule.next_after(datetime(2026, 3, 2, tzinfo=UTC))
        after_change = rule.next_after(before)
        assert local(before, NEW_YORK).hour == local(after_change, NEW_YORK).hour == 9
        # the UTC instant moved an hour earlier because the offset went from -5 to -4
        assert after_change - before == timedelta(days=7, hours=-1)

    def test_nonexistent_time_moves_forward_by_the_gap(self):
        # 2026-03-08 02:30 does not exist in New York: clocks jump from 02:00 to 03:00.
        rule = Recurrence("weekly", 6, time(2, 30), "America/New_York")
        fired = rule.next_after(datetime(2026, 3, 5, tzinfo=UTC))
        assert fired == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
        assert local(fired, NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"
        # and the next week is back at 02:30
        assert local(rule.next_after(fired), NEW_YORK).strftime("%H:%M") == "02:30"

    def test_ambiguous_time_fires_once_at_the_first_occurrence(self):
        # 2026-11-01 01:30 happens twice in New York (EDT, then EST).
        rule = Recurrence("weekly", 6, time(1, 30), "America/New_York")
        fired = rule.next_after(datetime(2026, 10, 30, tzinfo=UTC))
        assert fired == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
        following = rule.next_after(fired)
        assert following.date().isoformat() == "2026-11-08"  # not the second 01:30 an hour later

    def test_local_time_holds_across_fall_back_in_europe(self):
        rule = Recurrence("weekly", 0, time(8, 15), "Europe/Berlin")
        fired = [datetime(2026, 10, 19, tzinfo=UTC)]
        for _ in range(3):
            fired.append(rule.next_after(fired[-1]))
        assert [local(moment, BERLIN).strftime("%a %H:%M") for moment in fired[1:]] == ["Mon 08:15"] * 3
        assert [moment.hour for moment in fired[1:]] == [6, 7, 7]  # CEST (+2) then CET (+1)


class TestBiweekly:
    def test_keeps_its_fortnight_from_the_anchor(self):
        rule = Recurrence("biweekly", 2, time(9, 0), "Europe/Berlin")  # every other Wednesday
        anchor = datetime(2026, 1, 14, 8, 0, tzinfo=UTC)
        # asked on the Thursday after an "off" Wednesday, the next is the Wednesday after
        assert rule.next_after(datetime(2026, 1, 22, tzinfo=UTC), anchor=anchor) == datetime(
            2026, 1, 28, 8, 0, tzinfo=UTC
        )
        # asked right after the anchor, it skips the off week
        assert rule.next_after(anchor, anchor=anchor) == datetime(2026, 1, 28, 8, 0, tzinfo=UTC)

    def test_future_anchor_keeps_phase(self):
        rule = Recurrence("biweekly", 2, time(9, 0), "Europe/Berlin")
        anchor = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
        got = rule.next_after(datetime(2026, 1, 1, tzinfo=UTC), anchor=anchor)
        assert (anchor - got).days % 14 == 0

    def test_without_anchor_starts_at_the_soonest_slot(self):
        rule = Recurrence("biweekly", 2, time(9, 0), "Europe/Berlin")
        assert rule.next_after(datetime(2026, 1, 15, tzinfo=UTC)) == datetime(2026, 1, 21, 8, 0, tzinfo=UTC)


class TestMonthly:
    @pytest.mark.parametrize(
        ("week", "expected"),
        [
            (1, ["2026-01-05", "2026-02-02", "2026-03-02", "2026-04-06"]),
            (-1, ["2026-01-26", "2026-02-23", "2026-03-30", "2026-04-27"]),
            (4, ["2026-01-26", "2026-02-23", "2026-03-23", "2026-04-27"]),
        ],
    )
    def test_nth_and_last_weekday_across_month_ends(self, week, expected):
        rule = Recurrence("monthly", 0, time(10, 0), "Europe/Berlin", week_of_month=week)
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        got = []
        for _ in expected:
            moment = rule.next_after(moment)
            got.append(local(moment, BERLIN).date().isoformat())
        assert got == expected

    def test_last_friday_in_a_leap_february(self):
        rule = Recurrence("monthly", 4, time(17, 0), "UTC", week_of_month=-1)
        assert rule.next_after(datetime(2028, 2, 1, tzinfo=UTC)) == datetime(2028, 2, 25, 17, 0, tzinfo=UTC)

    def test_default_is_the_first_weekday(self):
        rule = Recurrence("monthly", 3, time(10, 0), "UTC")
        assert rule.next_after(datetime(2026, 1, 2, tzinfo=UTC)) == datetime(2026, 2, 5, 10, 0, tzinfo=UTC)


class TestValidation:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"frequency": "daily"},
            {"day_of_week": 7},
            {"timezone": "Mars/Olympus"},
            {"week_of_month": 5},
        ],
    )
    def test_invalid_rules_are_refused(self, kwargs):
        fields = {"frequency": "weekly", "day_of_week": 0, "time_of_day": time(9), "timezone": "UTC"}
        with pytest.raises(ValueError):
            Recurrence(**(fields | kwargs))

    def test_naive_datetimes_are_refused(self):
        with pytest.raises(ValueError, match="aware"):
            Recurrence("weekly", 0, time(9), "UTC").next_after(datetime(2026, 1, 1))


class TestAdvanceAfterRun:
    def test_moves_to_the_next_slot_and_records_the_run(self):
        due = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
        schedule = FakeSchedule("weekly", 1, time(9, 0), "Europe/Berlin", next_generation=due)
        ran_at = due + timedelta(minutes=3)
        assert advance_after_run(schedule, ran_at) == due + timedelta(weeks=1)
        assert schedule.last_generated == ran_at
        assert schedule.next_generation == due + timedelta(weeks=1)

    def test_an_early_run_still_moves_past_the_due_slot(self):
        due = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
        schedule = FakeSchedule("weekly", 1, time(9, 0), "Europe/Berlin", next_generation=due)
        assert advance_after_run(schedule, due - timedelta(minutes=10)) == due + timedelta(weeks=1)

    def test_a_late_run_skips_missed_slots_instead_of_replaying_them(self):
        due = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
        schedule = FakeSchedule("weekly", 1, time(9, 0), "Europe/Berlin", next_generation=due)
        ran_at = due + timedelta(weeks=3, hours=2)
        nxt = advance_after_run(schedule, ran_at)
        assert nxt is not None and ran_at < nxt <= ran_at + timedelta(weeks=1)

    def test_biweekly_late_run_keeps_the_fortnight(self):
        due = datetime(2026, 1, 14, 8, 0, tzinfo=UTC)
        schedule = FakeSchedule("biweekly", 3, time(9, 0), "Europe/Berlin", next_generation=due)
        nxt = advance_after_run(schedule, due + timedelta(days=8))
        assert nxt == due + timedelta(weeks=2)

    def test_across_dst_the_local_time_is_kept(self):
        due = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # Friday 09:00 CET
        schedule = FakeSchedule("weekly", 5, time(9, 0), "Europe/Berlin", next_generation=due)
        nxt = advance_after_run(schedule, due)
        assert nxt == datetime(2026, 4, 3, 7, 0, tzinfo=UTC)  # Friday 09:00 CEST

    def test_paused_schedule_records_the_run_but_has_no_next(self):
        schedule = FakeSchedule("weekly", 1, time(9), "UTC", active=False)
        assert advance_after_run(schedule, datetime(2026, 1, 1, tzinfo=UTC)) is None
        assert schedule.last_generated is not None and schedule.next_generation is None


class TestRecompute:
    def test_pause_clears_and_resume_computes_from_now(self):
        schedule = FakeSchedule(
            "weekly", 1, time(9), "UTC", next_generation=datetime(2026, 1, 5, 9, tzinfo=UTC)
        )
        schedule.active = False
        assert recompute(schedule, datetime(2026, 1, 1, tzinfo=UTC)) is None
        schedule.active = True
        now = datetime(2026, 2, 4, tzinfo=UTC)
        assert recompute(schedule, now) == datetime(2026, 2, 9, 9, tzinfo=UTC)

    def test_biweekly_resume_keeps_the_phase_of_the_last_run(self):
        last = datetime(2026, 1, 14, 8, 0, tzinfo=UTC)
        schedule = FakeSchedule("biweekly", 3, time(9), "Europe/Berlin", last_generated=last)
        got = recompute(schedule, datetime(2026, 3, 5, tzinfo=UTC))
        assert got is not None and (got - last).days % 14 == 0
