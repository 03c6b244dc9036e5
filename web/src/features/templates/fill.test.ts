import { describe, expect, it } from "vitest";
import { errorsFromDetail, fill, humanise, missing, pieces, placeholdersOf, valuesFor } from "./fill";

const TEXT = "Unpopular opinion: {opinion}\n\nMost {audience} believe {common_belief}. I'm not saying {common_belief} is wrong.";

describe("placeholders", () => {
  it("finds each once, in order", () => {
    expect(placeholdersOf(TEXT)).toEqual(["opinion", "audience", "common_belief"]);
    expect(placeholdersOf("no braces {Not_one} {1x}")).toEqual([]);
  });

  it("names them for people", () => {
    expect(humanise("common_belief")).toBe("Common belief");
    expect(humanise("reason_one")).toBe("Reason one");
  });

  it("fills every occurrence, trims values, and leaves braces typed in a value alone", () => {
    const filled = fill(TEXT, { opinion: "  Meetings should be docs ", audience: "{managers}", common_belief: "meetings help" });
    expect(filled).toBe("Unpopular opinion: Meetings should be docs\n\nMost {managers} believe meetings help. I'm not saying meetings help is wrong.");
  });

  it("keeps unfilled placeholders visible and lists them", () => {
    expect(fill("Hi {name}!", {})).toBe("Hi {name}!");
    expect(missing(TEXT, { opinion: "x", audience: "   " })).toEqual(["audience", "common_belief"]);
  });

  it("cuts the text into runs and slots for the preview", () => {
    expect(pieces("A {b} c", { b: "B" })).toEqual([
      { kind: "text", text: "A " },
      { kind: "slot", name: "b", value: "B" },
      { kind: "text", text: " c" },
    ]);
  });

  it("sends only the template's own placeholders", () => {
    expect(valuesFor("{a} {b}", { a: " 1 ", b: "2", stale: "x" })).toEqual({ a: "1", b: "2" });
  });

  it("puts the API's 422 on the fields it names", () => {
    expect(errorsFromDetail("missing values for placeholders: audience, turning_point; values longer than 3000 characters: opinion")).toEqual({
      audience: "Fill this in: the template needs it.",
      turning_point: "Fill this in: the template needs it.",
      opinion: "Too long: at most 3000 characters.",
    });
  });
});
