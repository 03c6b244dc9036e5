// One post's media in the editor's preview, laid out as the platform shows them: X's grid of 1 to 4 images;
// LinkedIn's single image, multi-image grid ("+N" past five), or a document as its first page under its title
// with the page count. Each image keeps its alt text.
import { layoutFor, layoutWords } from "../media/layout";
import { MediaPicture } from "../media/Picture";
import type { Platform } from "../media/rules";
import { useDraftMedia } from "./AttachmentsPanel";
import "../media/media.css";

export function PostMedia(props: { draftId: string; platform: Platform; part: number }) {
  const media = useDraftMedia(props.draftId);
  const items = (media.data ?? []).filter((m) => m.part === props.part);
  const layout = layoutFor(props.platform, items);
  if (layout.kind === "none") return null;
  if (layout.kind === "document") {
    const doc = items[layout.index];
    if (!doc) return null;
    const title = doc.title?.trim() || "Untitled document";
    const pages = doc.pages ?? 0;
    return (
      <figure className="post-media li-document" aria-label={`Document: ${title}`}>
        <figcaption className="li-document-head">
          <strong>{title}</strong>
          <span className="muted"> · {pages === 1 ? "1 page" : `${pages} pages`}</span>
        </figcaption>
        <MediaPicture picture={{ id: doc.media_id, what: "page", page: 1 }} alt={`Page 1 of ${pages} of ${title}`} className="li-document-page" />
        <p className="sr-only">{layoutWords(props.platform, layout, pages)}</p>
      </figure>
    );
  }
  return (
    <div className={`post-media ${layout.grid}`} role="group" aria-label={layoutWords(props.platform, layout)}>
      {layout.cells.map((cell, i) => {
        const item = items[cell.index];
        if (!item) return null;
        const last = i === layout.cells.length - 1;
        return (
          <div key={`${item.media_id}-${i}`} className={`post-media-cell ${cell.cell}`}>
            <MediaPicture picture={{ id: item.media_id, what: "thumbnail" }} alt={item.alt_text ?? ""} />
            {last && layout.more ? <span className="post-media-more" aria-hidden="true">+{layout.more}</span> : null}
          </div>
        );
      })}
    </div>
  );
}
