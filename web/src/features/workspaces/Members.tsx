// Members and their roles (owners change a role or remove someone; anyone may leave), and invitations by
// e-mail with their pending list. Removing and leaving ask first; the API's 403 and 409 are said at the row.
import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice, Spinner } from "../../components/ui";
import { formatDateTime } from "../../lib/format";
import { ConfirmDialog } from "../accounts/ConfirmDialog";
import { errorAt, formLevel } from "../settings/words";
import { switchWorkspace, WORKSPACES_KEY, type Workspace } from "./current";
import { sayOnNextPage } from "./WorkspacePage";
import { membersKey, refreshAfterChange, type Member } from "./queries";
import { can, ROLE_NAMES, ROLES, withArticle, type Role } from "./words";

export { useMembers } from "./queries";

type Invitation = Schemas["InvitationOut"];

type Ask = { kind: "remove"; member: Member } | { kind: "leave"; member: Member };

export function Members(props: { workspace: Workspace; me: string | null; members: UseQueryResult<Member[]>; timeZone: string }) {
  const { workspace, members } = props;
  const queryClient = useQueryClient();
  const admin = can(workspace.role, "admin");
  const [ask, setAsk] = useState<Ask | null>(null);
  const [askError, setAskError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  if (members.isPending) return <Spinner label="Loading the members…" />;
  if (members.error) return <ErrorNote error={asApiError(members.error)} what="The members did not load" />;

  async function confirm(): Promise<void> {
    if (!ask) return;
    setBusy(true);
    setAskError(null);
    try {
      await call(api.DELETE("/api/workspaces/{workspace_id}/members/{user_id}", {
        params: { path: { workspace_id: workspace.id, user_id: ask.member.user_id } },
      }));
      if (ask.kind === "leave") {
        sayOnNextPage({ left: workspace.name });
        switchWorkspace(queryClient, null);
        void queryClient.invalidateQueries({ queryKey: WORKSPACES_KEY });
        return;
      }
      setDone(`${ask.member.name} was removed from ${workspace.name}.`);
      setAsk(null);
      refreshAfterChange(queryClient, workspace.id, true);
    } catch (caught) {
      setAskError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {done ? <Notice tone="success">{done}</Notice> : null}
      <ul className="ws-members" aria-label={`Members of ${workspace.name}`}>
        {members.data.map((member) => (
          <MemberRow
            key={member.user_id}
            workspace={workspace}
            member={member}
            me={member.user_id === props.me}
            admin={admin}
            timeZone={props.timeZone}
            onRemove={() => { setDone(null); setAskError(null); setAsk({ kind: "remove", member }); }}
            onLeave={() => { setDone(null); setAskError(null); setAsk({ kind: "leave", member }); }}
          />
        ))}
      </ul>
      <ConfirmDialog
        open={ask !== null}
        title={ask?.kind === "leave" ? `Leave ${workspace.name}?` : `Remove ${ask?.member.name ?? ""} from ${workspace.name}?`}
        confirm={busy ? "Working…" : ask?.kind === "leave" ? "Leave the workspace" : `Remove ${ask?.member.name ?? ""}`}
        cancel={ask?.kind === "leave" ? "Stay" : "Keep them"}
        busy={busy}
        onConfirm={() => void confirm()}
        onCancel={() => { setAsk(null); setAskError(null); }}
      >
        <p>
          {ask?.kind === "leave"
            ? "You lose access to its drafts, calendar and queue at once; an owner has to invite you again for you to come back."
            : "They lose access at once: their next request in this workspace is refused. The drafts they wrote stay."}
        </p>
        <ErrorNote error={askError} what={ask?.kind === "leave" ? "You did not leave" : "Not removed"} />
      </ConfirmDialog>
    </>
  );
}

function MemberRow(props: {
  workspace: Workspace;
  member: Member;
  me: boolean;
  admin: boolean;
  timeZone: string;
  onRemove: () => void;
  onLeave: () => void;
}) {
  const { workspace, member } = props;
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>(member.role);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const selectId = `role-${member.user_id}`;

  async function changeRole(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const next = await call(api.PATCH("/api/workspaces/{workspace_id}/members/{user_id}", {
        params: { path: { workspace_id: workspace.id, user_id: member.user_id } },
        body: { role },
      }));
      queryClient.setQueryData<Member[]>(membersKey(workspace.id), (list) => list?.map((m) => (m.user_id === next.user_id ? next : m)));
      setSaved(true);
      refreshAfterChange(queryClient, workspace.id);
      // Your own role changed: what the screens offer you changes with it.
      if (props.me) void queryClient.invalidateQueries({ queryKey: WORKSPACES_KEY });
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="ws-member">
      <div className="ws-member-who">
        <span>
          <strong>{member.name}</strong>
          {props.me ? <span className="muted"> (you)</span> : null}
        </span>
        <span className="ws-member-email">{member.email}</span>
        <span className="muted ws-member-since">Joined {formatDateTime(member.joined_at, props.timeZone)}</span>
      </div>
      {props.admin ? (
        <form className="ws-member-role" onSubmit={(e) => void changeRole(e)}>
          <label htmlFor={selectId}>Role of {member.name}</label>
          <div className="ws-member-controls">
            <select id={selectId} value={role} onChange={(e) => { setRole(e.target.value as Role); setSaved(false); setError(null); }}>
              {ROLES.map((r) => <option key={r} value={r}>{ROLE_NAMES[r]}</option>)}
            </select>
            <button type="submit" className="secondary" disabled={busy || role === member.role}>
              {busy ? "Changing…" : "Change the role"}
            </button>
          </div>
        </form>
      ) : (
        <p className="ws-member-role-text">{ROLE_NAMES[member.role]}</p>
      )}
      <div className="actions ws-member-actions">
        {props.me ? (
          <button type="button" className="secondary" onClick={props.onLeave}>Leave the workspace…</button>
        ) : props.admin ? (
          <button type="button" className="secondary" onClick={props.onRemove}>Remove {member.name}…</button>
        ) : null}
      </div>
      {saved ? <Notice tone="success">{member.name} is now {withArticle(member.role)}.</Notice> : null}
      <ErrorNote error={error} what="The role was not changed" />
    </li>
  );
}

export function Invitations(props: { workspace: Workspace; timeZone: string }) {
  const { workspace } = props;
  const queryClient = useQueryClient();
  const key = ["workspace", workspace.id, "invitations"] as const;
  const pending = useQuery({
    queryKey: key,
    queryFn: async () =>
      (await call(api.GET("/api/workspaces/{workspace_id}/invitations", { params: { path: { workspace_id: workspace.id } } }))).items,
  });
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("editor");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [withdrawing, setWithdrawing] = useState<string | null>(null);
  const [withdrawError, setWithdrawError] = useState<{ id: string; error: ApiError } | null>(null);

  async function invite(event: FormEvent): Promise<void> {
    event.preventDefault();
    setSent(null);
    if (!email.trim()) {
      setError(new ApiError("Type the address to invite.", 422, "client", { email: "Type the address to invite." }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await call(api.POST("/api/workspaces/{workspace_id}/invitations", {
        params: { path: { workspace_id: workspace.id } },
        body: { email: email.trim(), role },
      }));
      setSent(`Invitation sent to ${created.email} as ${ROLE_NAMES[created.role].toLowerCase()}. The link in it works once, for 7 days.`);
      setEmail("");
      void queryClient.invalidateQueries({ queryKey: key });
      refreshAfterChange(queryClient, workspace.id);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  async function withdraw(invitation: Invitation): Promise<void> {
    setWithdrawing(invitation.id);
    setWithdrawError(null);
    setSent(null);
    try {
      await call(api.DELETE("/api/workspaces/{workspace_id}/invitations/{invitation_id}", {
        params: { path: { workspace_id: workspace.id, invitation_id: invitation.id } },
      }));
      queryClient.setQueryData<Invitation[]>(key, (list) => list?.filter((i) => i.id !== invitation.id));
      refreshAfterChange(queryClient, workspace.id);
    } catch (caught) {
      setWithdrawError({ id: invitation.id, error: asApiError(caught) });
    } finally {
      setWithdrawing(null);
    }
  }

  return (
    <>
      <form className="ws-invite" onSubmit={(e) => void invite(e)} noValidate aria-label="Invite someone">
        <div className="ws-invite-grid">
          <Field label="E-mail address" error={errorAt(error, "email")}>
            {(ids) => (
              <input id={ids.id} type="email" autoComplete="off" value={email} aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid} onChange={(e) => { setEmail(e.target.value); setSent(null); }} />
            )}
          </Field>
          <Field label="Role" hint="What they may do once they join." error={errorAt(error, "role")}>
            {(ids) => (
              <select id={ids.id} value={role} aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
                onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => <option key={r} value={r}>{ROLE_NAMES[r]}</option>)}
              </select>
            )}
          </Field>
        </div>
        <ErrorNote error={formLevel(error, ["email", "role"])} what="The invitation was not sent" />
        {sent ? <Notice tone="success">{sent}</Notice> : null}
        <div className="actions">
          <button type="submit" disabled={busy}>{busy ? "Sending…" : "Send the invitation"}</button>
        </div>
      </form>
      <h3>Waiting for an answer</h3>
      {pending.isPending ? <Spinner label="Loading the invitations…" /> : null}
      <ErrorNote error={pending.error ? asApiError(pending.error) : null} what="The invitations did not load" />
      {pending.data && pending.data.length === 0 ? <p className="muted">No invitation is waiting.</p> : null}
      {pending.data?.length ? (
        <ul className="ws-invitations" aria-label="Pending invitations">
          {pending.data.map((invitation) => (
            <li key={invitation.id}>
              <span className="ws-invitation-who">
                <strong>{invitation.email}</strong>{" "}
                <span className="muted">
                  as {ROLE_NAMES[invitation.role].toLowerCase()}, until {formatDateTime(invitation.expires_at, props.timeZone)}
                </span>
              </span>
              <button type="button" className="secondary" disabled={withdrawing === invitation.id} onClick={() => void withdraw(invitation)}>
                {withdrawing === invitation.id ? "Withdrawing…" : <>Withdraw<span className="sr-only"> the invitation to {invitation.email}</span></>}
              </button>
              {withdrawError?.id === invitation.id ? <ErrorNote error={withdrawError.error} what="Not withdrawn" /> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
