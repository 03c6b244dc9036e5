// Where the editor mounts the approval panel. The panel (and its comments) loads only where it has something to
// say: in a team workspace, where posts need approval, or for a draft that was submitted. A personal
// workspace's editor pays nothing for it.
import { lazy, Suspense, type ComponentProps } from "react";
import { useWorkspace } from "../workspaces/current";
import { can } from "../workspaces/words";

const ApprovalPanel = lazy(() => import("./ApprovalPanel").then((m) => ({ default: m.ApprovalPanel })));

/** Whether the current member may write drafts here (editors and owners); true outside a workspace. */
export function useCanWrite(): boolean {
  return can(useWorkspace()?.role, "write");
}

export function ApprovalSlot(props: ComponentProps<typeof ApprovalPanel>) {
  const workspace = useWorkspace();
  const used = Boolean(workspace && (!workspace.personal || workspace.needs_approval)) || (props.draft?.approval ?? "none") !== "none";
  if (!used) return null;
  return (
    <Suspense fallback={null}>
      <ApprovalPanel {...props} />
    </Suspense>
  );
}
