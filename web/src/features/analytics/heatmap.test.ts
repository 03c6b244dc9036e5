import { describe, expect, it } from "vitest";
import { buildHeatmap, localSlot, postRate, shade, type HeatPost } from "./heatmap";

function post(posted_at: string, metrics: Record<string, unknown>, extra: Partial<HeatPost> = {}): HeatPost {
  return { posted_at, time_precision: "exact", followers: null, engagement_metrics: metrics, ...extra };
}

describe("postRate", () => {
  it("divides by followers when known, else by impressions", () => {
    expect(postRate({ followers: 200, engagement_metrics: { likes: 10, comments: 5, shares: 5, impressions: 1000 } })).toBe(0.1);
    expect(postRate({ followers: null, engagement_metrics: { likes: 10, impressions: 1000 } })).toBe(0.01);
  });
  it("has no rate without counts or without a denominator", () => {
    expect(postRate({ followers: null, engagement_metrics: { impressions: 1000 } })).toBeNull();
    expect(postRate({ followers: 0, engagement_metrics: { likes: 3 } })).toBeNull();
  });
});

describe("localSlot", () => {
  it("reads weekday and hour in the user's time zone", () => {
    // Monday 2026-09-07 23:30 UTC is Tuesday 01:30 in Berlin (summer time).
    expect(localSlot("2026-09-07T23:30:00Z", "Europe/Berlin")).toEqual({ weekday: 1, hour: 1 });
    expect(localSlot("2026-09-07T23:30:00Z", "UTC")).toEqual({ weekday: 0, hour: 23 });
  });
});

describe("buildHeatmap", () => {
  const posts = [
    post("2026-09-07T08:30:00Z", { likes: 10, impressions: 100 }), // Mon 08 UTC: 0.1
    post("2026-09-14T08:10:00Z", { likes: 30, impressions: 100 }), // Mon 08: 0.3
    post("2026-09-08T10:00:00Z", { likes: 5, impressions: 100 }), // Tue 10: 0.05
    post("2026-09-08T10:20:00Z", { likes: 7, impressions: 100 }), // Tue 10: 0.07
    post("2026-09-09T09:00:00Z", { likes: 90, impressions: 100 }), // Wed 09: 0.9, one post only
    post("2026-09-10T09:00:00Z", { likes: 90, impressions: 100 }, { time_precision: "day" }), // no hour: left out
    post("2026-09-11T09:00:00Z", { impressions: 100 }), // no rate: left out
  ];
  const map = buildHeatmap(posts, "UTC");

  it("spans the hours from the first to the last post, one row per weekday", () => {
    expect(map.hours).toEqual([8, 9, 10]);
    expect(map.rows).toHaveLength(7);
    expect(map.rows.every((row) => row.length === 3)).toBe(true);
    expect(map.ratedPosts).toBe(5);
  });

  it("gives each cell its mean rate and its post count", () => {
    const monday8 = map.rows[0]![0]!;
    expect(monday8.posts).toBe(2);
    expect(monday8.meanRate).toBeCloseTo(0.2);
    expect(map.rows[1]![2]!.posts).toBe(2);
    expect(map.rows[1]![2]!.meanRate).toBeCloseTo(0.06);
    expect(map.rows[3]![1]!.posts).toBe(0);
    expect(map.rows[3]![1]!.meanRate).toBeNull();
  });

  it("ranks only cells with enough posts: one lucky post is not a best time", () => {
    expect(map.rows[2]![1]!.meanRate).toBeCloseTo(0.9);
    expect(map.rows[2]![1]!.rank).toBeNull();
    expect(map.rows[0]![0]!.rank).toBe(1);
    expect(map.rows[1]![2]!.rank).toBe(2);
  });

  it("is empty without posts", () => {
    const empty = buildHeatmap([], "UTC");
    expect(empty.hours).toEqual([]);
    expect(empty.ratedPosts).toBe(0);
  });
});

describe("shade", () => {
  it("is 0 for no posts and 1..4 by share of the best rate", () => {
    expect(shade(null, 0.5)).toBe(0);
    expect(shade(0.001, 0.5)).toBe(1);
    expect(shade(0.5, 0.5)).toBe(4);
    expect(shade(0.3, 0.5)).toBe(3);
  });
});
