import { describe, expect, it } from "vitest";
import { ratio, scaleFor } from "./toneScale";
import { platformName } from "../../lib/format";

describe("tone against performance helpers", () => {
  it("writes ratios with two significant figures, as the API's sentences do", () => {
    expect(ratio(1.4321)).toBe("1.4x");
    expect(ratio(0.8549)).toBe("0.85x");
    expect(ratio(12.3)).toBe("12x");
    expect(ratio(0.996)).toBe("1.00x");
    expect(ratio(0.981)).toBe("0.98x");
  });

  it("puts 1x in the middle and twice as far from it as half", () => {
    const scale = scaleFor([{ low: 0.5, high: 2, ratio: 1.2 }]);
    expect(scale(1)).toBeCloseTo(0.5);
    expect(scale(2) - scale(1)).toBeCloseTo(scale(1) - scale(0.5));
    expect(scale(2)).toBeLessThanOrEqual(1);
    expect(scale(0.5)).toBeGreaterThanOrEqual(0);
  });

  it("names the platforms as people know them", () => {
    expect(platformName("twitter")).toBe("X");
    expect(platformName("linkedin")).toBe("LinkedIn");
  });
});
