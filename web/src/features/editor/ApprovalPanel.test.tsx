import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Schemas } from "../../api/client";
import { WorkspaceContext, type Workspace } from "../workspaces/current";
import { ApprovalPanel } from "./ApprovalPanel";

// The client keeps the fetch it found when it was made: the stand-in is put in place before any import.
const server = vi.hoisted(() => {
  const state = { answer: (_request: Request): Promise<Response> => Promise.reject(new Error("no answer set")) };
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    state.answer(input instanceof Request ? input : new Request(String(input), init))) as typeof fetch;
  return state;
});

const ADA = "00000000-0000-4000-8000-00000000000a";
const GRACE = "00000000-0000-4000-8000-00000000000b";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const workspace = (role: Workspace["role"]): Workspace => ({
  id: "w-1", name: "Acme", personal: false, role, needs_approval: true, approval_rule: "two_people",
  brand_colors: { background: "#ffffff", text: "#000000", accent: "#1f3a8a" }, created_at: "2026-12-01T10:00:00Z",
});

const draft = (approval: Schemas["DraftOut"]["approval"]): Schemas["DraftOut"] => ({
  id: "d-1", platform: "linkedin", content: "Hello", content_type: null, status: "draft", scheduled_for: null,
  ai_confidence_score: null, engagement_prediction: null, template_id: null, version: 3, workspace_id: "w-1",
  author_id: ADA, approval, last_edited_by: ADA, created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
} as Schemas["DraftOut"]);

let posted: { path: string; body: unknown }[];
let answers: Record<string, () => Response>;

beforeEach(() => {
  posted = [];
  answers = {
    "/api/users/profile": () => json(200, { id: GRACE, name: "Grace Hopper", timezone: "UTC" }),
    "/api/workspaces/w-1/members": () => json(200, { items: [
      { user_id: ADA, name: "Ada Lovelace", email: "ada@example.com", role: "owner", joined_at: "2026-12-01T10:00:00Z" },
      { user_id: GRACE, name: "Grace Hopper", email: "grace@example.com", role: "reviewer", joined_at: "2026-12-01T10:00:00Z" },
    ] }),
    "/api/content/drafts/d-1/comments": () => json(200, { items: [], total: 0, limit: 200, offset: 0 }),
  };
  server.answer = async (request) => {
    const path = new URL(request.url).pathname;
    if (request.method === "POST") posted.push({ path, body: await request.clone().json() });
    return answers[`${request.method === "POST" ? "POST " : ""}${path}`]?.() ?? answers[path]?.() ?? json(500, { detail: path });
  };
});

function show(role: Workspace["role"], approval: Schemas["DraftOut"]["approval"], onChange = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <WorkspaceContext.Provider value={workspace(role)}>
        <ApprovalPanel draft={draft(approval)} timeZone="UTC" save={() => Promise.resolve(draft(approval))} onChange={onChange} />
      </WorkspaceContext.Provider>
    </QueryClientProvider>,
  );
  return onChange;
}

describe("the approval panel", () => {
  it("offers a reviewer Approve and Request changes, and asks for the comment before sending", async () => {
    const user = userEvent.setup();
    answers["POST /api/content/drafts/d-1/request-changes"] = () => json(200, { ...draft("changes_requested"), version: 4 });
    const onChange = show("reviewer", "submitted");
    expect(await screen.findByRole("button", { name: "Approve" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Submit/ })).toBeNull();
    expect(screen.getByText("Waiting for approval")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Request changes…" }));
    await user.click(screen.getByRole("button", { name: "Send back with this comment" }));
    expect(screen.getByText("Say what should change: the comment is required.")).toBeInTheDocument();
    expect(posted).toEqual([]);
    await user.type(screen.getByLabelText("What should change? (required)"), "Shorter, please.");
    await user.click(screen.getByRole("button", { name: "Send back with this comment" }));
    expect(await screen.findByText("Sent back with your comment.")).toBeInTheDocument();
    expect(posted).toEqual([{ path: "/api/content/drafts/d-1/request-changes", body: { version: 3, comment: "Shorter, please." } }]);
    expect(onChange).toHaveBeenCalledWith(expect.objectContaining({ approval: "changes_requested", version: 4 }));
  });

  it("shows a viewer the state and the comments, and no button", async () => {
    show("viewer", "submitted");
    expect(await screen.findByText("Viewers read the comments; they cannot add any.")).toBeInTheDocument();
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("says a refused submit in words under the buttons", async () => {
    const user = userEvent.setup();
    answers["POST /api/content/drafts/d-1/submit"] = () => json(409, { error: "conflict", detail: "This draft is already submitted." });
    show("editor", "none");
    await user.click(await screen.findByRole("button", { name: "Submit for approval" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Not submitted: This draft is already submitted.");
  });
});
