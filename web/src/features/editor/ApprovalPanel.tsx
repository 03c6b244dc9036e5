// The editor's approval panel: the draft's approval state in words and as a badge; Submit for approval,
// Approve and Request changes (with a required comment), each shown only to a role that may use it; the
// draft's comments with a form to add one. A 403 or 409 from the API is said under the buttons.
import { useMemo, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice, Spinner } from "../../components/ui";
import { formatDateTime } from "../../lib/format";
import { ApprovalBadge } from "../workspaces/ApprovalBadge";
import { useWorkspace } from "../workspaces/current";
import { useMembers } from "../workspaces/queries";
import { approvalChoices } from "../workspaces/words";

type Draft = Schemas["DraftOut"];
type Action = "submit" | "approve" | "request-changes";

const FAILED: Record<Action, string> = {
  submit: "Not submitted",
  approve: "Not approved",
  "request-changes": "Not sent back",
};

export function ApprovalPanel(props: {
  draft: Draft | null;
  timeZone: string;
  /** Saves what is typed and answers the draft as the server has it (null: it could not be saved). */
  save: () => Promise<Draft | null>;
  onChange: (draft: Draft) => void;
}) {
  const workspace = useWorkspace();
  const { draft } = props;
  const needsApproval = workspace?.needs_approval ?? false;
  const team = workspace ? !workspace.personal : false;
  if (!draft) {
    return needsApproval ? (
      <section className="card approval-panel" aria-labelledby="approval-title">
        <h2 id="approval-title">Approval</h2>
        <p>In this workspace a post is scheduled only once a reviewer approved it. Write it first; it can then be submitted.</p>
      </section>
    ) : null;
  }
  if (!team && !needsApproval && draft.approval === "none") return null;
  return <Panel {...props} draft={draft} />;
}

function Panel(props: { draft: Draft; timeZone: string; save: () => Promise<Draft | null>; onChange: (draft: Draft) => void }) {
  const { draft, timeZone } = props;
  const workspace = useWorkspace();
  const queryClient = useQueryClient();
  const profile = useQuery({ queryKey: ["profile"], queryFn: () => call(api.GET("/api/users/profile")) });
  const members = useMembers(workspace?.id);
  const people = useMemo(() => new Map((members.data ?? []).map((m) => [m.user_id, m.name])), [members.data]);
  const nameOf = (id: string | null | undefined): string => (id ? (people.get(id) ?? "a former member") : "someone");
  const choices = approvalChoices(workspace?.role, draft, workspace?.approval_rule ?? "any_reviewer", profile.data?.id);
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState<{ action: Action; error: ApiError } | null>(null);
  const [asking, setAsking] = useState(false);
  const [changes, setChanges] = useState("");
  const [changesError, setChangesError] = useState<string | undefined>(undefined);
  const [said, setSaid] = useState<string | null>(null);

  function refresh(next: Draft): void {
    props.onChange(next);
    void queryClient.invalidateQueries({ queryKey: ["comments", next.id] });
    void queryClient.invalidateQueries({ queryKey: ["drafts"] });
    void queryClient.invalidateQueries({ queryKey: ["calendar"] });
    if (workspace) void queryClient.invalidateQueries({ queryKey: ["workspace", workspace.id, "activity"] });
  }

  async function act(action: Action): Promise<void> {
    if (action === "request-changes" && !changes.trim()) {
      setChangesError("Say what should change: the comment is required.");
      return;
    }
    setBusy(action);
    setError(null);
    setSaid(null);
    try {
      // Submitting sends what is on screen: the text typed is saved first.
      const current = action === "submit" ? await props.save() : draft;
      if (!current) throw new ApiError("Save the draft first: it is submitted as saved (see the message under the text).", null, "not_saved");
      const path = { params: { path: { draft_id: current.id } } };
      const next =
        action === "submit"
          ? await call(api.POST("/api/content/drafts/{draft_id}/submit", { ...path, body: { version: current.version } }))
          : action === "approve"
            ? await call(api.POST("/api/content/drafts/{draft_id}/approve", { ...path, body: { version: current.version } }))
            : await call(api.POST("/api/content/drafts/{draft_id}/request-changes", { ...path, body: { version: current.version, comment: changes.trim() } }));
      refresh(next);
      if (action === "request-changes") {
        setChanges("");
        setAsking(false);
      }
      setSaid(
        action === "submit"
          ? "Submitted: the workspace's reviewers can approve it now."
          : action === "approve"
            ? "Approved: it can be scheduled now."
            : "Sent back with your comment.",
      );
    } catch (caught) {
      setError({ action, error: asApiError(caught) });
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card approval-panel" aria-labelledby="approval-title">
      <h2 id="approval-title">Approval</h2>
      <div className="approval-state">
        <ApprovalBadge approval={draft.approval} />
        <p>{stateSentence(draft, workspace?.needs_approval ?? false, nameOf, timeZone)}</p>
      </div>
      {choices.approveBlockedByRule ? (
        <p className="muted">
          This workspace asks for two people: someone who neither wrote this draft nor edited it last approves it.
        </p>
      ) : null}
      {choices.submit || choices.approve || (choices.requestChanges && !asking) ? (
        <div className="actions">
          {choices.submit ? (
            <button type="button" disabled={busy !== null} onClick={() => void act("submit")}>
              {busy === "submit" ? "Submitting…" : draft.approval === "changes_requested" ? "Submit again for approval" : "Submit for approval"}
            </button>
          ) : null}
          {choices.approve ? (
            <button type="button" disabled={busy !== null} onClick={() => void act("approve")}>
              {busy === "approve" ? "Approving…" : "Approve"}
            </button>
          ) : null}
          {choices.requestChanges && !asking ? (
            <button type="button" className="secondary" disabled={busy !== null} onClick={() => { setAsking(true); setSaid(null); }}>
              Request changes…
            </button>
          ) : null}
        </div>
      ) : null}
      {asking ? (
        <form
          noValidate
          aria-label="Request changes"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void act("request-changes");
          }}
        >
          <Field label="What should change? (required)" hint="The author sees it with the draft, in the comments below." error={changesError}>
            {(ids) => (
              <textarea id={ids.id} rows={3} value={changes} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} aria-required="true"
                autoFocus onChange={(e) => { setChanges(e.target.value); setChangesError(undefined); }} />
            )}
          </Field>
          <div className="actions">
            <button type="submit" disabled={busy !== null}>
              {busy === "request-changes" ? "Sending…" : "Send back with this comment"}
            </button>
            <button type="button" className="secondary" onClick={() => { setAsking(false); setChangesError(undefined); }}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {error ? <ErrorNote error={error.error} what={FAILED[error.action]} /> : null}
      {said ? <Notice tone="success">{said}</Notice> : null}
      <Comments draft={draft} nameOf={nameOf} timeZone={timeZone} canComment={choices.comment} />
    </section>
  );
}

function stateSentence(draft: Draft, needsApproval: boolean, nameOf: (id: string | null | undefined) => string, timeZone: string): string {
  switch (draft.approval) {
    case "submitted":
      return "Submitted: waiting for a reviewer to approve it or ask for changes.";
    case "approved":
      return `Approved by ${nameOf(draft.approved_by)}${draft.approved_at ? ` on ${formatDateTime(draft.approved_at, timeZone)}` : ""}. Editing its text sends it back to review.`;
    case "changes_requested":
      return "A reviewer asked for changes (see the comments). Edit the post, then submit it again.";
    default:
      return needsApproval
        ? "Not submitted yet: in this workspace a post is scheduled only once a reviewer approved it."
        : "Not submitted. This workspace does not ask for approval, but you may ask a reviewer for it.";
  }
}

function Comments(props: { draft: Draft; nameOf: (id: string | null | undefined) => string; timeZone: string; canComment: boolean }) {
  const { draft } = props;
  const queryClient = useQueryClient();
  const key = ["comments", draft.id] as const;
  const comments = useQuery({
    queryKey: key,
    queryFn: () => call(api.GET("/api/content/drafts/{draft_id}/comments", { params: { path: { draft_id: draft.id }, query: { limit: 200 } } })),
  });
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function add(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!body.trim()) {
      setError(new ApiError("Type a comment first.", 422, "client", { body: "Type a comment first." }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await call(api.POST("/api/content/drafts/{draft_id}/comments", { params: { path: { draft_id: draft.id } }, body: { body: body.trim() } }));
      setBody("");
      await queryClient.invalidateQueries({ queryKey: key });
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const items = comments.data?.items ?? [];
  return (
    <>
      <h3 id="comments-title">Comments</h3>
      {comments.isPending ? <Spinner label="Loading the comments…" /> : null}
      <ErrorNote error={comments.error ? asApiError(comments.error) : null} what="The comments did not load" />
      {comments.data && items.length === 0 ? <p className="muted">No comments yet.</p> : null}
      {items.length ? (
        <ol className="comments" aria-labelledby="comments-title">
          {items.map((c) => (
            <li key={c.id}>
              <div className="comment-head">
                <strong>{c.author_id ? props.nameOf(c.author_id) : "A deleted account"}</strong>
                <time dateTime={c.created_at}>{formatDateTime(c.created_at, props.timeZone)}</time>
              </div>
              <p className="comment-body">{c.body}</p>
            </li>
          ))}
        </ol>
      ) : null}
      {comments.data && comments.data.total > items.length ? (
        <p className="muted">The first {items.length} of {comments.data.total} comments are shown.</p>
      ) : null}
      {props.canComment ? (
        <form onSubmit={(e) => void add(e)} noValidate aria-label="Add a comment">
          <Field label="Your comment" error={error?.fields.body}>
            {(ids) => (
              <textarea id={ids.id} rows={3} value={body} aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
                onChange={(e) => { setBody(e.target.value); if (error?.fields.body) setError(null); }} />
            )}
          </Field>
          <ErrorNote error={error && !error.fields.body ? error : null} what="The comment was not added" />
          <div className="actions">
            <button type="submit" disabled={busy}>{busy ? "Adding…" : "Add the comment"}</button>
          </div>
        </form>
      ) : (
        <p className="muted">Viewers read the comments; they cannot add any.</p>
      )}
    </>
  );
}
