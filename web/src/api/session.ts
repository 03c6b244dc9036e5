// The browser session: the access token lives only in this module's memory; the refresh token is an
// HttpOnly cookie the page's scripts never see. A reload starts with no access token and spends the cookie.

export type SessionState = "unknown" | "signed-in" | "signed-out";

interface SessionBody {
  access_token: string;
  expires_in: number;
}

let accessToken: string | null = null;
let state: SessionState = "unknown";
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

function emit(): void {
  for (const listener of listeners) listener();
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getState(): SessionState {
  return state;
}

export function getAccessToken(): string | null {
  return accessToken;
}

function accept(body: SessionBody): void {
  accessToken = body.access_token;
  state = "signed-in";
  clearTimeout(refreshTimer);
  // Renew a minute before expiry so a user who is typing never meets a 401 at all.
  const renewIn = Math.max(30, body.expires_in - 60) * 1000;
  refreshTimer = setTimeout(() => void refresh(), renewIn);
  emit();
}

export function forget(): void {
  accessToken = null;
  state = "signed-out";
  clearTimeout(refreshTimer);
  emit();
}

/** Thrown when the session could not be checked (network down, rate limited): not the same as signed out. */
export class SessionUnreachable extends Error {
  constructor(
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

async function spendCookie(): Promise<boolean> {
  let response: Response;
  try {
    response = await fetch("/api/auth/session/refresh", { method: "POST", credentials: "same-origin" });
  } catch {
    throw new SessionUnreachable("The server cannot be reached. Check your connection; nothing was lost.");
  }
  if (response.ok) {
    accept((await response.json()) as SessionBody);
    return true;
  }
  if (response.status === 401) {
    forget();
    return false;
  }
  const retry = Number(response.headers.get("Retry-After"));
  throw new SessionUnreachable(
    response.status === 429 ? "Too many session checks from this address." : "The server is not answering.",
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/**
 * Spend the refresh cookie for a new access token. Concurrent callers share one request; tabs take turns
 * (Web Locks), so two tabs never present the same rotated token (which would sign the login out).
 */
export function refresh(): Promise<boolean> {
  if (inFlight) return inFlight;
  // The server sets a readable flag beside the HttpOnly cookie: without it there is no session to resume,
  // and asking would only earn a 401.
  if (typeof document !== "undefined" && !/(?:^|;\s*)pw_session=1(?:;|$)/.test(document.cookie)) {
    forget();
    return Promise.resolve(false);
  }
  const run = (): Promise<boolean> => spendCookie();
  const locked: Promise<boolean> =
    typeof navigator !== "undefined" && navigator.locks
      ? navigator.locks.request("postwright-session", run).then((ok) => ok)
      : run();
  const shared = locked.finally(() => {
    inFlight = null;
  });
  inFlight = shared;
  return shared;
}

export function signedIn(body: SessionBody): void {
  accept(body);
}

export async function signOut(): Promise<void> {
  try {
    await fetch("/api/auth/session", { method: "DELETE", credentials: "same-origin" });
  } finally {
    forget();
  }
}
