import { Fragment, useEffect, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { asApiError } from "../../api/errors";
import { onWorkspaceLost, setWorkspace } from "../../api/workspace";
import { ErrorNote, Notice, Spinner } from "../../components/ui";
import { switchWorkspace, useWorkspaces, WORKSPACES_KEY, WorkspaceContext } from "./current";

/**
 * Around every signed-in screen: the screen renders only once the workspace it acts in is known to be one of
 * the caller's. A workspace they were removed from (found at load, or from a 404 meanwhile) falls back to the
 * personal one, with a message; a switch renders the screen anew (its state and queries belong to the other).
 */
export function WorkspaceGate(props: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const { query, chosen, gone, current } = useWorkspaces({ fresh: true });
  const [lost, setLost] = useState<string | null>(null);

  // The API said the workspace sent is not the caller's: look at the list again.
  useEffect(
    () => onWorkspaceLost(() => void queryClient.invalidateQueries({ queryKey: WORKSPACES_KEY })),
    [queryClient],
  );
  useEffect(() => {
    if (!gone || !chosen) return;
    setLost(chosen.name);
    switchWorkspace(queryClient, null);
  }, [gone, chosen, queryClient]);
  // Renamed meanwhile: the name kept for the message above follows.
  useEffect(() => {
    if (current && chosen && current.id === chosen.id && current.name !== chosen.name) {
      setWorkspace({ id: current.id, name: current.name });
    }
  }, [current, chosen]);
  useEffect(() => {
    if (chosen) setLost(null);
  }, [chosen]);
  // The screen appears a moment after the address changed (the layout named the page before): name it now.
  const ready = Boolean(current);
  useEffect(() => {
    const heading = ready ? document.querySelector("main h1") : null;
    if (heading?.textContent) document.title = `${heading.textContent} · Postwright`;
  }, [ready]);

  if (!current) {
    if (query.error && !query.data) {
      return (
        <>
          <ErrorNote error={asApiError(query.error)} what="Your workspaces did not load" />
          <button type="button" onClick={() => void query.refetch()}>
            Try again
          </button>
        </>
      );
    }
    return <Spinner label="Opening your workspace…" />;
  }
  return (
    <WorkspaceContext.Provider value={current}>
      {lost !== null ? (
        <div className="ws-lost">
          <Notice>
            You are no longer a member of {lost ? <strong>{lost}</strong> : "the workspace you had open"} (you
            were removed, or it was deleted), so you are in your personal workspace now.
          </Notice>
          <button type="button" className="secondary" onClick={() => setLost(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      <Fragment key={current.id}>{props.children}</Fragment>
    </WorkspaceContext.Provider>
  );
}
