import { useEffect, useRef, useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { useNavigate, useSearchParams } from "react-router";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ForecastBand, type Forecast } from "../../components/ForecastBand";
import { ErrorNote, Field, PageTitle, Spinner } from "../../components/ui";
import { formatNumber, platformName } from "../../lib/format";

type Job = Schemas["GenerationJobOut"];
type Draft = Schemas["DraftOut"];
type Request = Schemas["GenerateIn"];

const FORM_KEY = "postwright:generate-form";
const CONTENT_TYPES = ["post", "tip", "story", "announcement", "opinion", "how-to", "question"];
const EMPTY: Request = { platform: "linkedin", topic: "", content_type: "post", variants: 3, template_id: null, thread: false, notes: "" };

function savedForm(): Request {
  try {
    const raw = sessionStorage.getItem(FORM_KEY);
    return raw ? { ...EMPTY, ...(JSON.parse(raw) as Partial<Request>) } : EMPTY;
  } catch {
    return EMPTY;
  }
}

function jobError(job: Job): ApiError | null {
  if (job.status !== "failed" || !job.error) return null;
  const stored = job.drafts.length;
  const kept = stored ? ` The ${stored} variant${stored === 1 ? "" : "s"} written before it stopped are kept below.` : "";
  const words =
    job.error.error === "service_unavailable"
      ? `The writing model is not available right now; your request is kept, so you can try again.${kept} (${job.error.detail})`
      : `${job.error.detail}${kept}`;
  return new ApiError(words, 503, job.error.error, {}, job.error.retry_after ?? null);
}

export default function GeneratePage() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const jobId = params.get("job");
  const [form, setForm] = useState<Request>(savedForm);
  const [startError, setStartError] = useState<ApiError | null>(null);
  const [starting, setStarting] = useState(false);
  const key = useRef<string>(crypto.randomUUID());
  const templates = useQuery({ queryKey: ["templates"], queryFn: () => call(api.GET("/api/templates", { params: { query: { limit: 100 } } })) });
  const job = useQuery({
    queryKey: ["generation-job", jobId],
    enabled: jobId !== null,
    queryFn: () => call(api.GET("/api/content/generate/jobs/{job_id}", { params: { path: { job_id: jobId ?? "" } } })),
    refetchInterval: (query) => (query.state.data && ["succeeded", "failed"].includes(query.state.data.status) ? false : 1500),
  });

  // What was typed survives a reload or an error.
  useEffect(() => sessionStorage.setItem(FORM_KEY, JSON.stringify(form)), [form]);

  function set<K extends keyof Request>(name: K, value: Request[K]): void {
    setForm((f) => ({ ...f, [name]: value }));
    key.current = crypto.randomUUID(); // a different request: a different idempotency key
  }

  async function start(event?: FormEvent): Promise<void> {
    event?.preventDefault();
    setStartError(null);
    setStarting(true);
    try {
      const body: Request = { ...form, notes: form.notes?.trim() ? form.notes : null, thread: form.platform === "twitter" && Boolean(form.thread) };
      const created = await call(api.POST("/api/content/generate/jobs", { body, params: { header: { "Idempotency-Key": key.current } } }));
      key.current = crypto.randomUUID();
      setParams({ job: created.id });
    } catch (caught) {
      setStartError(asApiError(caught));
    } finally {
      setStarting(false);
    }
  }

  const running = job.data && (job.data.status === "queued" || job.data.status === "running");
  const fields = startError?.fields ?? {};
  return (
    <>
      <PageTitle lead="Several variants in your voice, each with its voice match and engagement forecast. On this machine the model writes one variant in a few seconds to a minute.">
        Generate drafts
      </PageTitle>
      <form className="card" onSubmit={(e) => void start(e)} noValidate aria-labelledby="generate-form-title">
        <h2 id="generate-form-title">What to write</h2>
        <Field label="Topic" hint="What the post is about, in a sentence." error={fields.topic}>
          {(ids) => <input id={ids.id} type="text" value={form.topic} maxLength={500} required aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set("topic", e.target.value)} />}
        </Field>
        <div className="field">
          <span className="legend" id="gen-platform">Platform</span>
          <div className="segmented" role="group" aria-labelledby="gen-platform">
            {(["linkedin", "twitter"] as const).map((p) => (
              <button key={p} type="button" aria-pressed={form.platform === p} onClick={() => set("platform", p)}>{platformName(p)}</button>
            ))}
          </div>
        </div>
        {form.platform === "twitter" ? (
          <div className="choices field">
            <label><input type="checkbox" checked={Boolean(form.thread)} onChange={(e) => set("thread", e.target.checked)} /> As a thread</label>
          </div>
        ) : null}
        <Field label="Kind of post" error={fields.content_type}>
          {(ids) => (
            <select id={ids.id} value={form.content_type ?? "post"} aria-describedby={ids.describedBy} onChange={(e) => set("content_type", e.target.value)}>
              {CONTENT_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          )}
        </Field>
        <Field label="Template (optional)" hint="A proven structure to follow." error={fields.template_id}>
          {(ids) => (
            <select id={ids.id} value={form.template_id ?? ""} aria-describedby={ids.describedBy} onChange={(e) => set("template_id", e.target.value || null)}>
              <option value="">No template</option>
              {(templates.data?.items ?? []).filter((t) => t.platform === form.platform || t.platform === "both").map((t) => (
                <option key={t.id} value={t.id}>{t.title}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Variants" hint="From 1 to 5." error={fields.variants}>
          {(ids) => <input id={ids.id} type="number" min={1} max={5} value={form.variants ?? 3} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set("variants", Math.max(1, Math.min(5, Number(e.target.value) || 1)))} />}
        </Field>
        <Field label="Notes (optional)" hint="Anything the post must say." error={fields.notes}>
          {(ids) => <textarea id={ids.id} rows={3} value={form.notes ?? ""} maxLength={2000} aria-describedby={ids.describedBy} onChange={(e) => set("notes", e.target.value)} />}
        </Field>
        <ErrorNote error={startError && Object.keys(startError.fields).length === 0 ? startError : null} what="Could not start" />
        <div className="actions">
          <button type="submit" disabled={starting || Boolean(running) || !form.topic.trim()}>
            {starting ? "Starting…" : running ? "Writing…" : job.data ? "Regenerate" : "Generate"}
          </button>
        </div>
      </form>

      {jobId ? (
        <section className="card" aria-labelledby="variants-title" aria-busy={Boolean(running)}>
          <h2 id="variants-title">Variants</h2>
          {job.error ? <ErrorNote error={asApiError(job.error)} what="Could not follow the generation" /> : null}
          {job.data ? <Progress job={job.data} /> : <Spinner label="Starting…" />}
          {job.data ? <ErrorNote error={jobError(job.data)} what="The generation stopped" /> : null}
          <div className="variants">
            {(job.data?.drafts ?? []).map((draft, index) => (
              <Variant key={draft.id} draft={draft} index={index} onPick={() => navigate(`/drafts/${draft.id}`)} />
            ))}
          </div>
        </section>
      ) : null}
    </>
  );
}

function Progress(props: { job: Job }) {
  const { job } = props;
  const done = job.drafts.length;
  if (job.status === "queued") return <Spinner label="Waiting for the writer…" />;
  if (job.status === "running") {
    return (
      <div aria-live="polite">
        <Spinner label={`Writing variant ${Math.min(done + 1, job.variants_requested)} of ${job.variants_requested}…`} />
        <progress max={job.variants_requested} value={done} aria-label="Variants written">{done} of {job.variants_requested}</progress>
      </div>
    );
  }
  if (job.status === "succeeded") return <p role="status">{done} variant{done === 1 ? "" : "s"} written, best first.</p>;
  return null;
}

export function Variant(props: { draft: Draft; index: number; onPick: () => void }) {
  const { draft } = props;
  const voice = draft.voice_match as { score?: number; percentile?: number; differences?: string[] } | null | undefined;
  const prediction = draft.engagement_prediction as Forecast | null;
  const generation = draft.generation as
    | { checks_passed?: string[]; repairs?: string[]; seconds?: number; voice_from?: string[] }
    | null
    | undefined;
  return (
    <article className="card variant" aria-labelledby={`variant-${draft.id}`}>
      <h3 id={`variant-${draft.id}`}>Variant {props.index + 1}</h3>
      <div className="preview">{draft.content}</div>
      <dl>
        <dt>Voice match</dt>
        <dd>{voice?.score !== undefined ? `${formatNumber(voice.score, 2)} (beats ${formatNumber(voice.percentile ?? 0)}% of your posts)` : "needs 10 of your posts on this platform"}</dd>
        {generation?.voice_from?.length ? (
          <>
            <dt>Voice from</dt>
            <dd>
              the opening lines of your {generation.voice_from.map(platformName).join(" and ")} posts (you have none
              on {platformName(draft.platform)} yet)
            </dd>
          </>
        ) : null}
        <dt>Expected engagement</dt>
        <dd>{prediction ? <ForecastBand forecast={prediction} /> : "no forecast yet (the engagement model needs more history)"}</dd>
        {generation?.repairs?.length ? (<><dt>Repairs</dt><dd>{generation.repairs.join("; ")}</dd></>) : null}
        {generation?.checks_passed?.length ? (
          <>
            <dt>Checks</dt>
            <dd>
              <details>
                <summary>All {generation.checks_passed.length} passed</summary>
                <ul>{generation.checks_passed.map((c) => <li key={c}>{c}</li>)}</ul>
              </details>
            </dd>
          </>
        ) : null}
      </dl>
      <div className="actions">
        <button type="button" onClick={props.onPick}>Use variant {props.index + 1}<span className="sr-only"> in the editor</span></button>
      </div>
    </article>
  );
}
