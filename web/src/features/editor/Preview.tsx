import { splitThread, type Platform } from "./counters";
import { PostMedia } from "./PostMedia";
import { platformName } from "../../lib/format";

/** The post as it will look on the platform: the author's name, the text with its line breaks, thread
 * parts one under the other, LinkedIn's first comment under the post. */
export function Preview(props: { platform: Platform; content: string; thread: boolean; name: string; firstComment: string; draftId?: string | null }) {
  const initial = (props.name.trim()[0] ?? "?").toUpperCase();
  const parts = props.platform === "twitter" && props.thread ? splitThread(props.content) : [props.content];
  return (
    <section className="card" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview on {platformName(props.platform)}</h2>
      <div className={`preview-${props.platform === "twitter" ? "x" : "linkedin"}`}>
        {parts.map((part, index) => (
          <div key={index} className={parts.length > 1 ? "thread-part" : undefined}>
            <div className="preview-head">
              <span className="avatar" aria-hidden="true">{initial}</span>
              <span><strong>{props.name || "You"}</strong>{parts.length > 1 ? <span className="muted"> · {index + 1}/{parts.length}</span> : null}</span>
            </div>
            <div className="preview">{part || <span className="muted">Nothing written yet.</span>}</div>
            {props.draftId ? <PostMedia draftId={props.draftId} platform={props.platform} part={index} /> : null}
          </div>
        ))}
        {props.platform === "linkedin" && props.firstComment.trim() ? (
          <div className="thread-part">
            <p className="muted">First comment</p>
            <div className="preview">{props.firstComment}</div>
          </div>
        ) : null}
      </div>
    </section>
  );
}
