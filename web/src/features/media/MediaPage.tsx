// The media library (/media): add images and PDF documents (dropped or chosen, alt text required for images),
// see them as a grid with their kind, size, dimensions or pages and alt text, filter by kind, a page at a
// time; change an image's alt text or a document's title; delete one (an asset attached to drafts is kept,
// and the drafts are named with links).
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { keepPreviousData, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice, PageTitle, Spinner } from "../../components/ui";
import { ConfirmDialog } from "../accounts/ConfirmDialog";
import { useWorkspace } from "../workspaces/current";
import { can } from "../workspaces/words";
import { MEDIA_KEY } from "./api";
import { PageStrip } from "./PageStrip";
import { MediaPicture } from "./Picture";
import { ALT_TEXT_MAX, describe, TITLE_MAX, type Media } from "./rules";
import { Uploader } from "./Uploader";
import "./media.css";
import { platformName } from "../../lib/format";

const PAGE = 24;
type Kind = "image" | "document";
const KIND_WORDS: Record<"" | Kind, { one: string; many: string }> = {
  "": { one: "file", many: "files" },
  image: { one: "image", many: "images" },
  document: { one: "document", many: "documents" },
};

export function mediaName(media: Media): string {
  return media.title?.trim() || media.filename?.trim() || (media.kind === "document" ? "Untitled document" : "Image");
}

export default function MediaPage() {
  const [params, setParams] = useSearchParams();
  const kind = (["image", "document"].includes(params.get("kind") ?? "") ? params.get("kind") : "") as "" | Kind;
  const page = Math.max(1, Number(params.get("page")) || 1);
  const queryClient = useQueryClient();
  const canWrite = can(useWorkspace()?.role, "write");
  const [added, setAdded] = useState<string | null>(null);
  const [said, setSaid] = useState("");
  const listTitle = useRef<HTMLHeadingElement>(null);

  const list = useQuery({
    queryKey: [MEDIA_KEY, "list", kind, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      call(api.GET("/api/media", { params: { query: { limit: PAGE, offset: (page - 1) * PAGE, ...(kind ? { kind } : {}) } } })),
  });

  function update(change: Record<string, string | null>): void {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(change)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  }

  function goTo(target: number): void {
    update({ page: target > 1 ? String(target) : null });
    requestAnimationFrame(() => listTitle.current?.focus());
  }

  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  // The last file of the last page deleted (here or elsewhere): the page before it is shown.
  const beyond = Boolean(list.data && !list.isFetching && page > pages);
  useEffect(() => {
    if (beyond) update({ page: pages > 1 ? String(pages) : null });
  });
  const words = KIND_WORDS[kind];

  return (
    <>
      <PageTitle lead="This workspace's images and PDF documents, ready to attach to posts. Every image carries alt text, so people who cannot see it know what it shows.">
        Media library
      </PageTitle>
      <div className="actions media-top-actions">
        <Link className="button secondary" to="/media/carousel">Build a LinkedIn carousel</Link>
      </div>
      {canWrite ? (
        <section className="card" aria-labelledby="add-title">
          <h2 id="add-title">Add files</h2>
          <Uploader
            onUploaded={(media, existed) => {
              setAdded(existed ? `${mediaName(media)} was already in the library.` : `${mediaName(media)} was added.`);
              void queryClient.invalidateQueries({ queryKey: [MEDIA_KEY, "list"] });
              if (page !== 1 || (kind && kind !== media.kind)) update({ page: null, kind: null });
            }}
          />
          {added ? <Notice tone="success">{added}</Notice> : null}
        </section>
      ) : (
        <Notice>Only editors and owners add or change media in this workspace; you can see it.</Notice>
      )}

      <section aria-labelledby="library-title">
        <div className="media-toolbar">
          <h2 id="library-title" ref={listTitle} tabIndex={-1} className="results-title">
            {list.data ? `${total === 1 ? `1 ${words.one}` : `${total} ${words.many}`}${pages > 1 ? `, page ${page} of ${pages}` : ""}` : "The library"}
          </h2>
          <Field label="Show">
            {(ids) => (
              <select id={ids.id} value={kind} onChange={(e) => update({ kind: e.target.value || null, page: null })}>
                <option value="">Images and documents</option>
                <option value="image">Images only</option>
                <option value="document">Documents only</option>
              </select>
            )}
          </Field>
        </div>
        {list.isPending ? (
          <Spinner label="Loading the library…" />
        ) : list.error ? (
          <>
            <ErrorNote error={asApiError(list.error)} what="The library did not load" />
            <button type="button" onClick={() => void list.refetch()}>Try again</button>
          </>
        ) : list.data.items.length === 0 ? (
          <p className="card">
            {kind || page > 1
              ? `No ${words.many} here.`
              : "Nothing yet. Add an image or a PDF above, or build a carousel from a few slides."}
          </p>
        ) : (
          <ul className="plain media-grid">
            {list.data.items.map((media) => (
              <li key={media.id}>
                <MediaCard
                  media={media}
                  canWrite={canWrite}
                  onDeleted={(name) => {
                    setAdded(null);
                    setSaid(`${name} was deleted.`);
                    // The card and its buttons are gone: the focus goes to the list's heading.
                    requestAnimationFrame(() => listTitle.current?.focus());
                  }}
                />
              </li>
            ))}
          </ul>
        )}
        <p className="sr-only" role="status">{said}</p>
        {pages > 1 ? (
          <nav className="pager" aria-label="Pages of the library">
            <button type="button" className="secondary" disabled={page <= 1 || list.isFetching} onClick={() => goTo(page - 1)}>
              Previous page
            </button>
            <span>Page {page} of {pages}</span>
            <button type="button" className="secondary" disabled={page >= pages || list.isFetching} onClick={() => goTo(page + 1)}>
              Next page
            </button>
          </nav>
        ) : null}
      </section>
    </>
  );
}

function platformFit(media: Media): { fits: string[]; not: { name: string; why: string }[] } {
  const names: Record<string, string> = { twitter: "X", linkedin: "LinkedIn" };
  const fits: string[] = [];
  const not: { name: string; why: string }[] = [];
  const order = (platform: string): number => (platform === "twitter" ? 0 : platform === "linkedin" ? 1 : 2);
  const entries = Object.entries(media.problems).sort(([a], [b]) => order(a) - order(b));
  for (const [platform, problems] of entries) {
    const name = names[platform] ?? platform;
    if (problems.length) not.push({ name, why: problems.join("; ") });
    else fits.push(name);
  }
  return { fits, not };
}

function MediaCard(props: { media: Media; canWrite: boolean; onDeleted: (name: string) => void }) {
  const { media } = props;
  const queryClient = useQueryClient();
  const titleId = useId();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<ApiError | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const name = mediaName(media);
  const fit = platformFit(media);

  async function remove(): Promise<void> {
    setDeleting(true);
    setDeleteError(null);
    try {
      await call(api.DELETE("/api/media/{media_id}", { params: { path: { media_id: media.id } } }));
      setConfirming(false);
      props.onDeleted(name);
      void queryClient.invalidateQueries({ queryKey: [MEDIA_KEY, "list"] });
    } catch (caught) {
      setConfirming(false);
      setDeleteError(asApiError(caught));
    } finally {
      setDeleting(false);
    }
  }

  return (
    <article className="card media-card" aria-labelledby={titleId}>
      <div className="media-thumb">
        <MediaPicture
          picture={{ id: media.id, what: "thumbnail" }}
          alt={media.kind === "image" ? (media.alt_text ?? "") : `First page of ${name}`}
        />
        <span className="media-kind">{media.kind === "document" ? (media.source === "carousel" ? "Carousel" : "Document") : "Image"}</span>
      </div>
      <h3 id={titleId} className="media-name">{name}</h3>
      <p className="media-facts">{describe(media)}</p>
      {media.kind === "image" ? (
        <p className="media-alt">
          <strong>Alt text:</strong> {media.alt_text ?? <em>none</em>}
        </p>
      ) : null}
      <p className="media-fit">
        {fit.fits.length ? `Fits ${fit.fits.join(" and ")}.` : null}
        {fit.not.map((n) => (
          <span key={n.name} className="media-unfit"> Not on {n.name}: {n.why}.</span>
        ))}
      </p>
      {media.kind === "document" && media.pages ? (
        <details className="media-pages">
          <summary>See its {media.pages === 1 ? "page" : `${media.pages} pages`}</summary>
          <PageStrip id={media.id} pages={media.pages} title={name} />
        </details>
      ) : null}
      {editing ? (
        <EditForm
          media={media}
          onDone={() => {
            setEditing(false);
            requestAnimationFrame(() => editButton.current?.focus());
          }}
        />
      ) : props.canWrite ? (
        <div className="actions">
          <button ref={editButton} type="button" className="secondary" aria-label={`Edit: ${name}`} onClick={() => setEditing(true)}>
            Edit
          </button>
          <button type="button" className="secondary" aria-label={`Delete: ${name}`} onClick={() => { setDeleteError(null); setConfirming(true); }}>
            Delete
          </button>
        </div>
      ) : null}
      {deleteError ? <DeleteRefused error={deleteError} name={name} mediaId={media.id} /> : null}
      <ConfirmDialog
        open={confirming}
        title={`Delete ${name}?`}
        confirm={deleting ? "Deleting…" : "Delete it"}
        cancel="Keep it"
        busy={deleting}
        onConfirm={() => void remove()}
        onCancel={() => setConfirming(false)}
      >
        <p>It leaves the library for good. Posts already published keep their copy on the platform.</p>
      </ConfirmDialog>
    </article>
  );
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** A refused delete in words: for a 409, the drafts it is attached to, each a link to open it. */
function DeleteRefused(props: { error: ApiError; name: string; mediaId: string }) {
  const ids = props.error.status === 409 ? [...new Set(props.error.message.match(UUID) ?? [])].filter((id) => id !== props.mediaId) : [];
  const drafts = useQueries({
    queries: ids.map((id) => ({
      queryKey: ["draft", id],
      queryFn: () => call(api.GET("/api/content/drafts/{draft_id}", { params: { path: { draft_id: id } } })),
      staleTime: 60_000,
    })),
  });
  if (props.error.status !== 409 || !ids.length) return <ErrorNote error={props.error} what={`${props.name} was not deleted`} />;
  return (
    <div className="alert alert-error" role="alert">
      <p>
        <strong>{props.name} was not deleted:</strong> it is attached to {ids.length === 1 ? "a draft" : `${ids.length} drafts`}.
        Remove it from {ids.length === 1 ? "that draft" : "those drafts"} (or delete {ids.length === 1 ? "it" : "them"}) first.
      </p>
      <ul>
        {ids.map((id, i) => {
          const draft = drafts[i]?.data;
          // The draft's first post (a thread's others follow a --- line), on one line.
          const first = draft ? (draft.content.split(/^[ \t]*---[ \t]*$/m)[0] ?? "").replace(/\s+/g, " ").trim() : "";
          const label = draft
            ? `${platformName(draft.platform)} draft: "${first.slice(0, 60)}${first.length > 60 ? "…" : ""}"`
            : `Draft ${i + 1}`;
          return (
            <li key={id}>
              <Link to={`/drafts/${id}`}>{label}</Link>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function EditForm(props: { media: Media; onDone: () => void }) {
  const { media } = props;
  const queryClient = useQueryClient();
  const image = media.kind === "image";
  const [value, setValue] = useState((image ? media.alt_text : media.title) ?? "");
  const [error, setError] = useState<ApiError | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const max = image ? ALT_TEXT_MAX : TITLE_MAX;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    setFieldError(undefined);
    if (image && !value.trim()) {
      setFieldError("An image keeps its alt text: describe what it shows.");
      return;
    }
    if (value.length > max) {
      setFieldError(`At most ${max.toLocaleString("en-US")} characters; this has ${value.length.toLocaleString("en-US")}.`);
      return;
    }
    setBusy(true);
    try {
      const body = image ? { alt_text: value.trim() } : { title: value.trim() || null };
      const next = await call(api.PATCH("/api/media/{media_id}", { params: { path: { media_id: media.id } }, body }));
      queryClient.setQueriesData<{ items: Media[] }>({ queryKey: [MEDIA_KEY, "list"] }, (page) =>
        page ? { ...page, items: page.items.map((m) => (m.id === next.id ? next : m)) } : page,
      );
      void queryClient.invalidateQueries({ queryKey: ["draft-media"] });
      props.onDone();
    } catch (caught) {
      const e = asApiError(caught);
      const named = e.fields[image ? "alt_text" : "title"];
      if (named) setFieldError(named);
      else setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="media-edit" onSubmit={(e) => void submit(e)} noValidate>
      <Field
        label={image ? `Alt text of ${mediaName(media)}` : `Title of ${mediaName(media)}`}
        hint={
          <>
            {image ? "What the image shows, for people who cannot see it." : "LinkedIn shows it above the document."}{" "}
            <span>{value.length.toLocaleString("en-US")} of {max.toLocaleString("en-US")} characters.</span>
          </>
        }
        error={fieldError}
      >
        {(ids) =>
          image ? (
            <textarea id={ids.id} rows={3} className="alt-input" value={value} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} autoFocus onChange={(e) => setValue(e.target.value)} />
          ) : (
            <input id={ids.id} type="text" value={value} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} autoFocus onChange={(e) => setValue(e.target.value)} />
          )
        }
      </Field>
      <ErrorNote error={error} what="Not saved" />
      <div className="actions">
        <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save"}</button>
        <button type="button" className="secondary" onClick={props.onDone}>Cancel</button>
      </div>
    </form>
  );
}
