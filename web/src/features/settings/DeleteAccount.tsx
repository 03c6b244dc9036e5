// Account deletion: a dialog that asks for the password and for DELETE typed out; afterwards the app is
// signed out. The native <dialog> (showModal) keeps focus inside, closes on Escape and returns focus.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { signOut } from "../../api/session";
import { ErrorNote, Field, useCountdown } from "../../components/ui";
import { canDelete, confirmationMatches, CONFIRM_WORD } from "./words";

/** The form inside the dialog: the button stays off until the word is typed and the password given. */
export function DeleteAccountForm(props: {
  onDelete: (password: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [password, setPassword] = useState("");
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const wait = useCountdown(error?.retryAfter ?? null);
  const ready = canDelete(typed, password, busy) && wait === 0;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      await props.onDelete(password);
    } catch (caught) {
      setError(asApiError(caught));
      setBusy(false);
    }
  }

  const passwordError =
    error?.fields.password ? "This is not your password; the account was not deleted." : undefined;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <p>
        This erases your profile, posts, drafts, schedules, analyses, webhooks and sessions. It cannot be undone; if you
        want a copy, download your data first.
      </p>
      <Field label="Your password" error={passwordError}>
        {(ids) => (
          <input id={ids.id} type="password" autoComplete="current-password" value={password}
            aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
            onChange={(e) => setPassword(e.target.value)} />
        )}
      </Field>
      <Field label={`Type ${CONFIRM_WORD} to confirm`} hint={`In capital letters: ${CONFIRM_WORD}.`}>
        {(ids) => (
          <input id={ids.id} type="text" autoComplete="off" spellCheck={false} value={typed}
            aria-describedby={ids.describedBy} onChange={(e) => setTyped(e.target.value)} />
        )}
      </Field>
      <p className="muted" aria-live="polite">
        {confirmationMatches(typed)
          ? password
            ? "Ready: the button below deletes the account."
            : "Now your password."
          : `The delete button works once ${CONFIRM_WORD} is typed.`}
      </p>
      <ErrorNote error={error && !error.fields.password ? error : null} what="The account was not deleted" />
      <div className="actions">
        <button type="submit" className="danger" disabled={!ready} aria-disabled={!ready}>
          {busy ? "Deleting…" : "Delete my account for good"}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel} disabled={busy}>
          Keep my account
        </button>
      </div>
    </form>
  );
}

export function DeleteAccount() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      if (typeof element.showModal === "function") element.showModal();
      else element.setAttribute("open", "");
    }
    if (!open && element.open) element.close();
  }, [open]);

  async function erase(password: string): Promise<void> {
    await call(api.DELETE("/api/users/profile", { body: { password } }));
    setOpen(false);
    // Signed out first, so no screen of the deleted account asks the API for anything more.
    await signOut();
    navigate("/sign-in", { replace: true });
    queryClient.clear();
  }

  return (
    <>
      <p>Deleting your account erases everything Postwright keeps about you, at once.</p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete my account…
      </button>
      <dialog ref={dialog} className="settings-dialog" aria-labelledby="delete-title" onClose={() => setOpen(false)}>
        <h2 id="delete-title">Delete your account?</h2>
        {open ? <DeleteAccountForm onDelete={erase} onCancel={() => setOpen(false)} /> : null}
      </dialog>
    </>
  );
}
