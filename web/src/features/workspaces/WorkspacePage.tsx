// The workspace screen (/workspace): the current workspace's settings (name, whether posts need approval and
// who approves), its members and their roles, invitations, the activity log, and the list of your workspaces
// with the form that creates a team one. Owners change things; everyone else sees the same read-only.
import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice, PageTitle, Spinner } from "../../components/ui";
import { browserTimeZone } from "../../lib/format";
import { errorAt, formLevel } from "../settings/words";
import { ActivityLog } from "./Activity";
import { switchWorkspace, useWorkspace, useWorkspaces, WORKSPACES_KEY, type Workspace } from "./current";
import { Invitations, Members, useMembers } from "./Members";
import { refreshAfterChange } from "./queries";
import { can, ROLE_NAMES, ROLE_SUMMARIES, ROLES, RULE_WORDS, type ApprovalRule } from "./words";
import "./workspace.css";

/** What the page says after it was opened anew by a switch (the screen is rendered again for the new one). */
export interface PageNote {
  created?: string;
  left?: string;
  switched?: string;
}

// Said once, by the next workspace screen rendered (not again after a reload).
let nextNote: PageNote = {};
export function sayOnNextPage(note: PageNote): void {
  nextNote = note;
}

export function Section(props: { title: string; id: string; children: ReactNode; lead?: ReactNode }) {
  const headingId = useId();
  return (
    <section id={props.id} className="card ws-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{props.title}</h2>
      {props.lead ? <p className="muted">{props.lead}</p> : null}
      {props.children}
    </section>
  );
}

/** Put a changed workspace into the cached list (the switcher and every screen read it from there). */
export function useStoreWorkspace() {
  const queryClient = useQueryClient();
  return (next: Workspace): void => {
    queryClient.setQueryData<{ items: Workspace[] }>(WORKSPACES_KEY, (list) =>
      list
        ? { ...list, items: list.items.some((w) => w.id === next.id) ? list.items.map((w) => (w.id === next.id ? next : w)) : [...list.items, next] }
        : { items: [next] },
    );
  };
}

export default function WorkspacePage() {
  const workspace = useWorkspace();
  const [note] = useState(() => {
    const once = nextNote;
    nextNote = {};
    return once;
  });
  // Opened anew by a button far down the page: the reader starts again at the top.
  useEffect(() => {
    if (!note.created && !note.left && !note.switched) return;
    document.querySelector<HTMLElement>("main h1")?.focus();
    window.scrollTo(0, 0);
  }, [note]);
  const profile = useQuery({ queryKey: ["profile"], queryFn: () => call(api.GET("/api/users/profile")) });
  if (!workspace || profile.isPending) return <Spinner label="Opening the workspace…" />;
  const me = profile.data?.id ?? null;
  const timeZone = profile.data?.timezone ?? browserTimeZone();
  const admin = can(workspace.role, "admin");
  const lead = workspace.personal
    ? "Your personal workspace: yours alone. Create a team workspace to write, approve and schedule posts with others."
    : `You are ${workspace.role === "owner" ? "an owner" : `a ${workspace.role}`} here. ${ROLE_SUMMARIES[workspace.role]}`;
  return (
    <>
      <PageTitle lead={lead}>{workspace.personal ? "Your workspaces" : `Team: ${workspace.name}`}</PageTitle>
      {note.created ? (
        <Notice tone="success">
          Created <strong>{note.created}</strong>, and switched to it: you are its owner. Decide whether posts need
          approval, then invite people.
        </Notice>
      ) : null}
      {note.left ? <Notice tone="success">You left <strong>{note.left}</strong>; you are in your personal workspace now.</Notice> : null}
      {note.switched ? <Notice tone="success">You are in <strong>{note.switched}</strong> now.</Notice> : null}
      <nav className="settings-toc ws-toc" aria-label="Sections of this page">
        <ul>
          {workspace.personal ? null : (
            <>
              <li><a href="#ws-settings">Settings and approval</a></li>
              <li><a href="#ws-members">Members</a></li>
              {admin ? <li><a href="#ws-invitations">Invitations</a></li> : null}
            </>
          )}
          <li><a href="#ws-activity">Activity</a></li>
          <li><a href="#ws-list">Your workspaces</a></li>
        </ul>
      </nav>
      {workspace.personal ? null : <TeamSections workspace={workspace} me={me} timeZone={timeZone} />}
      <Section id="ws-activity" title="Activity" lead="Who created, edited, submitted, approved, scheduled and published what, newest first.">
        <ActivityLog workspace={workspace} timeZone={timeZone} />
      </Section>
      <Section id="ws-list" title="Your workspaces">
        <WorkspaceList />
        <CreateWorkspace />
      </Section>
    </>
  );
}

function TeamSections(props: { workspace: Workspace; me: string | null; timeZone: string }) {
  const { workspace } = props;
  const admin = can(workspace.role, "admin");
  const members = useMembers(workspace.id);
  return (
    <>
      <Section id="ws-settings" title="Settings and approval" lead={admin ? null : "Only owners change these."}>
        {admin ? <SettingsForm key={workspace.id} workspace={workspace} /> : <SettingsReadOnly workspace={workspace} />}
      </Section>
      <Section id="ws-members" title="Members" lead={admin ? "Change a member's role, or remove them; their access changes with their next request." : null}>
        <Members workspace={workspace} me={props.me} members={members} timeZone={props.timeZone} />
        <RolesTable />
      </Section>
      {admin ? (
        <Section id="ws-invitations" title="Invitations" lead="Invite someone by e-mail with a role. The link works once, for 7 days, for that address only.">
          <Invitations workspace={workspace} timeZone={props.timeZone} />
        </Section>
      ) : null}
    </>
  );
}

function RolesTable() {
  return (
    <details className="ws-roles">
      <summary>What each role may do</summary>
      <dl>
        {ROLES.map((role) => (
          <div key={role} className="ws-role-row">
            <dt>{ROLE_NAMES[role]}</dt>
            <dd>{ROLE_SUMMARIES[role]}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function SettingsReadOnly(props: { workspace: Workspace }) {
  const { workspace } = props;
  return (
    <dl>
      <dt>Name</dt>
      <dd>{workspace.name}</dd>
      <dt>Posts need approval</dt>
      <dd>{workspace.needs_approval ? "Yes: a post is scheduled only once a reviewer or owner approved it." : "No: editors schedule posts themselves."}</dd>
      <dt>Who approves</dt>
      <dd>
        {RULE_WORDS[workspace.approval_rule].label}. {RULE_WORDS[workspace.approval_rule].explain}
      </dd>
    </dl>
  );
}

function SettingsForm(props: { workspace: Workspace }) {
  const { workspace } = props;
  const store = useStoreWorkspace();
  const queryClient = useQueryClient();
  const [name, setName] = useState(workspace.name);
  const [needsApproval, setNeedsApproval] = useState(workspace.needs_approval);
  const [rule, setRule] = useState<ApprovalRule>(workspace.approval_rule);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const ruleHint = useId();

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setSaved(false);
    if (!name.trim()) {
      setError(new ApiError("Give the workspace a name.", 422, "client", { name: "Give the workspace a name." }));
      return;
    }
    const body: { name?: string; needs_approval?: boolean; approval_rule?: ApprovalRule } = {};
    if (name.trim() !== workspace.name) body.name = name.trim();
    if (needsApproval !== workspace.needs_approval) body.needs_approval = needsApproval;
    if (rule !== workspace.approval_rule) body.approval_rule = rule;
    if (!Object.keys(body).length) {
      setError(null);
      setSaved(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const next = await call(api.PATCH("/api/workspaces/{workspace_id}", { params: { path: { workspace_id: workspace.id } }, body }));
      store(next);
      refreshAfterChange(queryClient, workspace.id);
      setSaved(true);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const change = <T,>(set: (value: T) => void) => (value: T): void => {
    set(value);
    setSaved(false);
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="The workspace's settings">
      <Field label="Name" error={errorAt(error, "name")}>
        {(ids) => (
          <input id={ids.id} type="text" value={name} aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
            onChange={(e) => change(setName)(e.target.value)} />
        )}
      </Field>
      <div className="choices field">
        <label>
          <input type="checkbox" checked={needsApproval} aria-describedby={`${ruleHint}-approval`}
            onChange={(e) => change(setNeedsApproval)(e.target.checked)} />
          Posts need approval
        </label>
        <p id={`${ruleHint}-approval`} className="hint">
          When on, a draft is scheduled only once a reviewer or owner approved it: an editor submits it, a reviewer
          approves it or sends it back with a comment, and editing an approved draft's text sends it back to review.
        </p>
      </div>
      <fieldset className="ws-rule" aria-describedby={ruleHint}>
        <legend>Who approves</legend>
        <p id={ruleHint} className="hint">
          {needsApproval ? "Applies to every draft submitted from now on." : "Takes effect once posts need approval."}
        </p>
        {(Object.keys(RULE_WORDS) as ApprovalRule[]).map((value) => (
          <label key={value} className="ws-rule-choice">
            <input type="radio" name="approval-rule" value={value} checked={rule === value} onChange={() => change(setRule)(value)} />
            <span>
              <strong>{RULE_WORDS[value].label}</strong>
              <span className="hint"> {RULE_WORDS[value].explain}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <ErrorNote error={formLevel(error, ["name"])} what="The settings were not saved" />
      {saved ? <Notice tone="success">Saved.{needsApproval ? " Posts in this workspace now need approval before they are scheduled." : ""}</Notice> : null}
      <div className="actions">
        <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save the settings"}</button>
      </div>
    </form>
  );
}

function WorkspaceList() {
  const queryClient = useQueryClient();
  const { items, current } = useWorkspaces();
  if (!items) return null;
  return (
    <ul className="ws-list" aria-label="Your workspaces">
      {items.map((w) => (
        <li key={w.id}>
          <span className="ws-list-name">
            <strong>{w.name}</strong>{" "}
            <span className="muted">
              {w.personal ? "personal, " : ""}you are {w.role === "owner" ? "an owner" : `a ${w.role}`}
            </span>
          </span>
          {w.id === current?.id ? (
            <span className="ws-current">Current workspace</span>
          ) : (
            <button type="button" className="secondary" onClick={() => { sayOnNextPage({ switched: w.name }); switchWorkspace(queryClient, w); }}>
              Switch to {w.name}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

function CreateWorkspace() {
  const queryClient = useQueryClient();
  const store = useStoreWorkspace();
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!name.trim()) {
      setError(new ApiError("Give the new workspace a name.", 422, "client", { name: "Give the new workspace a name." }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await call(api.POST("/api/workspaces", { body: { name: name.trim() } }));
      // Into the list first: the gate accepts only a workspace it knows.
      store(created);
      sayOnNextPage({ created: created.name });
      switchWorkspace(queryClient, created);
    } catch (caught) {
      setError(asApiError(caught));
      setBusy(false);
    }
  }

  return (
    <form className="ws-create" onSubmit={(e) => void submit(e)} noValidate aria-label="Create a team workspace">
      <h3>Create a team workspace</h3>
      <Field label="Name of the team workspace" hint="For example your company or your team. You will be its owner." error={errorAt(error, "name")}>
        {(ids) => (
          <input id={ids.id} type="text" value={name} aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
            onChange={(e) => setName(e.target.value)} />
        )}
      </Field>
      <ErrorNote error={formLevel(error, ["name"])} what="The workspace was not created" />
      <div className="actions">
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create the workspace"}</button>
      </div>
    </form>
  );
}
