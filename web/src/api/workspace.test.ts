import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The current workspace travels with every call as X-Workspace-Id, is kept in localStorage, and a 404 naming
// it (the caller was removed) is reported so the workspace gate looks again.
function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

describe("the current workspace", () => {
  let sent: (string | null)[];
  let answer: () => Response;

  beforeEach(() => {
    vi.resetModules();
    localStorage.clear();
    sent = [];
    answer = () => json(200, { items: [] });
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL) => {
        const request = input instanceof Request ? input : new Request(String(input));
        sent.push(request.headers.get("X-Workspace-Id"));
        return answer();
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("sends no header for the personal workspace, and the chosen one's id once chosen", async () => {
    const { api } = await import("./client");
    const workspace = await import("./workspace");
    await api.GET("/api/content/drafts");
    workspace.setWorkspace({ id: "w-1", name: "Acme" });
    await api.GET("/api/content/drafts");
    workspace.setWorkspace(null);
    await api.GET("/api/content/drafts");
    expect(sent).toEqual([null, "w-1", null]);
  });

  it("is kept across a reload, and forgotten on signing out", async () => {
    (await import("./workspace")).setWorkspace({ id: "w-2", name: "Team" });
    vi.resetModules();
    const again = await import("./workspace");
    expect(again.getWorkspace()).toEqual({ id: "w-2", name: "Team" });
    const session = await import("./session");
    session.forget();
    expect(again.getWorkspace()).toBeNull();
    expect(localStorage.getItem("postwright:workspace")).toBeNull();
  });

  it("reports a 404 that says the workspace is not the caller's, and no other 404", async () => {
    const { api } = await import("./client");
    const workspace = await import("./workspace");
    const lost = vi.fn();
    workspace.onWorkspaceLost(lost);
    workspace.setWorkspace({ id: "w-3", name: "Gone" });
    answer = () => json(404, { error: "not_found", detail: "No draft d-1." });
    await api.GET("/api/content/drafts/{draft_id}", { params: { path: { draft_id: "d-1" } } });
    expect(lost).not.toHaveBeenCalled();
    answer = () => json(404, { error: "not_found", detail: "No workspace w-3." });
    await api.GET("/api/content/drafts");
    expect(lost).toHaveBeenCalledWith("w-3");
  });
});
