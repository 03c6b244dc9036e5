import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, fromResponse } from "../api/errors";
import { ErrorNote } from "./ui";

describe("error states", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("counts a Retry-After down to zero", () => {
    render(<ErrorNote error={new ApiError("Too many sign-in attempts.", 429, "rate_limited", {}, 3)} />);
    expect(screen.getByRole("alert")).toHaveTextContent("Too many sign-in attempts.");
    expect(screen.getByText("You can try again in 3 s.")).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(1100));
    expect(screen.getByText("You can try again in 2 s.")).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(3000));
    expect(screen.getByText("You can try again now.")).toBeInTheDocument();
  });

  it("puts 422 messages on their fields", () => {
    const response = new Response(null, { status: 422 });
    const error = fromResponse(
      { error: "validation_error", detail: [{ loc: ["body", "email"], msg: "value is not a valid email address" }, { loc: ["body", "goals", 0], msg: "String should match pattern" }] },
      response,
    );
    expect(error.fields).toEqual({ email: "value is not a valid email address", "goals.0": "String should match pattern" });
    expect(error.message).toBe("Some fields need attention.");
  });

  it("reads a 503's Retry-After and detail", () => {
    const response = new Response(null, { status: 503, headers: { "Retry-After": "30" } });
    const error = fromResponse({ error: "service_unavailable", detail: "The LLM did not answer." }, response);
    expect(error.retryAfter).toBe(30);
    expect(error.message).toBe("The LLM did not answer.");
  });
});
