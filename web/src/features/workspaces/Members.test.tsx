import { QueryClient, QueryClientProvider, type UseQueryResult } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { getWorkspace, setWorkspace } from "../../api/workspace";
import type { Workspace } from "./current";
import { Members } from "./Members";
import type { Member } from "./queries";

// The client keeps the fetch it found when it was made: the stand-in is put in place before any import.
const server = vi.hoisted(() => {
  const state = { calls: [] as string[], answer: (_request: Request): Response => new Response(null, { status: 204 }) };
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    state.calls.push(`${request.method} ${new URL(request.url).pathname}`);
    return Promise.resolve(state.answer(request));
  }) as typeof fetch;
  return state;
});

const ADA = "00000000-0000-4000-8000-00000000000a";
const GRACE = "00000000-0000-4000-8000-00000000000b";
const people: Member[] = [
  { user_id: ADA, name: "Ada Lovelace", email: "ada@example.com", role: "owner", joined_at: "2026-12-01T10:00:00Z" },
  { user_id: GRACE, name: "Grace Hopper", email: "grace@example.com", role: "reviewer", joined_at: "2026-12-02T10:00:00Z" },
];
const team = (role: Workspace["role"]): Workspace => ({
  id: "w-1", name: "Acme", personal: false, role, needs_approval: true, approval_rule: "any_reviewer",
  brand_colors: { background: "#ffffff", text: "#000000", accent: "#1f3a8a" }, created_at: "2026-12-01T10:00:00Z",
});

function show(role: Workspace["role"], me: string) {
  const members = { isPending: false, error: null, data: people } as unknown as UseQueryResult<Member[]>;
  render(
    <QueryClientProvider client={new QueryClient()}>
      <Members workspace={team(role)} me={me} members={members} timeZone="UTC" />
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  server.calls = [];
  server.answer = () => new Response(null, { status: 204 });
});

describe("the members list", () => {
  it("gives an owner role changes and removal, and their own row Leave", async () => {
    const user = userEvent.setup();
    show("owner", ADA);
    const row = screen.getAllByRole("listitem").find((li) => li.textContent?.includes("grace@example.com"));
    if (!row) throw new Error("no row for Grace");
    const grace = within(row);
    expect(grace.getByRole("button", { name: "Change the role" })).toBeDisabled();
    await user.selectOptions(grace.getByRole("combobox", { name: "Role of Grace Hopper" }), "editor");
    expect(grace.getByRole("button", { name: "Change the role" })).toBeEnabled();
    expect(screen.getByRole("button", { name: "Remove Grace Hopper…" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Leave the workspace…" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Remove Ada Lovelace…" })).toBeNull();
  });

  it("shows other roles the roles as text, with Leave on their own row only", () => {
    show("reviewer", GRACE);
    expect(screen.queryByRole("combobox")).toBeNull();
    expect(screen.queryByRole("button", { name: /^Remove/ })).toBeNull();
    expect(screen.getAllByRole("button")).toHaveLength(1);
    expect(screen.getByText("Owner")).toBeInTheDocument();
  });

  it("asks before leaving, then leaves for the personal workspace", async () => {
    const user = userEvent.setup();
    setWorkspace({ id: "w-1", name: "Acme" });
    show("reviewer", GRACE);
    await user.click(screen.getByRole("button", { name: "Leave the workspace…" }));
    expect(server.calls).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Leave the workspace" }));
    await vi.waitFor(() => expect(getWorkspace()).toBeNull());
    expect(server.calls).toContain(`DELETE /api/workspaces/w-1/members/${GRACE}`);
  });

  it("says the API's refusal in the dialog (the last owner cannot leave)", async () => {
    const user = userEvent.setup();
    server.answer = () =>
      new Response(JSON.stringify({ error: "conflict", detail: "The last owner cannot leave: make another member an owner, or delete the workspace." }), {
        status: 409, headers: { "Content-Type": "application/json" },
      });
    show("owner", ADA);
    await user.click(screen.getByRole("button", { name: "Leave the workspace…" }));
    await user.click(screen.getByRole("button", { name: "Leave the workspace" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You did not leave: The last owner cannot leave");
  });
});
