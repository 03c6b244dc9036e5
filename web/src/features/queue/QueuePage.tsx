import { useEffect, useRef, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Notice, PageTitle, Spinner } from "../../components/ui";
import { ConfirmDialog } from "../accounts/ConfirmDialog";
import { formatDateTime, platformName } from "../../lib/format";
import {
  WEEKDAY_ORDER,
  WEEKS_OF_MONTH,
  describeRecurrence,
  fieldErrors,
  hhmm,
  sortSlots,
  topicsFromText,
  weekOfMonthName,
  weekdayName,
  type Frequency,
  type WeekOfMonth,
} from "./schedule";
import "./queue.css";

type Platform = "linkedin" | "twitter";
type Slot = Schemas["SlotOut"];
type Recurring = Schemas["RecurringOut"];
const PLATFORMS: Platform[] = ["linkedin", "twitter"];

export default function QueuePage() {
  const [platform, setPlatform] = useState<Platform>("linkedin");
  const slots = useQuery({ queryKey: ["queue-slots"], queryFn: () => call(api.GET("/api/queue/slots")) });
  const timezone = slots.data?.timezone ?? "";
  return (
    <>
      <PageTitle lead="Your posting queue fills these weekly slots in order; recurring schedules draft a post on their own, topic after topic.">
        Queue and recurring schedules
      </PageTitle>
      <section className="card" aria-labelledby="slots-title">
        <h2 id="slots-title">Weekly posting slots</h2>
        <div className="field">
          <span className="legend" id="queue-platform-label">Platform</span>
          <div className="segmented" role="group" aria-labelledby="queue-platform-label">
            {PLATFORMS.map((p) => (
              <button key={p} type="button" aria-pressed={platform === p} onClick={() => setPlatform(p)}>
                {platformName(p)}
              </button>
            ))}
          </div>
        </div>
        {slots.isPending ? (
          <Spinner label="Loading your slots…" />
        ) : slots.error ? (
          <ErrorNote error={asApiError(slots.error)} what="Your slots did not load" />
        ) : (
          <div className="queue-columns">
            <Slots key={`slots-${platform}`} platform={platform} timezone={timezone} slots={slots.data.items.filter((s) => s.platform === platform)} />
            <Suggestions key={`suggest-${platform}`} platform={platform} timezone={timezone} slots={slots.data.items.filter((s) => s.platform === platform)} />
          </div>
        )}
      </section>
      <RecurringSection timezone={timezone} />
    </>
  );
}

function useAddSlot(platform: Platform) {
  const queryClient = useQueryClient();
  return async (day: number, time: string): Promise<Slot> => {
    const slot = await call(api.POST("/api/queue/slots", { body: { platform, day_of_week: day, time } }));
    await queryClient.invalidateQueries({ queryKey: ["queue-slots"] });
    return slot;
  };
}

function Slots(props: { platform: Platform; timezone: string; slots: Slot[] }) {
  const queryClient = useQueryClient();
  const add = useAddSlot(props.platform);
  const [day, setDay] = useState(1);
  const [time, setTime] = useState("09:00");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [removeError, setRemoveError] = useState<ApiError | null>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);
  const fields = fieldErrors(error?.fields ?? {});
  const name = platformName(props.platform);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    setDone(null);
    if (!/^\d{2}:\d{2}$/.test(time)) {
      setError(new ApiError("Some fields need attention.", 422, "invalid", { time: "Give a time as hours and minutes, e.g. 09:30." }));
      return;
    }
    setBusy(true);
    try {
      const slot = await add(day, time);
      setDone(`Added ${weekdayName(slot.day_of_week)} at ${hhmm(slot.local_time)} to your ${name} slots.`);
    } catch (caught) {
      const e = asApiError(caught);
      setError(e.status === 409 ? new ApiError(`You already have a ${name} slot on ${weekdayName(day)} at ${time}.`, 409, e.code) : e);
    } finally {
      setBusy(false);
    }
  }

  async function remove(slot: Slot): Promise<void> {
    setRemoveError(null);
    setDone(null);
    try {
      await call(api.DELETE("/api/queue/slots/{slot_id}", { params: { path: { slot_id: slot.id } } }));
      await queryClient.invalidateQueries({ queryKey: ["queue-slots"] });
      listHeading.current?.focus();
      setDone(`Removed ${weekdayName(slot.day_of_week)} at ${hhmm(slot.local_time)}. Posts already scheduled in it stay scheduled.`);
    } catch (caught) {
      setRemoveError(asApiError(caught));
    }
  }

  const sorted = sortSlots(props.slots);
  return (
    <div>
      <h3 ref={listHeading} tabIndex={-1} className="focus-target">Your {name} slots</h3>
      <p className="muted">Times are local to your profile's time zone ({props.timezone}).</p>
      {sorted.length === 0 ? (
        <p>No {name} slots yet. Add one below, or take a suggestion from your best hours.</p>
      ) : (
        <ul className="plain slot-list" aria-label={`${name} slots`}>
          {sorted.map((slot) => {
            const label = `${weekdayName(slot.day_of_week)} at ${hhmm(slot.local_time)}`;
            return (
              <li key={slot.id} className="slot">
                <span>
                  <strong>{weekdayName(slot.day_of_week)}</strong> at {hhmm(slot.local_time)}
                </span>
                <button type="button" className="secondary" aria-label={`Remove ${label}`} onClick={() => void remove(slot)}>
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <ErrorNote error={removeError} what="Not removed" />
      {done ? <Notice tone="success">{done}</Notice> : <span role="status" />}
      <form className="slot-form" onSubmit={(e) => void submit(e)} noValidate>
        <h4>Add a {name} slot</h4>
        <div className="slot-form-fields">
          <Field label="Weekday" error={fields.day_of_week}>
            {(ids) => (
              <select id={ids.id} value={day} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => { setDay(Number(e.target.value)); setError(null); }}>
                {WEEKDAY_ORDER.map((d) => (
                  <option key={d} value={d}>
                    {weekdayName(d)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Time" error={fields.time}>
            {(ids) => (
              <input id={ids.id} type="time" required value={time} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => { setTime(e.target.value); setError(null); }} />
            )}
          </Field>
        </div>
        {error && !Object.keys(error.fields).length ? <ErrorNote error={error} what="Not added" /> : null}
        <button type="submit" disabled={busy}>
          {busy ? "Adding…" : "Add the slot"}
        </button>
      </form>
    </div>
  );
}

function Suggestions(props: { platform: Platform; timezone: string; slots: Slot[] }) {
  const add = useAddSlot(props.platform);
  const suggestions = useQuery({
    queryKey: ["queue-suggestions", props.platform],
    queryFn: () => call(api.GET("/api/queue/suggestions", { params: { query: { platform: props.platform } } })),
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const name = platformName(props.platform);
  const taken = new Set(props.slots.map((s) => `${s.day_of_week}-${hhmm(s.local_time)}`));

  async function take(day: number, time: string): Promise<void> {
    setError(null);
    setBusy(`${day}-${time}`);
    try {
      await add(day, time);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div>
      <h3>Suggested from your best hours</h3>
      {suggestions.isPending ? (
        <Spinner label="Reading your best hours…" />
      ) : suggestions.error ? (
        <ErrorNote error={asApiError(suggestions.error)} what="Suggestions did not load" />
      ) : suggestions.data.items.length === 0 ? (
        <p>
          Your {name} history is too short to tell which hours work best for you. Import more of your {name} posts and
          suggestions appear here.
        </p>
      ) : (
        <ul className="plain suggestion-list">
          {suggestions.data.items.map((s) => {
            const time = hhmm(s.time);
            const key = `${s.day_of_week}-${time}`;
            const label = `${weekdayName(s.day_of_week)} at ${time}`;
            return (
              <li key={key} className="suggestion-card">
                <p className="suggestion-when">
                  <strong>{label}</strong> <span className="muted">({props.timezone})</span>
                </p>
                <p className="suggestion-why">Why: {s.reason}.</p>
                {taken.has(key) ? (
                  <p className="muted">Already one of your slots.</p>
                ) : (
                  <button type="button" className="secondary" disabled={busy === key} onClick={() => void take(s.day_of_week, time)}>
                    {busy === key ? "Adding…" : `Add ${label} as a slot`}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <ErrorNote error={error} what="The suggestion was not added" />
    </div>
  );
}

// ---- recurring schedules -------------------------------------------------------------------------

interface FormValues {
  name: string;
  platform: Platform;
  frequency: Frequency;
  day_of_week: number;
  time_of_day: string;
  week_of_month: WeekOfMonth;
  topics: string;
}

const EMPTY: FormValues = { name: "", platform: "linkedin", frequency: "weekly", day_of_week: 2, time_of_day: "09:00", week_of_month: 1, topics: "" };

function valuesOf(r: Recurring): FormValues {
  return {
    name: r.name,
    platform: r.platform === "twitter" ? "twitter" : "linkedin",
    frequency: (["weekly", "biweekly", "monthly"].includes(r.frequency) ? r.frequency : "weekly") as Frequency,
    day_of_week: r.day_of_week,
    time_of_day: hhmm(r.time_of_day),
    week_of_month: (WEEKS_OF_MONTH as readonly number[]).includes(r.week_of_month ?? 1) ? ((r.week_of_month ?? 1) as WeekOfMonth) : 1,
    topics: r.topics.join("\n"),
  };
}

function RecurringSection(props: { timezone: string }) {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ["recurring"], queryFn: () => call(api.GET("/api/schedules/recurring", { params: { query: { limit: 200 } } })) });
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ id: string; error: ApiError } | null>(null);
  const [deleting, setDeleting] = useState<Recurring | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [focusAfter, setFocusAfter] = useState<string | null>(null);
  useEffect(() => {
    if (!focusAfter) return;
    document.getElementById(focusAfter)?.focus();
    setFocusAfter(null);
  }, [focusAfter]);

  const refresh = () => queryClient.invalidateQueries({ queryKey: ["recurring"] });

  async function toggle(r: Recurring): Promise<void> {
    setRowError(null);
    setMessage(null);
    try {
      const next = await call(api.PUT("/api/schedules/recurring/{schedule_id}", { params: { path: { schedule_id: r.id } }, body: { active: !r.active } }));
      await refresh();
      setMessage(next.active ? `"${next.name}" resumed.` : `"${next.name}" paused: it drafts nothing until you resume it.`);
    } catch (caught) {
      setRowError({ id: r.id, error: asApiError(caught) });
    }
  }

  async function remove(): Promise<void> {
    if (!deleting) return;
    setDeleteBusy(true);
    setRowError(null);
    try {
      await call(api.DELETE("/api/schedules/recurring/{schedule_id}", { params: { path: { schedule_id: deleting.id } } }));
      await refresh();
      setMessage(`"${deleting.name}" deleted.`);
    } catch (caught) {
      setRowError({ id: deleting.id, error: asApiError(caught) });
    } finally {
      setDeleteBusy(false);
      setDeleting(null);
    }
  }

  return (
    <section className="card" aria-labelledby="recurring-title">
      <h2 id="recurring-title">Recurring schedules</h2>
      <p className="muted">Each one drafts a post before its time, taking its topics in turn; you review the draft before it goes out.</p>
      {message ? <Notice tone="success">{message}</Notice> : <span role="status" />}
      {list.isPending ? (
        <Spinner label="Loading your recurring schedules…" />
      ) : list.error ? (
        <ErrorNote error={asApiError(list.error)} what="Your recurring schedules did not load" />
      ) : (
        <>
          {list.data.items.length === 0 && !creating ? <p>No recurring schedules yet.</p> : null}
          <ul className="plain recurring-list">
            {list.data.items.map((r) =>
              editing === r.id ? (
                <li key={r.id} className="recurring">
                  <RecurringForm
                    title={`Edit "${r.name}"`}
                    initial={valuesOf(r)}
                    timezone={r.timezone}
                    submitLabel="Save the changes"
                    onCancel={() => {
                      setEditing(null);
                      setFocusAfter(`edit-${r.id}`);
                    }}
                    onSubmit={async (values) => {
                      const body = {
                        name: values.name.trim(),
                        platform: values.platform,
                        frequency: values.frequency,
                        day_of_week: values.day_of_week,
                        time_of_day: values.time_of_day,
                        topics: topicsFromText(values.topics),
                        ...(values.frequency === "monthly" ? { week_of_month: values.week_of_month } : {}),
                      };
                      const saved = await call(api.PUT("/api/schedules/recurring/{schedule_id}", { params: { path: { schedule_id: r.id } }, body }));
                      await refresh();
                      setEditing(null);
                      setFocusAfter(`edit-${r.id}`);
                      setMessage(`"${saved.name}" saved.`);
                    }}
                  />
                </li>
              ) : (
                <li key={r.id} className="recurring">
                  <RecurringCard
                    schedule={r}
                    error={rowError?.id === r.id ? rowError.error : null}
                    onToggle={() => void toggle(r)}
                    onEdit={() => {
                      setMessage(null);
                      setEditing(r.id);
                    }}
                    onDelete={() => setDeleting(r)}
                  />
                </li>
              ),
            )}
          </ul>
          {creating ? (
            <RecurringForm
              title="New recurring schedule"
              initial={EMPTY}
              timezone={props.timezone}
              submitLabel="Create the schedule"
              onCancel={() => {
                setCreating(false);
                setFocusAfter("new-recurring");
              }}
              onSubmit={async (values) => {
                const created = await call(
                  api.POST("/api/schedules/recurring", {
                    body: {
                      name: values.name.trim(),
                      platform: values.platform,
                      frequency: values.frequency,
                      day_of_week: values.day_of_week,
                      time_of_day: values.time_of_day,
                      active: true,
                      topics: topicsFromText(values.topics),
                      ...(values.frequency === "monthly" ? { week_of_month: values.week_of_month } : {}),
                    },
                  }),
                );
                await refresh();
                setCreating(false);
                setFocusAfter(`edit-${created.id}`);
                setMessage(`"${created.name}" created.`);
              }}
            />
          ) : (
            <button id="new-recurring" type="button" onClick={() => { setMessage(null); setCreating(true); }}>
              New recurring schedule
            </button>
          )}
        </>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete "${deleting?.name ?? ""}"?`}
        confirm="Delete the schedule"
        cancel="Keep it"
        busy={deleteBusy}
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(null)}
      >
        <p>It stops drafting posts. Drafts it already wrote stay with your drafts.</p>
      </ConfirmDialog>
    </section>
  );
}

export function RecurringCard(props: { schedule: Recurring; error: ApiError | null; onToggle: () => void; onEdit: () => void; onDelete: () => void }) {
  const r = props.schedule;
  const titleId = `recurring-${r.id}`;
  return (
    <article aria-labelledby={titleId}>
      <div className="recurring-head">
        <h3 id={titleId}>{r.name}</h3>
        <span className={`state-badge ${r.active ? "is-active" : "is-paused"}`}>{r.active ? "Active" : "Paused"}</span>
      </div>
      <dl>
        <dt>Platform</dt>
        <dd>{platformName(r.platform)}</dd>
        <dt>When</dt>
        <dd>
          {describeRecurrence(r)} ({r.timezone})
        </dd>
        <dt>Next run</dt>
        <dd>{r.active && r.next_generation ? formatDateTime(r.next_generation, r.timezone) : r.active ? "Not planned" : "None while paused"}</dd>
        <dt>Topics in turn</dt>
        <dd>
          {r.topics.length ? (
            <ol className="topics">
              {r.topics.map((t, i) => (
                <li key={`${i}-${t}`}>{t}</li>
              ))}
            </ol>
          ) : (
            <span>None: each draft is about "{r.name}".</span>
          )}
        </dd>
        {r.last_generated ? (
          <>
            <dt>Last drafted</dt>
            <dd>{formatDateTime(r.last_generated, r.timezone)}</dd>
          </>
        ) : null}
        <dt>Failures</dt>
        <dd>{r.failure_count === 0 ? "None" : `${r.failure_count} in a row (at 5 it pauses itself)`}</dd>
      </dl>
      {r.last_error ? <ErrorNote error={new ApiError(r.last_error, null, "last_error")} what="The last drafting attempt failed" /> : null}
      <div className="actions">
        <button type="button" className="secondary" aria-label={`${r.active ? "Pause" : "Resume"} ${r.name}`} onClick={props.onToggle}>
          {r.active ? "Pause" : "Resume"}
        </button>
        <button id={`edit-${r.id}`} type="button" className="secondary" aria-label={`Edit ${r.name}`} onClick={props.onEdit}>
          Edit
        </button>
        <button type="button" className="secondary" aria-label={`Delete ${r.name}`} onClick={props.onDelete}>
          Delete
        </button>
      </div>
      <ErrorNote error={props.error} what="Not changed" />
    </article>
  );
}

function RecurringForm(props: {
  title: string;
  initial: FormValues;
  timezone: string;
  submitLabel: string;
  onSubmit: (values: FormValues) => Promise<void>;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<FormValues>(props.initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = fieldErrors(error?.fields ?? {});
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const set = (change: Partial<FormValues>): void => setValues((v) => ({ ...v, ...change }));

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    const local: Record<string, string> = {};
    if (!values.name.trim()) local.name = "Give the schedule a name.";
    if (!/^\d{2}:\d{2}$/.test(values.time_of_day)) local.time_of_day = "Give a time as hours and minutes, e.g. 09:30.";
    const short = topicsFromText(values.topics).findIndex((t) => t.length < 2);
    if (short >= 0) local.topics = `line ${short + 1}: a topic needs at least 2 characters.`;
    if (Object.keys(local).length) {
      setError(new ApiError("Some fields need attention.", 422, "invalid", local));
      return;
    }
    setBusy(true);
    try {
      await props.onSubmit(values);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const formError = error && Object.keys(fields).some((k) => !["name", "platform", "frequency", "day_of_week", "time_of_day", "week_of_month", "topics"].includes(k)) ? error : error && !Object.keys(fields).length ? error : null;
  return (
    <form className="recurring-form" onSubmit={(e) => void submit(e)} noValidate aria-label={props.title}>
      <h3 ref={heading} tabIndex={-1} className="focus-target">{props.title}</h3>
      <Field label="Name" hint="Also the topic when you list none." error={fields.name}>
        {(ids) => <input id={ids.id} type="text" value={values.name} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <div className="form-row">
        <Field label="Platform" error={fields.platform}>
          {(ids) => (
            <select id={ids.id} value={values.platform} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set({ platform: e.target.value as Platform })}>
              {PLATFORMS.map((p) => (
                <option key={p} value={p}>
                  {platformName(p)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="How often" error={fields.frequency}>
          {(ids) => (
            <select id={ids.id} value={values.frequency} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set({ frequency: e.target.value as Frequency })}>
              <option value="weekly">Every week</option>
              <option value="biweekly">Every other week</option>
              <option value="monthly">Once a month</option>
            </select>
          )}
        </Field>
        {values.frequency === "monthly" ? (
          <Field label="Which week of the month" error={fields.week_of_month}>
            {(ids) => (
              <select id={ids.id} value={values.week_of_month} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set({ week_of_month: Number(e.target.value) as WeekOfMonth })}>
                {WEEKS_OF_MONTH.map((w) => (
                  <option key={w} value={w}>
                    The {weekOfMonthName(w)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <Field label="Weekday" error={fields.day_of_week}>
          {(ids) => (
            <select id={ids.id} value={values.day_of_week} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set({ day_of_week: Number(e.target.value) })}>
              {WEEKDAY_ORDER.map((d) => (
                <option key={d} value={d}>
                  {weekdayName(d)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={`Time (${props.timezone})`} error={fields.time_of_day}>
          {(ids) => <input id={ids.id} type="time" value={values.time_of_day} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set({ time_of_day: e.target.value })} />}
        </Field>
      </div>
      <Field label="Topics, one a line" hint="Drafted in turn: the first topic for the first post, then the next, and round again." error={fields.topics}>
        {(ids) => <textarea id={ids.id} rows={4} value={values.topics} aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => set({ topics: e.target.value })} />}
      </Field>
      <ErrorNote error={formError} what="Not saved" />
      {error && !formError ? <p className="field-error">Some fields need attention; each says what above.</p> : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : props.submitLabel}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
