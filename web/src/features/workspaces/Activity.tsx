// The activity log, a page at a time, each event a sentence ("Ada Lovelace approved a draft") with the draft
// it names as a link; names come from the members list.
import { useMemo, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../../api/client";
import { asApiError, call } from "../../api/errors";
import { ErrorNote, Spinner } from "../../components/ui";
import { formatDateTime } from "../../lib/format";
import type { Workspace } from "./current";
import { useMembers } from "./queries";
import { activitySentence, type Part } from "./sentences";

const PAGE = 20;

export function Sentence(props: { parts: Part[] }) {
  return (
    <>
      {props.parts.map((part, i) => (typeof part === "string" ? <span key={i}>{part}</span> : <Link key={i} to={part.to}>{part.text}</Link>))}
    </>
  );
}

export function ActivityLog(props: { workspace: Workspace; timeZone: string; subjectId?: string }) {
  const { workspace } = props;
  const [offset, setOffset] = useState(0);
  const members = useMembers(workspace.id);
  const page = useQuery({
    queryKey: ["workspace", workspace.id, "activity", props.subjectId ?? "", offset],
    queryFn: () =>
      call(api.GET("/api/workspaces/{workspace_id}/activity", {
        params: { path: { workspace_id: workspace.id }, query: { limit: PAGE, offset, subject_id: props.subjectId } },
      })),
    placeholderData: keepPreviousData,
  });
  const people = useMemo(() => new Map((members.data ?? []).map((m) => [m.user_id, m.name])), [members.data]);

  if (page.isPending) return <Spinner label="Loading the activity…" />;
  if (page.error && !page.data) return <ErrorNote error={asApiError(page.error)} what="The activity did not load" />;
  const { items, total } = page.data;
  if (total === 0) return <p className="muted">Nothing has happened here yet.</p>;
  // The page shown (while the next one loads, the one before stays on screen, named as what it is).
  const first = page.data.offset + 1;
  const last = page.data.offset + items.length;
  const waiting = page.isPlaceholderData;
  return (
    <>
      <ol className="ws-activity" aria-label={`Activity, events ${first} to ${last} of ${total}`}>
        {items.map((event) => (
          <li key={event.id}>
            <time dateTime={event.created_at}>{formatDateTime(event.created_at, props.timeZone)}</time>
            <span className="ws-activity-text">
              <Sentence parts={activitySentence(event, people, props.timeZone)} />
            </span>
          </li>
        ))}
      </ol>
      {total > PAGE ? (
      <div className="actions ws-pager">
        <button type="button" className="secondary" disabled={first === 1} onClick={() => { if (!waiting) setOffset(Math.max(0, page.data.offset - PAGE)); }}>
          Newer
        </button>
        <span role="status">
          {first}–{last} of {total}
          {page.isFetching ? " (loading…)" : ""}
        </span>
        <button type="button" className="secondary" disabled={last >= total} onClick={() => { if (!waiting) setOffset(page.data.offset + PAGE); }}>
          Older
        </button>
      </div>
      ) : null}
    </>
  );
}
