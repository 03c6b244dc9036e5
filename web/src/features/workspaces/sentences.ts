// The activity log as sentences ("Ada Lovelace approved a draft"), with links to what they name.
import type { Schemas } from "../../api/client";
import { formatDateTime, platformName } from "../../lib/format";
import { withArticle } from "./words";

export type Activity = Schemas["ActivityOut"];
export type Part = string | { text: string; to: string };

const SETTING_WORDS: Record<string, string> = {
  name: "the name",
  needs_approval: "whether posts need approval",
  approval_rule: "the approval rule",
  brand_colors: "the brand colours",
};

export function listWords(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value ? value : null;
}

/**
 * One event of the activity log as a sentence: the actor's name from `people` (the members list), else the
 * name the API gives with the event (someone who left), else "A former member" ("Postwright" for the system), the action in words, and the draft it
 * names as a link (but not a deleted one).
 */
export function activitySentence(event: Activity, people: ReadonlyMap<string, string>, timeZone: string): Part[] {
  const who = (id: string | null, lead = true): string =>
    id ? (people.get(id) ?? (lead ? "A former member" : "a former member")) : "Postwright";
  // The API names the actor even after they left (null only for the system or a deleted account).
  const actor = event.actor_id ? (people.get(event.actor_id) ?? event.actor_name ?? who(event.actor_id)) : who(null);
  const d = event.detail;
  const draft = (words = "a draft"): Part => (event.subject_id ? { text: words, to: `/drafts/${event.subject_id}` } : words);
  const at = text(d.scheduled_for);
  const when = at ? ` for ${formatDateTime(at, timeZone)}` : "";
  if (event.subject_type === "draft") {
    switch (event.action) {
      case "created": return [`${actor} created `, draft()];
      case "edited": return [`${actor} edited `, draft()];
      case "deleted": return [`${actor} deleted a draft`];
      case "scheduled": return [`${actor} scheduled `, draft(), when];
      case "rescheduled": return [`${actor} moved `, draft(), at ? ` to ${formatDateTime(at, timeZone)}` : ""];
      case "unscheduled": return [`${actor} unscheduled `, draft()];
      case "marked_published": return [`${actor} marked `, draft(), " as published"];
      case "marked_failed": return [`${actor} marked `, draft(), " as failed"];
      case "retried": return [`${actor} sent `, draft("a failed post"), " again"];
      case "submitted": return [`${actor} submitted `, draft(), " for approval"];
      case "approved": return [`${actor} approved `, draft()];
      case "changes_requested": {
        const comment = text(d.comment);
        return [`${actor} asked for changes to `, draft(), comment ? `: “${comment}”` : ""];
      }
      case "commented": return [`${actor} commented on `, draft()];
      case "published": return event.actor_id ? [`${actor} published `, draft()] : [draft("A draft"), " was published"];
      case "publish_failed": {
        const reason = text(d.reason);
        return [draft("A draft"), ` failed to publish${reason ? `: ${reason}` : ""}`];
      }
    }
  }
  if (event.subject_type === "member") {
    const subject = who(event.subject_id, false);
    switch (event.action) {
      case "joined": return [`${actor} joined as ${withArticle(text(d.role) ?? "member")}`];
      case "left": return [`${actor} left the workspace`];
      case "removed": return [`${actor} removed ${subject} from the workspace`];
      case "role_changed": {
        const before = text(d.before);
        return [`${actor} made ${subject} ${withArticle(text(d.after) ?? "member")}${before ? ` (was ${before})` : ""}`];
      }
    }
  }
  if (event.subject_type === "invitation") {
    if (event.action === "invited") return [`${actor} invited someone as ${withArticle(text(d.role) ?? "member")}`];
    if (event.action === "invitation_revoked") return [`${actor} withdrew an invitation`];
  }
  if (event.subject_type === "workspace") {
    if (event.action === "created") return [`${actor} created the workspace${text(d.name) ? ` “${text(d.name)}”` : ""}`];
    if (event.action === "settings_changed") {
      const fields = Array.isArray(d.fields) ? d.fields.filter((f): f is string => typeof f === "string") : [];
      const words = fields.map((f) => SETTING_WORDS[f] ?? f.replaceAll("_", " "));
      return [`${actor} changed ${words.length ? listWords(words) : "the settings"}`];
    }
  }
  if (event.subject_type === "account") {
    const platform = platformName(text(d.platform));
    if (event.action === "connected") return [`${actor} connected ${platform ? withArticle(platform) : "an"} account`];
    if (event.action === "disconnected") return [`${actor} disconnected an account`];
  }
  return [`${actor}: ${event.action.replaceAll("_", " ")} (${event.subject_type})`];
}

/** The sentence as plain text (for tests, titles and screen-reader summaries). */
export function plain(parts: Part[]): string {
  return parts.map((p) => (typeof p === "string" ? p : p.text)).join("");
}
