// Small pieces of the settings screen with logic worth testing: the typed confirmation, the API's field
// messages in plain words, the export's file name.
import { ApiError } from "../../api/errors";

/** The word to type before an account can be deleted. */
export const CONFIRM_WORD = "DELETE";

/** The typed confirmation holds only for the exact word (spaces around it forgiven, not its case). */
export function confirmationMatches(typed: string): boolean {
  return typed.trim() === CONFIRM_WORD;
}

/** May the deletion be sent: the word typed, a password given, nothing in flight. */
export function canDelete(typed: string, password: string, busy: boolean): boolean {
  return confirmationMatches(typed) && password.length > 0 && !busy;
}

/** The API's wording of a field's problem, in words a person reads at the field. */
export function fieldMessage(field: string, message: string | undefined): string | undefined {
  if (!message) return undefined;
  if (field === "current_password") {
    if (/incorrect/.test(message)) return "This is not your current password.";
    if (/required/.test(message)) return "Type your current password to make this change.";
  }
  if (field === "timezone" && /(not|unknown|valid)/i.test(message)) return `That time zone is not known: ${message}`;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** A field's error from an ApiError, under any of the names the API gives it. */
export function errorAt(error: ApiError | null, ...names: string[]): string | undefined {
  for (const name of names) {
    const message = error?.fields[name];
    if (message) return fieldMessage(name, message);
  }
  return undefined;
}

/** The error that belongs to no field on the form (shown once, above the buttons). */
export function formLevel(error: ApiError | null, fieldsShown: string[]): ApiError | null {
  if (!error) return null;
  const fields = Object.keys(error.fields);
  if (fields.length && fields.every((f) => fieldsShown.includes(f))) return null;
  return error;
}

export function exportFileName(now: Date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `postwright-export-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.json`;
}

export const EVENTS: { value: "draft.generated" | "post.published" | "post.failed" | "account.needs_reauth"; label: string }[] = [
  { value: "post.published", label: "A post was published" },
  { value: "post.failed", label: "A post failed to publish" },
  { value: "draft.generated", label: "A draft was generated" },
  { value: "account.needs_reauth", label: "An account needs to be connected again" },
];

export function eventLabel(event: string): string {
  return EVENTS.find((e) => e.value === event)?.label ?? event;
}
