import { describe, expect, it } from "vitest";
import { countParts, counterText, joinThread, splitThread, xLength } from "./counters";
import { applySuggestion, nextWeekdayHour } from "./suggestions";

describe("X weighted length", () => {
  it("counts a URL as 23 whatever its length", () => {
    expect(xLength(`see https://example.com/${"a".repeat(100)}`)).toBe(4 + 23);
  });
  it("counts an emoji and a CJK character as two", () => {
    expect(xLength("😀")).toBe(2);
    expect(xLength("日本")).toBe(4);
  });
  it("marks a post over 280 as over, with how many too many", () => {
    const [count] = countParts("twitter", "a".repeat(281), false);
    expect(count?.over).toBe(true);
    expect(counterText(count!)).toContain("1 too many");
  });
});

describe("threads", () => {
  it("counts each post of a thread on its own", () => {
    const content = joinThread(["a".repeat(200), "b".repeat(300)]);
    const counts = countParts("twitter", content, true);
    expect(counts.map((c) => c.over)).toEqual([false, true]);
  });
  it("splits on lines holding only ---", () => {
    expect(splitThread("one\n---\ntwo\n  ---  \nthree")).toEqual(["one", "two", "three"]);
    expect(splitThread("a --- b")).toEqual(["a --- b"]);
  });
});

describe("LinkedIn", () => {
  it("allows 3,000 UTF-16 units", () => {
    expect(countParts("linkedin", "a".repeat(3000), false)[0]?.over).toBe(false);
    expect(countParts("linkedin", "😀".repeat(1501), false)[0]?.over).toBe(true);
  });
});

describe("suggestions that apply with one click", () => {
  it("adds a question when there is none", () => {
    const applied = applySuggestion({ change: "question", text: "ask your readers a question in the hook" }, "Shipping beats planning.", "2026-12-03T10:00");
    expect(applied?.content).toMatch(/\?$/);
  });
  it("keeps only the usual number of hashtags", () => {
    const applied = applySuggestion({ change: "hashtags", text: "use 1 hashtags, as you usually do" }, "Ship it #a #b #c", "2026-12-03T10:00");
    expect(applied?.content).toBe("Ship it #a");
  });
  it("moves the time to the next such weekday and hour, keeping the text", () => {
    // 2026-12-03 is a Thursday.
    expect(nextWeekdayHour("2026-12-03T10:00", 2, 9)).toBe("2026-12-08T09:00");
    expect(nextWeekdayHour("2026-12-03T08:00", 4, 9)).toBe("2026-12-03T09:00");
    expect(nextWeekdayHour("2026-12-03T10:00", 4, 9)).toBe("2026-12-10T09:00");
    const applied = applySuggestion({ change: "time", text: "post at 09:00 on Tuesday instead" }, "text", "2026-12-03T10:00");
    expect(applied).toEqual({ content: "text", scheduledLocal: "2026-12-08T09:00" });
  });
  it("cuts at whole sentences", () => {
    const applied = applySuggestion({ change: "shorter", text: "cut it to about 20 characters, your usual length" }, "First one here. Second sentence is long.", "2026-12-03T10:00");
    expect(applied?.content).toBe("First one here.");
  });
});
