// Analytics: the weekly trend, the insights, the best-times heatmap, performance by weekday, hour, content
// type, length and hashtags (each chart with its table and the posts behind every figure), the prediction
// audit; the platform filter kept in the URL; the screen at 390 px; the screen's JavaScript weight.
import { BASE, check, report, shoot, sideways, step, tabTo, watch, newUser } from "./lib.mjs";

/** JavaScript sent (gzip, as transferred) to open /analytics from a cold cache, signed in as `user`. */
async function analyticsWeight(browser, user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const answer = await context.request.post(`${BASE}/api/auth/session`, { data: { email: user.email, password: user.password } });
  if (!answer.ok()) throw new Error(`session for the weight check: ${answer.status()}`);
  const page = await context.newPage();
  watch(page);
  let bytes = 0;
  const files = [];
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (!path.endsWith(".js")) return;
    bytes += Number(response.headers()["content-length"] ?? 0);
    files.push(path);
  });
  await page.goto(`${BASE}/analytics`, { waitUntil: "networkidle" });
  await page.getByRole("heading", { name: "Analytics", level: 1 }).waitFor();
  await page.getByRole("table", { name: "Engagement rate by weekday", exact: true }).waitFor();
  await context.close();
  report.js_kb.analytics = Math.round((bytes / 1024) * 10) / 10;
  return files;
}

async function rowsOf(table) {
  return table.locator("tbody tr").count();
}

/** The table of a chart: its caption, a Posts column, and a whole number of posts in every row. */
async function tableWithPosts(page, caption) {
  const table = page.getByRole("table", { name: caption, exact: true });
  await table.waitFor();
  const headers = await table.getByRole("columnheader").allInnerTexts();
  const postsColumn = headers.findIndex((h) => /^Posts$/.test(h.trim()));
  if (postsColumn < 0) throw new Error(`"${caption}" has no Posts column: ${headers.join(" | ")}`);
  const rows = await table.locator("tbody tr").all();
  if (!rows.length) throw new Error(`"${caption}" has no rows`);
  for (const row of rows) {
    const cells = await row.locator("th, td").allInnerTexts();
    if (!/^\d[\d,]*$/.test(cells[postsColumn]?.trim() ?? "")) throw new Error(`"${caption}" row without posts: ${cells.join(" | ")}`);
  }
  // The chart that goes with it is an image named after it.
  return rows.length;
}

const PUBLISHED = [
  "Three things I look for in a design review: the problem, the options, and what we chose not to do.",
  "Our on-call rotation got quieter when every alert had an owner and a runbook link.",
  "A good incident review ends with one change we will really make this week, not ten we never will.",
];

/** Drafts with a prediction, then an import of the posts they became, with their real engagement. */
async function predictedAndPublished(user) {
  for (const content of PUBLISHED) {
    const draft = await user.call("POST", "/api/content/drafts", { platform: "linkedin", content });
    if (!draft.engagement_prediction) throw new Error("a draft got no engagement prediction");
  }
  const posts = PUBLISHED.map((content, i) => ({
    platform: "linkedin", content, posted_at: `2026-11-${10 + i}T09:30:00+00:00`,
    likes: 20 + 30 * i, comments: 3 + i, shares: 1, impressions: 3000 + 500 * i,
  }));
  const file = { name: "later.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(posts)) };
  const answer = await user.context.request.post(`${BASE}/api/posts/import`, { headers: { Authorization: `Bearer ${await token(user)}` }, multipart: { file } });
  if (!answer.ok()) throw new Error(`import of the published posts: ${answer.status()}`);
  const audit = await user.call("GET", "/api/analytics/prediction-audit");
  if (audit.posts !== PUBLISHED.length) throw new Error(`the audit has ${audit.posts} posts`);
}

async function token(user) {
  const answer = await user.context.request.post(`${BASE}/api/auth/login`, { data: { email: user.email, password: user.password } });
  return (await answer.json()).access_token;
}

export async function run(browser) {
  const user = await newUser(browser, { name: "Katherine Johnson", timezone: "Europe/Berlin", platforms: ["linkedin"] });
  const { page } = user;
  await predictedAndPublished(user);

  step("analytics: the weekly trend with its table");
  await page.goto(`${BASE}/analytics`);
  await page.getByRole("heading", { name: "Analytics", level: 1 }).waitFor();
  const trend = page.getByRole("table", { name: "Weekly engagement, oldest week first", exact: true });
  await trend.waitFor();
  if ((await rowsOf(trend)) !== 12) throw new Error(`the trend has ${await rowsOf(trend)} weeks, not 12`);
  await tableWithPosts(page, "Weekly engagement, oldest week first");
  await page.getByRole("img", { name: /Weekly mean engagement rate as a line/ }).waitFor();

  step("analytics: every performance chart has its table with the posts behind each figure");
  for (const [caption, chart] of [
    ["Engagement rate by weekday", /engagement rate by weekday/],
    ["Engagement rate by hour of the day", /engagement rate by hour of the day/],
    ["Engagement rate by content type", /engagement rate by content type/],
    ["Engagement rate by length (characters)", /engagement rate by length/],
    ["Engagement rate by number of hashtags", /engagement rate by number of hashtags/],
  ]) {
    await tableWithPosts(page, caption);
    await page.getByRole("img", { name: chart }).waitFor();
  }
  const weekdays = await rowsOf(page.getByRole("table", { name: "Engagement rate by weekday", exact: true }));
  if (weekdays !== 7) throw new Error(`the weekday table has ${weekdays} rows`);
  // The bars carry their post counts too.
  await page.getByRole("img", { name: /engagement rate by weekday/ }).getByText(/^n=\d+$/).first().waitFor();

  step("analytics: the best-times heatmap is a table with each cell's rate and posts in words");
  const heat = page.getByRole("table", { name: /by weekday and hour \(Europe\/Berlin time\)/ });
  await heat.waitFor();
  if ((await heat.getByRole("rowheader").count()) !== 7) throw new Error("the heatmap has no row per weekday");
  const hours = await heat.getByRole("columnheader").allInnerTexts();
  if (!hours.some((h) => /^\d\d:00$/.test(h.trim()))) throw new Error(`heatmap columns: ${hours.join(", ")}`);
  await heat.getByRole("cell", { name: /\d+\.\d\d%.*\d+ posts?/ }).first().waitFor();
  await heat.getByText(/^best #1$/).waitFor();
  const cells = await heat.getByRole("cell").count();
  const hourColumns = hours.filter((h) => /^\d\d:00$/.test(h.trim())).length;
  if (cells !== 7 * hourColumns) throw new Error(`the heatmap has ${cells} cells for ${hourColumns} hours`);

  step("analytics: insights in words, and the prediction audit");
  await page.getByRole("heading", { name: /On LinkedIn \(\d+ posts with a rate\)/ }).waitFor();
  await page.getByRole("heading", { name: "How the predictions held up" }).waitFor();
  await page.getByText(/3 posts compared/).waitFor();
  await tableWithPosts(page, "By model version");
  await tableWithPosts(page, "By month and model version");
  await page.getByRole("table", { name: "By month and model version", exact: true }).getByRole("rowheader", { name: "November 2026" }).waitFor();
  await page.getByRole("img", { name: /fell inside the predicted range, by month and model version/ }).waitFor();
  await check(page, "analytics");
  await shoot(page, "analytics");

  step("analytics: the platform filter is kept in the address, by keyboard");
  await page.getByRole("heading", { name: "Analytics", level: 1 }).focus();
  await tabTo(page, "Platform");
  await page.keyboard.press("ArrowDown"); // LinkedIn
  await page.waitForURL(/platform=linkedin/);
  await page.getByText(/^LinkedIn: a mean rate of/).waitFor();
  await page.reload();
  await page.getByText(/^LinkedIn: a mean rate of/).waitFor();
  if ((await page.getByLabel("Platform").inputValue()) !== "linkedin") throw new Error("the filter was not kept");
  // One region scrolls sideways by keyboard: the heatmap and the tables are focusable.
  await tabTo(page, /^Mean engagement rate by weekday and hour/);
  await page.getByRole("table", { name: "Engagement rate by weekday", exact: true }).waitFor();
  await check(page, "analytics-linkedin");

  step("analytics at 390 px: no sideways scroll; wide tables scroll inside their own region");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("table", { name: "Engagement rate by weekday", exact: true }).waitFor();
  await page.waitForTimeout(300);
  await check(page, "phone-analytics");
  await sideways(page, "phone-analytics");
  await shoot(page, "phone-analytics");

  step("analytics: JavaScript weight from a cold cache");
  const files = await analyticsWeight(browser, user);
  console.log(`  analytics JS: ${report.js_kb.analytics} KB in ${files.length} files`);
  await user.context.close();
}
