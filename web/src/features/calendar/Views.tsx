import { useEffect, useRef, useState, type DragEvent, type MouseEvent } from "react";
import { Link } from "react-router";
import { dayLabel, snapMinutes, timeOfMinutes, weekday, type DayKey } from "./dates";
import { excerpt, slotTime, STATUS_WORDS, type Placed, type Post, type Slot, type TileStatus } from "./model";
import { platformName } from "../../lib/format";
import { ApprovalBadge } from "../workspaces/ApprovalBadge";

export const DRAG_TYPE = "application/x-postwright-post";
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

export interface Handlers {
  /** A drop or a menu choice: move (or schedule, for a draft) to `day` at `time`; null time keeps its own. */
  drop: (postId: string, day: DayKey, time: string | null) => void;
  openMove: (post: Post) => void;
  openFailed: (post: Post) => void;
  openNew: (day: DayKey, time: string, platform?: "linkedin" | "twitter") => void;
}

export function movable(status: TileStatus): boolean {
  return status === "draft" || status === "scheduled" || status === "publishing";
}

function hasPost(event: DragEvent): boolean {
  return Array.from(event.dataTransfer.types).includes(DRAG_TYPE);
}

/** Nothing but the cell itself (not a tile, a button, a link) was clicked. */
function onEmpty(event: MouseEvent): boolean {
  return !(event.target as HTMLElement).closest(".cal-tile, .cal-slot, button, a, input");
}

export function Tile(props: { post: Post; status: TileStatus; time: string | null; day: DayKey | null; handlers: Handlers; pending?: boolean }) {
  const { post, status, time, day } = props;
  const [dragging, setDragging] = useState(false);
  const canMove = movable(status);
  const when = day ? `${dayLabel(day, "short")}${time ? ` ${time}` : ""}` : "not scheduled";
  const summary = `${platformName(post.platform)} post, ${when}`;
  const body = (
    <>
      <span className="cal-tile-line">
        {time ? <span className="cal-tile-time">{time}</span> : null}
        <span className={`cal-platform cal-platform-${post.platform}`}>{platformName(post.platform)}</span>
      </span>
      <span className={`cal-badge cal-badge-${status}`}>{props.pending ? "Saving…" : STATUS_WORDS[status]}</span>
      {status === "published" ? null : <ApprovalBadge approval={post.approval} />}
      <span className="cal-tile-text">{excerpt(post.content, 60)}</span>
    </>
  );
  return (
    <li
      className={`cal-tile cal-tile-${status}${dragging ? " dragging" : ""}`}
      draggable={canMove}
      data-post-id={post.id}
      onDragStart={(e) => {
        if (!canMove) return;
        e.dataTransfer.setData(DRAG_TYPE, post.id);
        e.dataTransfer.setData("text/plain", summary);
        e.dataTransfer.effectAllowed = "move";
        setDragging(true);
      }}
      onDragEnd={() => setDragging(false)}
    >
      {status === "failed" ? (
        <button type="button" className="cal-tile-main" onClick={() => props.handlers.openFailed(post)} aria-label={`${time ?? ""} ${platformName(post.platform)} Failed: see why and retry. ${excerpt(post.content, 60)}`.trim()}>
          {body}
        </button>
      ) : (
        <Link className="cal-tile-main" to={`/drafts/${post.id}`}>
          {body}
        </Link>
      )}
      {canMove ? (
        <button type="button" className="cal-tile-move secondary" aria-label={`${status === "draft" ? "Schedule…" : "Move to…"} ${summary}`} onClick={() => props.handlers.openMove(post)}>
          {status === "draft" ? "Schedule…" : "Move to…"}
        </button>
      ) : null}
    </li>
  );
}

function SlotChip(props: { slot: Slot; day: DayKey; handlers: Handlers }) {
  const time = slotTime(props.slot);
  const name = platformName(props.slot.platform);
  return (
    <li className="cal-slot">
      <button type="button" onClick={() => props.handlers.openNew(props.day, time, props.slot.platform as "linkedin" | "twitter")}>
        <span aria-hidden="true">+</span> {time} {name}
        <span className="sr-only">: open queue slot on {dayLabel(props.day)}, write a post for it</span>
      </button>
    </li>
  );
}

/** The queue's slots on `day` that are still ahead and that no post of their platform takes. */
function openSlots(day: DayKey, slots: Slot[], today: DayKey, nowMinutes: number, taken: Placed[] = []): Slot[] {
  if (day < today) return [];
  return slots
    .filter((s) => s.day_of_week === weekday(day))
    .filter((s) => day > today || toMinutes(slotTime(s)) > nowMinutes)
    .filter((s) => !taken.some((p) => p.post.platform === s.platform && p.time === slotTime(s)))
    .sort((a, b) => slotTime(a).localeCompare(slotTime(b)));
}

function toMinutes(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function useDropTarget(handlers: Handlers) {
  const [over, setOver] = useState<string | null>(null);
  const [overTime, setOverTime] = useState<string | null>(null);
  const target = (key: string, day: DayKey, timeAt: (event: DragEvent<HTMLElement>) => string | null) => ({
    onDragOver: (e: DragEvent<HTMLElement>) => {
      if (!hasPost(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      if (over !== key) setOver(key);
      const time = timeAt(e);
      if (time !== overTime) setOverTime(time);
    },
    onDragLeave: (e: DragEvent<HTMLElement>) => {
      if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver((o) => (o === key ? null : o));
    },
    onDrop: (e: DragEvent<HTMLElement>) => {
      const id = e.dataTransfer.getData(DRAG_TYPE);
      setOver(null);
      if (!id) return;
      e.preventDefault();
      handlers.drop(id, day, timeAt(e));
    },
  });
  return { over, overTime, target };
}

export interface ViewProps {
  days: DayKey[];
  focusDay: DayKey;
  today: DayKey;
  nowMinutes: number;
  placed: Map<DayKey, Placed[]>;
  slots: Slot[];
  pending: Set<string>;
  handlers: Handlers;
}

export function MonthView(props: ViewProps & { month: string }) {
  const { over, target } = useDropTarget(props.handlers);
  return (
    <div className="cal-month">
      <div className="cal-weekdays" aria-hidden="true">
        {WEEKDAYS.map((d) => <span key={d}>{d}</span>)}
      </div>
      <ol className="cal-month-grid" aria-label={props.month}>
        {props.days.map((day) => {
          const items = props.placed.get(day) ?? [];
          const slots = openSlots(day, props.slots, props.today, props.nowMinutes, props.placed.get(day));
          const outside = day.slice(0, 7) !== props.focusDay.slice(0, 7);
          const past = day < props.today;
          return (
            <li
              key={day}
              className={`cal-day${outside ? " outside" : ""}${day === props.today ? " today" : ""}${past ? " past" : ""}${over === day ? " drop-over" : ""}`}
              data-day={day}
              {...target(day, day, () => null)}
              onClick={(e) => {
                if (!past && onEmpty(e)) props.handlers.openNew(day, "09:00");
              }}
            >
              <div className="cal-day-head">
                <span className="cal-day-num" aria-hidden="true">{Number(day.slice(8))}</span>
                <span className="sr-only">{dayLabel(day)}{day === props.today ? ", today" : ""}</span>
                {!past ? (
                  <button type="button" className="cal-add secondary" onClick={() => props.handlers.openNew(day, "09:00")}>
                    <span aria-hidden="true">+</span>
                    <span className="sr-only">New post on {dayLabel(day)}</span>
                  </button>
                ) : null}
              </div>
              {items.length ? (
                <ul className="cal-tiles">
                  {items.map((p) => (
                    <Tile key={p.post.id} post={p.post} status={p.status} time={p.time} day={p.day} handlers={props.handlers} pending={props.pending.has(p.post.id)} />
                  ))}
                </ul>
              ) : null}
              {slots.length ? (
                <ul className="cal-slots" aria-label="Open queue slots">
                  {slots.map((s) => <SlotChip key={s.id} slot={s} day={day} handlers={props.handlers} />)}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function WeekView(props: ViewProps) {
  const { over, overTime, target } = useDropTarget(props.handlers);
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Open on the working day (07:00, or the week's earliest post) at the top, under the days' heads.
    const frame = scroller.current;
    const earliest = Math.min(7, ...[...props.placed.values()].flat().filter((p) => props.days.includes(p.day)).map((p) => Math.floor(p.minutes / 60)));
    const seven = frame?.querySelector<HTMLElement>(`.cal-hour[data-hour="${earliest}"]`);
    const head = frame?.querySelector<HTMLElement>(".cal-week-head");
    if (frame && seven) frame.scrollTop = seven.offsetTop - (head?.offsetHeight ?? 0);
    // Only when a week is first shown, not on every refresh.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.days[0]]);
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const minutesAt = (hour: number) => (e: DragEvent<HTMLElement>): string => {
    const box = e.currentTarget.getBoundingClientRect();
    const within = box.height ? ((e.clientY - box.top) / box.height) * 60 : 0;
    return timeOfMinutes(snapMinutes(hour * 60 + Math.max(0, Math.min(59, within))));
  };
  return (
    <div className="cal-week-scroll" ref={scroller} tabIndex={-1}>
      <div className="cal-week">
        <div className="cal-hours" aria-hidden="true">
          <div className="cal-week-corner" />
          {hours.map((h) => (
            <div key={h} className="cal-hour-label">{timeOfMinutes(h * 60)}</div>
          ))}
        </div>
        <ol className="cal-week-days" aria-label="Days of the week">
          {props.days.map((day) => {
            const items = props.placed.get(day) ?? [];
            const slots = openSlots(day, props.slots, props.today, props.nowMinutes, props.placed.get(day));
            const past = day < props.today;
            return (
              <li key={day} className={`cal-week-day${day === props.today ? " today" : ""}${past ? " past" : ""}`} data-day={day}>
                <div className="cal-week-head">
                  <span>
                    <span aria-hidden="true">{dayLabel(day, "short").replace(/ \S+$/, "")}</span>
                    <span className="sr-only">{dayLabel(day)}{day === props.today ? ", today" : ""}</span>
                  </span>
                  {!past ? (
                    <button type="button" className="cal-add secondary" onClick={() => props.handlers.openNew(day, "09:00")}>
                      <span aria-hidden="true">+</span>
                      <span className="sr-only">New post on {dayLabel(day)}</span>
                    </button>
                  ) : null}
                </div>
                {hours.map((hour) => {
                  const key = `${day}T${hour}`;
                  const tiles = items.filter((p) => Math.floor(p.minutes / 60) === hour);
                  const open = slots.filter((s) => Math.floor(toMinutes(slotTime(s)) / 60) === hour);
                  return (
                    <div
                      key={hour}
                      className={`cal-hour${over === key ? " drop-over" : ""}`}
                      data-hour={hour}
                      {...target(key, day, minutesAt(hour))}
                      onClick={(e) => {
                        if (past || !onEmpty(e)) return;
                        const box = e.currentTarget.getBoundingClientRect();
                        const within = box.height ? ((e.clientY - box.top) / box.height) * 60 : 0;
                        props.handlers.openNew(day, timeOfMinutes(snapMinutes(hour * 60 + within)));
                      }}
                    >
                      {over === key && overTime ? <span className="cal-drop-time" aria-hidden="true">{overTime}</span> : null}
                      {tiles.length ? (
                        <ul className="cal-tiles">
                          {tiles.map((p) => (
                            <Tile key={p.post.id} post={p.post} status={p.status} time={p.time} day={p.day} handlers={props.handlers} pending={props.pending.has(p.post.id)} />
                          ))}
                        </ul>
                      ) : null}
                      {open.length ? (
                        <ul className="cal-slots" aria-label="Open queue slots">
                          {open.map((s) => <SlotChip key={s.id} slot={s} day={day} handlers={props.handlers} />)}
                        </ul>
                      ) : null}
                    </div>
                  );
                })}
              </li>
            );
          })}
        </ol>
      </div>
    </div>
  );
}

/** On a phone: the days as a list, nothing side by side. */
export function AgendaView(props: ViewProps & { label: string }) {
  const shown = props.days.filter((day) => {
    const hasItems = (props.placed.get(day) ?? []).length > 0;
    const hasSlots = openSlots(day, props.slots, props.today, props.nowMinutes, props.placed.get(day)).length > 0;
    return hasItems || hasSlots || (props.days.length <= 7 && day >= props.today);
  });
  return (
    <div className="cal-agenda">
      <div className="actions cal-agenda-top">
        <button type="button" className="secondary" onClick={() => props.handlers.openNew(props.days[0] && props.days[0] > props.today ? props.days[0] : props.today, "09:00")}>
          New post on another day…
        </button>
      </div>
      {shown.length === 0 ? <p>Nothing planned in {props.label}.</p> : null}
      <ol className="cal-agenda-days" aria-label={props.label}>
        {shown.map((day) => {
          const items = props.placed.get(day) ?? [];
          const slots = openSlots(day, props.slots, props.today, props.nowMinutes, props.placed.get(day));
          return (
            <li key={day} className={`cal-agenda-day${day === props.today ? " today" : ""}`} data-day={day}>
              <div className="cal-agenda-head">
                <h3>{dayLabel(day)}{day === props.today ? " (today)" : ""}</h3>
                {day >= props.today ? (
                  <button type="button" className="secondary cal-agenda-add" onClick={() => props.handlers.openNew(day, "09:00")}>
                    New post{" "}<span className="sr-only">on {dayLabel(day)}</span>
                  </button>
                ) : null}
              </div>
              {items.length ? (
                <ul className="cal-tiles">
                  {items.map((p) => (
                    <Tile key={p.post.id} post={p.post} status={p.status} time={p.time} day={p.day} handlers={props.handlers} pending={props.pending.has(p.post.id)} />
                  ))}
                </ul>
              ) : (
                <p className="muted">Nothing planned.</p>
              )}
              {slots.length ? (
                <ul className="cal-slots" aria-label="Open queue slots">
                  {slots.map((s) => <SlotChip key={s.id} slot={s} day={day} handlers={props.handlers} />)}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function Tray(props: { drafts: Post[]; handlers: Handlers; pending: Set<string> }) {
  return (
    <ul className="cal-tiles cal-tray-list">
      {props.drafts.map((post) => (
        <Tile key={post.id} post={post} status="draft" time={null} day={null} handlers={props.handlers} pending={props.pending.has(post.id)} />
      ))}
    </ul>
  );
}
