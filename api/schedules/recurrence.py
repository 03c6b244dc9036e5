"""Calendar arithmetic for recurring schedules: when does a schedule next fire, in UTC.

A schedule fires on a weekday at a wall-clock time in an IANA time zone: weekly, every other week, or
monthly on the n-th (or last) such weekday. `dateutil.rrule` enumerates the local wall-clock occurrences and
`zoneinfo` turns each into an instant, so daylight-saving changes and month lengths come from maintained code
and the tz database rather than from hand-written offsets.

Two wall-clock times need a decision, made here once:
- A time that does not exist (the spring-forward gap, e.g. 02:30 on the night clocks jump from 02:00 to
  03:00) fires at the same distance past the gap's start in the new offset: 02:30 becomes 03:30. This is
  what `zoneinfo` does for `fold=0` and what common calendar applications do: the post is late by the size
  of the gap, never skipped.
- A time that happens twice (the fall-back overlap, e.g. 01:30 when clocks return from 02:00 to 01:00)
  fires at its first occurrence, still in summer time (`fold=0`), so it fires once, not twice.

Biweekly schedules keep their phase: the fortnight is counted from an anchor (the last slot that ran, or the
slot that was due), so pausing, editing the time of day or a late run does not shift which weeks are "on".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal, Protocol, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from api.core.types import known_zones

Frequency = Literal["weekly", "biweekly", "monthly"]
FREQUENCIES: tuple[Frequency, ...] = get_args(Frequency)
# The n-th weekday of the month; -1 is the last one (a fifth weekday does not exist in every month).
WEEKS_OF_MONTH = (1, 2, 3, 4, -1)
_RRULE_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or ValueError (not a silent fall back to UTC)."""
    # ZoneInfo would also open file paths such as "../../etc/localtime": only real zone names pass.
    if name not in known_zones():
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'") from None


@dataclass(frozen=True, slots=True)
class Recurrence:
    """When a schedule fires: frequency, weekday (0 = Monday), local time and zone."""

    frequency: Frequency
    day_of_week: int
    time_of_day: time
    timezone: str
    week_of_month: int | None = None  # monthly only: 1-4, or -1 for the last; None means the first

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}")
        if not 0 <= self.day_of_week <= 6:
            raise ValueError("day_of_week must be 0 (Monday) to 6 (Sunday)")
        if self.week_of_month is not None and self.week_of_month not in WEEKS_OF_MONTH:
            raise ValueError("week_of_month must be 1, 2, 3, 4 or -1 (the last)")
        zone(self.timezone)

    def next_after(self, after: datetime, *, anchor: datetime | None = None) -> datetime:
        """The first firing strictly after `after`, as an aware UTC datetime.

        `anchor` fixes the fortnight of a biweekly schedule (any earlier or later firing of it); without
        one, the first fortnight starts at `after`.
        """
        if after.tzinfo is None:
            raise ValueError("`after` must be time-zone aware")
        if self.frequency == "biweekly" and anchor is None:
            # A new fortnight starts at the soonest matching slot, not up to two weeks out.
            anchor = _weekly(self).next_after(after)
        tz = zone(self.timezone)
        local_after = after.astimezone(tz).replace(tzinfo=None)
        # Start the enumeration a day early: the wall clock may read earlier than `after` across a DST
        # change, and rrule compares naive wall-clock values.
        search_from = local_after - timedelta(days=1)
        rule = self._rule(self._dtstart(tz, search_from, anchor))
        for local in rule.xafter(search_from, inc=True):
            instant: datetime = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
            if instant > after:
                return instant
        raise AssertionError("an unbounded rrule always has a later occurrence")  # pragma: no cover

    def _dtstart(self, tz: ZoneInfo, search_from: datetime, anchor: datetime | None) -> datetime:
        """Where the rule starts counting: the anchor's week for biweekly, else just before the search."""
        if self.frequency != "biweekly" or anchor is None:
            return search_from.replace(hour=0, minute=0, second=0, microsecond=0)
        local_anchor = anchor.astimezone(tz).replace(tzinfo=None)
        monday = local_anchor - timedelta(days=local_anchor.weekday())
        start = monday.replace(hour=0, minute=0, second=0, microsecond=0)
        if start > search_from:  # an anchor in the future: step back whole fortnights to keep the phase
            weeks_back = -(-(start - search_from).days // 14) * 2
            start -= timedelta(weeks=weeks_back)
        return start

    def _rule(self, dtstart: datetime) -> rrule.rrule:
        weekday = _RRULE_WEEKDAYS[self.day_of_week]
        common = {
            "dtstart": dtstart,
            "byhour": self.time_of_day.hour,
            "byminute": self.time_of_day.minute,
            "bysecond": self.time_of_day.second,
            "wkst": rrule.MO,
        }
        if self.frequency == "monthly":
            return rrule.rrule(rrule.MONTHLY, byweekday=weekday(self.week_of_month or 1), **common)
        interval = 2 if self.frequency == "biweekly" else 1
        return rrule.rrule(rrule.WEEKLY, interval=interval, byweekday=weekday, **common)


def _weekly(recurrence: Recurrence) -> Recurrence:
    return Recurrence("weekly", recurrence.day_of_week, recurrence.time_of_day, recurrence.timezone)


def from_sunday_first(day: int) -> int:
    """0 = Sunday ... 6 = Saturday (the API's weekdays) as 0 = Monday ... 6 = Sunday (Python's)."""
    return (day - 1) % 7


class SchedulableLike(Protocol):
    """What `advance_after_run` and `recompute` need from a schedule (the ORM model has it)."""

    frequency: str
    day_of_week: int
    time_of_day: time
    timezone: str
    week_of_month: int | None
    active: bool
    last_generated: datetime | None
    next_generation: datetime | None


def recurrence_of(schedule: SchedulableLike) -> Recurrence:
    """The schedule's rule as a value object (validates it). Schedules count weekdays from Sunday = 0
    (the API contract); `Recurrence` counts from Monday = 0 (Python's)."""
    frequency = schedule.frequency
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    return Recurrence(
        frequency=frequency,
        day_of_week=from_sunday_first(schedule.day_of_week),
        time_of_day=schedule.time_of_day,
        timezone=schedule.timezone,
        week_of_month=schedule.week_of_month,
    )


def recompute(schedule: SchedulableLike, now: datetime) -> datetime | None:
    """Set and return the next firing after `now` (None while paused), after a change or a resume.

    A biweekly schedule keeps its fortnight: the anchor is the slot it last ran, or the slot that was due.
    """
    if not schedule.active:
        schedule.next_generation = None
        return None
    anchor = schedule.last_generated or schedule.next_generation
    schedule.next_generation = recurrence_of(schedule).next_after(now, anchor=anchor)
    return schedule.next_generation


def advance_after_run(schedule: SchedulableLike, ran_at: datetime) -> datetime | None:
    """Record a run at `ran_at` and move `next_generation` to the first slot after it.

    Slots missed while nothing ran (a late or long-stopped scheduler) are skipped, not replayed: one run
    never leaves the schedule due again. The slot that was due anchors a biweekly schedule's fortnight.
    A paused schedule records the run and keeps no next slot.
    """
    if ran_at.tzinfo is None:
        raise ValueError("`ran_at` must be time-zone aware")
    due_slot = schedule.next_generation
    schedule.last_generated = ran_at
    if not schedule.active:
        schedule.next_generation = None
        return None
    after = max(ran_at, due_slot) if due_slot is not None else ran_at
    schedule.next_generation = recurrence_of(schedule).next_after(after, anchor=due_slot or ran_at)
    return schedule.next_generation
