import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The client refreshes the session once on a 401 and sends the request again once: no loops.
function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

describe("the API client's session handling", () => {
  let calls: { url: string; auth: string | null; body: string | null }[];
  let answers: Record<string, Response[]>;

  beforeEach(() => {
    vi.resetModules();
    calls = [];
    answers = {};
    document.cookie = "pw_session=1; path=/";
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
        const path = new URL(request.url, "http://app.test").pathname;
        calls.push({ url: path, auth: request.headers.get("Authorization"), body: request.body ? await request.clone().text() : null });
        const queue = answers[path] ?? [];
        return queue.shift() ?? json(500, { error: "unexpected", detail: path });
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("refreshes once on a 401 and retries the same request with the new token", async () => {
    answers["/api/content/drafts"] = [json(401, { error: "unauthorized", detail: "expired" }), json(201, { id: "d1" })];
    answers["/api/auth/session/refresh"] = [json(200, { access_token: "new-token", expires_in: 900 })];
    const { api } = await import("./client");
    const result = await api.POST("/api/content/drafts", { body: { platform: "linkedin", content: "Hello" } });
    expect(result.response.status).toBe(201);
    expect(calls.map((c) => c.url)).toEqual(["/api/content/drafts", "/api/auth/session/refresh", "/api/content/drafts"]);
    expect(calls[2]?.auth).toBe("Bearer new-token");
    expect(calls[2]?.body).toBe(calls[0]?.body);
  });

  it("gives up after one retry: a second 401 is the answer", async () => {
    answers["/api/users/profile"] = [json(401, { error: "unauthorized", detail: "no" }), json(401, { error: "unauthorized", detail: "still no" })];
    answers["/api/auth/session/refresh"] = [json(200, { access_token: "t", expires_in: 900 })];
    const { api } = await import("./client");
    const result = await api.GET("/api/users/profile");
    expect(result.response.status).toBe(401);
    expect(calls.filter((c) => c.url === "/api/auth/session/refresh")).toHaveLength(1);
  });

  it("signs out when the refresh itself is refused, without retrying", async () => {
    answers["/api/users/profile"] = [json(401, { error: "unauthorized", detail: "expired" })];
    answers["/api/auth/session/refresh"] = [json(401, { error: "unauthorized", detail: "No session: sign in." })];
    const { api } = await import("./client");
    const session = await import("./session");
    const result = await api.GET("/api/users/profile");
    expect(result.response.status).toBe(401);
    expect(session.getState()).toBe("signed-out");
    expect(calls).toHaveLength(2);
  });

  it("shares one refresh between concurrent 401s", async () => {
    answers["/api/users/profile"] = [json(401, {}), json(200, { name: "A" })];
    answers["/api/posts"] = [json(401, {}), json(200, { items: [] })];
    answers["/api/auth/session/refresh"] = [json(200, { access_token: "t2", expires_in: 900 })];
    const { api } = await import("./client");
    const [a, b] = await Promise.all([api.GET("/api/users/profile"), api.GET("/api/posts")]);
    expect([a.response.status, b.response.status]).toEqual([200, 200]);
    expect(calls.filter((c) => c.url === "/api/auth/session/refresh")).toHaveLength(1);
  });
});
