// The page an invitation's e-mail links to: /invitations/accept?token=… (the API builds the link from
// PUBLIC_BASE_URL). Signed in first (sign-in comes back here). It shows what the invitation offers and joins
// only when the person presses the button, so a mail scanner following the link accepts nothing. Only the
// invited address may accept: signed in with another, the page says so before anything is sent.
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { signOut } from "../../api/session";
import { ErrorNote, Notice, PageTitle, Spinner } from "../../components/ui";
import { browserTimeZone, formatDateTime } from "../../lib/format";
import { switchWorkspace, WORKSPACES_KEY, type Workspace } from "../workspaces/current";
import { ROLE_SUMMARIES, withArticle } from "../workspaces/words";

/** The API's answers about a link, in words that say what to do next. */
export function invitationError(error: ApiError): ApiError {
  if (error.status === 404)
    return new ApiError("This invitation does not exist or was withdrawn. Ask the person who invited you for a new one.", 404, error.code);
  if (error.status === 422) return new ApiError("This link is incomplete: open the whole link from the e-mail.", 422, error.code);
  // 409 (used or expired) and 403 (another address) come with a sentence of their own.
  return error;
}

// Invitations accepted on this page: the page may be rendered anew (a workspace switch does that), and a used
// link must then show what it did, not ask the API about it again (a 409: already used).
const accepted = new Map<string, Workspace>();

export default function AcceptInvitationPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const valid = /^[A-Za-z0-9_-]{20,200}$/.test(token);
  return (
    <>
      <PageTitle lead="Join a team workspace on Postwright.">Your invitation</PageTitle>
      {valid ? (
        <Invitation token={token} />
      ) : (
        <ErrorNote error={new ApiError(token ? "This link is incomplete: open the whole link from the e-mail." : "This link has no token: open the whole link from the e-mail.", null, "client")} />
      )}
    </>
  );
}

function Joined(props: { workspace: Workspace }) {
  const { workspace } = props;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (
    <section className="card" aria-labelledby="joined-title">
      <h2 id="joined-title">You joined {workspace.name}</h2>
      <Notice tone="success">
        You are {withArticle(workspace.role)} in <strong>{workspace.name}</strong>. {ROLE_SUMMARIES[workspace.role]}
      </Notice>
      <div className="actions">
        <button type="button" onClick={() => { navigate("/workspace"); switchWorkspace(queryClient, workspace); }}>
          Open {workspace.name}
        </button>
        <Link to="/">Stay in your current workspace</Link>
      </div>
    </section>
  );
}

function Invitation(props: { token: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const profile = useQuery({ queryKey: ["profile"], queryFn: () => call(api.GET("/api/users/profile")) });
  const [joined, setJoined] = useState<Workspace | null>(() => accepted.get(props.token) ?? null);
  const preview = useQuery({
    queryKey: ["invitation", props.token],
    enabled: joined === null,
    queryFn: () => call(api.POST("/api/invitations/preview", { body: { token: props.token } })),
    staleTime: Infinity,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  if (joined) return <Joined workspace={joined} />;
  if (preview.isPending || profile.isPending) return <Spinner label="Opening the invitation…" />;
  if (preview.error) {
    return (
      <>
        <ErrorNote error={invitationError(asApiError(preview.error))} what="This invitation cannot be used" />
        <p><Link to="/">Go to your home page</Link></p>
      </>
    );
  }
  const offer: Schemas["InvitationPreview"] = preview.data;
  const timeZone = profile.data?.timezone ?? browserTimeZone();
  const email = profile.data?.email ?? "";
  const otherAddress = email !== "" && email.toLowerCase() !== offer.email.toLowerCase();

  async function accept(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const answer = await call(api.POST("/api/invitations/accept", { body: { token: props.token } }));
      const workspace = answer.workspace;
      // Into the list first (the workspace gate accepts only a workspace it knows), then act in it.
      queryClient.setQueryData<{ items: Workspace[] }>(WORKSPACES_KEY, (list) =>
        list ? { ...list, items: [...list.items.filter((w) => w.id !== workspace.id), workspace] } : { items: [workspace] },
      );
      void queryClient.invalidateQueries({ queryKey: WORKSPACES_KEY });
      accepted.set(props.token, workspace);
      setJoined(workspace);
    } catch (caught) {
      setError(invitationError(asApiError(caught)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="offer-title">
      <h2 id="offer-title">Join {offer.workspace_name}</h2>
      <p>
        You are invited to the workspace <strong>{offer.workspace_name}</strong> as {withArticle(offer.role)}.{" "}
        {ROLE_SUMMARIES[offer.role]}
      </p>
      <p className="muted">
        The invitation is for {offer.email} and works until {formatDateTime(offer.expires_at, timeZone)} ({timeZone}).
      </p>
      {otherAddress ? (
        <>
          <ErrorNote
            error={new ApiError(`This invitation is for ${offer.email}, and you are signed in as ${email}. Sign in with ${offer.email} to accept it.`, 403, "other_address")}
          />
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                const next = `/invitations/accept?token=${encodeURIComponent(props.token)}`;
                void signOut().then(() => navigate(`/sign-in?next=${encodeURIComponent(next)}`));
              }}
            >
              Sign out and sign in as {offer.email}
            </button>
            <Link to="/">Not now</Link>
          </div>
        </>
      ) : (
        <>
          <ErrorNote error={error} what="You did not join" />
          <div className="actions">
            <button type="button" onClick={() => void accept()} disabled={busy}>
              {busy ? "Joining…" : `Join ${offer.workspace_name}`}
            </button>
            <Link to="/">Not now</Link>
          </div>
        </>
      )}
    </section>
  );
}
