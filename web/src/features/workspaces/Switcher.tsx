import { useEffect, useId, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useNavigate } from "react-router";
import { switchWorkspace, useWorkspaces, type Workspace } from "./current";
import { ROLE_NAMES } from "./words";
import "./switcher.css";

/**
 * The workspace switcher in the header: a button naming the current workspace and your role there, opening
 * the list of your workspaces (a disclosure: Tab and Enter, Escape closes). On a phone it sits in the Menu.
 */
export function WorkspaceSwitcher(props: { id: string; open: boolean }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const { items, current } = useWorkspaces({ fresh: true });
  const [expanded, setExpanded] = useState(false);
  const [said, setSaid] = useState("");
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const listId = useId();

  useEffect(() => setExpanded(false), [location.pathname]);
  useEffect(() => {
    if (!expanded) return;
    const outside = (event: PointerEvent): void => {
      if (!root.current?.contains(event.target as Node)) setExpanded(false);
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, [expanded]);

  function choose(workspace: Workspace): void {
    setExpanded(false);
    toggle.current?.focus();
    if (workspace.id === current?.id) return;
    switchWorkspace(queryClient, workspace);
    setSaid(`Now in ${workspace.name}, as ${workspace.role}.`);
    // A draft belongs to the workspace left: open the new one's home instead of a 404.
    if (/^\/drafts\/(?!new$)/.test(location.pathname)) navigate("/");
  }

  return (
    <div
      id={props.id}
      ref={root}
      className={`ws-switch${props.open ? " open" : ""}`}
      onKeyDown={(e) => {
        if (e.key === "Escape" && expanded) {
          e.stopPropagation();
          setExpanded(false);
          toggle.current?.focus();
        }
      }}
    >
      <button
        ref={toggle}
        type="button"
        className="ws-switch-toggle"
        aria-expanded={expanded}
        aria-controls={listId}
        disabled={!current}
        onClick={() => setExpanded((open) => !open)}
      >
        <span className="ws-switch-text">
          <span className="ws-switch-label">Workspace<span className="sr-only">:</span></span>{" "}
          <span className="ws-switch-name">{current?.name ?? "…"}</span>
          {current ? (
            <>
              <span className="sr-only">, your role:</span> <span className="ws-switch-role">{ROLE_NAMES[current.role]}</span>
            </>
          ) : null}
        </span>
        <span className="ws-switch-caret" aria-hidden="true">▾</span>
      </button>
      <div id={listId} className="ws-switch-panel" hidden={!expanded}>
        <ul aria-label="Your workspaces">
          {(items ?? []).map((w) => (
            <li key={w.id}>
              <button
                type="button"
                className="ws-switch-choice"
                aria-current={w.id === current?.id ? "true" : undefined}
                onClick={() => choose(w)}
              >
                <span className="ws-switch-choice-name">{w.name}</span>
                <span className="ws-switch-choice-role">
                  {w.id === current?.id ? "current, " : ""}
                  {w.personal ? "personal, " : ""}
                  {ROLE_NAMES[w.role].toLowerCase()}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <Link to="/workspace" className="ws-switch-manage" onClick={() => setExpanded(false)}>
          Manage workspaces and members
        </Link>
      </div>
      <span className="sr-only" role="status">
        {said}
      </span>
    </div>
  );
}
