// The calendar: month and week in the profile's zone (New York here), drag and "Move to…" (the keyboard
// way), a refused move put back with its reason, the tray of drafts, an open queue slot, a post X refuses
// shown failed with the platform's reason and retried until published, filters in the address, a change
// made in another tab, and the phone's agenda.
import { BASE, check, connectAccount, expect, newUser, platforms, setCurrent, shoot, sideways, step, tabTo, watch } from "./lib.mjs";

const ZONE = "America/New_York";

/** An instant's day and time in ZONE. */
function wall(iso) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: ZONE, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  }).formatToParts(new Date(iso));
  const get = (t) => parts.find((p) => p.type === t).value;
  return { day: `${get("year")}-${get("month")}-${get("day")}`, time: `${get("hour")}:${get("minute")}` };
}

/** The instant when ZONE's clock reads `day` `time` (no daylight-saving edge is used here). */
function at(day, time) {
  const naive = Date.parse(`${day}T${time}:00Z`);
  let instant = naive;
  for (let i = 0; i < 3; i++) {
    const w = wall(instant);
    instant += naive - Date.parse(`${w.day}T${w.time}:00Z`);
  }
  return new Date(instant).toISOString();
}

const plusDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

async function readBack(user, id) {
  const post = await user.call("GET", `/api/schedules/posts/${id}`);
  return { ...post, wall: post.scheduled_for ? wall(post.scheduled_for) : null };
}

function same(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

export async function run(browser) {
  const user = await newUser(browser, { name: "Grace Calendar", timezone: ZONE, history: false });
  const { page } = user;

  // A month two ahead, so nothing there is in the past: its Tuesday of the second week, and that week.
  const today = wall(Date.now()).day;
  const [y, m] = today.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1 + 2, 1)).toISOString().slice(0, 10);
  let tue = plusDays(first, 7);
  while (new Date(`${tue}T00:00:00Z`).getUTCDay() !== 2) tue = plusDays(tue, 1);
  const [mon, wed, thu, fri, sat] = [-1, 1, 2, 3, 4].map((n) => plusDays(tue, n));

  const morning = await user.call("POST", "/api/schedules/posts", {
    platform: "linkedin", content: "Tuesday planning: what a team lead checks before the sprint starts.", scheduled_for: at(tue, "09:00"),
  });
  const late = await user.call("POST", "/api/schedules/posts", {
    platform: "linkedin", content: "Eleven o'clock thoughts on code review etiquette.", scheduled_for: at(tue, "11:00"),
  });
  const loose = await user.call("POST", "/api/content/drafts", { platform: "linkedin", content: "A draft waiting in the tray: notes on onboarding new engineers." });
  await user.call("POST", "/api/queue/slots", { platform: "linkedin", day_of_week: 1, time: "08:15" });

  step("calendar: the month in the profile's zone, the zone named, posts as tiles");
  await page.goto(`${BASE}/calendar?view=month&date=${tue}`);
  await page.getByRole("heading", { name: "Calendar", level: 1 }).waitFor();
  await page.getByText(ZONE, { exact: true }).first().waitFor();
  const tile = (id) => page.locator(`li.cal-tile[data-post-id="${id}"]`);
  const inDay = (day, id) => page.locator(`[data-day="${day}"] li.cal-tile[data-post-id="${id}"]`);
  await inDay(tue, morning.id).waitFor();
  await inDay(tue, late.id).getByText("11:00").waitFor();
  await check(page, "calendar-month");
  await shoot(page, "calendar-month");

  step("drag Tuesday 09:00 to Thursday on the month: Thursday 09:00 in New York, in the API too");
  await tile(morning.id).dragTo(page.locator(`li.cal-day[data-day="${thu}"]`), { targetPosition: { x: 30, y: 90 } });
  await inDay(thu, morning.id).getByText("Scheduled").waitFor();
  await page.getByRole("status").filter({ hasText: "Moved the LinkedIn post" }).waitFor();
  same((await readBack(user, morning.id)).wall, { day: thu, time: "09:00" }, "after the drag");

  step("the same by keyboard: Tab to Move to…, a date, Enter");
  await page.getByRole("heading", { name: "Calendar", level: 1 }).focus();
  await tabTo(page, /Move to.*Tue/);
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Move this post" });
  await dialog.waitFor();
  await check(page, "calendar-move-dialog");
  await dialog.getByLabel("Date").fill(fri);
  await dialog.getByLabel(/^Time/).press("Enter");
  await dialog.waitFor({ state: "detached" });
  await inDay(fri, late.id).getByText("11:00").waitFor();
  same((await readBack(user, late.id)).wall, { day: fri, time: "11:00" }, "after Move to…");

  step("a move to a past time is refused: the tile stays, the reason in words");
  expect([{ path: `/api/schedules/posts/${late.id}`, status: 422 }]);
  await inDay(fri, late.id).getByRole("button", { name: /Move to/ }).click();
  await dialog.getByLabel("Date").fill(plusDays(today, -1));
  await dialog.getByRole("button", { name: "Move", exact: true }).click();
  await dialog.getByRole("alert").filter({ hasText: /must be in the future/ }).waitFor();
  await check(page, "calendar-move-refused");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  await page.getByRole("alert").filter({ hasText: /stays where it was.*must be in the future/s }).waitFor();
  await inDay(fri, late.id).waitFor();
  same((await readBack(user, late.id)).wall, { day: fri, time: "11:00" }, "after the refusal");
  expect([]);

  step("the week view: an open queue slot, a draft dragged in from the tray (snapped to 15 minutes)");
  await page.getByRole("button", { name: "Week", exact: true }).click();
  await page.waitForURL(/view=week/);
  await page.locator(`[data-day="${mon}"] .cal-slot`).filter({ hasText: "08:15" }).waitFor();
  await inDay(fri, late.id).waitFor();
  await check(page, "calendar-week");
  await shoot(page, "calendar-week");
  const wedTen = page.locator(`[data-day="${wed}"] .cal-hour[data-hour="10"]`);
  await tile(loose.id).dragTo(wedTen, { targetPosition: { x: 20, y: 26 } });
  await inDay(wed, loose.id).getByText("10:30").waitFor();
  await page.getByRole("status").filter({ hasText: "Scheduled the LinkedIn post" }).waitFor();
  await inDay(wed, loose.id).getByText("Scheduled").waitFor();
  const scheduled = await readBack(user, loose.id);
  same([scheduled.status, scheduled.wall], ["scheduled", { day: wed, time: "10:30" }], "the tray draft");
  await page.getByText("No unscheduled drafts").waitFor();

  step("an open slot starts a post at its time; a click on an empty hour too");
  await page.locator(`[data-day="${mon}"] .cal-slot`).filter({ hasText: "08:15" }).getByRole("button").click();
  const write = page.getByRole("dialog", { name: /New post for/ });
  await write.waitFor();
  if ((await write.getByLabel(/^Time/).inputValue()) !== "08:15") throw new Error("the slot's time was not carried");
  await write.getByLabel("Text").fill("Written for the Monday slot: three questions for every retro.");
  await check(page, "calendar-new-post");
  await write.getByRole("button", { name: "Schedule", exact: true }).click();
  await write.waitFor({ state: "detached" });
  await page.locator(`[data-day="${mon}"] li.cal-tile`).getByText("08:15").waitFor();
  await page.locator(`[data-day="${thu}"] .cal-hour[data-hour="15"]`).click({ position: { x: 40, y: 30 } });
  await write.waitFor();
  if ((await write.getByLabel(/^Time/).inputValue()) !== "15:30") throw new Error("the clicked hour's time was not carried");
  await page.keyboard.press("Escape");
  await write.waitFor({ state: "detached" });

  step("filters live in the address and survive a reload");
  await page.getByLabel("Platform").selectOption("twitter");
  await page.waitForURL(/platform=twitter/);
  await page.reload();
  await page.getByRole("heading", { name: "Calendar", level: 1 }).waitFor();
  if ((await page.getByLabel("Platform").inputValue()) !== "twitter") throw new Error("the platform filter was lost on reload");
  if (!/view=week/.test(page.url()) || !page.url().includes(`date=${tue}`)) throw new Error(`view or date lost: ${page.url()}`);
  await page.locator(".cal-week").waitFor();
  if (await tile(late.id).count()) throw new Error("a LinkedIn post shows under the X filter");
  await page.getByLabel("Status").selectOption("scheduled");
  await page.waitForURL(/status=scheduled/);
  await check(page, "calendar-filtered");
  await page.getByLabel("Platform").selectOption("");
  await page.getByLabel("Status").selectOption("");
  await tile(late.id).waitFor();

  step("a change in another tab shows up when this one is focused again");
  const other = await user.context.newPage();
  watch(other);
  setCurrent(other);
  await other.goto(page.url());
  await other.locator(`[data-day="${thu}"] li.cal-tile[data-post-id="${morning.id}"]`).getByRole("button", { name: /Move to/ }).click();
  const otherDialog = other.getByRole("dialog", { name: "Move this post" });
  await otherDialog.getByLabel("Date").fill(sat);
  await otherDialog.getByLabel(/^Time/).press("Enter");
  await otherDialog.waitFor({ state: "detached" });
  await other.close();
  setCurrent(page);
  await page.bringToFront();
  // A headless browser never hides a tab; what a browser sends on coming back to one is sent here.
  await page.evaluate(() => {
    document.dispatchEvent(new Event("visibilitychange"));
    window.dispatchEvent(new Event("focus"));
  });
  await inDay(sat, morning.id).waitFor({ timeout: 10_000 });

  step("a post X refuses shows failed with X's reason; Retry publishes it");
  // A LinkedIn post in ten minutes, for a drag into the past on this week (after the X post).
  const soon = await user.call("POST", "/api/schedules/posts", {
    platform: "linkedin", content: "Due in ten minutes: a drag into the past is refused.", scheduled_for: new Date(Date.now() + 600_000).toISOString(),
  });
  await connectAccount(user, "twitter");
  await platforms("fail_next", { statuses: [403] });
  const refused = await user.call("POST", "/api/schedules/posts", {
    platform: "twitter", content: "A short note X will refuse the first time.", scheduled_for: new Date(Date.now() + 4000).toISOString(),
  });
  await page.goto(`${BASE}/calendar?view=week`);
  const failedTile = tile(refused.id);
  await failedTile.getByText("Failed").waitFor({ timeout: 45_000 });
  await failedTile.getByRole("button", { name: /Failed: see why/ }).click();
  const failed = page.getByRole("dialog", { name: "X post failed" });
  await failed.waitFor();
  await failed.getByRole("cell", { name: /403/ }).waitFor();
  const reason = (await readBack(user, refused.id)).last_error;
  if (!reason) throw new Error("the API recorded no reason");
  await failed.getByText(reason, { exact: false }).first().waitFor();
  await check(page, "calendar-failed");
  await shoot(page, "calendar-failed");
  await failed.getByRole("button", { name: /Retry/ }).click();
  await failed.waitFor({ state: "detached" });
  await failedTile.getByText("Published").waitFor({ timeout: 45_000 });
  same((await readBack(user, refused.id)).status, "published", "after Retry");
  await check(page, "calendar-published");

  step("a drag into the past is refused: the tile snaps back, the reason in words");
  const hourAgo = wall(Date.now() - 3_600_000);
  const soonWall = wall(soon.scheduled_for);
  const sameWeek = Math.abs(Date.parse(`${soonWall.day}T00:00:00Z`) - Date.parse(`${hourAgo.day}T00:00:00Z`)) < 86_400_000 * 2
    && (new Date(`${soonWall.day}T00:00:00Z`).getUTCDay() !== 1 || soonWall.day === hourAgo.day);
  if (sameWeek) {
    expect([{ path: `/api/schedules/posts/${soon.id}`, status: 422 }]);
    const pastCell = page.locator(`[data-day="${hourAgo.day}"] .cal-hour[data-hour="${Number(hourAgo.time.slice(0, 2))}"]`);
    await pastCell.evaluate((el) => el.scrollIntoView({ block: "center" }));
    await tile(soon.id).dragTo(pastCell, { targetPosition: { x: 20, y: 40 } });
    await page.getByRole("alert").filter({ hasText: /stays where it was.*must be in the future/s }).waitFor();
    await inDay(soonWall.day, soon.id).getByText(soonWall.time).waitFor();
    same((await readBack(user, soon.id)).wall, soonWall, "after the refused drag");
    await check(page, "calendar-drag-refused");
    expect([]);
  } else {
    step("(skipped: an hour ago was in another week)");
  }
  await user.call("DELETE", `/api/schedules/posts/${soon.id}`);

  step("on a phone: an agenda, nothing sideways");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/calendar?view=week&date=${tue}`);
  await page.locator(".cal-agenda").waitFor();
  await inDay(fri, late.id).waitFor();
  await sideways(page, "phone-calendar");
  await check(page, "phone-calendar");
  await shoot(page, "phone-calendar");
  await page.getByRole("button", { name: "Month", exact: true }).click();
  await page.waitForURL(/view=month/);
  await inDay(sat, morning.id).waitFor();
  await check(page, "phone-calendar-month");
  await shoot(page, "phone-calendar-month");
  await user.context.close();
}
