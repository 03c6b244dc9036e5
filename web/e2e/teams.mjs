// Teams: an owner creates a team workspace, turns approval on (two people), invites a reviewer by e-mail; the
// reviewer accepts in the browser from the link in the development outbox (a third person signed in with
// another address is told it is not theirs); the owner writes a draft, scheduling it before approval is
// refused in words, it is submitted; the reviewer asks for changes with a required comment; the owner edits and
// submits again; the reviewer approves; the draft is scheduled and the calendar shows it approved. The activity
// log says each step, a page at a time, with links to the draft. The third user sees none of it. The reviewer
// made a viewer sees read-only screens; removed, they land in their personal workspace with a message. The
// switcher is walked by keyboard, kept across a reload, and found inside the Menu on a phone.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, check, expect, newUser, setCurrent, shoot, sideways, step, tabTo } from "./lib.mjs";

const TEAM = "Acme Content Team";
const ZONE = "Europe/Berlin";
const TEXT = "Code review at Acme: one rule cut our review rounds. Every pull request names its reviewer before it is opened.";
const CHANGES = "Open with the number: how many rounds did it save?";

async function tokenOf(user) {
  const answer = await fetch(`${BASE}/api/auth/login`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: user.email, password: user.password }),
  });
  if (!answer.ok) throw new Error(`login of ${user.email}: ${answer.status}`);
  return (await answer.json()).access_token;
}

/** The API as `user`, in `workspace` (X-Workspace-Id), outside the browser: the status and the body. */
async function apiAs(user, method, path, { workspace, body } = {}) {
  const headers = { Authorization: `Bearer ${await tokenOf(user)}`, "content-type": "application/json" };
  if (workspace) headers["X-Workspace-Id"] = workspace;
  const answer = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: answer.status, body: answer.status === 204 ? null : await answer.json() };
}

function invitationLink(email) {
  const outbox = process.env.OUTBOX_DIR;
  const mails = readdirSync(outbox).sort().map((name) => readFileSync(join(outbox, name), "utf8"));
  const mail = mails.reverse().find((text) => text.includes(email) && text.includes("invitations/accept"));
  if (!mail) throw new Error(`no invitation mail to ${email} in ${outbox}`);
  const link = mail.replace(/=\r?\n/g, "").replaceAll("=3D", "=").match(/https?:\/\/\S+\/invitations\/accept\?token=[\w-]+/)?.[0];
  if (!link) throw new Error("the invitation mail has no link");
  return link;
}

/** The day after tomorrow in ZONE, as YYYY-MM-DD. */
function dayAfterTomorrow() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date(Date.now() + 2 * 86_400_000));
}

const switcher = (page) => page.locator("header.app-header").getByRole("button", { name: /^Workspace/ });

async function switcherSays(page, name, role) {
  const toggle = switcher(page);
  await toggle.filter({ hasText: name }).filter({ hasText: role }).waitFor();
}

async function heading(page, name) {
  await page.getByRole("heading", { name, level: 1 }).waitFor();
}

export async function run(browser) {
  const ada = await newUser(browser, { name: "Ada Lovelace", timezone: ZONE, history: false });
  const grace = await newUser(browser, { name: "Grace Hopper", timezone: ZONE, history: false });
  const katherine = await newUser(browser, { name: "Katherine Johnson", timezone: ZONE, history: false });
  const owner = ada.page;
  setCurrent(owner);

  step("teams: the personal workspace, and a team workspace created from the workspace screen");
  await owner.goto(`${BASE}/workspace`);
  await heading(owner, "Your workspaces");
  await switcherSays(owner, "Personal", "Owner");
  await check(owner, "workspace-personal");
  await owner.getByLabel("Name of the team workspace").fill(TEAM);
  await owner.getByRole("button", { name: "Create the workspace" }).click();
  await heading(owner, `Team: ${TEAM}`);
  await owner.getByText(`Created ${TEAM}, and switched to it`).waitFor();
  await switcherSays(owner, TEAM, "Owner");
  const team = (await apiAs(ada, "GET", "/api/workspaces")).body.items.find((w) => w.name === TEAM).id;

  step("teams: the current workspace is kept across a reload");
  await owner.reload();
  await heading(owner, `Team: ${TEAM}`);
  await switcherSays(owner, TEAM, "Owner");
  if (await owner.getByText("and switched to it").count()) throw new Error("the creation note was said again after a reload");

  step("teams: posts need approval, by two people (the rule explained)");
  await owner.getByLabel("Posts need approval").check();
  await owner.getByText("neither wrote it nor edited it last").waitFor();
  await owner.getByLabel(/^Two people/).check();
  await owner.getByRole("button", { name: "Save the settings" }).click();
  await owner.getByText("Saved. Posts in this workspace now need approval").waitFor();
  const settings = (await apiAs(ada, "GET", `/api/workspaces/${team}`)).body;
  if (!settings.needs_approval || settings.approval_rule !== "two_people") throw new Error(`settings kept: ${JSON.stringify(settings)}`);

  step("teams: invite Grace as a reviewer; the invitation waits in the list");
  await owner.getByLabel("E-mail address").fill(grace.email);
  await owner.getByLabel("Role", { exact: true }).selectOption("reviewer");
  await owner.getByRole("button", { name: "Send the invitation" }).click();
  await owner.getByText(`Invitation sent to ${grace.email} as reviewer`).waitFor();
  await owner.getByRole("list", { name: "Pending invitations" }).getByText(grace.email, { exact: true }).waitFor();
  await check(owner, "workspace-team");
  await shoot(owner, "teams-workspace");
  const link = invitationLink(grace.email);

  step("teams: someone signed in with another address is told the invitation is not theirs");
  await katherine.page.goto(link);
  await katherine.page.getByRole("heading", { name: `Join ${TEAM}` }).waitFor();
  await katherine.page.getByText(`This invitation is for ${grace.email}, and you are signed in as ${katherine.email}`).waitFor();
  if (await katherine.page.getByRole("button", { name: `Join ${TEAM}` }).count()) throw new Error("another address is offered to join");
  await check(katherine.page, "invitation-other-address");

  step("teams: Grace opens the link from the e-mail and joins as a reviewer");
  const reviewer = grace.page;
  await reviewer.goto(link);
  await reviewer.getByRole("heading", { name: `Join ${TEAM}` }).waitFor();
  await reviewer.getByText("as a reviewer").waitFor();
  await check(reviewer, "invitation");
  await shoot(reviewer, "teams-invitation");
  await reviewer.getByRole("button", { name: `Join ${TEAM}` }).click();
  await reviewer.getByRole("heading", { name: `You joined ${TEAM}` }).waitFor();
  await reviewer.getByRole("button", { name: `Open ${TEAM}` }).click();
  await heading(reviewer, `Team: ${TEAM}`);
  await switcherSays(reviewer, TEAM, "Reviewer");
  await reviewer.getByText("Only owners change these.").waitFor();
  if (await reviewer.getByRole("button", { name: "Save the settings" }).count()) throw new Error("a reviewer is offered the settings form");
  if (await reviewer.getByRole("heading", { name: "Invitations" }).count()) throw new Error("a reviewer is shown the invitations");
  if (await reviewer.getByRole("combobox", { name: /^Role of/ }).count()) throw new Error("a reviewer is offered role changes");
  await check(reviewer, "workspace-reviewer");

  step("teams: the owner writes a draft in the team workspace");
  await owner.goto(`${BASE}/drafts/new`);
  await heading(owner, "Write a post");
  await owner.getByText("In this workspace a post is scheduled only once a reviewer approved it.").waitFor();
  await owner.getByLabel("Text", { exact: true }).fill(TEXT);
  await owner.waitForURL(/\/drafts\/[0-9a-f-]{36}$/);
  await heading(owner, "Edit draft");
  const draftId = owner.url().split("/").pop();
  const approvalPanel = owner.getByRole("region", { name: "Approval" });
  await approvalPanel.getByText("Not submitted yet").waitFor();

  step("teams: scheduling before approval is refused in words, where it was asked");
  const day = dayAfterTomorrow();
  await owner.getByLabel(/^Date and time/).fill(`${day}T10:00`);
  expect([{ path: "/api/content/schedule", status: 409 }]);
  await owner.getByRole("button", { name: "Schedule at this time" }).click();
  await owner.getByText("This workspace's posts need approval before they are scheduled; this draft is not submitted.").waitFor();
  expect([]);
  await check(owner, "editor-schedule-refused");

  step("teams: the owner submits it; under the two-people rule the writer is not offered Approve");
  await approvalPanel.getByRole("button", { name: "Submit for approval" }).click();
  await approvalPanel.getByText("Submitted: the workspace's reviewers can approve it now.").waitFor();
  await approvalPanel.getByText("Waiting for approval").first().waitFor();
  await approvalPanel.getByText("This workspace asks for two people").waitFor();
  if (await approvalPanel.getByRole("button", { name: "Approve" }).count()) throw new Error("the writer is offered Approve");

  step("teams: the reviewer asks for changes; the comment is required");
  await reviewer.goto(`${BASE}/drafts/${draftId}`);
  await heading(reviewer, "Edit draft");
  const review = reviewer.getByRole("region", { name: "Approval" });
  await review.getByText("Submitted: waiting for a reviewer").waitFor();
  if (await review.getByRole("button", { name: /Submit/ }).count()) throw new Error("a reviewer is offered Submit");
  if (await reviewer.getByRole("button", { name: "Schedule at this time" }).count()) throw new Error("a reviewer is offered Schedule");
  if (!(await reviewer.getByLabel("Text", { exact: true }).getAttribute("readonly") !== null)) throw new Error("a reviewer can type in the draft");
  await review.getByRole("button", { name: "Request changes…" }).click();
  await review.getByRole("button", { name: "Send back with this comment" }).click();
  await review.getByText("Say what should change: the comment is required.").waitFor();
  await review.getByLabel("What should change? (required)").fill(CHANGES);
  await review.getByRole("button", { name: "Send back with this comment" }).click();
  await review.getByText("Sent back with your comment.").waitFor();
  await review.getByRole("list", { name: "Comments" }).getByText(CHANGES).waitFor();
  await review.getByText("Changes requested").first().waitFor();
  await check(reviewer, "editor-reviewer");
  await shoot(reviewer, "teams-editor-changes-requested");

  step("teams: the owner reads the comment, edits, answers and submits again");
  await owner.reload();
  await heading(owner, "Edit draft");
  await approvalPanel.getByText("A reviewer asked for changes").waitFor();
  const thread = approvalPanel.getByRole("list", { name: "Comments" });
  await thread.getByText(CHANGES).waitFor();
  await thread.getByText("Grace Hopper").waitFor();
  await owner.getByLabel("Text", { exact: true }).fill(`Two review rounds instead of five. ${TEXT}`);
  await owner.getByText("All changes saved.").waitFor();
  await approvalPanel.getByLabel("Your comment").fill("Done: the number opens the post now.");
  await approvalPanel.getByRole("button", { name: "Add the comment" }).click();
  await thread.getByText("Done: the number opens the post now.").waitFor();
  await approvalPanel.getByRole("button", { name: "Submit again for approval" }).click();
  await approvalPanel.getByText("Submitted: the workspace's reviewers can approve it now.").waitFor();

  step("teams: the reviewer approves");
  await reviewer.reload();
  await heading(reviewer, "Edit draft");
  await reviewer.getByText("Two review rounds instead of five.", { exact: false }).first().waitFor();
  await review.getByRole("button", { name: "Approve" }).click();
  await review.getByText("Approved: it can be scheduled now.").waitFor();
  await review.getByText("Approved by Grace Hopper").waitFor();

  step("teams: the owner schedules the approved draft; the calendar shows it scheduled and approved");
  await owner.reload();
  await heading(owner, "Edit draft");
  await approvalPanel.getByText("Approved by Grace Hopper").waitFor();
  await owner.getByLabel(/^Date and time/).fill(`${day}T10:00`);
  await owner.getByRole("button", { name: "Schedule at this time" }).click();
  await owner.getByText(/^Scheduled for /).waitFor();
  const scheduled = (await apiAs(ada, "GET", `/api/content/drafts/${draftId}`, { workspace: team })).body;
  if (scheduled.status !== "scheduled" || scheduled.approval !== "approved") throw new Error(`the draft is ${scheduled.status}, ${scheduled.approval}`);
  await check(owner, "editor-approved-scheduled");
  await shoot(owner, "teams-editor-approved");
  await owner.goto(`${BASE}/calendar?date=${day}`);
  await heading(owner, "Calendar");
  const tile = owner.locator(`.cal-tile[data-post-id="${draftId}"]`);
  await tile.getByText("Scheduled", { exact: true }).waitFor();
  await tile.getByText("Approved").waitFor();
  await check(owner, "calendar-team");
  await shoot(owner, "teams-calendar");

  step("teams: the activity log says each step in words, with links to the draft, a page at a time");
  for (let i = 1; i <= 12; i++) {
    const answer = await apiAs(ada, "POST", `/api/content/drafts/${draftId}/comments`, { workspace: team, body: { body: `Note ${i} on the schedule.` } });
    if (answer.status !== 201) throw new Error(`comment ${i}: ${answer.status}`);
  }
  await owner.goto(`${BASE}/workspace#ws-activity`);
  await heading(owner, `Team: ${TEAM}`);
  const log = owner.getByRole("list", { name: /^Activity, events 1 to 20 of \d+/ });
  await log.waitFor();
  await log.getByText("Ada Lovelace commented on").first().waitFor();
  const draftLink = log.getByRole("link", { name: "a draft" }).first();
  if ((await draftLink.getAttribute("href")) !== `/drafts/${draftId}`) throw new Error("the activity's draft link goes elsewhere");
  await check(owner, "workspace-activity");
  await shoot(owner, "teams-activity");
  const newest = await log.innerText();
  await owner.getByRole("button", { name: "Older" }).click();
  const older = owner.getByRole("list", { name: /^Activity, events 21 to/ });
  await older.waitFor();
  const text = newest + (await older.innerText());
  const sentences = [
    `Ada Lovelace created the workspace “${TEAM}”`,
    "Ada Lovelace changed the approval rule and whether posts need approval",
    "Ada Lovelace invited someone as a reviewer",
    "Grace Hopper joined as a reviewer",
    "Ada Lovelace created a draft",
    "Ada Lovelace submitted a draft for approval",
    `Grace Hopper asked for changes to a draft: “${CHANGES}”`,
    "Ada Lovelace edited a draft",
    "Grace Hopper approved a draft",
    "Ada Lovelace scheduled a draft for",
  ];
  for (const sentence of sentences) {
    if (!text.includes(sentence)) throw new Error(`the activity log does not say "${sentence}":\n${text}`);
  }
  await owner.getByRole("button", { name: "Newer" }).click();
  await log.waitFor();

  step("teams: a third user sees none of it: one workspace in their switcher, the draft a 404");
  const third = katherine.page;
  setCurrent(third);
  await third.goto(`${BASE}/workspace`);
  await heading(third, "Your workspaces");
  await switcher(third).click();
  const theirs = third.locator("header.app-header").getByRole("list", { name: "Your workspaces" }).getByRole("button");
  if ((await theirs.count()) !== 1 || !(await theirs.first().innerText()).includes("Personal")) throw new Error("the third user's switcher lists more than their personal workspace");
  await third.keyboard.press("Escape");
  if (await third.getByText(TEAM).count()) throw new Error("the third user sees the team's name");
  if (await third.getByText("Ada Lovelace").count()) throw new Error("the third user sees the team's activity");
  expect([{ path: `/api/content/drafts/${draftId}`, status: 404 }]);
  await third.goto(`${BASE}/drafts/${draftId}`);
  await third.getByText("The draft did not open").waitFor();
  expect([]);
  const outside = await apiAs(katherine, "GET", `/api/workspaces/${team}/activity`);
  if (outside.status !== 404) throw new Error(`the team's activity answered ${outside.status} to an outsider`);
  const inTeam = await apiAs(katherine, "GET", `/api/content/drafts/${draftId}`, { workspace: team });
  if (inTeam.status !== 404) throw new Error(`the team's draft answered ${inTeam.status} to an outsider`);

  step("teams: the owner makes Grace a viewer; her screens become read-only");
  setCurrent(owner);
  await owner.goto(`${BASE}/workspace#ws-members`);
  const graceRow = owner.getByRole("listitem").filter({ has: owner.getByRole("combobox", { name: "Role of Grace Hopper" }) });
  await graceRow.getByRole("combobox", { name: "Role of Grace Hopper" }).selectOption("viewer");
  await graceRow.getByRole("button", { name: "Change the role" }).click();
  await graceRow.getByText("Grace Hopper is now a viewer.").waitFor();
  await reviewer.goto(`${BASE}/drafts/${draftId}`);
  await heading(reviewer, "Edit draft");
  await switcherSays(reviewer, TEAM, "Viewer");
  await review.getByText("Viewers read the comments; they cannot add any.").waitFor();
  for (const name of ["Approve", "Request changes…", "Add the comment", "Schedule at this time"]) {
    if (await reviewer.getByRole("button", { name }).count()) throw new Error(`a viewer is offered "${name}"`);
  }
  await check(reviewer, "editor-viewer");

  step("teams: the owner removes Grace after a confirmation; her next visit lands in her personal workspace, with a message");
  await graceRow.getByRole("button", { name: "Remove Grace Hopper…" }).click();
  const dialog = owner.getByRole("dialog", { name: `Remove Grace Hopper from ${TEAM}?` });
  await dialog.waitFor();
  await check(owner, "workspace-remove-dialog");
  await shoot(owner, "teams-remove-dialog");
  await dialog.getByRole("button", { name: "Remove Grace Hopper" }).click();
  await owner.getByText(`Grace Hopper was removed from ${TEAM}.`).waitFor();
  await dialog.waitFor({ state: "hidden" });
  setCurrent(reviewer);
  await reviewer.goto(`${BASE}/calendar`);
  await reviewer.getByText(`You are no longer a member of ${TEAM}`).waitFor();
  await switcherSays(reviewer, "Personal", "Owner");
  await heading(reviewer, "Calendar");
  await check(reviewer, "workspace-removed");

  step("teams: the switcher by keyboard: open it, choose the personal workspace, and the screen follows");
  setCurrent(owner);
  await owner.goto(`${BASE}/workspace`);
  await heading(owner, `Team: ${TEAM}`);
  await owner.locator(".skip-link").focus();
  await tabTo(owner, "Workspace:");
  await owner.keyboard.press("Enter");
  const choices = owner.locator("header.app-header").getByRole("list", { name: "Your workspaces" });
  await choices.waitFor();
  await check(owner, "switcher-open");
  await tabTo(owner, /^Personal/);
  await owner.keyboard.press("Enter");
  await heading(owner, "Your workspaces");
  await switcherSays(owner, "Personal", "Owner");
  if ((await owner.evaluate(() => document.activeElement?.getAttribute("aria-expanded"))) !== "false") throw new Error("the focus did not return to the switcher");

  step("teams at 390 px: the switcher inside the Menu; no sideways scroll");
  await owner.setViewportSize({ width: 390, height: 844 });
  await owner.waitForTimeout(200);
  if (await switcher(owner).isVisible()) throw new Error("the switcher shows outside the closed Menu on a phone");
  await owner.getByRole("button", { name: "Menu" }).click();
  await switcher(owner).click();
  await choices.getByRole("button", { name: new RegExp(TEAM) }).click();
  await heading(owner, `Team: ${TEAM}`);
  await switcherSays(owner, TEAM, "Owner");
  await switcher(owner).click();
  await choices.waitFor();
  await check(owner, "phone-switcher");
  await sideways(owner, "phone-switcher");
  await shoot(owner, "phone-teams-switcher");
  await owner.keyboard.press("Escape");
  await owner.getByRole("button", { name: "Menu" }).click();
  await sideways(owner, "phone-workspace");
  await check(owner, "phone-workspace");
  await owner.setViewportSize({ width: 1280, height: 900 });

  await ada.context.close();
  await grace.context.close();
  await katherine.context.close();
}
