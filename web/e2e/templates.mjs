// Templates: search the library, filter, fill a template's blanks (an empty one said at its field) with
// the live preview, and open the result in the editor.
import { BASE, check, newUser, shoot, sideways, smallTargets, step, tabTo } from "./lib.mjs";

export async function run(browser) {
  const user = await newUser(browser, { name: "Dorothy Vaughan" });
  const { page } = user;

  step("templates: the library, best rated first");
  await page.goto(`${BASE}/templates`);
  await page.getByRole("heading", { level: 1, name: "Templates", exact: true }).waitFor();
  await page.getByRole("heading", { name: /^\d+ templates$/ }).waitFor();
  await check(page, "templates");

  step("templates: filter by platform, then search by keyboard");
  await page.getByLabel("Platform").selectOption({ label: "X" });
  await page.waitForURL(/platform=twitter/);
  await page.getByRole("heading", { name: /^\d+ templates?$/ }).waitFor();
  await page.getByLabel("Platform").selectOption({ label: "Both platforms" });
  await page.locator("h1").focus();
  await tabTo(page, "Search");
  await page.keyboard.type("unpopular");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: '1 template matching "unpopular"' }).waitFor();
  await check(page, "templates-search");

  step("templates: fill the blanks; an empty one is said at its field");
  await page.getByRole("button", { name: "Use this template: The unpopular opinion" }).click();
  const panel = page.getByRole("region", { name: 'Fill in "The unpopular opinion"' });
  await panel.waitFor();
  await panel.getByLabel("Opinion").fill("Most status meetings should be documents.");
  await panel.getByRole("button", { name: "Open in the editor" }).click();
  await panel.getByText("Fill this in: the template needs it.").first().waitFor();
  await check(page, "templates-fill-errors");
  if ((await panel.getByLabel("Opinion").inputValue()) !== "Most status meetings should be documents.") throw new Error("a value was lost");
  const values = {
    Audience: "engineering managers",
    "Common belief": "a weekly sync keeps a team aligned",
    "Turning point": "our team moved across four time zones",
    "Reason one": "Written updates can be read when people are awake.",
    "Reason two": "Decisions leave a trail anyone can search.",
    "Reason three": "The meeting time goes back to deep work.",
    Condition: "the meeting only repeats what is already written down",
  };
  for (const [label, value] of Object.entries(values)) await panel.getByLabel(label, { exact: true }).fill(value);
  await panel.getByText("Every blank is filled.").waitFor();
  await panel.locator(".template-preview").getByText("engineering managers").waitFor();
  await check(page, "templates-filled");
  await shoot(page, "templates");

  step("templates: open the result in the editor");
  await panel.getByRole("button", { name: "Open in the editor" }).click();
  await page.waitForURL(/\/drafts\/[0-9a-f-]{36}$/);
  await page.getByRole("heading", { name: "Edit draft" }).waitFor();
  const text = await page.getByLabel("Text", { exact: true }).inputValue();
  if (!text.startsWith("Unpopular opinion: Most status meetings should be documents.")) throw new Error(`the draft reads: ${text.slice(0, 120)}`);
  if (text.includes("{")) throw new Error("a placeholder was left in the draft");

  step("templates: a phone, no sideways scrolling");
  await page.goto(`${BASE}/templates?q=unpopular`);
  await page.getByRole("button", { name: "Use this template: The unpopular opinion" }).click();
  await page.getByRole("region", { name: 'Fill in "The unpopular opinion"' }).waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  await sideways(page, "phone-templates");
  await smallTargets(page, "phone-templates");
  await shoot(page, "phone-templates");
  await page.setViewportSize({ width: 1280, height: 900 });
  await user.context.close();
}
