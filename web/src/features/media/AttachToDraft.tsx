// "Attach to a LinkedIn draft" under a built carousel (or any titled document): to a new post written here, or
// to one of the workspace's LinkedIn drafts. LinkedIn takes one document and no images beside it, so a draft
// that has media already is told what the document replaces before anything changes.
import { useId, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice } from "../../components/ui";
import type { Media } from "./rules";

const LINKEDIN_LIMIT = 3000;

function snippet(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 60 ? `${line.slice(0, 60)}…` : line || "(empty)";
}

export function AttachToDraft(props: { media: Media }) {
  const { media } = props;
  const queryClient = useQueryClient();
  const groupName = useId();
  const [target, setTarget] = useState<"new" | "existing">("new");
  const [text, setText] = useState("");
  const [draftId, setDraftId] = useState("");
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ id: string; created: boolean } | null>(null);
  // One key per new draft: a retry after a failure returns that draft instead of writing a second one.
  const [idempotency, setIdempotency] = useState(() => crypto.randomUUID());

  const drafts = useQuery({
    queryKey: ["drafts", "linkedin", "editable"],
    queryFn: () => call(api.GET("/api/content/drafts", { params: { query: { platform: "linkedin", status: ["draft", "scheduled", "failed"], limit: 50 } } })),
  });
  const chosen = drafts.data?.items.find((d) => d.id === draftId);
  const others = chosen ? (chosen.media ?? []).filter((m) => m.media_id !== media.id).length : 0;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    setFieldErrors({});
    if (target === "new" && !text.trim()) {
      setFieldErrors({ content: "Write the post's text: the carousel goes out with it." });
      return;
    }
    if (target === "new" && text.length > LINKEDIN_LIMIT) {
      setFieldErrors({ content: `LinkedIn takes ${LINKEDIN_LIMIT.toLocaleString("en-US")} characters; this has ${text.length.toLocaleString("en-US")}.` });
      return;
    }
    if (target === "existing" && !draftId) {
      setFieldErrors({ draft: "Choose the draft to attach it to." });
      return;
    }
    setBusy(true);
    let id = draftId;
    try {
      if (target === "new") {
        const draft = await call(
          api.POST("/api/content/drafts", { params: { header: { "Idempotency-Key": idempotency } }, body: { platform: "linkedin", content: text } }),
        );
        id = draft.id;
        queryClient.setQueryData(["draft", draft.id], draft);
      }
      await call(api.PUT("/api/content/drafts/{draft_id}/media", { params: { path: { draft_id: id } }, body: { items: [{ media_id: media.id, part: 0 }] } }));
      void queryClient.invalidateQueries({ queryKey: ["draft-media", id] });
      void queryClient.invalidateQueries({ queryKey: ["drafts"] });
      if (target === "existing") void queryClient.invalidateQueries({ queryKey: ["draft", id] });
      setDone({ id, created: target === "new" });
      setText("");
      setIdempotency(crypto.randomUUID());
    } catch (caught) {
      const e = asApiError(caught);
      const named = e.fields.content ?? e.fields["items.0.media_id"] ?? e.fields.items;
      if (named) setFieldErrors(target === "new" && e.fields.content ? { content: named } : { form: named });
      // The new draft was made, but the attachment was refused: say so, with the way to it.
      if (target === "new" && id) setDone({ id, created: true });
      if (!named) setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="attach-to-draft" aria-labelledby="attach-title">
      <h3 id="attach-title">Attach to a LinkedIn draft</h3>
      <p className="hint">LinkedIn shows a document post as a carousel under its text, with the document's title above it.</p>
      {done && !fieldErrors.form && !error ? (
        <Notice tone="success">
          {done.created ? "A new LinkedIn draft was written with the carousel attached." : "The carousel is attached to the draft."}{" "}
          <Link to={`/drafts/${done.id}`}>Open the draft</Link>
        </Notice>
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <fieldset>
          <legend>Which draft</legend>
          <div className="choices">
            <label>
              <input type="radio" name={groupName} checked={target === "new"} onChange={() => setTarget("new")} />
              A new LinkedIn post
            </label>
            <label>
              <input type="radio" name={groupName} checked={target === "existing"} disabled={!drafts.data?.items.length} onChange={() => setTarget("existing")} />
              A LinkedIn draft I have{drafts.data && !drafts.data.items.length ? " (none yet)" : ""}
            </label>
          </div>
        </fieldset>
        {target === "new" ? (
          <Field
            label="Text of the post"
            hint={`${text.length.toLocaleString("en-US")} of ${LINKEDIN_LIMIT.toLocaleString("en-US")} characters. You can change it in the editor afterwards.`}
            error={fieldErrors.content}
          >
            {(ids) => (
              <textarea id={ids.id} rows={4} value={text} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => setText(e.target.value)} />
            )}
          </Field>
        ) : (
          <Field
            label="Draft"
            hint={others ? `It has ${others} attachment${others === 1 ? "" : "s"} now: the document replaces ${others === 1 ? "it" : "them"} (LinkedIn takes images or one document, not both).` : undefined}
            error={fieldErrors.draft}
          >
            {(ids) => (
              <select id={ids.id} value={draftId} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => setDraftId(e.target.value)}>
                <option value="">Choose a draft</option>
                {drafts.data?.items.map((d) => (
                  <option key={d.id} value={d.id}>
                    {snippet(d.content)}{d.status === "scheduled" ? " (scheduled)" : d.status === "failed" ? " (failed)" : ""}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {fieldErrors.form ? (
          <div className="alert alert-error" role="alert">
            <p>
              <strong>Not attached:</strong> {fieldErrors.form}
            </p>
            {done ? <p><Link to={`/drafts/${done.id}`}>Open the draft</Link> (it was written without the carousel).</p> : null}
          </div>
        ) : null}
        <ErrorNote error={error} what="Not attached" />
        {error && done ? <p><Link to={`/drafts/${done.id}`}>Open the draft</Link> (it was written without the carousel).</p> : null}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Attaching…" : target === "new" ? "Write the draft with the carousel" : "Attach to this draft"}
          </button>
        </div>
      </form>
    </section>
  );
}
