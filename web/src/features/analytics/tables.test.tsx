import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { buildHeatmap } from "./heatmap";
import { AuditTable, bias, FigureTable, HeatmapTable, TrendTable } from "./tables";

const basis = { followers: 0, impressions: 3 };

describe("FigureTable", () => {
  it("gives every figure its rate, interval and number of posts", () => {
    render(
      <FigureTable
        caption="Engagement rate by weekday"
        dimension="Weekday"
        figures={[
          { bucket: "Monday", posts: 12, mean_rate: 0.0234, median_rate: 0.02, ci_low: 0.018, ci_high: 0.029, lift_vs_overall: 0.1, basis },
          { bucket: "Tuesday", posts: 1, mean_rate: 0.01, median_rate: 0.01, ci_low: null, ci_high: null, lift_vs_overall: -0.5, basis },
        ]}
      />,
    );
    const table = screen.getByRole("table", { name: "Engagement rate by weekday" });
    expect(screen.getByRole("region", { name: "Engagement rate by weekday" })).toHaveAttribute("tabindex", "0");
    const monday = within(table).getByRole("row", { name: /Monday/ });
    expect(monday).toHaveTextContent("2.34%");
    expect(monday).toHaveTextContent("1.80% to 2.90%");
    expect(monday).toHaveTextContent("10% above");
    expect(within(monday).getAllByRole("cell")[0]).toHaveTextContent("12");
    const tuesday = within(table).getByRole("row", { name: /Tuesday/ });
    expect(tuesday).toHaveTextContent("too few posts");
    expect(tuesday).toHaveTextContent("50% below");
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toContain("Posts");
  });
});

describe("TrendTable", () => {
  it("has a row a week with posts and rated posts", () => {
    render(<TrendTable weeks={[{ week_start: "2026-11-30", posts: 3, engagements: 40, rated_posts: 2, mean_rate: null, basis }]} />);
    const row = screen.getByRole("row", { name: /30 Nov|Nov 30/ });
    expect(row).toHaveTextContent("no rate");
    expect(row).toHaveTextContent("40");
  });
});

describe("AuditTable", () => {
  it("says the hit rate against its aim and the bias in words", () => {
    render(
      <AuditTable caption="By model version" groups={[{ model_version: "v3", posts: 7, interval_hit_rate: 0.71, level: 0.8, mae_log: 0.3, bias_log: 0.4 }]} />,
    );
    const row = screen.getByRole("row", { name: /v3/ });
    expect(row).toHaveTextContent("71% (aimed at 80%)");
    expect(row).toHaveTextContent("1.5× too low");
    expect(bias(-0.7)).toBe("2.0× too high");
    expect(bias(0.01)).toBe("about right");
  });
});

describe("HeatmapTable", () => {
  const map = buildHeatmap([
    { bucket: "Monday 08:00", posts: 2, mean_rate: 0.2 },
    { bucket: "Tuesday 09:00", posts: 1, mean_rate: 0.01 },
  ]);

  it("is a table with row and column headers and each cell's value and posts in text", () => {
    render(<HeatmapTable heatmap={map} timeZone="UTC" />);
    const table = screen.getByRole("table", { name: /by weekday and hour \(UTC time\)/ });
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Day", "08:00", "09:00"]);
    expect(within(table).getAllByRole("rowheader").map((h) => h.textContent)).toHaveLength(7);
    const monday = within(table).getByRole("row", { name: /Monday/ });
    const cells = within(monday).getAllByRole("cell");
    expect(cells[0]).toHaveTextContent("20.00%");
    expect(cells[0]).toHaveTextContent("2 posts");
    expect(cells[0]).toHaveTextContent("best #1");
    expect(cells[0]).toHaveClass("heat-4");
    expect(cells[1]).toHaveTextContent("no posts");
    const tuesday = within(table).getByRole("row", { name: /Tuesday/ });
    expect(within(tuesday).getAllByRole("cell")[1]).toHaveTextContent("1 post");
  });
});
