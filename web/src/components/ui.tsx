import { useEffect, useId, useState, type ReactNode } from "react";
import { ApiError } from "../api/errors";

/** A labelled control with its hint and its error, wired for assistive technology. */
export function Field(props: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : null, props.error ? errorId : null].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint ? (
        <div id={hintId} className="hint">
          {props.hint}
        </div>
      ) : null}
      {props.children({ id, describedBy: describedBy || undefined, invalid: Boolean(props.error) })}
      {props.error ? (
        <div id={errorId} className="field-error" role="alert">
          {props.error}
        </div>
      ) : null}
    </div>
  );
}

/** Seconds left until `seconds` have passed since mount; 0 when done. */
export function useCountdown(seconds: number | null): number {
  const [left, setLeft] = useState(seconds ?? 0);
  useEffect(() => {
    setLeft(seconds ?? 0);
    if (!seconds) return;
    const started = Date.now();
    const timer = setInterval(() => {
      const remaining = Math.max(0, Math.ceil(seconds - (Date.now() - started) / 1000));
      setLeft(remaining);
      if (remaining === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [seconds]);
  return left;
}

/** An error in words where it happened, with its wait counted down when the server gave one. */
export function ErrorNote(props: { error: ApiError | null | undefined; what?: string }) {
  const left = useCountdown(props.error?.retryAfter ?? null);
  if (!props.error) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p>
        {props.what ? <strong>{props.what}: </strong> : null}
        {props.error.message}
      </p>
      {props.error.retryAfter ? (
        <p className="countdown">
          {left > 0 ? `You can try again in ${left} s.` : "You can try again now."}
        </p>
      ) : null}
    </div>
  );
}

export function Notice(props: { children: ReactNode; tone?: "info" | "success" }) {
  return (
    <div className={`alert alert-${props.tone ?? "info"}`} role="status">
      {props.children}
    </div>
  );
}

export function Spinner(props: { label: string }) {
  return (
    <span className="spinner-wrap" role="status">
      <span className="spinner" aria-hidden="true" />
      {props.label}
    </span>
  );
}

export function PageTitle(props: { children: ReactNode; lead?: ReactNode }) {
  return (
    <header className="page-title">
      <h1 tabIndex={-1}>{props.children}</h1>
      {props.lead ? <p className="lead">{props.lead}</p> : null}
    </header>
  );
}
