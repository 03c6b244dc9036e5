import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ForecastBand } from "./ForecastBand";

describe("ForecastBand", () => {
  it("draws the interval as a band that contains the expected marker, and says it in words", () => {
    render(<ForecastBand forecast={{ expected: 40, interval: { low: 20, high: 80, level: 0.8 }, percentile: 72, vs_your_median: 1.4 }} />);
    const band = screen.getByTestId("band");
    const x = Number(band.getAttribute("x"));
    const width = Number(band.getAttribute("width"));
    const top = 80 * 1.15;
    expect(x).toBeCloseTo(8 + (20 / top) * 284, 1);
    expect(x + width).toBeCloseTo(8 + (80 / top) * 284, 1);
    expect(screen.getByRole("img")).toHaveAccessibleName(/80% likely between 20 and 80/);
    expect(screen.getByText(/Better than 72% of your posts/)).toBeInTheDocument();
    expect(screen.getByText(/1\.4× your typical post/)).toBeInTheDocument();
  });
  it("keeps a zero-width interval visible", () => {
    render(<ForecastBand forecast={{ expected: 0, interval: { low: 0, high: 0, level: 0.8 }, percentile: 10, vs_your_median: 0.5 }} />);
    expect(Number(screen.getByTestId("band").getAttribute("width"))).toBeGreaterThanOrEqual(2);
    expect(screen.getByText(/50% of your typical post/)).toBeInTheDocument();
  });
});
