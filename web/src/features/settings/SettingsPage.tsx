import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { signedIn } from "../../api/session";
import { ErrorNote, Field, Notice, PageTitle, Spinner, useCountdown } from "../../components/ui";
import { passwordProblems } from "../auth/AuthPages";
import { DeleteAccount } from "./DeleteAccount";
import { Webhooks } from "./Webhooks";
import { errorAt, exportFileName, formLevel } from "./words";
import "./settings.css";

type User = Schemas["UserOut"];
type TimeZone = NonNullable<Schemas["ProfileUpdate"]["timezone"]>;

function zones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

function Section(props: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card settings-section" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** Send a profile change; the cached profile becomes the answer. */
function useSaveProfile() {
  const queryClient = useQueryClient();
  return async (body: Schemas["ProfileUpdate"]): Promise<User> => {
    const user = await call(api.PUT("/api/users/profile", { body }));
    queryClient.setQueryData(["profile"], user);
    return user;
  };
}

function SubmitRow(props: { busy: boolean; error: ApiError | null; label: string; busyLabel: string }) {
  const wait = useCountdown(props.error?.retryAfter ?? null);
  return (
    <div className="actions">
      <button type="submit" disabled={props.busy || wait > 0}>
        {props.busy ? props.busyLabel : props.label}
      </button>
    </div>
  );
}

function ProfileForm(props: { user: User }) {
  const save = useSaveProfile();
  const [name, setName] = useState(props.user.name);
  const [role, setRole] = useState(props.user.role ?? "");
  const [company, setCompany] = useState(props.user.company ?? "");
  const [niche, setNiche] = useState(props.user.niche ?? "");
  const [timezone, setTimezone] = useState(props.user.timezone);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const all = zones();

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await save({ name, role, company, niche, timezone: timezone as TimeZone });
      setSaved(true);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const edit = (set: (v: string) => void) => (value: string) => {
    set(value);
    setSaved(false);
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Field label="Your name" error={errorAt(error, "name")}>
        {(ids) => (
          <input id={ids.id} type="text" autoComplete="name" value={name} aria-describedby={ids.describedBy}
            aria-invalid={ids.invalid} onChange={(e) => edit(setName)(e.target.value)} />
        )}
      </Field>
      <div className="settings-grid">
        <Field label="Your role" error={errorAt(error, "role")}>
          {(ids) => (
            <input id={ids.id} type="text" autoComplete="organization-title" value={role} aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid} onChange={(e) => edit(setRole)(e.target.value)} />
          )}
        </Field>
        <Field label="Company" error={errorAt(error, "company")}>
          {(ids) => (
            <input id={ids.id} type="text" autoComplete="organization" value={company} aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid} onChange={(e) => edit(setCompany)(e.target.value)} />
          )}
        </Field>
      </div>
      <Field label="What you write about" error={errorAt(error, "niche")}>
        {(ids) => (
          <input id={ids.id} type="text" value={niche} aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
            onChange={(e) => edit(setNiche)(e.target.value)} />
        )}
      </Field>
      <Field label="Your time zone" hint="Schedules, the calendar and the analytics' days and hours use it." error={errorAt(error, "timezone")}>
        {(ids) => (
          <select id={ids.id} value={timezone} aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
            onChange={(e) => edit(setTimezone)(e.target.value)}>
            {(all.includes(timezone) ? all : [timezone, ...all]).map((z) => (
              <option key={z} value={z}>
                {z.replaceAll("_", " ")}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorNote error={formLevel(error, ["name", "role", "company", "niche", "timezone"])} what="Your profile was not saved" />
      {saved ? <Notice tone="success">Saved. Times are now shown in {timezone.replaceAll("_", " ")}.</Notice> : null}
      <SubmitRow busy={busy} error={error} label="Save the profile" busyLabel="Saving…" />
    </form>
  );
}

function EmailForm(props: { user: User }) {
  const save = useSaveProfile();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!email.trim()) {
      setError(new ApiError("Type the new address.", 422, "client", { email: "Type the new address." }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await save({ email: email.trim(), current_password: password });
      setEmail("");
      setPassword("");
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <p>
        Your address is <strong>{props.user.email}</strong>.
      </p>
      {props.user.pending_email ? (
        <Notice>
          Waiting for you to confirm at <strong>{props.user.pending_email}</strong>: we sent a link there, and it works
          for 24 hours. Until you open it, you sign in with {props.user.email}.
        </Notice>
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Change your e-mail address">
        <Field label="New e-mail address" error={errorAt(error, "email")}>
          {(ids) => (
            <input id={ids.id} type="email" autoComplete="email" value={email} aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid} onChange={(e) => setEmail(e.target.value)} />
          )}
        </Field>
        <Field label="Current password" hint="To make sure it is you." error={errorAt(error, "current_password")}>
          {(ids) => (
            <input id={ids.id} type="password" autoComplete="current-password" value={password}
              aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <ErrorNote error={formLevel(error, ["email", "current_password"])} what="The address was not changed" />
        <SubmitRow busy={busy} error={error} label="Send the confirmation link" busyLabel="Sending…" />
      </form>
    </>
  );
}

function PasswordForm(props: { user: User }) {
  const save = useSaveProfile();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const problems = passwordProblems(next, props.user.email);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setTouched(true);
    setDone(false);
    if (problems.length) return;
    setBusy(true);
    setError(null);
    try {
      await save({ new_password: next, current_password: current });
      // A new password signs out every session, this one too: open a new one with it.
      const session = await call(api.POST("/api/auth/session", { body: { email: props.user.email, password: next } }));
      signedIn(session);
      setCurrent("");
      setNext("");
      setTouched(false);
      setDone(true);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const newError =
    errorAt(error, "new_password", "password") ?? (touched && problems.length ? `The new password needs ${problems.join(", ")}.` : undefined);
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Change your password">
      <Field label="Current password" error={errorAt(error, "current_password")}>
        {(ids) => (
          <input id={ids.id} type="password" autoComplete="current-password" value={current}
            aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => setCurrent(e.target.value)} />
        )}
      </Field>
      <Field label="New password" hint="At least 10 characters, no space at the start or the end, and not your e-mail address." error={newError}>
        {(ids) => (
          <input id={ids.id} type="password" autoComplete="new-password" value={next}
            aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
            onChange={(e) => { setNext(e.target.value); setDone(false); }} onBlur={() => setTouched(next.length > 0)} />
        )}
      </Field>
      <ErrorNote error={formLevel(error, ["current_password", "new_password", "password"])} what="The password was not changed" />
      {done ? <Notice tone="success">Password changed. Every other device was signed out; this one stays signed in.</Notice> : null}
      <SubmitRow busy={busy} error={error} label="Change the password" busyLabel="Changing…" />
    </form>
  );
}

function DataExport() {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  async function download(): Promise<void> {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const blob = await call(api.GET("/api/users/export", { parseAs: "blob" }));
      const file = new Blob([blob], { type: "application/json" });
      const url = URL.createObjectURL(file);
      const name = exportFileName();
      const link = document.createElement("a");
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDone(`${name} (${Math.max(1, Math.round(file.size / 1024)).toLocaleString()} KB) is in your downloads.`);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }
  const wait = useCountdown(error?.retryAfter ?? null);
  return (
    <>
      <p>Everything Postwright keeps about you (profile, posts, drafts, schedules, tone analysis) as one JSON file.</p>
      <ErrorNote error={error} what="The export did not download" />
      {done ? <Notice tone="success">{done}</Notice> : null}
      <div className="actions">
        <button type="button" onClick={() => void download()} disabled={busy || wait > 0}>
          {busy ? "Preparing the file…" : "Download my data"}
        </button>
      </div>
    </>
  );
}

export default function SettingsPage() {
  const profile = useQuery({ queryKey: ["profile"], queryFn: () => call(api.GET("/api/users/profile")) });
  if (profile.isPending) return <Spinner label="Loading your settings…" />;
  if (profile.error) return <ErrorNote error={asApiError(profile.error)} what="Your settings did not load" />;
  const user = profile.data;
  return (
    <>
      <PageTitle lead="Your profile, sign-in, webhooks and data.">Settings</PageTitle>
      <nav className="settings-toc" aria-label="Settings sections">
        <ul>
          <li><a href="#profile">Profile and time zone</a></li>
          <li><a href="#email">E-mail</a></li>
          <li><a href="#password">Password</a></li>
          <li><a href="#webhooks">Webhooks</a></li>
          <li><a href="#data">Your data</a></li>
          <li><a href="#delete">Delete the account</a></li>
        </ul>
      </nav>
      <div id="profile"><Section title="Profile and time zone"><ProfileForm key={user.id} user={user} /></Section></div>
      <div id="email"><Section title="E-mail address"><EmailForm user={user} /></Section></div>
      <div id="password"><Section title="Password"><PasswordForm user={user} /></Section></div>
      <div id="webhooks"><Section title="Webhooks"><Webhooks /></Section></div>
      <div id="data"><Section title="Your data"><DataExport /></Section></div>
      <div id="delete"><Section title="Delete the account"><DeleteAccount /></Section></div>
    </>
  );
}
