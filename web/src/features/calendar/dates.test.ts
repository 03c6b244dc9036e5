import { describe, expect, it } from "vitest";
import {
  addDays, addMonths, dayLabel, isDayKey, monthGrid, snapMinutes, startOfWeek, wallOf, weekday, weekDays, zonedInstant,
} from "./dates";

describe("civil days", () => {
  it("weeks start on Monday", () => {
    expect(startOfWeek("2026-05-14")).toBe("2026-05-11"); // a Thursday
    expect(startOfWeek("2026-05-11")).toBe("2026-05-11"); // a Monday
    expect(startOfWeek("2026-05-17")).toBe("2026-05-11"); // a Sunday belongs to the week before
    expect(weekDays("2026-01-01")).toEqual([
      "2025-12-29", "2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04",
    ]);
  });
  it("numbers weekdays as the API does, 0 = Sunday", () => {
    expect(weekday("2026-05-17")).toBe(0);
    expect(weekday("2026-05-14")).toBe(4);
  });
  it("adds days and months across ends of months and years", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2026-01-15", -1)).toBe("2025-12-15");
  });
  it("checks a date from the address", () => {
    expect(isDayKey("2026-02-29")).toBe(false);
    expect(isDayKey("2028-02-29")).toBe(true);
    expect(isDayKey("yesterday")).toBe(false);
  });
  it("lays a month out in whole Monday-to-Sunday weeks", () => {
    const may = monthGrid("2026-05-20"); // 1 May 2026 is a Friday, 31 May a Sunday
    expect(may).toHaveLength(5);
    expect(may[0]?.[0]).toBe("2026-04-27");
    expect(may[4]?.[6]).toBe("2026-05-31");
    const feb = monthGrid("2027-02-10"); // 1 Feb 2027 is a Monday, 28 days: exactly 4 weeks
    expect(feb).toHaveLength(4);
    expect(feb[0]?.[0]).toBe("2027-02-01");
    expect(monthGrid("2026-08-01")).toHaveLength(6); // Saturday the 1st, 31 days
    for (const week of monthGrid("2026-03-01")) expect(weekday(week[0]!)).toBe(1);
  });
  it("names days in words", () => {
    expect(dayLabel("2026-05-14")).toBe("Thursday 14 May 2026");
    expect(dayLabel("2026-05-14", "short")).toBe("Thu 14 May");
  });
});

describe("wall times in a named zone", () => {
  it("reads a local time as the right instant, winter and summer", () => {
    expect(zonedInstant("2026-01-15", "09:00", "America/New_York").toISOString()).toBe("2026-01-15T14:00:00.000Z");
    expect(zonedInstant("2026-07-15", "09:00", "America/New_York").toISOString()).toBe("2026-07-15T13:00:00.000Z");
    expect(zonedInstant("2026-07-15", "09:00", "Asia/Kolkata").toISOString()).toBe("2026-07-15T03:30:00.000Z");
    expect(zonedInstant("2026-07-15", "00:00", "UTC").toISOString()).toBe("2026-07-15T00:00:00.000Z");
  });
  it("moves a time skipped by spring-forward past the gap", () => {
    // New York jumps from 02:00 to 03:00 on 8 March 2026.
    expect(zonedInstant("2026-03-08", "02:30", "America/New_York").toISOString()).toBe("2026-03-08T07:30:00.000Z");
    expect(zonedInstant("2026-03-08", "03:00", "America/New_York").toISOString()).toBe("2026-03-08T07:00:00.000Z");
    expect(zonedInstant("2026-03-08", "01:59", "America/New_York").toISOString()).toBe("2026-03-08T06:59:00.000Z");
    // Berlin on 29 March 2026.
    expect(zonedInstant("2026-03-29", "02:15", "Europe/Berlin").toISOString()).toBe("2026-03-29T01:15:00.000Z");
  });
  it("takes the first of a time that happens twice at fall-back", () => {
    expect(zonedInstant("2026-11-01", "01:30", "America/New_York").toISOString()).toBe("2026-11-01T05:30:00.000Z");
    expect(zonedInstant("2026-10-25", "02:30", "Europe/Berlin").toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });
  it("keeps the time of day when a move crosses a change", () => {
    // 09:00 on the Friday before the change and on the Monday after are 09:00 both.
    const before = zonedInstant("2026-03-06", "09:00", "America/New_York");
    const after = zonedInstant("2026-03-09", "09:00", "America/New_York");
    expect(wallOf(before, "America/New_York").time).toBe("09:00");
    expect(wallOf(after, "America/New_York").time).toBe("09:00");
    expect(after.getTime() - before.getTime()).toBe((3 * 24 - 1) * 3_600_000);
  });
  it("shows an instant as the zone's day and time, not the browser's", () => {
    const instant = "2026-05-15T02:30:00Z";
    expect(wallOf(instant, "America/New_York")).toEqual({ day: "2026-05-14", time: "22:30", minutes: 22 * 60 + 30 });
    expect(wallOf(instant, "Asia/Tokyo").day).toBe("2026-05-15");
    expect(wallOf("2026-05-14T04:00:00Z", "America/New_York").time).toBe("00:00");
  });
  it("snaps to quarter hours inside the day", () => {
    expect(snapMinutes(9 * 60 + 7)).toBe(9 * 60);
    expect(snapMinutes(9 * 60 + 29)).toBe(9 * 60 + 15);
    expect(snapMinutes(-5)).toBe(0);
    expect(snapMinutes(24 * 60 + 3)).toBe(23 * 60 + 45);
  });
});
