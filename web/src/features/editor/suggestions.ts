// One-click changes for the engagement model's suggestions. Each returns the new text (and, for a time,
// the new moment); the forecast then runs again on the result, so the user sees what the change does.

export interface Applied {
  content: string;
  scheduledLocal?: string;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** The next "YYYY-MM-DDTHH:00" wall time on that weekday and hour after `now` (wall time in the user's zone). */
export function nextWeekdayHour(nowLocal: string, weekday: number, hour: number): string {
  const [date, time] = nowLocal.split("T");
  const [y, m, d] = (date ?? "1970-01-01").split("-").map(Number);
  const base = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
  const nowHour = Number((time ?? "00:00").split(":")[0]);
  let add = (weekday - base.getUTCDay() + 7) % 7;
  if (add === 0 && nowHour >= hour) add = 7;
  base.setUTCDate(base.getUTCDate() + add);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${base.getUTCFullYear()}-${pad(base.getUTCMonth() + 1)}-${pad(base.getUTCDate())}T${pad(hour)}:00`;
}

function shorten(content: string, chars: number): string {
  if (content.length <= chars) return content;
  const sentences = content.match(/[^.!?\n]+[.!?]*\s*/g) ?? [content];
  let out = "";
  for (const sentence of sentences) {
    if ((out + sentence).trim().length > chars && out) break;
    out += sentence;
  }
  return out.trim();
}

function limitHashtags(content: string, keep: number): string {
  let seen = 0;
  return content
    .replace(/(^|\s)#[\p{L}\p{N}_]+/gu, (match) => (++seen <= keep ? match : ""))
    .replace(/[ \t]+\n/g, "\n")
    .trim();
}

export function applySuggestion(
  suggestion: { change: string; text: string },
  content: string,
  nowLocal: string,
): Applied | null {
  switch (suggestion.change) {
    case "question":
      return content.trim().endsWith("?") ? null : { content: `${content.trim()}\n\nWhat has your experience been?` };
    case "shorter": {
      const chars = Number(/about (\d+) characters/.exec(suggestion.text)?.[1]);
      return Number.isFinite(chars) && chars > 0 ? { content: shorten(content, chars) } : null;
    }
    case "hashtags": {
      const keep = Number(/use ([\d.]+) hashtags/.exec(suggestion.text)?.[1]);
      return Number.isFinite(keep) ? { content: limitHashtags(content, Math.floor(keep)) } : null;
    }
    case "time": {
      const match = /(\d{2}):00 on (\w+)/.exec(suggestion.text);
      const weekday = WEEKDAYS.indexOf(match?.[2] ?? "");
      if (!match || weekday < 0) return null;
      return { content, scheduledLocal: nextWeekdayHour(nowLocal, weekday, Number(match[1])) };
    }
    default:
      return null;
  }
}
