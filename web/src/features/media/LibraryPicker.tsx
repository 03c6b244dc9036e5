// Picking media for one post in the editor: the library (images only on X), each file a checkbox with its
// alt text or title; what the platform would refuse beside what is already there is greyed out with the
// reason; a new file can be uploaded right here and is picked at once when it fits.
import { useEffect, useId, useRef, useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../../api/client";
import { asApiError, call } from "../../api/errors";
import { ErrorNote, Spinner } from "../../components/ui";
import { MEDIA_KEY } from "./api";
import { MediaPicture } from "./Picture";
import { cannotAdd, describe, platformName, type Media, type MediaFacts, type Platform } from "./rules";
import { Uploader } from "./Uploader";
import "./media.css";

const PAGE = 24;

export function LibraryPicker(props: {
  platform: Platform;
  /** What the post has already (its order kept), with each one's id. */
  current: (MediaFacts & { media_id: string })[];
  heading: string;
  busy: boolean;
  onAttach: (media: Media[]) => void;
  onClose: () => void;
}) {
  const { platform } = props;
  const queryClient = useQueryClient();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const [limit, setLimit] = useState(PAGE);
  const [selected, setSelected] = useState<Media[]>([]);
  const [said, setSaid] = useState("");
  const kind = platform === "twitter" ? "image" : undefined;
  const list = useQuery({
    queryKey: [MEDIA_KEY, "list", kind ?? "", "picker", limit],
    placeholderData: keepPreviousData,
    queryFn: () => call(api.GET("/api/media", { params: { query: { limit, ...(kind ? { kind } : {}) } } })),
  });

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  const attached = new Set(props.current.map((m) => m.media_id));
  function reason(media: Media): string | null {
    if (selected.some((m) => m.id === media.id)) return null;
    if (attached.has(media.id)) return "Already in this post.";
    return cannotAdd(platform, [...props.current, ...selected], media);
  }

  function toggle(media: Media, on: boolean): void {
    setSelected((list) => (on ? [...list, media] : list.filter((m) => m.id !== media.id)));
  }

  const name = platformName(platform);
  return (
    <section className="picker" aria-labelledby={headingId}>
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>{props.heading}</h3>
      <p className="hint">
        {platform === "twitter"
          ? "Images of the library (X takes no documents). Pick up to 4 for this post."
          : "Pick images (up to 20), or one document with a title."}{" "}
        What {name} would refuse here is greyed out, with the reason.
      </p>
      {list.isPending ? (
        <Spinner label="Loading the library…" />
      ) : list.error ? (
        <ErrorNote error={asApiError(list.error)} what="The library did not load" />
      ) : list.data.items.length === 0 ? (
        <p>The library has no {kind ? "images" : "files"} yet: upload one below.</p>
      ) : (
        <fieldset className="picker-fieldset">
          <legend>Files of the library</legend>
          <ul className="plain picker-grid">
            {list.data.items.map((media) => {
              const why = reason(media);
              const checked = selected.some((m) => m.id === media.id);
              const label = media.kind === "image" ? (media.alt_text ?? "Image without alt text") : (media.title ?? media.filename ?? "Untitled document");
              return (
                <li key={media.id}>
                  <label className={`picker-item${why ? " is-unavailable" : ""}${checked ? " is-checked" : ""}`}>
                    <input
                      type="checkbox"
                      checked={checked}
                      disabled={Boolean(why) || props.busy}
                      aria-describedby={`${headingId}-${media.id}`}
                      onChange={(e) => toggle(media, e.target.checked)}
                    />
                    <MediaPicture picture={{ id: media.id, what: "thumbnail" }} alt="" className="picker-thumb" />
                    <span className="picker-text">
                      <span className="picker-label">{media.kind === "image" ? `Alt text: ${label}` : label}</span>
                      <span id={`${headingId}-${media.id}`} className={why ? "picker-why" : "muted"}>
                        {why ?? describe(media)}
                      </span>
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
          {list.data.total > list.data.items.length ? (
            <button type="button" className="secondary" disabled={list.isFetching} onClick={() => setLimit((l) => l + PAGE)}>
              {list.isFetching ? "Loading…" : `Show more (${list.data.total - list.data.items.length} left)`}
            </button>
          ) : null}
        </fieldset>
      )}
      <details className="picker-upload">
        <summary>Upload a new file</summary>
        <Uploader
          idPrefix={`${headingId}-upload`}
          what={platform === "twitter" ? "images" : "images or a PDF document"}
          onUploaded={(media) => {
            void queryClient.invalidateQueries({ queryKey: [MEDIA_KEY, "list"] });
            const why = attached.has(media.id) ? "it is in this post already" : cannotAdd(platform, [...props.current, ...selected], media);
            if (!why && !selected.some((m) => m.id === media.id)) {
              setSelected((list) => [...list, media]);
              setSaid(`Uploaded and picked. Choose "Attach" to add it to the post.`);
            } else {
              setSaid(`Uploaded to the library, but not picked: ${why ?? "it is picked already"}`);
            }
          }}
        />
      </details>
      <p className="hint" role="status">{said}</p>
      <p className="hint">
        Alt text and titles are changed in the <Link to="/media">media library</Link>.
      </p>
      <div className="actions">
        <button type="button" disabled={!selected.length || props.busy} onClick={() => props.onAttach(selected)}>
          {selected.length ? `Attach ${selected.length} selected` : "Attach"}
        </button>
        <button type="button" className="secondary" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </section>
  );
}
