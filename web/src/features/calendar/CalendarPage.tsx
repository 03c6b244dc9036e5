import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Notice, PageTitle, Spinner } from "../../components/ui";
import {
  addDays, addMonths, dayLabel, isDayKey, monthGrid, monthLabel, wallOf, weekDays, zonedInstant, type DayKey,
} from "./dates";
import { FailedDialog, MoveDialog, NewPostDialog } from "./Dialogs";
import {
  apiStatuses, byDay, excerpt, place, type PlatformFilter, type Post, type StatusFilter, type View,
} from "./model";
import { platformName } from "../../lib/format";
import { AgendaView, MonthView, Tray, WeekView, type Handlers } from "./Views";
import "./calendar.css";

const PAGE = 200;
const PHONE = "(max-width: 699px)";

function subscribeMedia(callback: () => void): () => void {
  const query = window.matchMedia?.(PHONE);
  query?.addEventListener("change", callback);
  return () => query?.removeEventListener("change", callback);
}

function usePhone(): boolean {
  return useSyncExternalStore(subscribeMedia, () => window.matchMedia?.(PHONE).matches ?? false, () => false);
}

export default function CalendarPage() {
  const profile = useQuery({ queryKey: ["profile"], queryFn: () => call(api.GET("/api/users/profile")) });
  if (profile.isPending) return <Spinner label="Opening your calendar…" />;
  if (profile.error || !profile.data) {
    return (
      <>
        <PageTitle>Calendar</PageTitle>
        <ErrorNote error={asApiError(profile.error)} what="Your profile did not load" />
      </>
    );
  }
  return <Calendar timeZone={profile.data.timezone} />;
}

type Dialog =
  | { kind: "move"; post: Post }
  | { kind: "failed"; post: Post }
  | { kind: "new"; day: DayKey; time: string; platform: PlatformFilter };

interface MoveNote {
  ok: boolean;
  text: string;
  error?: ApiError;
}

function Calendar(props: { timeZone: string }) {
  const { timeZone } = props;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const phone = usePhone();
  const [params, setParams] = useSearchParams();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  const todayWall = wallOf(now, timeZone);
  const today = todayWall.day;

  const view: View = params.get("view") === "week" ? "week" : "month";
  const dateParam = params.get("date");
  const date: DayKey = isDayKey(dateParam) ? dateParam : today;
  const platformParam = params.get("platform");
  const platform: PlatformFilter = platformParam === "linkedin" || platformParam === "twitter" ? platformParam : "";
  const statusParam = params.get("status");
  const status: StatusFilter = ["scheduled", "publishing", "published", "failed"].includes(statusParam ?? "") ? (statusParam as StatusFilter) : "";

  const setParam = useCallback(
    (changes: Record<string, string>) => {
      setParams((current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        return next;
      });
    },
    [setParams],
  );

  const days = useMemo(() => (view === "month" ? monthGrid(date).flat() : weekDays(date)), [view, date]);
  const first = days[0] ?? date;
  const last = days[days.length - 1] ?? date;
  const from = zonedInstant(first, "00:00", timeZone).toISOString();
  const to = zonedInstant(addDays(last, 1), "00:00", timeZone).toISOString();
  const postsKey = ["calendar", "posts", from, to, platform, status] as const;

  const posts = useQuery({
    queryKey: postsKey,
    refetchOnWindowFocus: true,
    queryFn: async () => {
      const items: Post[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await call(
          api.GET("/api/schedules/posts", {
            params: { query: { from, to, limit: PAGE, offset, platform: platform || undefined, status: apiStatuses(status) } },
          }),
        );
        items.push(...page.items);
        if (items.length >= page.total || page.items.length === 0) break;
      }
      return items;
    },
    // While a post is going out (or about to), its outcome is followed.
    refetchInterval: (query) => {
      const soon = Date.now() + 90_000;
      const busy = (query.state.data ?? []).some(
        (p) => p.status === "scheduled" && ((p.scheduled_for !== null && Date.parse(p.scheduled_for) <= soon) || p.next_attempt_at !== null),
      );
      return busy ? 2000 : false;
    },
  });
  const trayKey = ["drafts", "calendar-tray", platform] as const;
  const tray = useQuery({
    queryKey: trayKey,
    refetchOnWindowFocus: true,
    queryFn: () =>
      call(api.GET("/api/content/drafts", { params: { query: { status: ["draft"], platform: platform || undefined, limit: PAGE } } })),
    select: (page) => page.items.filter((d) => d.status === "draft" && !d.scheduled_for),
  });
  const slots = useQuery({
    queryKey: ["queue", "slots"],
    refetchOnWindowFocus: true,
    queryFn: () => call(api.GET("/api/queue/slots")),
  });

  // Back to this tab: what another tab changed shows up (the focus event, besides the visibility change).
  useEffect(() => {
    const refresh = (): void => void queryClient.invalidateQueries({ queryKey: ["calendar"] });
    window.addEventListener("focus", refresh);
    return () => window.removeEventListener("focus", refresh);
  }, [queryClient]);

  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [note, setNote] = useState<MoveNote | null>(null);
  const [pending, setPending] = useState<Set<string>>(() => new Set());

  // A note about a move belongs to the range it was made in.
  useEffect(() => setNote(null), [view, date]);

  const placed = useMemo(() => byDay(place(posts.data ?? [], timeZone, now, status)), [posts.data, timeZone, now, status]);
  const shownSlots = useMemo(
    () => (slots.data?.items ?? []).filter((s) => !platform || s.platform === platform),
    [slots.data, platform],
  );

  const findPost = useCallback(
    (id: string): Post | undefined => posts.data?.find((p) => p.id === id) ?? tray.data?.find((p) => p.id === id),
    [posts.data, tray.data],
  );

  /** Move a post (or schedule a tray draft) to `day` at `time`: shown at once, put back if refused. */
  const move = useCallback(
    async (post: Post, day: DayKey, time: string): Promise<ApiError | null> => {
      const target = zonedInstant(day, time, timeZone).toISOString();
      const where = `${dayLabel(day)} at ${time}`;
      const label = `${platformName(post.platform)} post “${excerpt(post.content, 40)}”`;
      await queryClient.cancelQueries({ queryKey: ["calendar", "posts"] });
      const before = queryClient.getQueryData<Post[]>(postsKey);
      const trayBefore = queryClient.getQueryData(trayKey);
      const moved: Post = { ...post, status: "scheduled", scheduled_for: target };
      queryClient.setQueryData<Post[]>(postsKey, (list) => [...(list ?? []).filter((p) => p.id !== post.id), moved]);
      queryClient.setQueryData<{ items: Post[] }>(trayKey, (page) => (page ? { ...page, items: page.items.filter((p) => p.id !== post.id) } : page));
      setPending((s) => new Set(s).add(post.id));
      setNote(null);
      try {
        const saved =
          post.status === "draft"
            ? await call(api.POST("/api/schedules/posts", { body: { draft_id: post.id, scheduled_for: target, version: post.version } }))
            : await call(api.PUT("/api/schedules/posts/{draft_id}", { params: { path: { draft_id: post.id } }, body: { scheduled_for: target, version: post.version } }));
        queryClient.setQueryData<Post[]>(postsKey, (list) => (list ?? []).map((p) => (p.id === saved.id ? saved : p)));
        queryClient.setQueryData(["draft", saved.id], saved);
        setNote({ ok: true, text: `${post.status === "draft" ? "Scheduled" : "Moved"} the ${label} to ${where} (${timeZone}).` });
        return null;
      } catch (caught) {
        const error = asApiError(caught);
        queryClient.setQueryData(postsKey, before);
        if (trayBefore !== undefined) queryClient.setQueryData(trayKey, trayBefore);
        const reason =
          error.status === 409 && /version/i.test(error.message)
            ? new ApiError("It was changed somewhere else meanwhile (another tab?); the calendar now shows its latest state. Try again.", 409, error.code)
            : error;
        setNote({ ok: false, text: `The ${label} stays where it was; it could not go to ${where}`, error: reason });
        return reason;
      } finally {
        setPending((s) => {
          const next = new Set(s);
          next.delete(post.id);
          return next;
        });
        void queryClient.invalidateQueries({ queryKey: ["calendar"] });
        void queryClient.invalidateQueries({ queryKey: ["drafts"] });
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [queryClient, timeZone, from, to, platform, status],
  );

  const handlers: Handlers = useMemo(
    () => ({
      drop: (id, day, time) => {
        const post = findPost(id);
        if (!post) return;
        const keep = post.scheduled_for ? wallOf(post.scheduled_for, timeZone).time : "09:00";
        void move(post, day, time ?? keep);
      },
      openMove: (post) => setDialog({ kind: "move", post }),
      openFailed: (post) => setDialog({ kind: "failed", post }),
      openNew: (day, time, slotPlatform) => setDialog({ kind: "new", day, time, platform: slotPlatform ?? platform }),
    }),
    [findPost, move, platform, timeZone],
  );

  async function retry(post: Post): Promise<ApiError | null> {
    try {
      await call(api.POST("/api/content/drafts/{draft_id}/retry", { params: { path: { draft_id: post.id } } }));
      setNote({ ok: true, text: `The ${platformName(post.platform)} post is being sent again; it shows as published once the platform has it.` });
      void queryClient.invalidateQueries({ queryKey: ["calendar"] });
      return null;
    } catch (caught) {
      return asApiError(caught);
    }
  }

  async function create(body: { platform: "linkedin" | "twitter"; content: string; day: DayKey; time: string }): Promise<Post | ApiError> {
    try {
      const saved = await call(
        api.POST("/api/schedules/posts", {
          body: { platform: body.platform, content: body.content, scheduled_for: zonedInstant(body.day, body.time, timeZone).toISOString() },
        }),
      );
      setNote({ ok: true, text: `Scheduled a ${platformName(body.platform)} post for ${dayLabel(body.day)} at ${body.time} (${timeZone}).` });
      void queryClient.invalidateQueries({ queryKey: ["calendar"] });
      void queryClient.invalidateQueries({ queryKey: ["drafts"] });
      return saved;
    } catch (caught) {
      return asApiError(caught);
    }
  }

  const step = (n: number): DayKey => (view === "month" ? addMonths(date, n) : addDays(date, 7 * n));
  const title = view === "month" ? monthLabel(date) : `Week of ${dayLabel(first, "short")} to ${dayLabel(last)}`;
  const unit = view === "month" ? "month" : "week";
  const viewProps = {
    days,
    focusDay: date,
    today,
    nowMinutes: todayWall.minutes,
    placed,
    slots: shownSlots,
    pending,
    handlers,
  };
  const loadError = posts.error ?? null;

  return (
    <>
      <PageTitle
        lead={
          <>
            Times are in <strong>{timeZone}</strong>, your profile’s time zone (<Link to="/settings">change it in Settings</Link>).{" "}
            {phone ? "Use a post’s “Move to…” button to give it another day or time." : "Drag a post to another day or time, or use its “Move to…” button."}
          </>
        }
      >
        Calendar
      </PageTitle>

      <div className="cal-toolbar card">
        <div className="cal-toolbar-row">
          <div className="segmented" role="group" aria-label="View">
            {(["week", "month"] as const).map((v) => (
              <button key={v} type="button" aria-pressed={view === v} onClick={() => setParam({ view: v })}>
                {v === "week" ? "Week" : "Month"}
              </button>
            ))}
          </div>
          <div className="cal-nav">
            <button type="button" className="secondary" onClick={() => setParam({ date: step(-1) })}>
              Previous {unit}
            </button>
            <button type="button" className="secondary" onClick={() => setParam({ date: "" })}>
              Today
            </button>
            <button type="button" className="secondary" onClick={() => setParam({ date: step(1) })}>
              Next {unit}
            </button>
          </div>
          <div className="cal-filters">
            <div className="cal-filter">
              <label htmlFor="cal-platform">Platform</label>
              <select id="cal-platform" value={platform} onChange={(e) => setParam({ platform: e.target.value })}>
                <option value="">All platforms</option>
                <option value="linkedin">LinkedIn</option>
                <option value="twitter">X</option>
              </select>
            </div>
            <div className="cal-filter">
              <label htmlFor="cal-status">Status</label>
              <select id="cal-status" value={status} onChange={(e) => setParam({ status: e.target.value })}>
                <option value="">All statuses</option>
                <option value="scheduled">Scheduled</option>
                <option value="publishing">Publishing</option>
                <option value="published">Published</option>
                <option value="failed">Failed</option>
              </select>
            </div>
          </div>
        </div>
      </div>

      {note ? (
        note.ok ? (
          <Notice tone="success">{note.text}</Notice>
        ) : (
          <ErrorNote error={note.error} what={note.text} />
        )
      ) : null}

      <div className="cal-layout">
        <section className="card cal-main" aria-labelledby="cal-range">
          <h2 id="cal-range" className="cal-range">
            {title}
            {posts.isFetching && !posts.isPending ? <span className="sr-only"> (updating)</span> : null}
          </h2>
          {posts.isPending ? <Spinner label="Loading your posts…" /> : null}
          <ErrorNote error={loadError ? asApiError(loadError) : null} what="Your posts did not load" />
          {loadError ? (
            <button type="button" onClick={() => void posts.refetch()}>
              Try again
            </button>
          ) : null}
          <ErrorNote error={slots.error ? asApiError(slots.error) : null} what="Your queue slots did not load" />
          {posts.data ? (
            phone ? (
              <AgendaView {...viewProps} label={title} />
            ) : view === "month" ? (
              <MonthView {...viewProps} month={title} />
            ) : (
              <WeekView {...viewProps} />
            )
          ) : null}
          <p className="muted cal-legend">
            A dashed “+ time” is an open slot of your posting queue: choose it to write a post for it.
            {phone ? "" : " Click an empty place to write a post there."}
          </p>
        </section>

        <aside className="card cal-tray" aria-labelledby="cal-tray-title">
          <h2 id="cal-tray-title">Unscheduled drafts</h2>
          <p className="muted">
            {phone ? "Use “Schedule…” to give one a time." : "Drag one onto a day (it goes at 09:00) or an hour of the week, or use “Schedule…”."}
          </p>
          {tray.isPending ? <Spinner label="Loading your drafts…" /> : null}
          <ErrorNote error={tray.error ? asApiError(tray.error) : null} what="Your drafts did not load" />
          {tray.data && tray.data.length === 0 ? (
            <p>
              No unscheduled drafts{platform ? ` for ${platformName(platform)}` : ""}. <Link to="/drafts/new">Write one</Link>.
            </p>
          ) : null}
          {tray.data?.length ? <Tray drafts={tray.data} handlers={handlers} pending={pending} /> : null}
        </aside>
      </div>

      {dialog?.kind === "move" ? (
        <MoveDialog post={dialog.post} timeZone={timeZone} today={today} onMove={(day, time) => move(dialog.post, day, time)} onClose={() => setDialog(null)} />
      ) : null}
      {dialog?.kind === "failed" ? (
        <FailedDialog post={dialog.post} timeZone={timeZone} onRetry={() => retry(dialog.post)} onClose={() => setDialog(null)} />
      ) : null}
      {dialog?.kind === "new" ? (
        <NewPostDialog
          day={dialog.day}
          time={dialog.time}
          platform={dialog.platform}
          timeZone={timeZone}
          onCreate={create}
          onOpen={(post) => navigate(`/drafts/${post.id}`)}
          onClose={() => setDialog(null)}
        />
      ) : null}
    </>
  );
}
