import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice, PageTitle, Spinner } from "../../components/ui";
import { browserTimeZone, formatDateTime, isoToZoned, zonedToIso, platformName } from "../../lib/format";
import { countParts, counterText, joinThread, splitThread, type Platform } from "./counters";
import { ApprovalSlot, useCanWrite } from "./ApprovalSlot";
import { AttachmentsPanel } from "./AttachmentsPanel";
import { ForecastPanel } from "./ForecastPanel";
import { Preview } from "./Preview";
import { applySuggestion } from "./suggestions";
import { useForecast } from "./useForecast";

type Draft = Schemas["DraftOut"];

interface Local {
  platform: Platform;
  parts: string[];
  thread: boolean;
  firstComment: string;
}

const BACKUP = (id: string): string => `postwright:draft:${id}`;
const AUTOSAVE_MS = 1200;

function fromDraft(draft: Draft): Local {
  const thread = draft.content_type === "thread";
  return {
    platform: draft.platform === "linkedin" ? "linkedin" : "twitter",
    parts: thread ? splitThread(draft.content) : [draft.content],
    thread,
    firstComment: draft.first_comment ?? "",
  };
}

function contentOf(local: Local): string {
  return local.platform === "twitter" && local.thread ? joinThread(local.parts) : (local.parts[0] ?? "");
}

function readBackup(id: string): Local | null {
  try {
    const raw = localStorage.getItem(BACKUP(id));
    return raw ? (JSON.parse(raw) as Local) : null;
  } catch {
    return null;
  }
}

function same(a: Local, b: Local): boolean {
  return contentOf(a) === contentOf(b) && a.platform === b.platform && a.firstComment === b.firstComment && a.thread === b.thread;
}

export default function EditorPage() {
  const { draftId = "new" } = useParams();
  const profile = useQuery({ queryKey: ["profile"], queryFn: () => call(api.GET("/api/users/profile")) });
  const draft = useQuery({
    queryKey: ["draft", draftId],
    enabled: draftId !== "new",
    queryFn: () => call(api.GET("/api/content/drafts/{draft_id}", { params: { path: { draft_id: draftId } } })),
    staleTime: Infinity,
  });
  if (draftId !== "new" && draft.isPending) return <Spinner label="Opening the draft…" />;
  if (draft.error) {
    return (
      <>
        <PageTitle>Draft</PageTitle>
        <ErrorNote error={asApiError(draft.error)} what="The draft did not open" />
        <Link to="/drafts/new">Write a new one</Link>
      </>
    );
  }
  return (
    <Editor
      key={draftId === "new" ? "new" : (draft.data?.id ?? draftId)}
      initial={draft.data ?? null}
      name={profile.data?.name ?? ""}
      timeZone={profile.data?.timezone ?? browserTimeZone()}
    />
  );
}

function Editor(props: { initial: Draft | null; name: string; timeZone: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const backupKey = props.initial?.id ?? "new";
  const server = props.initial ? fromDraft(props.initial) : null;
  const restored = readBackup(backupKey);
  const [restoredNotice] = useState(Boolean(restored && (!server || !same(restored, server))));
  const [local, setLocal] = useState<Local>(
    restored && (!server || !same(restored, server))
      ? restored
      : (server ?? { platform: "linkedin", parts: [""], thread: false, firstComment: "" }),
  );
  const [saved, setSaved] = useState<Draft | null>(props.initial);
  const [saveState, setSaveState] = useState<"idle" | "saving" | "saved" | "error">("idle");
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [undo, setUndo] = useState<Local | null>(null);
  const [scheduleLocal, setScheduleLocal] = useState<string>(
    props.initial?.scheduled_for ? isoToZoned(props.initial.scheduled_for, props.timeZone) : "",
  );
  const [scheduleError, setScheduleError] = useState<ApiError | null>(null);
  const [scheduling, setScheduling] = useState(false);
  const createKey = useRef(crypto.randomUUID());
  const saving = useRef<Promise<Draft | null> | null>(null);
  const canWrite = useCanWrite();

  const content = contentOf(local);
  const contentType = local.platform === "twitter" && local.thread ? "thread" : (saved?.content_type === "thread" ? null : (saved?.content_type ?? null));
  const counts = countParts(local.platform, content, local.platform === "twitter" && local.thread);
  const tooLong = counts.some((c) => c.over);
  const scheduledIso = scheduleLocal ? zonedToIso(scheduleLocal, props.timeZone) : null;
  const readiness = useReadiness(local.platform);
  const forecast = useForecast(local.platform, content, contentType, scheduledIso, readiness);

  // Every keystroke is kept in this browser until the server has it: a reload or a failed save loses nothing.
  useEffect(() => {
    if (saved && same(local, fromDraft(saved))) localStorage.removeItem(BACKUP(backupKey));
    else if (content.trim()) localStorage.setItem(BACKUP(backupKey), JSON.stringify(local));
  }, [local, saved, backupKey, content]);

  const save = useCallback(async (): Promise<Draft | null> => {
    if (saving.current) await saving.current.catch(() => null);
    const run = async (): Promise<Draft | null> => {
      if (!content.trim() || tooLong) return saved;
      if (saved && same(local, fromDraft(saved))) return saved;
      setSaveState("saving");
      setSaveError(null);
      try {
        const next = saved
          ? await call(api.PUT("/api/content/drafts/{draft_id}", {
              params: { path: { draft_id: saved.id } },
              body: { version: saved.version, platform: local.platform, content, content_type: contentType, first_comment: local.platform === "linkedin" ? local.firstComment || null : null },
            }))
          : await call(api.POST("/api/content/drafts", {
              params: { header: { "Idempotency-Key": createKey.current } },
              body: { platform: local.platform, content, content_type: contentType, first_comment: local.platform === "linkedin" ? local.firstComment || null : null },
            }));
        setSaved(next);
        setSaveState("saved");
        queryClient.setQueryData(["draft", next.id], next);
        void queryClient.invalidateQueries({ queryKey: ["drafts"] });
        if (!saved) {
          localStorage.removeItem(BACKUP("new"));
          navigate(`/drafts/${next.id}`, { replace: true });
        }
        return next;
      } catch (caught) {
        const error = asApiError(caught);
        setSaveState("error");
        setSaveError(
          error.status === 409 && saved
            ? new ApiError("This draft was changed somewhere else (another tab?). Your text is kept here; choose \"Keep my version\" to save it over the other.", 409, error.code)
            : error,
        );
        return null;
      }
    };
    const promise = run();
    saving.current = promise;
    return promise.finally(() => {
      if (saving.current === promise) saving.current = null;
    });
  }, [content, contentType, local, navigate, queryClient, saved, tooLong]);

  // Autosave after a pause in typing.
  useEffect(() => {
    if (!content.trim() || tooLong || saveState === "error") return;
    if (saved && same(local, fromDraft(saved))) return;
    const timer = setTimeout(() => void save(), AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [local, content, saved, save, tooLong, saveState]);

  async function keepMine(): Promise<void> {
    if (!saved) return;
    const latest = await call(api.GET("/api/content/drafts/{draft_id}", { params: { path: { draft_id: saved.id } } })).catch(() => null);
    if (latest) {
      setSaved(latest);
      setSaveState("idle");
      setSaveError(null);
    }
  }

  function update(change: Partial<Local>): void {
    setLocal((l) => ({ ...l, ...change }));
    if (saveState === "error" && saveError?.status !== 409) setSaveState("idle");
  }

  function setPart(index: number, value: string): void {
    setLocal((l) => ({ ...l, parts: l.parts.map((p, i) => (i === index ? value : p)) }));
  }

  async function schedule(mode: "time" | "queue"): Promise<void> {
    setScheduleError(null);
    setScheduling(true);
    try {
      const current = await save();
      if (!current) {
        setScheduleError(new ApiError(tooLong ? "The post is too long for the platform; shorten it first." : "Write the post first; it is saved before it is scheduled.", null, "not_saved"));
        return;
      }
      const next =
        mode === "queue"
          ? await call(api.POST("/api/content/drafts/{draft_id}/queue", { params: { path: { draft_id: current.id } }, body: { version: current.version } }))
          : await call(api.POST("/api/content/schedule", { body: { draft_id: current.id, scheduled_for: zonedToIso(scheduleLocal, props.timeZone), version: current.version } }));
      setSaved(next);
      if (next.scheduled_for) setScheduleLocal(isoToZoned(next.scheduled_for, props.timeZone));
      queryClient.setQueryData(["draft", next.id], next);
      void queryClient.invalidateQueries({ queryKey: ["drafts"] });
    } catch (caught) {
      setScheduleError(asApiError(caught));
    } finally {
      setScheduling(false);
    }
  }

  const nowLocal = isoToZoned(new Date().toISOString(), props.timeZone);
  const isThread = local.platform === "twitter" && local.thread;

  return (
    <>
      <PageTitle lead="Your words, with the forecast and the voice match updating as you type. Everything is saved as you go.">
        {saved ? "Edit draft" : "Write a post"}
      </PageTitle>
      {restoredNotice ? <Notice>Text you had not saved yet was restored from this browser.</Notice> : null}
      <div className="grid-2">
        <div>
          <section className="card" aria-labelledby="write-title">
            <h2 id="write-title">Your post</h2>
            <div className="field">
              <span className="legend" id="platform-label">Platform</span>
              <div className="segmented" role="group" aria-labelledby="platform-label">
                {(["linkedin", "twitter"] as const).map((p) => (
                  <button key={p} type="button" aria-pressed={local.platform === p} onClick={() => update({ platform: p })}>
                    {platformName(p)}
                  </button>
                ))}
              </div>
            </div>
            {local.platform === "twitter" ? (
              <div className="choices field">
                <label>
                  <input type="checkbox" checked={local.thread} onChange={(e) => update({ thread: e.target.checked, parts: e.target.checked ? local.parts : [joinThread(local.parts).replace(/\n---\n/g, "\n\n")] })} />
                  Write a thread (several posts)
                </label>
              </div>
            ) : null}
            {(isThread ? local.parts : [local.parts[0] ?? ""]).map((part, index) => {
              const count = counts[index] ?? counts[0];
              const label = isThread ? `Post ${index + 1} of the thread` : "Text";
              return (
                <div className="field" key={index}>
                  <label htmlFor={`part-${index}`}>{label}</label>
                  <textarea
                    id={`part-${index}`}
                    value={part}
                    rows={local.platform === "linkedin" ? 12 : 5}
                    aria-describedby={`count-${index}`}
                    aria-invalid={count?.over ?? false}
                    readOnly={!canWrite}
                    onChange={(e) => (isThread ? setPart(index, e.target.value) : update({ parts: [e.target.value] }))}
                  />
                  <div className="actions">
                    <span id={`count-${index}`} className={`counter${count?.over ? " over" : ""}`} aria-live="polite">
                      {count ? counterText(count) : null}
                    </span>
                    {isThread && local.parts.length > 1 ? (
                      <button type="button" className="secondary" onClick={() => setLocal((l) => ({ ...l, parts: l.parts.filter((_, i) => i !== index) }))}>
                        Remove post {index + 1}
                      </button>
                    ) : null}
                  </div>
                </div>
              );
            })}
            {isThread ? (
              <button type="button" className="secondary" onClick={() => setLocal((l) => ({ ...l, parts: [...l.parts, ""] }))}>
                Add a post to the thread
              </button>
            ) : null}
            {local.platform === "linkedin" ? (
              <Field label="First comment (optional)" hint="Posted as the first comment under your post: a good place for a link.">
                {(ids) => <textarea id={ids.id} rows={3} value={local.firstComment} aria-describedby={ids.describedBy} onChange={(e) => update({ firstComment: e.target.value })} />}
              </Field>
            ) : null}
            <p className="muted" role="status">
              {saveState === "saving" ? "Saving…" : saveState === "saved" ? "All changes saved." : tooLong ? "Too long to save: shorten it to fit the platform." : saved ? "" : "Not saved yet: it saves by itself once you start writing."}
            </p>
            <ErrorNote error={saveError} what="Not saved" />
            {saveState === "error" ? (
              <div className="actions">
                {saveError?.status === 409 ? (
                  <button type="button" onClick={() => void keepMine()}>Keep my version</button>
                ) : (
                  <button type="button" onClick={() => { setSaveState("idle"); void save(); }}>Try saving again</button>
                )}
              </div>
            ) : null}
            {undo ? (
              <div className="actions">
                <button type="button" className="secondary" onClick={() => { setLocal(undo); setUndo(null); }}>Undo the change</button>
              </div>
            ) : null}
          </section>

          <AttachmentsPanel draft={saved} platform={local.platform} parts={isThread ? local.parts.length : 1} thread={isThread} save={save} />

          <ApprovalSlot
            draft={saved}
            timeZone={props.timeZone}
            save={save}
            onChange={(next) => { setSaved(next); queryClient.setQueryData(["draft", next.id], next); }}
          />

          <section className="card" aria-labelledby="schedule-title">
            <h2 id="schedule-title">When it goes out</h2>
            <DraftState draft={saved} timeZone={props.timeZone} />
            <Field label={`Date and time (${props.timeZone})`} hint="In your profile's time zone.">
              {(ids) => (
                <input id={ids.id} type="datetime-local" value={scheduleLocal} min={nowLocal} aria-describedby={ids.describedBy} onChange={(e) => setScheduleLocal(e.target.value)} />
              )}
            </Field>
            {canWrite ? (
              <div className="actions">
                <button type="button" disabled={scheduling || !scheduleLocal} onClick={() => void schedule("time")}>
                  {scheduling ? "Scheduling…" : "Schedule at this time"}
                </button>
                <button type="button" className="secondary" disabled={scheduling} onClick={() => void schedule("queue")}>
                  Add to the queue
                </button>
              </div>
            ) : (
              <p className="muted">Only editors and owners schedule posts in this workspace.</p>
            )}
            <ErrorNote error={scheduleError} what="Not scheduled" />
          </section>
        </div>
        <div>
          <ForecastPanel
            {...forecast}
            canApply={(s) => applySuggestion(s, content, nowLocal) !== null}
            onApply={(s) => {
              const applied = applySuggestion(s, content, nowLocal);
              if (!applied) return;
              setUndo(local);
              if (applied.scheduledLocal) setScheduleLocal(applied.scheduledLocal);
              if (applied.content !== content) {
                update({ parts: isThread ? splitThread(applied.content) : [applied.content] });
              }
            }}
          />
          <Preview platform={local.platform} content={content} thread={isThread} name={props.name} firstComment={local.firstComment} draftId={saved?.id ?? null} />
        </div>
      </div>
    </>
  );
}

const MIN_VOICE_POSTS = 10;
const MIN_FORECAST_POSTS = 5;

/** Whether a voice match and a forecast can be asked for on this platform: the user's history there and
 * the engagement model. Null while it is being found out. */
function useReadiness(platform: Platform): { voice: ApiError | null; engagement: ApiError | null } | null {
  const posts = useQuery({
    queryKey: ["posts", "count", platform],
    queryFn: () => call(api.GET("/api/posts", { params: { query: { platform, limit: 1 } } })),
  });
  const model = useQuery({ queryKey: ["engagement-model"], queryFn: () => call(api.GET("/api/users/engagement-model")) });
  const count = posts.data?.total;
  const available = model.data?.available;
  const reason = model.data?.reason;
  return useMemo(() => {
    if (count === undefined || available === undefined) return null;
    const name = platformName(platform);
    const more = (needed: number, what: string): ApiError =>
      new ApiError(`${what} needs at least ${needed} of your ${name} posts; you have ${count}. Import your ${name} history to see it.`, 409, "not_enough_history");
    return {
      voice: count < MIN_VOICE_POSTS ? more(MIN_VOICE_POSTS, "A voice match") : null,
      engagement:
        count < MIN_FORECAST_POSTS
          ? more(MIN_FORECAST_POSTS, "A forecast")
          : available
            ? null
            : new ApiError(reason ?? "No engagement model yet.", 503, "no_model"),
    };
  }, [count, available, reason, platform]);
}

function DraftState(props: { draft: Draft | null; timeZone: string }) {
  const { draft } = props;
  if (!draft) return <p className="muted">A draft. Pick a time, or add it to your posting queue.</p>;
  switch (draft.status) {
    case "scheduled":
      return (
        <Notice tone="success">
          Scheduled for {draft.scheduled_for ? formatDateTime(draft.scheduled_for, props.timeZone) : "—"} ({props.timeZone}).
          {draft.publish_attempts ? ` ${draft.publish_attempts} attempt(s) so far.` : ""}
        </Notice>
      );
    case "published":
      return (
        <Notice tone="success">
          Published{draft.published_at ? ` ${formatDateTime(draft.published_at, props.timeZone)}` : ""}.{" "}
          {draft.external_url ? <a href={draft.external_url} rel="noreferrer" target="_blank">See it on the platform</a> : null}
        </Notice>
      );
    case "failed":
      return <ErrorNote error={new ApiError(`Publishing failed: ${draft.last_error ?? "no reason given"}.`, null, "failed")} />;
    default:
      return <p className="muted">A draft, not scheduled yet.</p>;
  }
}
