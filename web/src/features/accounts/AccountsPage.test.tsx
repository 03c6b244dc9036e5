import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { beforeEach, describe, expect, it, vi } from "vitest";

const GET = vi.fn();
vi.mock("../../api/client", () => ({ api: { GET: (...args: unknown[]) => GET(...args), DELETE: vi.fn() } }));

const { default: AccountsPage } = await import("./AccountsPage");
const { default: AccountCallback } = await import("./AccountCallback");

function json(status: number, body: unknown): { data?: unknown; error?: unknown; response: Response } {
  const response = new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  return status < 400 ? { data: body, response } : { error: body, response };
}

function wrap(path: string, children: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return (
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/accounts" element={<AccountsPage />} />
          <Route path="/accounts/:platform/callback" element={children} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>
  );
}

const ACCOUNT = {
  id: "a1", platform: "linkedin", handle: "Grace Hopper", status: "needs_reauth",
  last_error: "LinkedIn revoked the grant", token_expires_at: null,
  created_at: "2026-11-01T09:00:00Z", updated_at: "2026-11-02T09:00:00Z",
};

describe("connected accounts", () => {
  beforeEach(() => GET.mockReset());

  it("shows an account that needs reconnecting with its reason and a Reconnect button", async () => {
    GET.mockImplementation(async (path: string) => (path === "/api/accounts" ? json(200, { items: [ACCOUNT] }) : json(404, {})));
    render(wrap("/accounts", null));
    expect(await screen.findByText("Needs reconnecting")).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("LinkedIn revoked the grant");
    expect(screen.getByRole("button", { name: "Reconnect LinkedIn" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Connect X" })).toBeInTheDocument();
  });

  it("says a 503 from connect as a server without a client id", async () => {
    GET.mockImplementation(async (path: string) =>
      path === "/api/accounts"
        ? json(200, { items: [] })
        : json(503, { error: "service_unavailable", detail: "Connecting X is not configured on this server: set X_CLIENT_ID (and its secret)." }),
    );
    render(wrap("/accounts", null));
    await userEvent.click(await screen.findByRole("button", { name: "Connect X" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Connecting X is not set up on this server yet");
  });
});

describe("the callback page", () => {
  beforeEach(() => GET.mockReset());

  it("hands the platform's query to the API once and says a refusal in words", async () => {
    GET.mockImplementation(async () => json(403, { error: "forbidden", detail: "The platform did not authorise the connection: access_denied." }));
    render(wrap("/accounts/twitter/callback?error=access_denied&state=s1", <AccountCallback />));
    expect(await screen.findByRole("heading", { name: "X was not connected" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("You chose Cancel on X's page");
    expect(GET).toHaveBeenCalledTimes(1);
    expect(GET).toHaveBeenCalledWith("/api/accounts/{platform}/callback", { params: { path: { platform: "twitter" }, query: { state: "s1", error: "access_denied" } } });
    expect(screen.getByRole("link", { name: "Back to your accounts" })).toHaveAttribute("href", "/accounts");
  });

  it("goes to the accounts with the handle once connected", async () => {
    GET.mockImplementation(async (path: string) =>
      path === "/api/accounts"
        ? json(200, { items: [{ ...ACCOUNT, platform: "twitter", handle: "grace", status: "active", last_error: null }] })
        : json(200, { ...ACCOUNT, platform: "twitter", handle: "grace", status: "active", last_error: null }),
    );
    render(wrap("/accounts/twitter/callback?code=c1&state=s2", <AccountCallback />));
    expect(await screen.findByText("Connected X as @grace. It is active.")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText("Active")).toBeInTheDocument());
  });
});
