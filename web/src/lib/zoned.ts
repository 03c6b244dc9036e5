// Wall-clock time in a named time zone (the profile's, never the browser's), both ways: the one place the
// web app turns "Thursday 09:00 in Europe/Berlin" into an instant and back. Daylight-saving gaps and repeats
// are handled as calendars do (see zonedInstant).

export type DayKey = string; // a civil date, "YYYY-MM-DD"

export interface Wall {
  day: DayKey;
  time: string; // HH:MM
  minutes: number; // since midnight
}

export const pad = (n: number): string => String(n).padStart(2, "0");

export function parseDay(day: DayKey): [number, number, number] {
  const [y, m, d] = day.split("-").map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  const known = formatters.get(timeZone);
  if (known) return known;
  const made = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  formatters.set(timeZone, made);
  return made;
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

