// The editor's media: what goes with the post (or with each post of an X thread), picked from the library or
// uploaded here, in order (move up and down), moved to another post of a thread, removed. The platform's rules
// are said before anything is attached and at each file that breaks one (after a switch of platform, or a
// thread that lost a post); the API's 422 is shown at the file it names. A change refused keeps what was asked
// on screen with the reason, to fix or to take back.
import { lazy, Suspense, useRef, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Spinner } from "../../components/ui";
import { MediaPicture } from "../media/Picture";
import { attachmentProblems, describe, itemErrors, rulesSentences, type Attachment, type Media, type Platform } from "../media/rules";
import { useCanWrite } from "./ApprovalSlot";
import "../media/media.css";
import { platformName } from "../../lib/format";

type Draft = Schemas["DraftOut"];

// The picker (with its uploader) is loaded when first opened: the editor's first load does not pay for it.
const LibraryPicker = lazy(() => import("../media/LibraryPicker").then((m) => ({ default: m.LibraryPicker })));

export const draftMediaKey = (draftId: string) => ["draft-media", draftId] as const;

/** The draft's attachments as the API has them, in order (shared by the panel and the preview). */
export function useDraftMedia(draftId: string | null) {
  return useQuery({
    queryKey: draftMediaKey(draftId ?? ""),
    enabled: Boolean(draftId),
    queryFn: async () =>
      (await call(api.GET("/api/content/drafts/{draft_id}/media", { params: { path: { draft_id: draftId ?? "" } } }))).items,
  });
}

function fromMedia(media: Media, part: number): Attachment {
  return {
    media_id: media.id, part, position: 0, kind: media.kind, mime_type: media.mime_type, byte_size: media.byte_size,
    width: media.width, height: media.height, frames: media.frames, pages: media.pages, alt_text: media.alt_text,
    title: media.title, thumbnail_url: media.thumbnail_url, file_url: media.file_url, external_media_id: null, uploaded_at: null,
  };
}

/** Grouped by post, each post's order kept (the API keeps the list's order; the publisher reads it by post). */
function byPart(rows: Attachment[]): Attachment[] {
  return rows.map((row, index) => ({ row, index })).sort((a, b) => a.row.part - b.row.part || a.index - b.index).map((e) => e.row);
}

function label(row: Attachment): string {
  if (row.kind === "document") return row.title?.trim() || "Untitled document";
  return row.alt_text?.trim() ? `Alt text: ${row.alt_text.trim()}` : "Image without alt text";
}

export function AttachmentsPanel(props: {
  draft: Draft | null;
  platform: Platform;
  /** How many posts the text is now (a thread's, else 1). */
  parts: number;
  thread: boolean;
  /** Saves what is typed and answers the draft as the server has it (null: it could not be saved). */
  save: () => Promise<Draft | null>;
}) {
  const { draft, platform, parts, thread } = props;
  // A published draft's media went out with it: they are shown, no longer changed (the API answers 409).
  const published = draft?.status === "published";
  const canWrite = useCanWrite() && !published;
  const queryClient = useQueryClient();
  const server = useDraftMedia(draft?.id ?? null);
  const [pending, setPending] = useState<Attachment[] | null>(null);
  const [apiErrors, setApiErrors] = useState<Map<number, string>>(new Map());
  const [listError, setListError] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const [said, setSaid] = useState("");
  const [picker, setPicker] = useState<number | null>(null);
  const addButtons = useRef(new Map<number, HTMLButtonElement | null>());
  const rows = pending ?? server.data ?? [];
  const problems = attachmentProblems(platform, parts, rows.map((row) => ({ part: row.part, media: row })));
  const postName = (part: number): string => (thread ? `post ${part + 1}` : "the post");
  const groups = Math.max(thread ? parts : 1, ...rows.map((r) => r.part + 1));

  async function commit(next: Attachment[], words: string): Promise<void> {
    const ordered = byPart(next);
    setPending(ordered);
    setApiErrors(new Map());
    setListError(null);
    setError(null);
    setSaving(true);
    try {
      // The text typed is saved first: the API checks the parts of a thread against the saved text.
      const current = await props.save();
      if (!current) {
        throw new ApiError("The draft is not saved (see the message under its text): media go with the saved draft.", null, "not_saved");
      }
      const answer = await call(
        api.PUT("/api/content/drafts/{draft_id}/media", {
          params: { path: { draft_id: current.id } },
          body: { items: ordered.map((row) => ({ media_id: row.media_id, part: row.part })) },
        }),
      );
      queryClient.setQueryData(draftMediaKey(current.id), answer.items);
      void queryClient.invalidateQueries({ queryKey: ["drafts"] });
      setPending(null);
      setSaid(words);
    } catch (caught) {
      const e = asApiError(caught);
      const { at, list: loose } = itemErrors(e.fields);
      if (at.size || loose.length) {
        setApiErrors(at);
        setListError(loose.length ? loose.join(" ") : `Not saved: ${platformName(platform)} would refuse it (see the file marked in red).`);
      } else setError(e);
    } finally {
      setSaving(false);
    }
  }

  function move(index: number, by: number): void {
    const row = rows[index];
    if (!row) return;
    const same = rows.map((r, i) => ({ r, i })).filter((e) => e.r.part === row.part);
    const at = same.findIndex((e) => e.i === index);
    const swap = same[at + by];
    if (!swap) return;
    const next = rows.slice();
    next[index] = swap.r;
    next[swap.i] = row;
    void commit(next, `Moved to place ${at + by + 1} in ${postName(row.part)}.`);
    requestAnimationFrame(() => {
      const id = `attach-${by < 0 ? "up" : "down"}-${row.part}-${row.media_id}`;
      const button = document.getElementById(id) as HTMLButtonElement | null;
      (button && !button.disabled ? button : document.getElementById(`attach-remove-${row.part}-${row.media_id}`))?.focus();
    });
  }

  function toPart(index: number, part: number): void {
    const row = rows[index];
    if (!row || row.part === part) return;
    if (rows.some((r) => r.part === part && r.media_id === row.media_id)) {
      setListError(`It is in ${postName(part)} already.`);
      return;
    }
    void commit(rows.map((r, i) => (i === index ? { ...r, part } : r)), `Moved to ${postName(part)}.`);
  }

  function remove(index: number): void {
    const row = rows[index];
    if (!row) return;
    void commit(rows.filter((_, i) => i !== index), `Removed from ${postName(row.part)}; it stays in the media library.`);
    requestAnimationFrame(() => addButtons.current.get(row.part)?.focus());
  }

  function discard(): void {
    setPending(null);
    setApiErrors(new Map());
    setListError(null);
    setError(null);
    setSaid("Back to the media saved with the draft.");
  }

  return (
    <section className="card attachments-panel" aria-labelledby="attachments-title">
      <h2 id="attachments-title">Images and documents</h2>
      <ul className="attach-rules">
        {rulesSentences(platform, thread).map((s) => <li key={s}>{s}</li>)}
      </ul>
      {published ? <p className="muted">Published: its media went out with it and can no longer change.</p> : null}
      {!draft ? (
        <p className="muted">Write the post first: media are attached to the saved draft, and it saves by itself a moment after you type.</p>
      ) : server.isPending ? (
        <p className="muted">Loading the draft's media…</p>
      ) : server.error ? (
        <ErrorNote error={asApiError(server.error)} what="The draft's media did not load" />
      ) : (
        Array.from({ length: groups }, (_, part) => {
          const inPart = rows.map((row, index) => ({ row, index })).filter((e) => e.row.part === part);
          const gone = part >= (thread ? parts : 1);
          return (
            <div key={part} className="attach-part" {...(thread || gone ? { role: "group", "aria-labelledby": `attach-part-${part}` } : {})}>
              {thread || gone ? <h3 id={`attach-part-${part}`}>{gone ? `Post ${part + 1} (no longer in the text)` : `Post ${part + 1}`}</h3> : null}
              {inPart.length ? (
                <ol className="plain attach-list">
                  {inPart.map(({ row, index }, place) => {
                    // The rule in this page's words first, then the server's refusal (a 422 naming this file).
                    const refused = apiErrors.get(index);
                    const shown = [...(problems.get(index) ?? []), ...(refused ? [`Refused by the server: ${refused}`] : [])];
                    const key = `${row.part}-${row.media_id}`;
                    const what = `${row.kind === "document" ? "document" : "image"} ${place + 1}${thread ? ` of post ${part + 1}` : ""}`;
                    return (
                      <li key={key} className={`attach-row${shown.length ? " has-problem" : ""}`}>
                        <MediaPicture
                          picture={{ id: row.media_id, what: "thumbnail" }}
                          alt={row.kind === "image" ? (row.alt_text ?? "") : `First page of ${row.title ?? "the document"}`}
                          className="attach-thumb"
                        />
                        <div className="attach-text">
                          <p className="attach-name">{label(row)}</p>
                          <p className="muted">{describe(row)}{row.external_media_id ? " · already uploaded to the platform" : ""}</p>
                          {shown.map((message) => (
                            <p key={message} className="field-error" id={`attach-problem-${key}`}>{message}</p>
                          ))}
                        </div>
                        {canWrite ? (
                          <div className="actions attach-actions">
                            <button id={`attach-up-${key}`} type="button" className="secondary" disabled={saving || place === 0} aria-label={`Move up: ${what}`} onClick={() => move(index, -1)}>
                              Move up
                            </button>
                            <button id={`attach-down-${key}`} type="button" className="secondary" disabled={saving || place === inPart.length - 1} aria-label={`Move down: ${what}`} onClick={() => move(index, 1)}>
                              Move down
                            </button>
                            {(thread && parts > 1) || gone ? (
                              <label className="inline-select">
                                Goes with
                                <select value={row.part} disabled={saving} onChange={(e) => toPart(index, Number(e.target.value))}>
                                  {Array.from({ length: Math.max(parts, row.part + 1) }, (_, p) => (
                                    <option key={p} value={p} disabled={p >= parts}>Post {p + 1}</option>
                                  ))}
                                </select>
                              </label>
                            ) : null}
                            <button id={`attach-remove-${key}`} type="button" className="secondary" disabled={saving} aria-label={`Remove: ${what}`} aria-describedby={shown.length ? `attach-problem-${key}` : undefined} onClick={() => remove(index)}>
                              Remove
                            </button>
                          </div>
                        ) : null}
                      </li>
                    );
                  })}
                </ol>
              ) : (
                <p className="muted">{gone ? "Nothing." : `No media with ${postName(part)}.`}</p>
              )}
              {canWrite && !gone ? (
                picker === part ? (
                  <Suspense fallback={<Spinner label="Opening the library…" />}>
                  <LibraryPicker
                    platform={platform}
                    current={inPart.map((e) => e.row)}
                    heading={`Add to ${postName(part)} from the library`}
                    busy={saving}
                    onAttach={(media) => {
                      setPicker(null);
                      void commit(
                        [...rows, ...media.map((m) => fromMedia(m, part))],
                        `${media.length === 1 ? "1 file" : `${media.length} files`} attached to ${postName(part)}.`,
                      );
                      requestAnimationFrame(() => addButtons.current.get(part)?.focus());
                    }}
                    onClose={() => {
                      setPicker(null);
                      requestAnimationFrame(() => addButtons.current.get(part)?.focus());
                    }}
                  />
                  </Suspense>
                ) : (
                  <div className="actions">
                    <button
                      ref={(el) => { addButtons.current.set(part, el); }}
                      type="button"
                      className="secondary"
                      disabled={saving}
                      onClick={() => setPicker(part)}
                    >
                      {platform === "twitter" ? "Add images" : "Add images or a document"}{thread ? ` to post ${part + 1}` : ""}
                    </button>
                  </div>
                )
              ) : null}
            </div>
          );
        })
      )}
      <p className="muted" role="status">{saving ? "Saving the media…" : said}</p>
      {listError ? (
        <div className="alert alert-error" role="alert">
          <p>{listError}</p>
        </div>
      ) : null}
      <ErrorNote error={error} what="The media were not saved" />
      {pending && !saving ? (
        <div className="actions">
          <button type="button" onClick={() => void commit(pending, "Saved.")}>Try again</button>
          <button type="button" className="secondary" onClick={discard}>Back to the saved media</button>
        </div>
      ) : null}
    </section>
  );
}
