// Weekdays, times and recurrences as the screen names them. The API numbers weekdays from Sunday = 0.

/** Index = the API's day_of_week: 0 = Sunday ... 6 = Saturday. */
export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/** The order the screen lists weekdays in: Monday first, Sunday last (the API's numbers are kept). */
export const WEEKDAY_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;

export function weekdayName(day: number): string {
  const name = WEEKDAYS[day];
  if (name === undefined) throw new RangeError(`no weekday ${day}: the API counts 0 (Sunday) to 6 (Saturday)`);
  return name;
}

/** "09:30:00" or "09:30" -> "09:30". */
export function hhmm(time: string): string {
  return time.slice(0, 5);
}

/** Sort key of a weekly slot: Monday first, then by time. */
export function slotKey(day: number, time: string): string {
  return `${(day + 6) % 7}-${hhmm(time)}`;
}

export function sortSlots<T extends { day_of_week: number; local_time: string }>(slots: readonly T[]): T[] {
  return [...slots].sort((a, b) => slotKey(a.day_of_week, a.local_time).localeCompare(slotKey(b.day_of_week, b.local_time)));
}

export type Frequency = "weekly" | "biweekly" | "monthly";
export const WEEKS_OF_MONTH = [1, 2, 3, 4, -1] as const;
export type WeekOfMonth = (typeof WEEKS_OF_MONTH)[number];
const ORDINAL: Record<number, string> = { 1: "first", 2: "second", 3: "third", 4: "fourth", [-1]: "last" };

export function weekOfMonthName(week: number): string {
  return ORDINAL[week] ?? `week ${week}`;
}

/** A recurrence in words: "Every Monday at 09:30", "Every other Friday at 17:00", "The last Tuesday of each month at 08:00". */
export function describeRecurrence(r: { frequency: string; day_of_week: number; time_of_day: string; week_of_month?: number | null }): string {
  const day = weekdayName(r.day_of_week);
  const at = hhmm(r.time_of_day);
  switch (r.frequency) {
    case "biweekly":
      return `Every other ${day} at ${at}`;
    case "monthly":
      return `The ${weekOfMonthName(r.week_of_month ?? 1)} ${day} of each month at ${at}`;
    default:
      return `Every ${day} at ${at}`;
  }
}

/** Topics typed one a line -> the list the API takes (blank lines dropped, spaces trimmed). */
export function topicsFromText(text: string): string[] {
  return text
    .split("\n")
    .map((t) => t.trim())
    .filter(Boolean);
}

/** A 422's field errors for a form: `topics.2` is shown at the topics field, naming the line. */
export function fieldErrors(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, message] of Object.entries(fields)) {
    const [head, index] = name.split(".");
    const key = head ?? name;
    const text = index !== undefined && /^\d+$/.test(index) ? `line ${Number(index) + 1}: ${message}` : message;
    out[key] = out[key] ? `${out[key]}; ${text}` : text;
  }
  return out;
}
