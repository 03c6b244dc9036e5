// Webhooks: add an endpoint (its signing secret shown once, with a copy button), list, delete, deliveries.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type FormEvent } from "react";
import { api, type Schemas } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, Field, Spinner } from "../../components/ui";
import { errorAt, EVENTS, eventLabel } from "./words";

type Event = (typeof EVENTS)[number]["value"];

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const STATUS_WORDS: Record<string, string> = {
  delivered: "Delivered",
  pending: "Waiting to be sent",
  failed: "Failed",
};

/** The signing secret, shown once: copy it now, it cannot be shown again. */
export function SecretOnce(props: { created: Schemas["WebhookCreated"]; onDone: () => void }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const field = useRef<HTMLInputElement>(null);
  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(props.created.secret);
      setCopied("yes");
    } catch {
      field.current?.select();
      setCopied("no");
    }
  }
  return (
    <div className="secret-once" role="region" aria-labelledby="secret-title">
      <h3 id="secret-title">The signing secret of {props.created.url}</h3>
      <p>
        <strong>Copy it now: you will not see it again.</strong> Your endpoint checks each delivery&apos;s
        Postwright-Signature header with it. If you lose it, delete this webhook and add it again.
      </p>
      <Field label="Signing secret">
        {(ids) => (
          <input ref={field} id={ids.id} type="text" readOnly value={props.created.secret} className="secret-value"
            onFocus={(e) => e.currentTarget.select()} />
        )}
      </Field>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          Copy the secret
        </button>
        <button type="button" className="secondary" onClick={props.onDone}>
          I have saved it
        </button>
      </div>
      <p role="status" className="muted">
        {copied === "yes" ? "Copied to the clipboard." : copied === "no" ? "Copying is not allowed here: the secret is selected, press Ctrl+C (⌘C)." : ""}
      </p>
    </div>
  );
}

function Deliveries(props: { id: string }) {
  const deliveries = useQuery({
    queryKey: ["webhooks", props.id, "deliveries"],
    queryFn: () => call(api.GET("/api/webhooks/{webhook_id}/deliveries", { params: { path: { webhook_id: props.id }, query: { limit: 20 } } })),
  });
  if (deliveries.isPending) return <Spinner label="Loading the deliveries…" />;
  if (deliveries.error) return <ErrorNote error={asApiError(deliveries.error)} what="The deliveries did not load" />;
  if (!deliveries.data.items.length) return <p>Nothing sent yet: deliveries appear here when one of its events happens.</p>;
  return (
    <ul className="plain deliveries">
      {deliveries.data.items.map((d) => (
        <li key={d.id}>
          <span className={`delivery-status delivery-${d.status}`}>{STATUS_WORDS[d.status] ?? d.status}</span>{" "}
          {eventLabel(d.event)}, {when(d.created_at)}; {d.attempts === 1 ? "1 try" : `${d.attempts} tries`}
          {d.response_status ? `, the endpoint answered ${d.response_status}` : ""}
          {d.last_error ? `: ${d.last_error}` : ""}
          {d.status === "pending" ? `; next try ${when(d.next_attempt_at)}` : ""}
        </li>
      ))}
    </ul>
  );
}

function WebhookRow(props: { hook: Schemas["WebhookOut"] }) {
  const queryClient = useQueryClient();
  const [shown, setShown] = useState(false);
  const remove = useMutation({
    mutationFn: () => call(api.DELETE("/api/webhooks/{webhook_id}", { params: { path: { webhook_id: props.hook.id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["webhooks"] }),
  });
  return (
    <li className="webhook">
      <p className="webhook-url">{props.hook.url}</p>
      <p className="muted">
        {props.hook.events.map(eventLabel).join("; ")}. Added {when(props.hook.created_at)}
        {props.hook.active ? "" : " (paused)"}.
      </p>
      <details onToggle={(e) => setShown(e.currentTarget.open)}>
        <summary>Deliveries</summary>
        {shown ? <Deliveries id={props.hook.id} /> : null}
      </details>
      <ErrorNote error={remove.error ? asApiError(remove.error) : null} what="It was not deleted" />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => remove.mutate()} disabled={remove.isPending}
          aria-label={`Delete the webhook to ${props.hook.url}`}>
          {remove.isPending ? "Deleting…" : "Delete"}
        </button>
      </div>
    </li>
  );
}

export function Webhooks() {
  const queryClient = useQueryClient();
  const hooks = useQuery({ queryKey: ["webhooks"], queryFn: () => call(api.GET("/api/webhooks")) });
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<Event[]>(["post.published", "post.failed"]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Schemas["WebhookCreated"] | null>(null);
  const eventsId = useId();

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!events.length) {
      setError(new ApiError("Choose at least one event.", 422, "client", { events: "Choose at least one event." }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await call(api.POST("/api/webhooks", { body: { url: url.trim(), events } }));
      setCreated(answer);
      setUrl("");
      await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const eventsError = errorAt(error, "events", "events.0");
  return (
    <>
      <p>Postwright can tell your own systems when something happens, with a signed HTTP POST.</p>
      {created ? <SecretOnce created={created} onDone={() => setCreated(null)} /> : null}
      {hooks.isPending ? <Spinner label="Loading your webhooks…" /> : null}
      <ErrorNote error={hooks.error ? asApiError(hooks.error) : null} what="Your webhooks did not load" />
      {hooks.data?.items.length ? (
        <ul className="plain webhooks" aria-label="Your webhooks">
          {hooks.data.items.map((hook) => (
            <WebhookRow key={hook.id} hook={hook} />
          ))}
        </ul>
      ) : hooks.data ? (
        <p className="muted">No webhooks yet.</p>
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-webhook-title">
        <h3 id="add-webhook-title">Add a webhook</h3>
        <Field label="Endpoint URL" hint="An http(s) address on the public internet." error={errorAt(error, "url")}>
          {(ids) => (
            <input id={ids.id} type="url" inputMode="url" autoComplete="off" value={url} placeholder="https://"
              aria-describedby={ids.describedBy} aria-invalid={ids.invalid} onChange={(e) => setUrl(e.target.value)} />
          )}
        </Field>
        <fieldset aria-describedby={eventsError ? eventsId : undefined}>
          <legend>Send it when</legend>
          <div className="choices choices-column">
            {EVENTS.map((e) => (
              <label key={e.value}>
                <input type="checkbox" checked={events.includes(e.value)}
                  onChange={(change) => setEvents((now) => (change.target.checked ? [...now, e.value] : now.filter((v) => v !== e.value)))} />
                {e.label}
              </label>
            ))}
          </div>
          {eventsError ? (
            <div id={eventsId} className="field-error" role="alert">
              {eventsError}
            </div>
          ) : null}
        </fieldset>
        <ErrorNote error={error && !errorAt(error, "url") && !eventsError ? error : null} what="The webhook was not added" />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Adding…" : "Add the webhook"}
          </button>
        </div>
      </form>
    </>
  );
}
