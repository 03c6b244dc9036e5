// Calendar date math, all of it in one named time zone (the profile's), never the browser's.
// A day is a civil date key "YYYY-MM-DD"; a time of day is "HH:MM". Civil arithmetic runs on UTC dates,
// which have no daylight-saving changes; only `zonedInstant` and `wallOf` touch a real zone.

export type DayKey = string;

export interface Wall {
  day: DayKey;
  time: string; // HH:MM
  minutes: number; // since midnight
}

const pad = (n: number): string => String(n).padStart(2, "0");

function parseDay(day: DayKey): [number, number, number] {
  const [y, m, d] = day.split("-").map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
}

function keyOfUtc(date: Date): DayKey {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

export function isDayKey(value: string | null | undefined): value is DayKey {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = parseDay(value);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function addDays(day: DayKey, n: number): DayKey {
  const [y, m, d] = parseDay(day);
  return keyOfUtc(new Date(Date.UTC(y, m - 1, d + n)));
}

/** Adds months, clamping the day to the target month's length (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(day: DayKey, n: number): DayKey {
  const [y, m, d] = parseDay(day);
  const last = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
  return keyOfUtc(new Date(Date.UTC(y, m - 1 + n, Math.min(d, last))));
}

/** 0 = Sunday ... 6 = Saturday (as the API's day_of_week). */
export function weekday(day: DayKey): number {
  const [y, m, d] = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** The Monday of the week `day` is in (weeks start on Monday). */
export function startOfWeek(day: DayKey): DayKey {
  return addDays(day, -((weekday(day) + 6) % 7));
}

export function weekDays(day: DayKey): DayKey[] {
  const monday = startOfWeek(day);
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

export function startOfMonth(day: DayKey): DayKey {
  return `${day.slice(0, 7)}-01`;
}

export function sameMonth(a: DayKey, b: DayKey): boolean {
  return a.slice(0, 7) === b.slice(0, 7);
}

/** The month of `day` as whole weeks, Monday to Sunday: 4 to 6 rows of 7 days. */
export function monthGrid(day: DayKey): DayKey[][] {
  const first = startOfMonth(day);
  const [y, m] = parseDay(first);
  const last = keyOfUtc(new Date(Date.UTC(y, m, 0)));
  const weeks: DayKey[][] = [];
  for (let monday = startOfWeek(first); monday <= last; monday = addDays(monday, 7)) {
    weeks.push(Array.from({ length: 7 }, (_, i) => addDays(monday, i)));
  }
  return weeks;
}

function formatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** The wall clock in `timeZone` at an instant. */
export function wallOf(instant: string | number | Date, timeZone: string): Wall {
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const hour = get("hour") % 24;
  const minute = get("minute");
  return {
    day: `${get("year")}-${pad(get("month"))}-${pad(get("day"))}`,
    time: `${pad(hour)}:${pad(minute)}`,
    minutes: hour * 60 + minute,
  };
}

/** Minutes the zone is ahead of UTC at an instant. */
function offsetMinutes(instant: number, timeZone: string): number {
  const w = wallOf(instant, timeZone);
  const [y, m, d] = parseDay(w.day);
  const asUtc = Date.UTC(y, m - 1, d, Math.floor(w.minutes / 60), w.minutes % 60);
  return Math.round((asUtc - Math.floor(instant / 60_000) * 60_000) / 60_000);
}

/**
 * The instant when the wall clock in `timeZone` reads `day` `time`. A time skipped by a daylight-saving
 * change (02:30 on a spring-forward night) is read as the same length after the gap (03:30), and a time
 * that happens twice (the fall-back hour) as its first occurrence, as most calendars do.
 */
export function zonedInstant(day: DayKey, time: string, timeZone: string): Date {
  const [y, m, d] = parseDay(day);
  const [hh, mm] = time.split(":").map(Number);
  const naive = Date.UTC(y, m - 1, d, hh ?? 0, mm ?? 0);
  // The offsets a few hours either side cover both sides of any change.
  const before = offsetMinutes(naive - 12 * 3_600_000, timeZone);
  const after = offsetMinutes(naive + 12 * 3_600_000, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => naive - offset * 60_000)
    .filter((instant) => {
      const w = wallOf(instant, timeZone);
      return w.day === day && w.time === `${pad(hh ?? 0)}:${pad(mm ?? 0)}`;
    })
    .sort((a, b) => a - b);
  if (candidates.length) return new Date(candidates[0]!);
  // In a gap: the earlier offset carries the wall time forward past the gap.
  return new Date(naive - before * 60_000);
}

export function snapMinutes(minutes: number, step = 15): number {
  return Math.max(0, Math.min(24 * 60 - step, Math.floor(minutes / step) * step));
}

export function timeOfMinutes(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Names of days for people: "Thursday 14 May 2026", "Thu 14 May", the same in every browser. */
export function dayLabel(day: DayKey, style: "long" | "short" = "long"): string {
  const [y, m, d] = parseDay(day);
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: style, day: "numeric", month: style })
    .formatToParts(new Date(Date.UTC(y, m - 1, d)));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("weekday")} ${get("day")} ${get("month")}${style === "long" ? ` ${y}` : ""}`;
}

export function monthLabel(day: DayKey): string {
  const [y, m] = parseDay(day);
  return new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", month: "long", year: "numeric" }).format(new Date(Date.UTC(y, m - 1, 1)));
}
