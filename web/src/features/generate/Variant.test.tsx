import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Schemas } from "../../api/client";
import { Variant } from "./GeneratePage";

function draft(generation: Record<string, unknown>): Schemas["DraftOut"] {
  return {
    id: "00000000-0000-0000-0000-000000000001",
    platform: "twitter",
    content: "Small releases win.",
    voice_match: null,
    engagement_prediction: null,
    generation: { checks_passed: ["fits the platform"], repairs: [], ...generation },
  } as unknown as Schemas["DraftOut"];
}

describe("a generated variant", () => {
  it("says whose posts lent it the voice when there are none on its platform", () => {
    render(<Variant draft={draft({ voice_from: ["linkedin"] })} index={0} onPick={() => undefined} />);
    expect(screen.getByText("Voice from")).toBeInTheDocument();
    expect(screen.getByText(/the opening lines of your LinkedIn posts \(you have none\s+on X yet\)/)).toBeInTheDocument();
  });
  it("says nothing of it when the voice came from the platform's own posts", () => {
    render(<Variant draft={draft({})} index={0} onPick={() => undefined} />);
    expect(screen.queryByText("Voice from")).not.toBeInTheDocument();
  });
});
