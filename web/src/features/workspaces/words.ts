// The pure parts of teams: roles and what each may do (the API's api/core/ownership.py in the browser, so a
// button is shown only where the answer would not be a 403) and approval states in words. The activity log's
// sentences are in activity.ts (only the Team screen loads them).
import type { Schemas } from "../../api/client";

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
