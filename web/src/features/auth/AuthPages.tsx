import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { getState, signedIn } from "../../api/session";
import { ErrorNote, Field, useCountdown } from "../../components/ui";

/** Only a path inside the app may be returned to (no `//evil.example`). */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function passwordProblems(password: string, email: string): string[] {
  const problems: string[] = [];
  if (password.length < 10) problems.push("at least 10 characters");
  if (password !== password.trim()) problems.push("no space at the start or the end");
  if (password && email && password.trim().toLowerCase() === email.trim().toLowerCase())
    problems.push("not your e-mail address");
  return problems;
}

async function openSession(email: string, password: string): Promise<void> {
  const body = await call(api.POST("/api/auth/session", { body: { email, password } }));
  signedIn(body);
}

function AuthShell(props: { title: string; children: React.ReactNode }) {
  return (
    <main id="main" className="auth-box">
      <p className="brand-large">
        <strong>Postwright</strong> · your posts, in your own voice
      </p>
      <div className="card">
        <h1>{props.title}</h1>
        {props.children}
      </div>
    </main>
  );
}

export function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useCountdown(error?.retryAfter ?? null);
  const next = safeNext(params.get("next"));
  // Only someone who arrives signed in is sent on; signing in here navigates by itself.
  const [arrivedSignedIn] = useState(() => getState() === "signed-in");
  if (arrivedSignedIn) return <Navigate to={next} replace />;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await openSession(email, password);
      navigate(next, { replace: true });
    } catch (caught) {
      const problem = asApiError(caught);
      setError(
        problem.status === 401
          ? new ApiError("That e-mail and password do not match an account.", 401, problem.code)
          : problem.status === 429
            ? new ApiError(
                "Too many sign-in attempts. For your account's safety, wait before trying again.",
                429,
                problem.code,
                {},
                problem.retryAfter,
              )
            : problem,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthShell title="Sign in">
      {params.get("next") ? <p className="muted">Sign in to continue where you were.</p> : null}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field label="E-mail" error={error?.fields.email}>
          {(ids) => (
            <input id={ids.id} type="email" autoComplete="email" required value={email}
              aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
              onChange={(e) => setEmail(e.target.value)} />
          )}
        </Field>
        <Field label="Password" error={error?.fields.password}>
          {(ids) => (
            <input id={ids.id} type="password" autoComplete="current-password" required value={password}
              aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
              onChange={(e) => setPassword(e.target.value)} />
          )}
        </Field>
        <ErrorNote error={error} />
        <div className="actions">
          <button type="submit" disabled={busy || wait > 0}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
          <Link to={`/sign-up${params.get("next") ? `?next=${encodeURIComponent(next)}` : ""}`}>
            New here? Create an account
          </Link>
        </div>
      </form>
    </AuthShell>
  );
}

export function SignUp() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  // Where the person was going (an invitation's page): onboarding takes them there when it is done.
  const next = params.get("next") ? safeNext(params.get("next")) : null;
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useCountdown(error?.retryAfter ?? null);
  const [arrivedSignedIn] = useState(() => getState() === "signed-in");
  if (arrivedSignedIn) return <Navigate to="/" replace />;
  const problems = passwordProblems(password, email);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setTouched(true);
    if (problems.length) return;
    setBusy(true);
    setError(null);
    try {
      await call(api.POST("/api/auth/register", { body: { name, email, password } }));
      await openSession(email, password);
      navigate(next ? `/onboarding?next=${encodeURIComponent(next)}` : "/onboarding", { replace: true });
    } catch (caught) {
      const problem = asApiError(caught);
      setError(
        problem.status === 409
          ? new ApiError("An account with this e-mail already exists. Sign in instead.", 409, problem.code,
              { email: "An account with this e-mail already exists." })
          : problem,
      );
    } finally {
      setBusy(false);
    }
  }

  const passwordError =
    error?.fields.password ?? (touched && problems.length ? `The password needs ${problems.join(", ")}.` : undefined);
  return (
    <AuthShell title="Create your account">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field label="Your name" error={error?.fields.name}>
          {(ids) => (
            <input id={ids.id} type="text" autoComplete="name" required value={name}
              aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
              onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <Field label="E-mail" error={error?.fields.email}>
          {(ids) => (
            <input id={ids.id} type="email" autoComplete="email" required value={email}
              aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
              onChange={(e) => setEmail(e.target.value)} />
          )}
        </Field>
        <Field
          label="Password"
          hint="At least 10 characters, no space at the start or the end, and not your e-mail address."
          error={passwordError}
        >
          {(ids) => (
            <input id={ids.id} type="password" autoComplete="new-password" required value={password}
              aria-describedby={ids.describedBy} aria-invalid={ids.invalid}
              onChange={(e) => setPassword(e.target.value)} onBlur={() => setTouched(true)} />
          )}
        </Field>
        <ErrorNote error={error && Object.keys(error.fields).length === 0 ? error : null} />
        <div className="actions">
          <button type="submit" disabled={busy || wait > 0}>
            {busy ? "Creating your account…" : "Create account"}
          </button>
          <Link to="/sign-in">Already have an account? Sign in</Link>
        </div>
      </form>
    </AuthShell>
  );
}
