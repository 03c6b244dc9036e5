// The best-times heatmap: the engagement rate of each weekday and hour of the user's zone, as the API computes
// it (GET /api/analytics/performance, dimension `weekday_hour`: one figure per "Monday 09:00" with posts,
// exact posting times only, the same rate as every other analytics figure). This file only lays it out.

/** One figure of the grid as the API sends it (a `Figure`'s fields used here). */
export interface GridFigure {
  bucket: string; // "Monday 09:00"
  posts: number;
  mean_rate: number | null;
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

/** "Monday 09:00" -> weekday 0 (Monday) and hour 9; null for anything else. */
export function parseSlot(bucket: string): { weekday: number; hour: number } | null {
  const match = /^(\w+) (\d{2}):00$/.exec(bucket);
  if (!match) return null;
  const weekday = WEEKDAYS.indexOf(match[1] ?? "");
  const hour = Number(match[2]);
  return weekday < 0 || hour > 23 ? null : { weekday, hour };
}

export function buildHeatmap(figures: GridFigure[]): Heatmap {
  const cells = new Map<string, GridFigure>();
  let first = 24;
  let last = -1;
  let ratedPosts = 0;
  for (const figure of figures) {
    const slot = parseSlot(figure.bucket);
    if (!slot || figure.mean_rate === null) continue;
    cells.set(`${slot.weekday}:${slot.hour}`, figure);
    first = Math.min(first, slot.hour);
    last = Math.max(last, slot.hour);
    ratedPosts += figure.posts;
  }
  const hours = last < 0 ? [] : Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const rows: HeatCell[][] = WEEKDAYS.map((_, weekday) =>
    hours.map((hour) => {
      const figure = cells.get(`${weekday}:${hour}`);
      return { weekday, hour, posts: figure?.posts ?? 0, meanRate: figure?.mean_rate ?? null, rank: null };
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
