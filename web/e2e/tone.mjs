// Tone against performance on an imported history: the analysis after the import labels each post, and the
// analytics screen shows each tone against the user's usual with its interval and the posts behind it.
import { check, newUser, shoot, sideways, step } from "./lib.mjs";

export async function run(browser) {
  const user = await newUser(browser, { name: "Hedy Lamarr" });
  const { page } = user;

  step("the tone analysis after the import labels every post");
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = await user.call("GET", "/api/users/tone-analysis/status");
    if (status.state === "ready") break;
    if (status.state === "failed" || Date.now() > deadline) throw new Error(`tone analysis: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const figures = await user.call("GET", "/api/analytics/tone-performance");
  const [linkedin] = figures.platforms;
  if (!linkedin || linkedin.compared_posts < 30) throw new Error(`tone figures: ${JSON.stringify(figures).slice(0, 400)}`);
  const counted = linkedin.tones.reduce((sum, t) => sum + t.posts, 0);
  if (counted + linkedin.unread_posts !== linkedin.compared_posts) throw new Error("tone post counts do not add up");

  step("analytics: each tone against the usual, with its interval and its posts");
  await page.goto(`${process.env.BASE_URL}/analytics`);
  const section = page.getByRole("region", { name: "Your tones against your usual" });
  await section.waitFor();
  const table = section.getByRole("table", { name: "LinkedIn: each tone against your usual" });
  await table.waitFor();
  const measured = linkedin.tones.find((t) => t.ratio !== null);
  if (!measured) throw new Error("no tone reached the floor on the test history");
  const row = table.getByRole("row", { name: new RegExp(`^${measured.tone}\\b`) });
  await row.getByRole("cell", { name: String(measured.posts), exact: true }).waitFor();
  const interval = await row.getByRole("cell").nth(1).innerText();
  if (!/\d(\.\d+)?x to \d(\.\d+)?x/.test(interval)) throw new Error(`the interval cell says "${interval}"`);
  await section.getByText(measured.sentence).first().waitFor();
  await section.getByRole("img", { name: /LinkedIn tones: each tone's typical post/ }).waitFor();
  await section.getByText("By month, to see change").click();
  await section.getByRole("table", { name: /LinkedIn: each tone by month/ }).waitFor();
  await check(page, "tone-performance");
  await section.screenshot({ path: `${process.env.SCREENS_DIR}/tone-performance.png` });

  step("tone against performance on a phone");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.getByRole("region", { name: "Your tones against your usual" }).getByRole("table").first().waitFor();
  await sideways(page, "phone-tone-performance");
  await shoot(page, "phone-analytics-tone");
  await user.context.close();
}
