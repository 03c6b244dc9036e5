import { useEffect, useRef, useState, type DragEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { importPosts, type ImportResult } from "../../api/upload";
import { ErrorNote, Notice, PageTitle, Spinner } from "../../components/ui";

const FORMAT_NAMES: Record<string, string> = {
  x_analytics: "X analytics CSV",
  x_archive: "X archive",
  linkedin_shares: "LinkedIn Shares.csv",
  linkedin_analytics: "LinkedIn creator analytics",
  linkedin_scraped: "LinkedIn posts CSV",
  json: "JSON",
};

interface Outcome {
  file: string;
  result: ImportResult;
  at: number;
}

/** Follows the voice analysis an import started until it is ready (or failed). */
function useAnalysisAfter(since: number | null) {
  return useQuery({
    queryKey: ["tone-analysis-status", "after", since],
    enabled: since !== null,
    queryFn: () => call(api.GET("/api/users/tone-analysis/status")),
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state === "ready" || state === "failed" ? false : 2000;
    },
  });
}

export default function ImportPage() {
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [current, setCurrent] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const started = outcomes.find((o) => o.result.tone_analysis === "started" || o.result.tone_analysis === "waiting_for_model");
  const analysis = useAnalysisAfter(started ? started.at : null);
  const analysisDone = analysis.data?.state === "ready";

  useEffect(() => {
    if (analysisDone) void queryClient.invalidateQueries({ queryKey: ["tone-analysis"] });
  }, [analysisDone, queryClient]);

  async function upload(files: FileList | File[]): Promise<void> {
    setError(null);
    for (const file of Array.from(files)) {
      setCurrent(file.name);
      setProgress(0);
      try {
        const result = await importPosts(file, crypto.randomUUID(), setProgress);
        setOutcomes((list) => [{ file: file.name, result, at: Date.now() }, ...list]);
        void queryClient.invalidateQueries({ queryKey: ["posts"] });
      } catch (caught) {
        setError(new ApiError(`${file.name}: ${asApiError(caught).message}`, asApiError(caught).status, asApiError(caught).code, {}, asApiError(caught).retryAfter));
      }
    }
    setCurrent(null);
    setProgress(null);
    if (input.current) input.current.value = "";
  }

  function onDrop(event: DragEvent): void {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length) void upload(event.dataTransfer.files);
  }

  return (
    <>
      <PageTitle lead="Postwright learns your voice from the posts you already wrote. Nothing is posted anywhere.">
        Import your posts
      </PageTitle>
      <section className="card" aria-labelledby="pick-title">
        <h2 id="pick-title">Your export</h2>
        <ul>
          <li><strong>X</strong>: the analytics CSV (analytics.x.com → Content → Export data), or tweets.js from your archive.</li>
          <li><strong>LinkedIn</strong>: Shares.csv from "Get a copy of your data", or your creator analytics export.</li>
          <li><strong>JSON</strong>: a list of posts with text, date and counts.</li>
        </ul>
        <div
          className={`drop-zone${dragging ? " dragging" : ""}`}
          onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <p>Drop files here, or</p>
          <label className="button" htmlFor="import-file">Choose files</label>
          <input
            ref={input}
            id="import-file"
            className="sr-only"
            type="file"
            multiple
            accept=".csv,.json,.js,text/csv,application/json"
            aria-describedby="import-hint"
            onChange={(e) => { if (e.target.files?.length) void upload(e.target.files); }}
          />
          <p id="import-hint" className="hint">CSV or JSON, up to 20 MB each. Importing the same file again updates the counts and adds nothing twice.</p>
        </div>
        {current !== null && progress !== null ? (
          <div className="upload-progress">
            <label htmlFor="upload-progress">Uploading {current}</label>
            <progress id="upload-progress" max={1} value={progress}>{Math.round(progress * 100)}%</progress>
            <p className="muted" aria-live="polite">{progress < 1 ? `${Math.round(progress * 100)}% sent` : "Reading your posts…"}</p>
          </div>
        ) : null}
        <ErrorNote error={error} what="The import failed" />
      </section>

      {outcomes.length ? (
        <section className="card" aria-labelledby="results-title">
          <h2 id="results-title">What was imported</h2>
          {started ? (
            analysisDone ? (
              <Notice tone="success">Your tone analysis is ready: <Link to="/voice">see your voice</Link>.</Notice>
            ) : analysis.data?.state === "failed" ? (
              <div className="alert alert-error" role="alert">
                <p>{analysis.data.detail}</p>
                <RestartAnalysis />
              </div>
            ) : analysis.error ? (
              <ErrorNote error={asApiError(analysis.error)} what="The tone analysis could not be checked" />
            ) : (
              <Notice>
                <Spinner label={analysis.data?.state === "waiting_for_model"
                  ? "Waiting for the first tone model (a new install trains it in about a minute); your analysis runs as soon as it is ready."
                  : "Analysing your tone… this page updates when it is done."} />
              </Notice>
            )
          ) : null}
          {outcomes.map((o) => <OutcomeView key={`${o.file}-${o.at}`} outcome={o} />)}
        </section>
      ) : null}
    </>
  );
}

function OutcomeView(props: { outcome: Outcome }) {
  const { file, result } = props.outcome;
  return (
    <article aria-label={`Result of ${file}`}>
      <h3>{file} <span className="muted">({FORMAT_NAMES[result.format] ?? result.format})</span></h3>
      <table className="data-table">
        <caption className="sr-only">Rows of {file}</caption>
        <tbody>
          <tr><th scope="row">Imported</th><td>{result.imported}</td></tr>
          <tr><th scope="row">Updated</th><td>{result.updated}</td></tr>
          <tr><th scope="row">Already there</th><td>{result.skipped_duplicates}</td></tr>
          <tr><th scope="row">Rejected</th><td>{result.rejected_count}</td></tr>
        </tbody>
      </table>
      {result.tone_analysis === "failed_to_start" ? (
        <p className="field-error">Your posts are stored, but the tone analysis did not start. <RestartAnalysis /></p>
      ) : null}
      {result.rejected.length ? (
        <details>
          <summary>Why {result.rejected_count} row{result.rejected_count === 1 ? " was" : "s were"} rejected</summary>
          <table className="data-table">
            <thead><tr><th scope="col">Line</th><th scope="col">Reason</th></tr></thead>
            <tbody>
              {result.rejected.map((r) => <tr key={`${r.line}-${r.reason}`}><td>{r.line}</td><td>{r.reason}</td></tr>)}
            </tbody>
          </table>
        </details>
      ) : null}
    </article>
  );
}

function RestartAnalysis() {
  const [state, setState] = useState<"idle" | "busy" | "done">("idle");
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <>
      <button type="button" className="secondary" disabled={state !== "idle"} onClick={() => {
        setState("busy");
        call(api.POST("/api/users/analyze-posts")).then(() => setState("done"), (e: unknown) => { setError(asApiError(e)); setState("idle"); });
      }}>{state === "done" ? "Started" : "Start it again"}</button>
      <ErrorNote error={error} />
    </>
  );
}
