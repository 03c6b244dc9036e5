import { describe, expect, it } from "vitest";
import { isoToZoned, zonedToIso } from "./format";

describe("times in the user's zone", () => {
  it("reads a wall time in Berlin as the right instant, winter and summer", () => {
    expect(zonedToIso("2026-12-05T09:30", "Europe/Berlin")).toBe("2026-12-05T08:30:00.000Z");
    expect(zonedToIso("2026-07-05T09:30", "Europe/Berlin")).toBe("2026-07-05T07:30:00.000Z");
  });
  it("shows an instant as the wall time of the zone", () => {
    expect(isoToZoned("2026-12-05T08:30:00Z", "Europe/Berlin")).toBe("2026-12-05T09:30");
    expect(isoToZoned("2026-12-05T08:30:00Z", "America/New_York")).toBe("2026-12-05T03:30");
  });
  it("round-trips across a daylight-saving change", () => {
    expect(isoToZoned(zonedToIso("2026-03-29T03:30", "Europe/Berlin"), "Europe/Berlin")).toBe("2026-03-29T03:30");
  });
});
