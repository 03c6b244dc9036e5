// What the calendar shows, derived from the API's posts: their day and time in the profile's zone, the
// status a person sees (publishing is a scheduled post that is due or being retried), and the filters.
import type { Schemas } from "../../api/client";
import { wallOf, type DayKey } from "./dates";

export type Post = Schemas["DraftOut"];
export type Slot = Schemas["SlotOut"];
export type View = "week" | "month";
export type TileStatus = "draft" | "scheduled" | "publishing" | "published" | "failed";
export type PlatformFilter = "" | "linkedin" | "twitter";
export type StatusFilter = "" | "scheduled" | "publishing" | "published" | "failed";

export const STATUS_WORDS: Record<TileStatus, string> = {
  draft: "Draft",
  scheduled: "Scheduled",
  publishing: "Publishing",
  published: "Published",
  failed: "Failed",
};


export function tileStatus(post: Post, now: number): TileStatus {
  if (post.status !== "scheduled") return post.status;
  const due = post.scheduled_for !== null && Date.parse(post.scheduled_for) <= now;
  return due || post.next_attempt_at ? "publishing" : "scheduled";
}

/** Where a post sits on the calendar: its published time once out, else its scheduled one. */
export function instantOf(post: Post): string | null {
  return post.status === "published" ? (post.published_at ?? post.scheduled_for) : post.scheduled_for;
}

export interface Placed {
  post: Post;
  day: DayKey;
  time: string;
  minutes: number;
  status: TileStatus;
}

export function place(posts: Post[], timeZone: string, now: number, status: StatusFilter): Placed[] {
  const placed: Placed[] = [];
  for (const post of posts) {
    const at = instantOf(post);
    if (!at) continue;
    const shown = tileStatus(post, now);
    if (status && shown !== status) continue;
    const wall = wallOf(at, timeZone);
    placed.push({ post, day: wall.day, time: wall.time, minutes: wall.minutes, status: shown });
  }
  return placed.sort((a, b) => (a.day === b.day ? a.minutes - b.minutes : a.day < b.day ? -1 : 1));
}

export function byDay(placed: Placed[]): Map<DayKey, Placed[]> {
  const map = new Map<DayKey, Placed[]>();
  for (const p of placed) {
    const list = map.get(p.day) ?? [];
    list.push(p);
    map.set(p.day, list);
  }
  return map;
}

/** The statuses to ask the API for (it knows no "publishing": that is a scheduled post that is due). */
export function apiStatuses(status: StatusFilter): ("scheduled" | "published" | "failed")[] | undefined {
  if (!status) return undefined;
  return [status === "publishing" ? "scheduled" : status];
}

export function excerpt(text: string, length = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

export function slotTime(slot: Slot): string {
  return slot.local_time.slice(0, 5);
}
