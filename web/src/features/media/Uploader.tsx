// Adding files to the library: dropped on the zone or chosen with its button (a real button, so the keyboard
// reaches it). Each file waits in a list with what it needs (alt text for an image, a title for a document),
// is sent with its progress shown, and any refusal is said in words at that file, its text kept.
import { useEffect, useRef, useState, type DragEvent } from "react";
import { ApiError, asApiError } from "../../api/errors";
import { ErrorNote, Field } from "../../components/ui";
import { uploadMedia } from "./api";
import { ALT_TEXT_MAX, formatBytes, guessKind, TITLE_MAX, tooLarge, type Media } from "./rules";

interface Staged {
  key: string;
  file: File;
  kind: "image" | "document" | "unknown";
  altText: string;
  title: string;
  progress: number | null;
  error: ApiError | null;
  fieldErrors: Record<string, string>;
}

const ACCEPT = "image/jpeg,image/png,image/gif,image/webp,application/pdf,.jpg,.jpeg,.png,.gif,.webp,.pdf";

function stage(file: File): Staged {
  const early = tooLarge(file);
  return {
    key: crypto.randomUUID(),
    file,
    kind: guessKind(file),
    altText: "",
    title: file.name.replace(/\.[^.]+$/, ""),
    progress: null,
    error: early ? new ApiError(early, null, "too_large") : null,
    fieldErrors: {},
  };
}

export function Uploader(props: {
  /** Told of each file added (`existed`: the same file was already in the library). */
  onUploaded: (media: Media, existed: boolean) => void;
  /** What the zone invites, e.g. "images or PDF documents". */
  what?: string;
  idPrefix?: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [staged, setStaged] = useState<Staged[]>([]);
  const [said, setSaid] = useState("");
  const prefix = props.idPrefix ?? "upload";

  function add(files: FileList | File[]): void {
    const list = Array.from(files);
    if (!list.length) return;
    setStaged((current) => [...current, ...list.map(stage)]);
    setSaid(list.length === 1 ? `${list[0]?.name ?? "A file"} is ready: ${needs(guessKind(list[0] as File))}` : `${list.length} files are ready to add.`);
    // The first new file's field takes the focus, so the alt text is typed next.
    requestAnimationFrame(() => {
      const fields = document.querySelectorAll<HTMLElement>(`[data-upload-first="${prefix}"]`);
      fields[fields.length - list.length]?.focus();
    });
  }

  function change(key: string, change: Partial<Staged>): void {
    setStaged((list) => list.map((s) => (s.key === key ? { ...s, ...change } : s)));
  }

  async function send(item: Staged): Promise<void> {
    if (item.kind === "image" && !item.altText.trim()) {
      change(item.key, { fieldErrors: { alt_text: "Describe the image first: alt text is required for images." }, error: null });
      document.querySelector<HTMLElement>(`[data-alt-for="${item.key}"]`)?.focus();
      return;
    }
    if (item.altText.length > ALT_TEXT_MAX) {
      change(item.key, { fieldErrors: { alt_text: `At most ${ALT_TEXT_MAX.toLocaleString("en-US")} characters; this has ${item.altText.length.toLocaleString("en-US")}.` } });
      return;
    }
    change(item.key, { progress: 0, error: null, fieldErrors: {} });
    try {
      const { media, existed } = await uploadMedia(
        item.file,
        { altText: item.kind === "document" ? undefined : item.altText, title: item.kind === "document" ? item.title : undefined },
        (fraction) => change(item.key, { progress: fraction }),
      );
      setStaged((list) => list.filter((s) => s.key !== item.key));
      setSaid(existed ? `${item.file.name} was already in the library.` : `${item.file.name} was added to the library.`);
      props.onUploaded(media, existed);
    } catch (caught) {
      const error = asApiError(caught);
      const fields = error.fields;
      const named = Object.keys(fields).filter((k) => k === "alt_text" || k === "title");
      change(item.key, {
        progress: null,
        fieldErrors: Object.fromEntries(named.map((k) => [k, fields[k] ?? ""])),
        error: named.length && Object.keys(fields).length === named.length ? null : error,
      });
    }
  }

  function onDrop(event: DragEvent): void {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length) add(event.dataTransfer.files);
  }

  return (
    <div className="uploader">
      <div
        className={`drop-zone${dragging ? " dragging" : ""}`}
        onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>Drop {props.what ?? "images or PDF documents"} here, or</p>
        <button type="button" aria-describedby={`${prefix}-hint`} onClick={() => input.current?.click()}>
          Choose files
        </button>
        <input
          ref={input}
          hidden
          type="file"
          multiple
          accept={ACCEPT}
          onChange={(e) => {
            if (e.target.files?.length) add(e.target.files);
            e.target.value = "";
          }}
        />
        <p id={`${prefix}-hint`} className="hint">
          JPEG, PNG, GIF or WebP images up to 15 MB, and PDF documents up to 100 MB and 300 pages. Each image needs
          alt text; the type is read from the file itself.
        </p>
      </div>
      <p className="sr-only" role="status">{said}</p>
      {staged.length ? (
        <ul className="plain staged-list">
          {staged.map((item) => (
            <li key={item.key}>
              <StagedFile prefix={prefix} item={item} onChange={(c) => change(item.key, c)} onSend={() => void send(item)} onDrop={() => setStaged((list) => list.filter((s) => s.key !== item.key))} />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function needs(kind: Staged["kind"]): string {
  return kind === "image" ? "describe it in the alt text field, then add it." : kind === "document" ? "check its title, then add it." : "add it.";
}

function StagedFile(props: { prefix: string; item: Staged; onChange: (change: Partial<Staged>) => void; onSend: () => void; onDrop: () => void }) {
  const { item } = props;
  const [local, setLocal] = useState<string | null>(null);
  const [broken, setBroken] = useState(false);
  // The chosen image itself, shown from this browser (nothing is sent until "Add to the library").
  useEffect(() => {
    if (item.kind !== "image") return;
    const made = URL.createObjectURL(item.file);
    setLocal(made);
    return () => URL.revokeObjectURL(made);
  }, [item.file, item.kind]);
  const busy = item.progress !== null;
  const base = `${props.prefix}-${item.key}`;
  const name = item.file.name;
  return (
    <article className="staged-file" aria-labelledby={`${base}-name`}>
      <div className="staged-head">
        {local && !broken ? <img className="staged-preview" src={local} alt="" onError={() => setBroken(true)} /> : <span className="staged-icon" aria-hidden="true">{item.kind === "document" ? "PDF" : "?"}</span>}
        <div>
          <p id={`${base}-name`} className="staged-name">{name}</p>
          <p className="muted">
            {item.kind === "image" ? "Image" : item.kind === "document" ? "PDF document" : "File"} · {formatBytes(item.file.size)}
          </p>
        </div>
      </div>
      {item.kind === "document" ? (
        <Field label={`Title of ${name}`} hint="LinkedIn shows it above the document." error={item.fieldErrors.title}>
          {(ids) => (
            <input
              id={ids.id}
              data-upload-first={props.prefix}
              type="text"
              value={item.title}
              maxLength={TITLE_MAX}
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid}
              disabled={busy}
              onChange={(e) => props.onChange({ title: e.target.value })}
            />
          )}
        </Field>
      ) : (
        <Field
          label={`Alt text for ${name}${item.kind === "image" ? " (required)" : ""}`}
          hint={
            <>
              What the image shows, for people who cannot see it: X and LinkedIn read it out to them. Say what matters in
              the post, not "image of". <span aria-live="polite">{item.altText.length.toLocaleString("en-US")} of {ALT_TEXT_MAX.toLocaleString("en-US")} characters.</span>
            </>
          }
          error={item.fieldErrors.alt_text}
        >
          {(ids) => (
            <textarea
              id={ids.id}
              data-alt-for={item.key}
              data-upload-first={props.prefix}
              rows={2}
              className="alt-input"
              value={item.altText}
              required={item.kind === "image"}
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid || item.altText.length > ALT_TEXT_MAX}
              disabled={busy}
              onChange={(e) => props.onChange({ altText: e.target.value, fieldErrors: { ...item.fieldErrors, alt_text: "" } })}
            />
          )}
        </Field>
      )}
      {busy ? (
        <div className="upload-progress">
          <label htmlFor={`${base}-progress`}>Sending {name}</label>
          <progress id={`${base}-progress`} max={1} value={item.progress ?? 0}>{Math.round((item.progress ?? 0) * 100)}%</progress>
          <p className="muted" aria-live="polite">{(item.progress ?? 0) < 1 ? `${Math.round((item.progress ?? 0) * 100)}% sent` : "Checking the file…"}</p>
        </div>
      ) : null}
      <ErrorNote error={item.error} what={`${name} was not added`} />
      <div className="actions">
        {/* A file the server refused for what it is (its type, its size) cannot be sent again as it is. */}
        {item.error?.code === "too_large" || item.error?.status === 413 || item.error?.status === 415 ? null : (
          <button type="button" disabled={busy} onClick={props.onSend}>
            {item.error ? "Try again" : "Add to the library"}
          </button>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={props.onDrop}>
          Remove from the list
        </button>
      </div>
    </article>
  );
}
