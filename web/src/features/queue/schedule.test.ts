import { describe, expect, it } from "vitest";
import { describeRecurrence, fieldErrors, hhmm, sortSlots, topicsFromText, weekdayName, WEEKDAY_ORDER } from "./schedule";

describe("weekdays as the API numbers them (Sunday = 0)", () => {
  it("names 0 Sunday and 6 Saturday", () => {
    expect(weekdayName(0)).toBe("Sunday");
    expect(weekdayName(1)).toBe("Monday");
    expect(weekdayName(6)).toBe("Saturday");
    expect(() => weekdayName(7)).toThrow(RangeError);
  });

  it("lists Monday first and Sunday last, keeping the API's numbers", () => {
    expect(WEEKDAY_ORDER.map(weekdayName)).toEqual(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]);
  });

  it("sorts slots Monday first, then by time", () => {
    const slots = [
      { id: "sun", day_of_week: 0, local_time: "08:00:00" },
      { id: "mon-late", day_of_week: 1, local_time: "17:30:00" },
      { id: "mon-early", day_of_week: 1, local_time: "09:00" },
      { id: "sat", day_of_week: 6, local_time: "10:00:00" },
    ];
    expect(sortSlots(slots).map((s) => s.id)).toEqual(["mon-early", "mon-late", "sat", "sun"]);
  });

  it("shows times as HH:MM", () => {
    expect(hhmm("09:30:00")).toBe("09:30");
    expect(hhmm("17:05")).toBe("17:05");
  });
});

describe("recurrences in words", () => {
  it("says each frequency", () => {
    expect(describeRecurrence({ frequency: "weekly", day_of_week: 1, time_of_day: "09:30:00" })).toBe("Every Monday at 09:30");
    expect(describeRecurrence({ frequency: "biweekly", day_of_week: 5, time_of_day: "17:00" })).toBe("Every other Friday at 17:00");
    expect(describeRecurrence({ frequency: "monthly", day_of_week: 0, time_of_day: "08:00", week_of_month: -1 })).toBe("The last Sunday of each month at 08:00");
    expect(describeRecurrence({ frequency: "monthly", day_of_week: 2, time_of_day: "08:00", week_of_month: null })).toBe("The first Tuesday of each month at 08:00");
  });
});

describe("the schedule form", () => {
  it("takes one topic a line", () => {
    expect(topicsFromText(" Hiring \n\n  Code review\n")).toEqual(["Hiring", "Code review"]);
  });

  it("puts a topic's error on the topics field, naming its line", () => {
    expect(fieldErrors({ "topics.1": "String should have at least 2 characters", name: "Field required" })).toEqual({
      topics: "line 2: String should have at least 2 characters",
      name: "Field required",
    });
  });
});
