// The best-times heatmap: engagement rate by weekday and hour, from the posts themselves, with the same
// rate the API's analytics use (likes + comments + shares over followers when known, else impressions;
// a post whose export carries none of the three counts has no rate). Hours need an exact posting time.

export interface HeatPost {
  posted_at: string | null;
  time_precision: string;
  followers: number | null;
  engagement_metrics: Record<string, unknown>;
}

export interface HeatCell {
  weekday: number; // 0 = Monday
  hour: number; // 0..23, in the user's time zone
  posts: number; // posts with a known rate
  meanRate: number | null;
  rank: number | null; // 1 = best of the cells with enough posts
}

export interface Heatmap {
  hours: number[]; // the columns: from the first to the last hour with a post
  rows: HeatCell[][]; // 7 rows, Monday first, one cell per hour in `hours`
  maxRate: number;
  ratedPosts: number;
}

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
/** A cell is ranked only with this many posts behind it: one lucky post is not a best time. */
export const MIN_POSTS_TO_RANK = 2;
export const RANKED = 3;

function count(metrics: Record<string, unknown>, key: string): number | null {
  const value = metrics[key];
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/** A post's engagement rate, or null when its export carried no engagement or no denominator. */
export function postRate(post: Pick<HeatPost, "followers" | "engagement_metrics">): number | null {
  const m = post.engagement_metrics ?? {};
  if (!["likes", "comments", "shares"].some((key) => key in m)) return null;
  const engagements = (count(m, "likes") ?? 0) + (count(m, "comments") ?? 0) + (count(m, "shares") ?? 0);
  if (post.followers && post.followers > 0) return engagements / post.followers;
  const impressions = count(m, "impressions");
  if (impressions && impressions > 0) return engagements / impressions;
  return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Weekday (0 = Monday) and hour of an instant in `timeZone`. */
export function localSlot(iso: string, timeZone: string): { weekday: number; hour: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", hourCycle: "h23" });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(iso));
  const day = parts.find((p) => p.type === "weekday")?.value ?? "Mon";
  const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0) % 24;
  return { weekday: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(day), hour };
}

export function buildHeatmap(posts: HeatPost[], timeZone: string): Heatmap {
  const sums = new Map<string, { total: number; n: number }>();
  let first = 24;
  let last = -1;
  let ratedPosts = 0;
  for (const post of posts) {
    if (!post.posted_at || post.time_precision !== "exact") continue;
    const rate = postRate(post);
    if (rate === null) continue;
    const { weekday, hour } = localSlot(post.posted_at, timeZone);
    if (weekday < 0) continue;
    const key = `${weekday}:${hour}`;
    const sum = sums.get(key) ?? { total: 0, n: 0 };
    sum.total += rate;
    sum.n += 1;
    sums.set(key, sum);
    first = Math.min(first, hour);
    last = Math.max(last, hour);
    ratedPosts += 1;
  }
  const hours = last < 0 ? [] : Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const rows: HeatCell[][] = WEEKDAYS.map((_, weekday) =>
    hours.map((hour) => {
      const sum = sums.get(`${weekday}:${hour}`);
      return { weekday, hour, posts: sum?.n ?? 0, meanRate: sum ? sum.total / sum.n : null, rank: null };
    }),
  );
  const rankable = rows
    .flat()
    .filter((cell) => cell.meanRate !== null && cell.posts >= MIN_POSTS_TO_RANK)
    .sort((a, b) => (b.meanRate ?? 0) - (a.meanRate ?? 0) || b.posts - a.posts);
  rankable.slice(0, RANKED).forEach((cell, i) => {
    cell.rank = i + 1;
  });
  const maxRate = Math.max(0, ...rows.flat().map((cell) => cell.meanRate ?? 0));
  return { hours, rows, maxRate, ratedPosts };
}

/** 0..4: how dark a cell is shaded (its text carries the figure; the shade only repeats it). */
export function shade(rate: number | null, maxRate: number): number {
  if (rate === null || maxRate <= 0) return 0;
  return Math.max(1, Math.min(4, Math.ceil((rate / maxRate) * 4)));
}

export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, "0")}:00`;
}

export function postsLabel(n: number): string {
  return n === 1 ? "1 post" : `${n.toLocaleString()} posts`;
}
