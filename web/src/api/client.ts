// The one client of the API, generated from its OpenAPI document (src/api/schema.d.ts): every path, body
// and answer is typed; nothing here is written by hand but the session handling.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { getAccessToken, refresh } from "./session";
import { getWorkspaceId, workspaceLost } from "./workspace";

const originals = new WeakMap<Request, Request>();
const NO_RETRY = /^\/api\/auth\//;

const auth: Middleware = {
  onRequest({ request }) {
    const token = getAccessToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    // Kept to send again after a refresh: the body of the request sent is spent by then.
    if (!NO_RETRY.test(new URL(request.url).pathname)) originals.set(request, request.clone());
    return request;
  },
  async onResponse({ request, response }) {
    const original = originals.get(request);
    originals.delete(request);
    if (response.status !== 401 || !original) return response;
    // One refresh, one retry: a second 401 is the answer (no loops).
    const renewed = await refresh().catch(() => false);
    if (!renewed) return response;
    const retry = new Request(original);
    retry.headers.set("Authorization", `Bearer ${getAccessToken() ?? ""}`);
    return fetch(retry);
  },
};

// The workspace the page acts in, on every call (the API ignores it where a path names the workspace). A 404
// saying the workspace is not the caller's (removed meanwhile) tells the workspace gate to look again.
const workspace: Middleware = {
  onRequest({ request }) {
    const id = getWorkspaceId();
    if (id && !request.headers.has("X-Workspace-Id")) request.headers.set("X-Workspace-Id", id);
    return request;
  },
  async onResponse({ request, response }) {
    const id = request.headers.get("X-Workspace-Id");
    if (response.status === 404 && id) {
      const body = (await response.clone().json().catch(() => null)) as { detail?: unknown } | null;
      if (body?.detail === `No workspace ${id}.`) workspaceLost(id);
    }
    return response;
  },
};

// Same origin as the page (an absolute base, so a Request can be built outside a browser too).
export const api = createClient<paths>({
  baseUrl: typeof window !== "undefined" ? window.location.origin : "",
  credentials: "same-origin",
});
// The workspace first: the request auth keeps for its retry after a refresh carries the header too.
api.use(workspace, auth);

export type Schemas = import("./schema").components["schemas"];
