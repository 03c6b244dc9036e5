// The pure parts of teams: roles and what each may do (the API's api/core/ownership.py in the browser, so a
// button is shown only where the answer would not be a 403), approval states in words, and the activity log
// as sentences ("Ada approved a draft") with links to what they name.
import type { Schemas } from "../../api/client";
import { formatDateTime } from "../../lib/format";

export type Role = Schemas["WorkspaceOut"]["role"];
export type Approval = Schemas["DraftOut"]["approval"];
export type ApprovalRule = Schemas["WorkspaceOut"]["approval_rule"];
export type Right = "read" | "write" | "comment" | "review" | "admin";

export const ROLES: Role[] = ["owner", "editor", "reviewer", "viewer"];

const RIGHTS: Record<Role, Right[]> = {
  owner: ["read", "write", "comment", "review", "admin"],
  editor: ["read", "write", "comment"],
  reviewer: ["read", "comment", "review"],
  viewer: ["read"],
};

export function can(role: Role | null | undefined, right: Right): boolean {
  // No workspace known (a component alone in a test): the personal workspace, where the user owns it all.
  return RIGHTS[role ?? "owner"].includes(right);
}

export const ROLE_NAMES: Record<Role, string> = { owner: "Owner", editor: "Editor", reviewer: "Reviewer", viewer: "Viewer" };

/** What each role may do, in one sentence (the roles table of README.md says the same). */
export const ROLE_SUMMARIES: Record<Role, string> = {
  owner: "Everything: the workspace's settings, members, invitations, connected accounts and webhooks, besides writing and approving.",
  editor: "Writes, edits and schedules drafts, manages the queue and media, submits drafts for approval and comments.",
  reviewer: "Reads everything, comments, and approves drafts or sends them back with a comment.",
  viewer: "Reads everything; changes nothing.",
};

export function withArticle(role: string): string {
  return `${/^([aeiou]|x\b)/i.test(role) ? "an" : "a"} ${role}`;
}

export const APPROVAL_WORDS: Record<Approval, string> = {
  none: "Not submitted",
  submitted: "Waiting for approval",
  approved: "Approved",
  changes_requested: "Changes requested",
};

export const RULE_WORDS: Record<ApprovalRule, { label: string; explain: string }> = {
  any_reviewer: {
    label: "Any reviewer or owner",
    explain: "Any reviewer or owner may approve a draft, an owner even one they wrote.",
  },
  two_people: {
    label: "Two people",
    explain: "A draft is approved by a reviewer or owner who neither wrote it nor edited it last, so every post is seen by two people.",
  },
};

/** The approval badge to show, if any: in a workspace without approval an untouched draft shows none. */
export function approvalShown(approval: Approval | undefined, needsApproval: boolean): Approval | null {
  if (!approval) return null;
  if (approval === "none" && !needsApproval) return null;
  return approval;
}

export interface ApprovalChoices {
  submit: boolean;
  approve: boolean;
  /** The reviewer may approve in general, but the two-people rule keeps this draft from them. */
  approveBlockedByRule: boolean;
  requestChanges: boolean;
  comment: boolean;
}

/** Which approval buttons a member sees on a draft: only those the API would not refuse. */
export function approvalChoices(
  role: Role | null | undefined,
  draft: Pick<Schemas["DraftOut"], "approval" | "status" | "author_id" | "last_edited_by">,
  rule: ApprovalRule,
  me: string | null | undefined,
): ApprovalChoices {
  const open = draft.status !== "published";
  const review = can(role, "review") && open;
  const wrote = rule === "two_people" && me != null && (draft.author_id === me || draft.last_edited_by === me);
  const submitted = draft.approval === "submitted";
  return {
    submit: can(role, "write") && open && (draft.approval === "none" || draft.approval === "changes_requested"),
    approve: review && submitted && !wrote,
    approveBlockedByRule: review && submitted && wrote,
    requestChanges: review && (submitted || draft.approval === "approved"),
    comment: can(role, "comment"),
  };
}

// ---- the activity log ------------------------------------------------------------------------------------

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

function platformName(platform: string | null): string {
  return platform === "twitter" ? "X" : platform === "linkedin" ? "LinkedIn" : (platform ?? "");
}

/**
 * One event of the activity log as a sentence: the actor's name from `people` (the members list; "A former
 * member" for someone no longer in it, "Postwright" for the system), the action in words, and the draft it
 * names as a link (but not a deleted one).
 */
export function activitySentence(event: Activity, people: ReadonlyMap<string, string>, timeZone: string): Part[] {
  const who = (id: string | null, lead = true): string =>
    id ? (people.get(id) ?? (lead ? "A former member" : "a former member")) : "Postwright";
  const actor = who(event.actor_id);
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
