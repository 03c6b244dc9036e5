// The one client of the API, generated from its OpenAPI document (src/api/schema.d.ts): every path, body
// and answer is typed; nothing here is written by hand but the session handling.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { getAccessToken, refresh } from "./session";

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

// Same origin as the page (an absolute base, so a Request can be built outside a browser too).
export const api = createClient<paths>({
  baseUrl: typeof window !== "undefined" ? window.location.origin : "",
  credentials: "same-origin",
});
api.use(auth);

export type Schemas = import("./schema").components["schemas"];
