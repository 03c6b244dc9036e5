// Queue and recurring schedules: weekly slots (add, a duplicate in words, take a suggestion, remove) and a
// recurring schedule (create with a field error first, pause, resume, edit, delete with a confirmation).
import { BASE, check, expect, newUser, shoot, sideways, smallTargets, step, tabTo } from "./lib.mjs";

export async function run(browser) {
  const user = await newUser(browser, { name: "Katherine Johnson" });
  const { page } = user;

  step("queue: slots and suggestions from the user's own best hours");
  await page.goto(`${BASE}/queue`);
  await page.getByRole("heading", { name: "Queue and recurring schedules" }).waitFor();
  await page.getByText("No LinkedIn slots yet.").waitFor();
  await page.getByText("Times are local to your profile's time zone (Europe/Berlin).").waitFor();
  await page.getByRole("heading", { name: "Suggested from your best hours" }).waitFor();
  await page.locator(".suggestion-list, .queue-columns p").first().waitFor();
  await check(page, "queue");

  step("queue: add a Wednesday slot (Sunday = 0 in the API, named on screen)");
  await page.getByLabel("Weekday").selectOption({ label: "Wednesday" });
  await page.getByLabel("Time", { exact: true }).fill("10:15");
  await page.getByRole("button", { name: "Add the slot" }).click();
  await page.getByRole("status").filter({ hasText: "Added Wednesday at 10:15 to your LinkedIn slots." }).waitFor();
  const slots = page.getByRole("list", { name: "LinkedIn slots" });
  await slots.getByText("Wednesday").waitFor();
  const stored = await user.call("GET", "/api/queue/slots");
  if (!stored.items.some((s) => s.day_of_week === 3 && s.local_time.startsWith("10:15"))) throw new Error(`slot not stored as day 3: ${JSON.stringify(stored)}`);

  step("queue: the same slot twice is said in words, the form keeps its input");
  expect([{ path: "/api/queue/slots", status: 409 }]);
  await page.getByRole("button", { name: "Add the slot" }).click();
  await page.getByRole("alert").filter({ hasText: "You already have a LinkedIn slot on Wednesday at 10:15." }).waitFor();
  expect([]);
  if ((await page.getByLabel("Time", { exact: true }).inputValue()) !== "10:15") throw new Error("the time was lost");
  await check(page, "queue-duplicate");

  step("queue: take a suggestion as a slot");
  const take = page.getByRole("button", { name: /^Add .* as a slot$/ }).first();
  const suggestions = await take.count();
  if (suggestions) {
    const label = (await take.innerText()).replace(/^Add /, "").replace(/ as a slot$/, "");
    await page.locator(".suggestion-why").first().waitFor();
    await take.click();
    await page.getByText("Already one of your slots.").first().waitFor();
    await page.getByRole("button", { name: `Remove ${label}` }).waitFor();
  } else {
    throw new Error("no suggestion from the imported history");
  }
  await shoot(page, "queue");

  step("queue: remove the Wednesday slot, keyboard only");
  await tabTo(page, "Remove Wednesday at 10:15");
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: "Removed Wednesday at 10:15" }).waitFor();
  if (await page.getByRole("button", { name: "Remove Wednesday at 10:15" }).count()) throw new Error("the slot is still listed");
  await page.waitForFunction(() => document.activeElement?.textContent === "Your LinkedIn slots");

  step("queue: X has no history, so no suggestions, said in words");
  await page.getByRole("button", { name: "X", exact: true }).click();
  await page.getByText("Your X history is too short to tell").waitFor();
  await page.getByRole("button", { name: "LinkedIn", exact: true }).click();

  step("recurring: a missing name is said at its field, the rest is kept");
  await page.getByRole("button", { name: "New recurring schedule" }).click();
  const form = page.getByRole("form", { name: "New recurring schedule" });
  await form.getByLabel("How often").selectOption("weekly");
  await form.getByLabel("Weekday").selectOption({ label: "Monday" });
  await form.getByLabel(/^Time/).fill("08:30");
  await form.getByLabel("Topics, one a line").fill("What code review is for\nHiring for curiosity");
  await form.getByRole("button", { name: "Create the schedule" }).click();
  await form.getByText("Give the schedule a name.").waitFor();
  await check(page, "queue-recurring-error");
  if (!(await form.getByLabel("Topics, one a line").inputValue()).includes("Hiring for curiosity")) throw new Error("the topics were lost");

  step("recurring: create it; next run, topics in turn, no failures");
  await form.getByLabel("Name").fill("Monday engineering notes");
  await form.getByRole("button", { name: "Create the schedule" }).click();
  await page.getByRole("status").filter({ hasText: '"Monday engineering notes" created.' }).waitFor();
  const card = page.getByRole("article", { name: "Monday engineering notes" });
  await card.getByText("Every Monday at 08:30 (Europe/Berlin)").waitFor();
  await card.getByRole("listitem").filter({ hasText: "Hiring for curiosity" }).waitFor();
  const nextRun = await card.locator("dt:has-text('Next run') + dd").innerText();
  if (!/Mon/.test(nextRun)) throw new Error(`next run is "${nextRun}"`);
  await check(page, "queue-recurring");

  step("recurring: pause and resume");
  await card.getByRole("button", { name: "Pause Monday engineering notes" }).click();
  await card.getByText("Paused", { exact: true }).waitFor();
  await card.getByText("None while paused").waitFor();
  await card.getByRole("button", { name: "Resume Monday engineering notes" }).click();
  await card.getByText("Active", { exact: true }).waitFor();

  step("recurring: edit it to the last Monday of each month at 17:00");
  await card.getByRole("button", { name: "Edit Monday engineering notes" }).click();
  const edit = page.getByRole("form", { name: 'Edit "Monday engineering notes"' });
  await page.waitForFunction(() => document.activeElement?.textContent === 'Edit "Monday engineering notes"');
  await edit.getByLabel("How often").selectOption("monthly");
  await edit.getByLabel("Which week of the month").selectOption({ label: "The last" });
  await edit.getByLabel(/^Time/).fill("17:00");
  await check(page, "queue-recurring-edit");
  await edit.getByRole("button", { name: "Save the changes" }).click();
  await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Edit Monday engineering notes");
  await page.getByRole("status").filter({ hasText: '"Monday engineering notes" saved.' }).waitFor();
  await card.getByText("The last Monday of each month at 17:00 (Europe/Berlin)").waitFor();
  await shoot(page, "queue-recurring");

  step("recurring: delete asks first");
  await card.getByRole("button", { name: "Delete Monday engineering notes" }).click();
  const dialog = page.getByRole("dialog", { name: 'Delete "Monday engineering notes"?' });
  await dialog.waitFor();
  await check(page, "queue-delete-dialog");
  await dialog.getByRole("button", { name: "Keep it" }).click();
  await dialog.waitFor({ state: "hidden" });
  await card.waitFor();

  step("queue: a phone, no sideways scrolling");
  await page.setViewportSize({ width: 390, height: 844 });
  await sideways(page, "phone-queue");
  await smallTargets(page, "phone-queue");
  await shoot(page, "phone-queue");
  await page.setViewportSize({ width: 1280, height: 900 });
  await user.context.close();
}
