// The workspace the page acts in: its id goes with every call as `X-Workspace-Id` (client.ts), and without
// one the API means the caller's personal workspace. Kept in localStorage so a reload stays where it was;
// validated against GET /api/workspaces by the workspace gate (features/workspaces/WorkspaceGate.tsx).
import { subscribe as onSession, getState as sessionState } from "./session";

export interface Chosen {
  id: string;
  name: string;
}

const KEY = "postwright:workspace";
const listeners = new Set<() => void>();
const lostListeners = new Set<(id: string) => void>();

function read(): Chosen | null {
  try {
    const raw = typeof localStorage !== "undefined" ? localStorage.getItem(KEY) : null;
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Chosen>;
    return typeof value.id === "string" && value.id ? { id: value.id, name: String(value.name ?? "") } : null;
  } catch {
    return null;
  }
}

let chosen: Chosen | null = read();

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The workspace chosen, or null for the personal one. */
export function getWorkspace(): Chosen | null {
  return chosen;
}

export function getWorkspaceId(): string | null {
  return chosen?.id ?? null;
}

/** Act in `next` from now on (null: the personal workspace). */
export function setWorkspace(next: Chosen | null): void {
  if (next?.id === chosen?.id && next?.name === chosen?.name) return;
  chosen = next;
  try {
    if (next) localStorage.setItem(KEY, JSON.stringify(next));
    else localStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode, full): the choice holds for this page only.
  }
  for (const listener of listeners) listener();
}

/** Told when the API answers that the workspace sent is not (or no longer) the caller's. */
export function onWorkspaceLost(listener: (id: string) => void): () => void {
  lostListeners.add(listener);
  return () => lostListeners.delete(listener);
}

export function workspaceLost(id: string): void {
  for (const listener of lostListeners) listener(id);
}

// Signed out: the next person to sign in on this browser starts in their own personal workspace.
onSession(() => {
  if (sessionState() === "signed-out") setWorkspace(null);
});
