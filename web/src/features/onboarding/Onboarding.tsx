import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice, PageTitle, Spinner } from "../../components/ui";
import { browserTimeZone, platformName } from "../../lib/format";

type Tone = Schemas["OnboardingIn"]["tone"];
type Platform = Schemas["OnboardingIn"]["platforms"][number];
type TimeZone = NonNullable<Schemas["OnboardingIn"]["timezone"]>;

const TONES: { value: Tone; label: string }[] = [
  { value: "professional", label: "Professional" },
  { value: "casual", label: "Casual" },
  { value: "inspirational", label: "Inspirational" },
  { value: "educational", label: "Educational" },
  { value: "humorous", label: "Humorous" },
  { value: "authoritative", label: "Authoritative" },
];
const PLATFORMS: { value: Platform; label: string }[] = [
  { value: "linkedin", label: "LinkedIn" },
  { value: "twitter", label: "X" },
];
const GOALS = ["Build thought leadership", "Grow my audience", "Find clients", "Hire", "Share what I learn"];

function zones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

export default function Onboarding() {
  const profile = useQuery({ queryKey: ["profile"], queryFn: () => call(api.GET("/api/users/profile")) });
  if (profile.isPending) return <Spinner label="Loading your profile…" />;
  if (profile.error) return <ErrorNote error={asApiError(profile.error)} what="Your profile did not load" />;
  return (
    <>
      <ProfileForm user={profile.data} />
      <Accounts />
    </>
  );
}

function ProfileForm(props: { user: Schemas["UserOut"] }) {
  const { user } = props;
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get("next");
  const queryClient = useQueryClient();
  const [role, setRole] = useState(user.role ?? "");
  const [company, setCompany] = useState(user.company ?? "");
  const [niche, setNiche] = useState(user.niche ?? "");
  const [tone, setTone] = useState<Tone>((user.tone as Tone | null) ?? "professional");
  const [platforms, setPlatforms] = useState<Platform[]>(
    user.platforms.length ? (user.platforms as Platform[]) : ["linkedin", "twitter"],
  );
  const [goals, setGoals] = useState<string[]>(user.goals.length ? user.goals : []);
  const [timezone, setTimezone] = useState<string>(user.onboarded ? user.timezone : browserTimeZone());
  const [saved, setSaved] = useState(false);

  const save = useMutation({
    mutationFn: async () => {
      const body = { role, company, niche, tone, platforms, goals, timezone: timezone as TimeZone };
      return user.onboarded
        ? call(api.PUT("/api/users/profile", { body }))
        : call(api.POST("/api/users/onboarding", { body }));
    },
    onSuccess: (data) => {
      queryClient.setQueryData(["profile"], data);
      setSaved(true);
      // A newcomer who came through an invitation goes back to it; anyone else imports their history.
      if (!user.onboarded) navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/import");
    },
  });
  const error = save.error ? asApiError(save.error) : null;
  const fieldError = (name: string): string | undefined =>
    error?.fields[name] ?? (error && name === "goals" && error.fields["goals.0"] ? error.fields["goals.0"] : undefined);

  useEffect(() => setSaved(false), [role, company, niche, tone, platforms, goals, timezone]);

  function submit(event: FormEvent): void {
    event.preventDefault();
    save.mutate();
  }

  return (
    <>
      <PageTitle lead={user.onboarded ? "Edit what Postwright knows about you." : "A minute now makes every draft sound more like you. You can skip it and come back later."}>
        {user.onboarded ? "Your profile" : "Welcome! Tell us about you"}
      </PageTitle>
      <form className="card" onSubmit={submit} noValidate>
        <Field label="Your role" hint="For example: Head of Data, Founder, Recruiter" error={fieldError("role")}>
          {(ids) => <input id={ids.id} type="text" value={role} onChange={(e) => setRole(e.target.value)} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} autoComplete="organization-title" />}
        </Field>
        <Field label="Company" error={fieldError("company")}>
          {(ids) => <input id={ids.id} type="text" value={company} onChange={(e) => setCompany(e.target.value)} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} autoComplete="organization" />}
        </Field>
        <Field label="What you write about" hint="Your niche, in a few words: data engineering, hiring in tech…" error={fieldError("niche")}>
          {(ids) => <input id={ids.id} type="text" value={niche} onChange={(e) => setNiche(e.target.value)} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} />}
        </Field>
        <Field label="The tone you aim for" error={fieldError("tone")}>
          {(ids) => (
            <select id={ids.id} value={tone} onChange={(e) => setTone(e.target.value as Tone)} aria-describedby={ids.describedBy} aria-invalid={ids.invalid}>
              {TONES.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
            </select>
          )}
        </Field>
        <fieldset aria-describedby={fieldError("platforms") ? "platforms-error" : undefined}>
          <legend>Where you post</legend>
          <div className="choices">
            {PLATFORMS.map((p) => (
              <label key={p.value}>
                <input type="checkbox" checked={platforms.includes(p.value)}
                  onChange={(e) => setPlatforms(e.target.checked ? [...platforms, p.value] : platforms.filter((x) => x !== p.value))} />
                {p.label}
              </label>
            ))}
          </div>
          {fieldError("platforms") ? <p id="platforms-error" className="field-error" role="alert">{fieldError("platforms")}</p> : null}
        </fieldset>
        <fieldset aria-describedby={fieldError("goals") ? "goals-error" : undefined}>
          <legend>Your goals</legend>
          <div className="choices">
            {GOALS.map((goal) => (
              <label key={goal}>
                <input type="checkbox" checked={goals.includes(goal)}
                  onChange={(e) => setGoals(e.target.checked ? [...goals, goal] : goals.filter((g) => g !== goal))} />
                {goal}
              </label>
            ))}
          </div>
          {fieldError("goals") ? <p id="goals-error" className="field-error" role="alert">{fieldError("goals")}</p> : null}
        </fieldset>
        <Field label="Your time zone" hint="Times you schedule are shown and kept in this zone." error={fieldError("timezone")}>
          {(ids) => (
            <select id={ids.id} value={timezone} onChange={(e) => setTimezone(e.target.value)} aria-describedby={ids.describedBy} aria-invalid={ids.invalid}>
              {(zones().includes(timezone) ? zones() : [timezone, ...zones()]).map((z) => <option key={z} value={z}>{z}</option>)}
            </select>
          )}
        </Field>
        <ErrorNote error={error && Object.keys(error.fields).length === 0 ? error : error ? new ApiError("Some fields need attention: see the messages beside them.", 422, "validation_error") : null} />
        {saved ? <Notice tone="success">Saved.</Notice> : null}
        <div className="actions">
          <button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : user.onboarded ? "Save changes" : "Save and continue"}</button>
          {!user.onboarded ? <Link to="/import">Skip for now</Link> : null}
        </div>
      </form>
    </>
  );
}

function Accounts() {
  const accounts = useQuery({ queryKey: ["accounts"], queryFn: () => call(api.GET("/api/accounts")) });
  const [error, setError] = useState<ApiError | null>(null);
  async function connect(platform: "twitter" | "linkedin"): Promise<void> {
    setError(null);
    try {
      const answer = await call(api.GET("/api/accounts/{platform}/connect", { params: { path: { platform } } }));
      window.location.assign(answer.authorization_url);
    } catch (caught) {
      setError(asApiError(caught));
    }
  }
  return (
    <section className="card" aria-labelledby="accounts-title">
      <h2 id="accounts-title">Connected accounts</h2>
      <p className="muted">Scheduled posts go out through the platforms' official APIs once an account is connected.</p>
      {accounts.isPending ? <Spinner label="Loading accounts…" /> : null}
      {accounts.error ? <ErrorNote error={asApiError(accounts.error)} /> : null}
      <ul>
        {(accounts.data?.items ?? []).map((a) => (
          <li key={a.id}>
            {platformName(a.platform)}: {a.handle} —{" "}
            {a.status === "active" ? "connected" : `needs reconnecting: ${a.last_error ?? ""}`}
          </li>
        ))}
        {accounts.data && accounts.data.items.length === 0 ? <li>None yet.</li> : null}
      </ul>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void connect("twitter")}>Connect X</button>
        <button type="button" className="secondary" onClick={() => void connect("linkedin")}>Connect LinkedIn</button>
      </div>
      <ErrorNote error={error} what="Could not connect" />
    </section>
  );
}
