import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { RecurringCard } from "./QueuePage";

const BASE = {
  id: "r1", name: "Friday lessons", platform: "twitter", content_type: null, frequency: "biweekly", day_of_week: 5,
  time_of_day: "16:00:00", timezone: "Europe/Berlin", week_of_month: null, active: true,
  topics: ["What broke this week", "One thing we measured"], template_id: null, failure_count: 0, last_error: null,
  last_generated: null, next_generation: "2026-12-11T15:00:00Z", next_generation_local: "2026-12-11T16:00:00+01:00",
  created_at: "2026-12-01T09:00:00Z", updated_at: "2026-12-01T09:00:00Z",
};

describe("a recurring schedule", () => {
  it("shows when it runs, its next run in its zone and its topics in turn", () => {
    render(<RecurringCard schedule={BASE} error={null} onToggle={vi.fn()} onEdit={vi.fn()} onDelete={vi.fn()} />);
    expect(screen.getByText("Every other Friday at 16:00 (Europe/Berlin)")).toBeInTheDocument();
    expect(screen.getByText(/Dec 11.*04:00\sPM|Dec 11.*16:00/)).toBeInTheDocument();
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["What broke this week", "One thing we measured"]);
    expect(screen.getByRole("button", { name: "Pause Friday lessons" })).toHaveTextContent("Pause");
  });

  it("says its last error and how many failures in a row, and offers Resume when paused", () => {
    render(
      <RecurringCard
        schedule={{ ...BASE, active: false, next_generation: null, failure_count: 5, last_error: "The language model did not answer." }}
        error={null}
        onToggle={vi.fn()}
        onEdit={vi.fn()}
        onDelete={vi.fn()}
      />,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("The last drafting attempt failed: The language model did not answer.");
    expect(screen.getByText("5 in a row (at 5 it pauses itself)")).toBeInTheDocument();
    expect(screen.getByText("None while paused")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Resume Friday lessons" })).toBeInTheDocument();
  });
});
