import { describe, expect, it } from "vitest";
import { activitySentence, listWords, plain, type Activity } from "./sentences";
import { approvalChoices, approvalShown, can, withArticle, type Role } from "./words";

const ADA = "00000000-0000-4000-8000-00000000000a";
const GRACE = "00000000-0000-4000-8000-00000000000b";
const GONE = "00000000-0000-4000-8000-00000000000c";
const DRAFT = "00000000-0000-4000-8000-0000000000d1";
const people = new Map([[ADA, "Ada Lovelace"], [GRACE, "Grace Hopper"]]);

function event(action: string, subject_type: string, extra: Partial<Activity> = {}): Activity {
  return {
    id: "e1", actor_id: ADA, action, subject_type, subject_id: subject_type === "draft" ? DRAFT : GRACE,
    detail: {}, created_at: "2026-12-01T10:00:00Z", ...extra,
  };
}

const say = (e: Activity): string => plain(activitySentence(e, people, "Europe/Berlin"));

describe("roles", () => {
  it("gives each role the API's rights", () => {
    const table = (["owner", "editor", "reviewer", "viewer"] as Role[]).map((role) =>
      (["read", "write", "comment", "review", "admin"] as const).filter((right) => can(role, right)).join(" "),
    );
    expect(table).toEqual([
      "read write comment review admin",
      "read write comment",
      "read comment review",
      "read",
    ]);
  });
  it("treats an unknown workspace as the user's own", () => {
    expect(can(null, "admin")).toBe(true);
  });
  it("puts the right article before a role or platform", () => {
    expect(withArticle("editor")).toBe("an editor");
    expect(withArticle("owner")).toBe("an owner");
    expect(withArticle("reviewer")).toBe("a reviewer");
    expect(withArticle("X")).toBe("an X");
    expect(withArticle("LinkedIn")).toBe("a LinkedIn");
  });
});

describe("approval choices", () => {
  const draft = { approval: "none" as const, status: "draft" as const, author_id: ADA, last_edited_by: ADA };

  it("lets editors and owners submit, and not reviewers or viewers", () => {
    expect(approvalChoices("editor", draft, "any_reviewer", ADA).submit).toBe(true);
    expect(approvalChoices("owner", draft, "any_reviewer", ADA).submit).toBe(true);
    expect(approvalChoices("reviewer", draft, "any_reviewer", GRACE).submit).toBe(false);
    expect(approvalChoices("viewer", draft, "any_reviewer", GRACE).submit).toBe(false);
    expect(approvalChoices("editor", { ...draft, approval: "changes_requested" }, "any_reviewer", ADA).submit).toBe(true);
    expect(approvalChoices("editor", { ...draft, approval: "submitted" }, "any_reviewer", ADA).submit).toBe(false);
  });

  it("lets reviewers and owners approve a submitted draft, but not its writer under the two-people rule", () => {
    const submitted = { ...draft, approval: "submitted" as const };
    expect(approvalChoices("reviewer", submitted, "two_people", GRACE)).toMatchObject({ approve: true, requestChanges: true, approveBlockedByRule: false });
    expect(approvalChoices("owner", submitted, "any_reviewer", ADA)).toMatchObject({ approve: true, approveBlockedByRule: false });
    expect(approvalChoices("owner", submitted, "two_people", ADA)).toMatchObject({ approve: false, approveBlockedByRule: true, requestChanges: true });
    // The last editor counts as a writer too.
    expect(approvalChoices("reviewer", { ...submitted, last_edited_by: GRACE }, "two_people", GRACE).approve).toBe(false);
    expect(approvalChoices("editor", submitted, "any_reviewer", GRACE)).toMatchObject({ approve: false, requestChanges: false, approveBlockedByRule: false });
    expect(approvalChoices("viewer", submitted, "any_reviewer", GRACE)).toMatchObject({ approve: false, requestChanges: false, comment: false });
  });

  it("offers changes on an approved draft and nothing on a published one", () => {
    expect(approvalChoices("reviewer", { ...draft, approval: "approved" }, "any_reviewer", GRACE)).toMatchObject({ approve: false, requestChanges: true });
    const published = approvalChoices("owner", { ...draft, approval: "submitted", status: "published" }, "any_reviewer", GRACE);
    expect(published).toMatchObject({ submit: false, approve: false, requestChanges: false, comment: true });
  });

  it("shows no badge for an untouched draft where approval is off", () => {
    expect(approvalShown("none", false)).toBeNull();
    expect(approvalShown("none", true)).toBe("none");
    expect(approvalShown("approved", false)).toBe("approved");
  });
});

describe("activity sentences", () => {
  it("names the actor and links the draft", () => {
    const parts = activitySentence(event("approved", "draft"), people, "UTC");
    expect(plain(parts)).toBe("Ada Lovelace approved a draft");
    expect(parts[1]).toEqual({ text: "a draft", to: `/drafts/${DRAFT}` });
  });

  it("says each step of an approval in words", () => {
    expect(say(event("created", "draft"))).toBe("Ada Lovelace created a draft");
    expect(say(event("submitted", "draft"))).toBe("Ada Lovelace submitted a draft for approval");
    expect(say(event("changes_requested", "draft", { actor_id: GRACE, detail: { comment: "Shorter, please." } }))).toBe(
      "Grace Hopper asked for changes to a draft: “Shorter, please.”",
    );
    expect(say(event("scheduled", "draft", { detail: { scheduled_for: "2026-12-04T08:00:00Z" } }))).toMatch(
      /^Ada Lovelace scheduled a draft for .*09:00/,
    );
    expect(say(event("commented", "draft", { actor_id: GRACE }))).toBe("Grace Hopper commented on a draft");
  });

  it("does not link a deleted draft, and names the system and former members", () => {
    const deleted = activitySentence(event("deleted", "draft"), people, "UTC");
    expect(deleted.every((p) => typeof p === "string")).toBe(true);
    expect(say(event("published", "draft", { actor_id: null }))).toBe("A draft was published");
    expect(say(event("publish_failed", "draft", { actor_id: null, detail: { reason: "X refused it" } }))).toBe("A draft failed to publish: X refused it");
    expect(say(event("edited", "draft", { actor_id: GONE }))).toBe("A former member edited a draft");
    expect(say(event("edited", "draft", { actor_id: GONE, actor_name: "Katherine Johnson" }))).toBe(
      "Katherine Johnson edited a draft",
    );
  });

  it("says what happened to members, invitations and settings", () => {
    expect(say(event("joined", "member", { actor_id: GRACE, detail: { role: "reviewer" } }))).toBe("Grace Hopper joined as a reviewer");
    expect(say(event("role_changed", "member", { detail: { before: "reviewer", after: "editor" } }))).toBe(
      "Ada Lovelace made Grace Hopper an editor (was reviewer)",
    );
    expect(say(event("removed", "member", { subject_id: GONE }))).toBe("Ada Lovelace removed a former member from the workspace");
    expect(say(event("left", "member", { actor_id: GRACE }))).toBe("Grace Hopper left the workspace");
    expect(say(event("invited", "invitation", { detail: { role: "viewer" } }))).toBe("Ada Lovelace invited someone as a viewer");
    expect(say(event("invitation_revoked", "invitation"))).toBe("Ada Lovelace withdrew an invitation");
    expect(say(event("created", "workspace", { detail: { name: "Acme" } }))).toBe("Ada Lovelace created the workspace “Acme”");
    expect(say(event("settings_changed", "workspace", { detail: { fields: ["approval_rule", "needs_approval"] } }))).toBe(
      "Ada Lovelace changed the approval rule and whether posts need approval",
    );
    expect(say(event("connected", "account", { detail: { platform: "twitter" } }))).toBe("Ada Lovelace connected an X account");
    expect(say(event("sparkled", "widget"))).toBe("Ada Lovelace: sparkled (widget)");
  });

  it("joins lists in words", () => {
    expect(listWords(["a"])).toBe("a");
    expect(listWords(["a", "b", "c"])).toBe("a, b and c");
  });
});
