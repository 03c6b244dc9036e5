// Queries of a workspace that several screens share (the workspace screen, the editor's approval panel).
import { useQuery, type QueryClient, type UseQueryResult } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";
import { call } from "../../api/errors";

export type Member = Schemas["MemberOut"];

/** What a change in the workspace makes stale: its activity log (and the members list, when they changed). */
export function refreshAfterChange(queryClient: QueryClient, workspaceId: string, members = false): void {
  void queryClient.invalidateQueries({ queryKey: ["workspace", workspaceId, "activity"] });
  if (members) void queryClient.invalidateQueries({ queryKey: membersKey(workspaceId) });
}

export const membersKey = (workspaceId: string) => ["workspace", workspaceId, "members"] as const;

export function useMembers(workspaceId: string | null | undefined): UseQueryResult<Member[]> {
  return useQuery({
    queryKey: membersKey(workspaceId ?? ""),
    enabled: Boolean(workspaceId),
    queryFn: async () =>
      (await call(api.GET("/api/workspaces/{workspace_id}/members", { params: { path: { workspace_id: workspaceId ?? "" } } }))).items,
  });
}
