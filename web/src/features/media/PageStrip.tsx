import { useId, useRef } from "react";
import { MediaPicture } from "./Picture";

/**
 * A document's pages (GET /api/media/{id}/pages/{n}) as a strip that scrolls sideways: swiped on a phone,
 * scrolled with the arrow keys once focused, or paged with the two buttons. Pages load as they come near.
 */
export function PageStrip(props: { id: string; pages: number; title: string; labels?: string[] }) {
  const strip = useRef<HTMLOListElement>(null);
  const hint = useId();
  const by = (direction: number): void => {
    const list = strip.current;
    const first = list?.querySelector("li");
    if (!list || !first) return;
    list.scrollBy({ left: direction * (first.getBoundingClientRect().width + 12), behavior: "smooth" });
  };
  const count = props.pages;
  return (
    <div className="page-strip">
      <p id={hint} className="hint">
        {count === 1 ? "1 page." : `${count} pages: swipe, scroll sideways with the arrow keys, or use the buttons.`}
      </p>
      <ol
        ref={strip}
        className="page-strip-pages"
        tabIndex={0}
        aria-label={`Pages of ${props.title}`}
        aria-describedby={hint}
      >
        {Array.from({ length: count }, (_, i) => (
          <li key={i}>
            <MediaPicture
              picture={{ id: props.id, what: "page", page: i + 1 }}
              alt={`Page ${i + 1} of ${count}${props.labels?.[i] ? `: ${props.labels[i]}` : ""}`}
              lazy={i > 2}
            />
            <span className="page-number" aria-hidden="true">{i + 1} / {count}</span>
          </li>
        ))}
      </ol>
      {count > 1 ? (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => by(-1)}>Previous page</button>
          <button type="button" className="secondary" onClick={() => by(1)}>Next page</button>
        </div>
      ) : null}
    </div>
  );
}
