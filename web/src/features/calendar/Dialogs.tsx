import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Spinner } from "../../components/ui";
import { dayLabel, isDayKey, wallOf, type DayKey } from "./dates";
import { excerpt, type Post } from "./model";
import { platformName } from "../../lib/format";

/** A modal dialog (the browser's own: focus kept inside, Escape closes, focus goes back where it was). */
export function Dialog(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    return () => {
      if (dialog?.open && typeof dialog.close === "function") dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={`cal-dialog${props.wide ? " wide" : ""}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose.current();
      }}
    >
      <div className="cal-dialog-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" className="secondary" onClick={() => onClose.current()}>
          Close
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/** The keyboard and menu way to do what a drag does: pick a date and a time. */
export function MoveDialog(props: {
  post: Post;
  timeZone: string;
  today: DayKey;
  onMove: (day: DayKey, time: string) => Promise<ApiError | null>;
  onClose: () => void;
}) {
  const { post } = props;
  const current = post.scheduled_for ? wallOf(post.scheduled_for, props.timeZone) : null;
  const [day, setDay] = useState<string>(current?.day ?? props.today);
  const [time, setTime] = useState<string>(current?.time ?? "09:00");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const scheduling = post.status === "draft";

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!isDayKey(day) || !/^\d{2}:\d{2}$/.test(time)) {
      setError(new ApiError("Enter a date and a time.", 422, "incomplete"));
      return;
    }
    setBusy(true);
    const refused = await props.onMove(day, time);
    setBusy(false);
    if (refused) setError(refused);
    else props.onClose();
  }

  return (
    <Dialog title={scheduling ? "Schedule this draft" : "Move this post"} onClose={props.onClose}>
      <p className="muted">
        {platformName(post.platform)}: “{excerpt(post.content, 100)}”
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="cal-dialog-fields">
          <Field label="Date">
            {(ids) => (
              <input id={ids.id} type="date" value={day} required onChange={(e) => setDay(e.target.value)} aria-describedby={ids.describedBy} />
            )}
          </Field>
          <Field label={`Time (${props.timeZone})`}>
            {(ids) => (
              <input id={ids.id} type="time" value={time} required step={60} onChange={(e) => setTime(e.target.value)} aria-describedby={ids.describedBy} />
            )}
          </Field>
        </div>
        <ErrorNote error={error} what={scheduling ? "Not scheduled" : "Not moved"} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Saving…" : scheduling ? "Schedule" : "Move"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const NEW_KEY = "postwright:calendar:new-post";

interface NewLocal {
  platform: "linkedin" | "twitter";
  content: string;
}

function readNew(): NewLocal {
  try {
    const raw = sessionStorage.getItem(NEW_KEY);
    if (raw) return JSON.parse(raw) as NewLocal;
  } catch {
    /* nothing kept */
  }
  return { platform: "linkedin", content: "" };
}

/** A click on an empty place: write a post for that time (kept in this tab until it is saved). */
export function NewPostDialog(props: {
  day: DayKey;
  time: string;
  platform: "" | "linkedin" | "twitter";
  timeZone: string;
  onCreate: (body: { platform: "linkedin" | "twitter"; content: string; day: DayKey; time: string }) => Promise<Post | ApiError>;
  onOpen: (post: Post) => void;
  onClose: () => void;
}) {
  const kept = readNew();
  const [local, setLocal] = useState<NewLocal>({ ...kept, platform: props.platform || kept.platform });
  const [day, setDay] = useState<string>(props.day);
  const [time, setTime] = useState<string>(props.time);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const openAfter = useRef(false);

  useEffect(() => {
    if (local.content) sessionStorage.setItem(NEW_KEY, JSON.stringify(local));
    else sessionStorage.removeItem(NEW_KEY);
  }, [local]);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!local.content.trim()) {
      setError(new ApiError("Write the post first.", 422, "empty", { content: "Write the post first." }));
      return;
    }
    if (!isDayKey(day) || !/^\d{2}:\d{2}$/.test(time)) {
      setError(new ApiError("Enter a date and a time.", 422, "incomplete"));
      return;
    }
    setBusy(true);
    const result = await props.onCreate({ platform: local.platform, content: local.content, day, time });
    setBusy(false);
    if (result instanceof ApiError) {
      setError(result);
      return;
    }
    sessionStorage.removeItem(NEW_KEY);
    if (openAfter.current) props.onOpen(result);
    else props.onClose();
  }

  return (
    <Dialog title={`New post for ${dayLabel(isDayKey(day) ? day : props.day)}`} onClose={props.onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <span className="legend" id="new-platform-label">Platform</span>
          <div className="segmented" role="group" aria-labelledby="new-platform-label">
            {(["linkedin", "twitter"] as const).map((p) => (
              <button key={p} type="button" aria-pressed={local.platform === p} onClick={() => setLocal((l) => ({ ...l, platform: p }))}>
                {platformName(p)}
              </button>
            ))}
          </div>
        </div>
        <Field label="Text" error={error?.fields.content} hint="Kept in this tab until it is saved.">
          {(ids) => (
            <textarea
              id={ids.id}
              rows={5}
              value={local.content}
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid}
              onChange={(e) => setLocal((l) => ({ ...l, content: e.target.value }))}
            />
          )}
        </Field>
        <div className="cal-dialog-fields">
          <Field label="Date">
            {(ids) => <input id={ids.id} type="date" value={day} onChange={(e) => setDay(e.target.value)} aria-describedby={ids.describedBy} />}
          </Field>
          <Field label={`Time (${props.timeZone})`}>
            {(ids) => <input id={ids.id} type="time" value={time} step={60} onChange={(e) => setTime(e.target.value)} aria-describedby={ids.describedBy} />}
          </Field>
        </div>
        <ErrorNote error={error && !error.fields.content ? error : null} what="Not scheduled" />
        <div className="actions">
          <button type="submit" disabled={busy} onClick={() => (openAfter.current = false)}>
            {busy ? "Saving…" : "Schedule"}
          </button>
          <button type="submit" className="secondary" disabled={busy} onClick={() => (openAfter.current = true)}>
            Schedule and open in the editor
          </button>
          <Link to="/drafts/new" className="button secondary">
            Write in the full editor instead
          </Link>
        </div>
      </form>
    </Dialog>
  );
}

/** A failed post: every attempt with the platform's answer, and a way to send it again. */
export function FailedDialog(props: {
  post: Post;
  timeZone: string;
  onRetry: () => Promise<ApiError | null>;
  onClose: () => void;
}) {
  const { post } = props;
  const attempts = useQuery({
    queryKey: ["calendar", "attempts", post.id, post.version],
    queryFn: () => call(api.GET("/api/content/drafts/{draft_id}/attempts", { params: { path: { draft_id: post.id } } })),
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const when = (iso: string): string => {
    const wall = wallOf(iso, props.timeZone);
    return `${dayLabel(wall.day, "short")} ${wall.time}`;
  };

  async function retry(): Promise<void> {
    setBusy(true);
    setError(null);
    const refused = await props.onRetry();
    setBusy(false);
    if (refused) setError(refused);
    else props.onClose();
  }

  return (
    <Dialog title={`${platformName(post.platform)} post failed`} onClose={props.onClose} wide>
      <p className="muted">“{excerpt(post.content, 140)}”</p>
      <div className="alert alert-error">
        <p>
          <strong>Why: </strong>
          {post.last_error ?? "The platform gave no reason."}
        </p>
      </div>
      <h3>Attempts</h3>
      {attempts.isPending ? <Spinner label="Loading the attempts…" /> : null}
      <ErrorNote error={attempts.error ? asApiError(attempts.error) : null} what="The attempts did not load" />
      {attempts.data ? (
        attempts.data.items.length ? (
          <div className="cal-table-wrap">
            <table className="data-table">
              <caption className="sr-only">Publishing attempts, oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When ({props.timeZone})</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Platform’s answer</th>
                </tr>
              </thead>
              <tbody>
                {attempts.data.items.map((a) => (
                  <tr key={a.number}>
                    <td>{a.number}</td>
                    <td>{when(a.created_at)}</td>
                    <td>{a.outcome}</td>
                    <td>
                      {a.http_status ? `HTTP ${a.http_status}` : ""}
                      {a.http_status && a.error ? ": " : ""}
                      {a.error ?? (a.http_status ? "" : "—")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>No attempt reached the platform (see the reason above).</p>
        )
      ) : null}
      <ErrorNote error={error} what="Not sent again" />
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void retry()}>
          {busy ? "Sending…" : "Retry now"}
        </button>
        <Link className="button secondary" to={`/drafts/${post.id}`}>
          Open in the editor
        </Link>
      </div>
    </Dialog>
  );
}
