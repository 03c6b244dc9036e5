// The page the e-mail change's link opens: /confirm-email?token=… (the API builds the link from
// PUBLIC_BASE_URL). It needs no sign-in: the link may be opened on any device. The address changes only
// when the person presses the button, so a mail scanner that follows links confirms nothing.
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Notice } from "../../components/ui";
import "./settings.css";

export function confirmError(error: ApiError): ApiError {
  if (error.status === 403)
    return new ApiError("This link is invalid, already used or expired. Change the e-mail again in Settings to get a new one.", 403, error.code);
  if (error.status === 409)
    return new ApiError("Another account took this address meanwhile, so it cannot be yours. Your address is unchanged.", 409, error.code);
  if (error.status === 422) return new ApiError("This link is incomplete: copy the whole address from the e-mail.", 422, error.code);
  return error;
}

export default function ConfirmEmailPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [user, setUser] = useState<Schemas["UserOut"] | null>(null);

  async function confirm(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      setUser(await call(api.POST("/api/users/email/confirm", { body: { token } })));
    } catch (caught) {
      setError(confirmError(asApiError(caught)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="auth-box confirm-email">
      <div className="card">
        <h1>Confirm your new e-mail address</h1>
        {!token ? (
          <ErrorNote error={new ApiError("This link has no token: open the whole link from the e-mail.", null, "client")} />
        ) : user ? (
          <>
            <Notice tone="success">
              Done: your address is now <strong>{user.email}</strong>. Sign in with it from now on.
            </Notice>
            <p>
              <Link to="/settings">Go to your settings</Link>
            </p>
          </>
        ) : (
          <>
            <p>Press the button to make this address the one you sign in with and receive mail at.</p>
            <ErrorNote error={error} what="The address was not confirmed" />
            <div className="actions">
              <button type="button" onClick={() => void confirm()} disabled={busy}>
                {busy ? "Confirming…" : "Confirm my new address"}
              </button>
              <Link to="/">Not now</Link>
            </div>
          </>
        )}
      </div>
    </main>
  );
}
