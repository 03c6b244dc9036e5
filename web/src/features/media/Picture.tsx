import { useEffect, useRef, useState } from "react";
import { usePicture, type Picture } from "./api";

/**
 * A stored picture (fetched with the session's token, shown from a blob URL) with its alt text. While it
 * loads, a grey box of the same place; if it cannot be fetched, the box says so in words.
 */
export function MediaPicture(props: { picture: Picture; alt: string; className?: string; lazy?: boolean }) {
  const holder = useRef<HTMLDivElement>(null);
  // Off-screen pages of a long document are fetched only when they come near (the strip scrolls sideways).
  const [near, setNear] = useState(!props.lazy);
  useEffect(() => {
    if (near || !holder.current) return;
    if (typeof IntersectionObserver === "undefined") {
      setNear(true);
      return;
    }
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setNear(true);
    }, { rootMargin: "200px 600px" });
    observer.observe(holder.current);
    return () => observer.disconnect();
  }, [near]);
  const { url, error } = usePicture(near ? props.picture : null);
  const className = `media-picture ${props.className ?? ""}`.trim();
  if (url) return <img src={url} alt={props.alt} className={className} />;
  if (error) {
    return (
      <div ref={holder} className={`${className} media-picture-missing`}>
        <span>{props.alt ? `Preview not loaded (${props.alt})` : "Preview not loaded"}: {error.message}</span>
      </div>
    );
  }
  return <div ref={holder} className={`${className} media-picture-loading`} aria-hidden="true" />;
}
