import { describe, expect, it } from "vitest";
import { buildHeatmap, parseSlot, shade, type GridFigure } from "./heatmap";

function cell(bucket: string, posts: number, mean_rate: number | null): GridFigure {
  return { bucket, posts, mean_rate };
}

describe("parseSlot", () => {
  it("reads the API's weekday and hour labels, Monday first", () => {
    expect(parseSlot("Monday 09:00")).toEqual({ weekday: 0, hour: 9 });
    expect(parseSlot("Sunday 23:00")).toEqual({ weekday: 6, hour: 23 });
    expect(parseSlot("Someday 09:00")).toBeNull();
    expect(parseSlot("Monday 9")).toBeNull();
  });
});

describe("buildHeatmap", () => {
  const map = buildHeatmap([
    cell("Monday 08:00", 2, 0.2),
    cell("Tuesday 10:00", 2, 0.06),
    cell("Wednesday 09:00", 1, 0.9), // one post only
    cell("Thursday 09:00", 0, null), // no rate: left out
  ]);

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
    const empty = buildHeatmap([]);
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
