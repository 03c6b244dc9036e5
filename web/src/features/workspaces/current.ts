// The current workspace for the screens: the list of the caller's workspaces (GET /api/workspaces), the one
// chosen among them (api/workspace.ts keeps its id), and the switch, which drops every cached answer of the
// workspace left so no screen shows another workspace's data.
import { createContext, useContext, useSyncExternalStore } from "react";
import { useQuery, type QueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";
import { call } from "../../api/errors";
import { getWorkspace, setWorkspace, subscribe } from "../../api/workspace";

export type Workspace = Schemas["WorkspaceOut"];

export const WORKSPACES_KEY = ["workspaces"] as const;

/** The current workspace, given by the workspace gate around every signed-in screen (null outside it). */
export const WorkspaceContext = createContext<Workspace | null>(null);

export function useWorkspace(): Workspace | null {
  return useContext(WorkspaceContext);
}

export function useChosen() {
  return useSyncExternalStore(subscribe, getWorkspace, getWorkspace);
}

/**
 * The caller's workspaces (personal first) and the current one among them (the personal one by default).
 * `fresh`: only a list fetched since this component mounted counts (the gate and the switcher, mounted once
 * per sign-in: a list cached before, perhaps of someone who signed out in this tab, is not trusted).
 */
export function useWorkspaces(options: { fresh?: boolean } = {}) {
  const chosen = useChosen();
  const query = useQuery({
    queryKey: WORKSPACES_KEY,
    queryFn: () => call(api.GET("/api/workspaces")),
    staleTime: 60_000,
    refetchOnMount: options.fresh ? "always" : true,
  });
  const items = options.fresh && !query.isFetchedAfterMount ? undefined : query.data?.items;
  const found = items && chosen ? items.find((w) => w.id === chosen.id) : undefined;
  const personal = items?.find((w) => w.personal) ?? items?.[0];
  return {
    query,
    items,
    chosen,
    /** The workspace chosen is not (or no longer) among the caller's. */
    gone: Boolean(items && chosen && !found),
    current: found ?? (chosen ? undefined : personal),
  };
}

// What stays cached across a switch: the list itself and the person's own profile.
const KEEP = new Set<unknown>(["workspaces", "profile"]);

/** Act in `next` (null or a personal workspace: the personal one); nothing cached of the other stays. */
export function switchWorkspace(queryClient: QueryClient, next: Workspace | null): void {
  void queryClient.cancelQueries({ predicate: (q) => !KEEP.has(q.queryKey[0]) });
  queryClient.removeQueries({ predicate: (q) => !KEEP.has(q.queryKey[0]) });
  setWorkspace(next && !next.personal ? { id: next.id, name: next.name } : null);
}
