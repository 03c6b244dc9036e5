import { describe, expect, it, vi } from "vitest";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { MoveDialog } from "./Dialogs";
import { byDay, place, tileStatus, type Post, type Slot } from "./model";
import { monthGrid, weekDays } from "./dates";
import { AgendaView, MonthView, WeekView, type Handlers } from "./Views";

const ZONE = "America/New_York";

function post(change: Partial<Post>): Post {
  return {
    id: "p1",
    platform: "linkedin",
    content: "Tuesday planning notes",
    content_type: null,
    status: "scheduled",
    scheduled_for: "2030-07-09T13:00:00Z", // 09:00 in New York (summer time)
    ai_confidence_score: null,
    engagement_prediction: null,
    template_id: null,
    version: 1,
    created_at: "2030-06-01T00:00:00Z",
    updated_at: "2030-06-01T00:00:00Z",
    ...change,
  } as Post;
}

function handlers(): Handlers {
  return { drop: vi.fn(), openMove: vi.fn(), openFailed: vi.fn(), openNew: vi.fn() };
}

const NOW = Date.parse("2030-07-01T12:00:00Z");

function props(posts: Post[], days: string[], slots: Slot[] = []) {
  return {
    days,
    focusDay: "2030-07-09",
    today: "2030-07-03",
    nowMinutes: 8 * 60,
    placed: byDay(place(posts, ZONE, NOW, "")),
    slots,
    pending: new Set<string>(),
    handlers: handlers(),
  };
}

describe("where posts sit", () => {
  it("puts a post on its day in the profile's zone, not UTC's", () => {
    // 02:30 UTC on the 10th is 22:30 on the 9th in New York.
    const placed = place([post({ scheduled_for: "2030-07-10T02:30:00Z" })], ZONE, NOW, "");
    expect(placed[0]).toMatchObject({ day: "2030-07-09", time: "22:30" });
  });
  it("calls a due scheduled post publishing, and filters by the status shown", () => {
    const due = post({ id: "due", scheduled_for: "2030-07-01T11:59:00Z" });
    expect(tileStatus(due, NOW)).toBe("publishing");
    expect(tileStatus(post({}), NOW)).toBe("scheduled");
    expect(place([due, post({})], ZONE, NOW, "publishing").map((p) => p.post.id)).toEqual(["due"]);
  });
});

describe("the month", () => {
  it("shows a tile with its time, platform and status, and a Move to… button for the keyboard", async () => {
    const p = props([post({})], monthGrid("2030-07-09").flat());
    render(<MemoryRouter><MonthView {...p} month="July 2030" /></MemoryRouter>);
    const day = within(screen.getByText("Tuesday 9 July 2030").closest("li")!);
    expect(day.getByRole("link").textContent).toContain("09:00");
    expect(day.getByRole("link").textContent).toContain("LinkedIn");
    expect(day.getByRole("link").textContent).toContain("Scheduled");
    await userEvent.click(day.getByRole("button", { name: /Move to… LinkedIn post, Tue 9 Jul 09:00/ }));
    expect(p.handlers.openMove).toHaveBeenCalledWith(expect.objectContaining({ id: "p1" }));
  });
  it("opens a failed post's reasons instead of a link, and offers no move", async () => {
    const p = props([post({ status: "failed", last_error: "posting to X: 403" })], monthGrid("2030-07-09").flat());
    render(<MemoryRouter><MonthView {...p} month="July 2030" /></MemoryRouter>);
    expect(screen.queryByRole("button", { name: /Move to/ })).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: /Failed: see why/ }));
    expect(p.handlers.openFailed).toHaveBeenCalled();
  });
  it("shows open queue slots ahead, not behind, and not one a post already takes", () => {
    const slot = (id: string, day: number, time: string): Slot => ({ id, platform: "linkedin", day_of_week: day, local_time: `${time}:00` });
    const p = props([post({})], monthGrid("2030-07-09").flat(), [slot("a", 2, "09:00"), slot("b", 2, "14:00")]);
    render(<MemoryRouter><MonthView {...p} month="July 2030" /></MemoryRouter>);
    const ninth = within(screen.getByText("Tuesday 9 July 2030").closest("li")!);
    expect(ninth.queryByRole("button", { name: /09:00 LinkedIn: open queue slot/ })).toBeNull();
    expect(ninth.getByRole("button", { name: /14:00 LinkedIn: open queue slot/ })).toBeTruthy();
    // 1 July is before "today" (3 July): no slot, no new post.
    const past = within(screen.getByText("Monday 1 July 2030").closest("li")!);
    expect(past.queryByRole("button")).toBeNull();
  });
});

describe("the week and the phone", () => {
  it("puts a tile in its hour", () => {
    const p = props([post({})], weekDays("2030-07-09"));
    const { container } = render(<MemoryRouter><WeekView {...p} /></MemoryRouter>);
    const nine = container.querySelector('[data-day="2030-07-09"] .cal-hour[data-hour="9"]');
    expect(nine?.textContent).toContain("Tuesday planning");
  });
  it("lists the days on a phone, each with a way to add a post", () => {
    const p = props([post({})], weekDays("2030-07-09"));
    render(<MemoryRouter><AgendaView {...p} label="that week" /></MemoryRouter>);
    expect(screen.getByRole("heading", { name: "Tuesday 9 July 2030" })).toBeTruthy();
    expect(screen.getAllByRole("button", { name: /^New post on [A-Z]/ })).toHaveLength(7);
  });
});

describe("Move to…", () => {
  it("moves by date and time, and keeps the dialog open with the reason when refused", async () => {
    const onMove = vi.fn().mockResolvedValueOnce({ message: "scheduled_for must be in the future.", fields: {}, retryAfter: null });
    const onClose = vi.fn();
    render(<MemoryRouter><MoveDialog post={post({})} timeZone={ZONE} today="2030-07-01" onMove={onMove} onClose={onClose} /></MemoryRouter>);
    expect((screen.getByLabelText("Date") as HTMLInputElement).value).toBe("2030-07-09");
    expect((screen.getByLabelText(`Time (${ZONE})`) as HTMLInputElement).value).toBe("09:00");
    await userEvent.clear(screen.getByLabelText("Date"));
    await userEvent.type(screen.getByLabelText("Date"), "2030-06-01");
    await userEvent.click(screen.getByRole("button", { name: "Move" }));
    expect(onMove).toHaveBeenCalledWith("2030-06-01", "09:00");
    expect((await screen.findByRole("alert")).textContent).toContain("must be in the future");
    expect(onClose).not.toHaveBeenCalled();
  });
});
