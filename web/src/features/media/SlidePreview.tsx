import { useLayoutEffect, useRef, useState } from "react";
import type { Colours, Slide } from "./slides";

// The page as api/media/carousel.py draws it, in fractions of its 1080 pt side: the accent bar at the top
// left, the title (84 pt, leading 1.15) and the text (44 pt, leading 1.35) shrunk together down to 60 % to fit
// between the bar and the page number, which sits at the bottom right in the accent colour.
const MIN_SCALE = 0.6;

/** A live, client-side preview of one slide's page, and whether its text fits. */
export function SlidePreview(props: { slide: Slide; colors: Colours; number: number; total: number; onFit?: (fits: boolean) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [fits, setFits] = useState(true);
  const { onFit } = props;
  const { title, body } = props.slide;
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    let scale = 1;
    // The same steps as the server: 5 % at a time until it fits, or the floor is reached.
    for (; scale >= MIN_SCALE - 1e-9; scale -= 0.05) {
      element.style.setProperty("--scale", String(scale));
      if (element.scrollHeight <= element.clientHeight + 1) break;
    }
    const ok = scale >= MIN_SCALE - 1e-9;
    if (!ok) element.style.setProperty("--scale", String(MIN_SCALE));
    setFits(ok);
    onFit?.(ok);
  }, [title, body, onFit]);
  return (
    <div
      className="slide-page"
      style={{ background: props.colors.background, color: props.colors.text }}
      role="img"
      aria-label={`Page ${props.number} of ${props.total}: ${title.trim() || "no title yet"}${body.trim() ? `. ${body.trim()}` : ""}`}
    >
      <span className="slide-accent" style={{ background: props.colors.accent }} />
      <div ref={box} className="slide-text">
        <p className="slide-title">{title.trim() || "Slide title"}</p>
        {body.trim() ? <p className="slide-body">{body}</p> : null}
      </div>
      <span className="slide-number" style={{ color: props.colors.accent }}>
        {props.number} / {props.total}
      </span>
      {!fits ? <span className="slide-overflow" aria-hidden="true" /> : null}
    </div>
  );
}
