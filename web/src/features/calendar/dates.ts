// Calendar date math, all of it in one named time zone (the profile's), never the browser's.
// A day is a civil date key "YYYY-MM-DD"; a time of day is "HH:MM". Civil arithmetic runs on UTC dates,
// which have no daylight-saving changes; only `zonedInstant` and `wallOf` touch a real zone.

import { pad, parseDay, type DayKey } from "../../lib/zoned";

// The zone's wall clock and its inverse live in lib/zoned (the editor schedules with them too).
export { wallOf, zonedInstant, type DayKey, type Wall } from "../../lib/zoned";

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
