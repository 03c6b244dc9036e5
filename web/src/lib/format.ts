import { wallOf, zonedInstant } from "./zoned";

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatPercent(value: number, digits = 0): string {
  return `${formatNumber(value * 100, digits)}%`;
}

export function formatDateTime(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleString(undefined, {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** "2026-12-04T09:30" as wall time in `timeZone`, to an ISO instant (lib/zoned does the zone math). */
export function zonedToIso(local: string, timeZone: string): string {
  const [date, time] = local.split("T");
  return zonedInstant(date ?? "", (time ?? "00:00").slice(0, 5), timeZone).toISOString();
}

/** An instant as the "YYYY-MM-DDTHH:MM" wall time of `timeZone` (for a datetime-local input). */
export function isoToZoned(iso: string, timeZone: string): string {
  const wall = wallOf(iso, timeZone);
  return `${wall.day}T${wall.time}`;
}

/** A platform's name as people say it ("twitter" is X). */
export function platformName(platform: string | null | undefined): string {
  return platform === "twitter" ? "X" : platform === "linkedin" ? "LinkedIn" : (platform ?? "");
}
