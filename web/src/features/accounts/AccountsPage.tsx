import { useEffect, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useLocation } from "react-router";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Notice, PageTitle, Spinner } from "../../components/ui";
import { browserTimeZone, formatDateTime, platformName } from "../../lib/format";
import { ConfirmDialog } from "./ConfirmDialog";
import { PLATFORMS, connectFailure, handleOf, type Platform } from "./connect";
import "./accounts.css";

type Account = Schemas["AccountOut"];

/** Ask the API for the platform's consent page and send the browser there. */
export async function startConnect(platform: Platform): Promise<void> {
  const { authorization_url } = await call(api.GET("/api/accounts/{platform}/connect", { params: { path: { platform } } }));
  window.location.assign(authorization_url);
}

export default function AccountsPage() {
  const location = useLocation();
  const flash = (location.state as { connected?: string } | null)?.connected ?? null;
  const accounts = useQuery({ queryKey: ["accounts"], queryFn: () => call(api.GET("/api/accounts")) });
  const [message, setMessage] = useState<string | null>(null);
  return (
    <>
      <PageTitle lead="Postwright publishes to the accounts you connect here. You sign in on the platform's own page; Postwright never sees your password.">
        Connected accounts
      </PageTitle>
      {flash && !message ? <Notice tone="success">{flash}</Notice> : null}
      {message ? <Notice tone="success">{message}</Notice> : null}
      {accounts.isPending ? (
        <Spinner label="Loading your accounts…" />
      ) : accounts.error ? (
        <ErrorNote error={asApiError(accounts.error)} what="Your accounts did not load" />
      ) : (
        <div className="account-grid">
          {PLATFORMS.map((p) => (
            <PlatformCard key={p} platform={p} account={accounts.data.items.find((a) => a.platform === p) ?? null} onMessage={setMessage} />
          ))}
        </div>
      )}
    </>
  );
}

function PlatformCard(props: { platform: Platform; account: Account | null; onMessage: (m: string | null) => void }) {
  const queryClient = useQueryClient();
  const { platform, account } = props;
  const name = platformName(platform);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [disconnecting, setDisconnecting] = useState(false);
  const titleId = `account-${platform}`;
  // After a disconnect its button is gone: the focus goes to the Connect button that replaces it.
  const connectButton = useRef<HTMLButtonElement>(null);
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    if (refocus && !account) {
      connectButton.current?.focus();
      setRefocus(false);
    }
  }, [refocus, account]);

  async function connect(): Promise<void> {
    setError(null);
    props.onMessage(null);
    setBusy(true);
    try {
      await startConnect(platform);
      // The browser is leaving for the platform's page; the button stays busy until it has.
    } catch (caught) {
      setError(connectFailure(platform, asApiError(caught)));
      setBusy(false);
    }
  }

  async function disconnect(): Promise<void> {
    if (!account) return;
    setDisconnecting(true);
    setError(null);
    try {
      await call(api.DELETE("/api/accounts/{account_id}", { params: { path: { account_id: account.id } } }));
      setConfirming(false);
      setRefocus(true);
      await queryClient.invalidateQueries({ queryKey: ["accounts"] });
      props.onMessage(`Disconnected ${name} (${handleOf(platform, account.handle)}). Its tokens are forgotten; scheduled ${name} posts fail until you connect again.`);
    } catch (caught) {
      setConfirming(false);
      setError(asApiError(caught));
    } finally {
      setDisconnecting(false);
    }
  }

  return (
    <section className="card account-card" aria-labelledby={titleId}>
      <div className="account-head">
        <h2 id={titleId}>{name}</h2>
        {account ? (
          <span className={`account-state ${account.status === "active" ? "is-active" : "is-reauth"}`}>
            {account.status === "active" ? "Active" : "Needs reconnecting"}
          </span>
        ) : (
          <span className="account-state is-none">Not connected</span>
        )}
      </div>
      {account ? (
        <>
          <p>
            Connected as <strong>{handleOf(platform, account.handle)}</strong>
            <span className="muted"> since {formatDateTime(account.created_at, browserTimeZone())}</span>.
          </p>
          {account.status === "needs_reauth" ? (
            <div className="alert alert-error" role="alert">
              <p>
                <strong>{name} no longer accepts Postwright's access: </strong>
                {account.last_error ?? "the grant was revoked or has expired"}. Scheduled {name} posts fail until you reconnect.
              </p>
            </div>
          ) : null}
          <div className="actions">
            {account.status === "needs_reauth" ? (
              <button type="button" disabled={busy} onClick={() => void connect()}>
                {busy ? `Opening ${name}…` : `Reconnect ${name}`}
              </button>
            ) : null}
            <button type="button" className="secondary" onClick={() => setConfirming(true)}>
              Disconnect {name}
            </button>
          </div>
        </>
      ) : (
        <>
          <p>Connect {name} to publish your scheduled posts there. You approve it on {name}'s own page and come back here.</p>
          <div className="actions">
            <button ref={connectButton} type="button" disabled={busy} onClick={() => void connect()}>
              {busy ? `Opening ${name}…` : `Connect ${name}`}
            </button>
          </div>
        </>
      )}
      <ErrorNote error={error} what={account ? "That did not work" : `${name} was not connected`} />
      <ConfirmDialog
        open={confirming}
        title={`Disconnect ${name}?`}
        confirm={disconnecting ? "Disconnecting…" : `Disconnect ${name}`}
        cancel="Keep it connected"
        busy={disconnecting}
        onConfirm={() => void disconnect()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Postwright forgets the access to {account ? handleOf(platform, account.handle) : name}. Posts scheduled for {name} fail
          until you connect it again; your drafts stay.
        </p>
      </ConfirmDialog>
    </section>
  );
}
