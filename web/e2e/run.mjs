// The web app end to end in Debian's Chromium, driven by playwright-core (no browser download).
// Started by tests/web/test_e2e.py against a real API; writes OUT_DIR/report.json and SCREENS_DIR/*.png.
// Each scenario is a module with `run(browser)`; E2E_ONLY=calendar,queue runs some of them.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { OUT, current, report, step } from "./lib.mjs";

const SCENARIOS = ["part1", "calendar", "queue", "accounts", "templates", "analytics", "tone", "settings", "teams", "media"];
const only = process.env.E2E_ONLY ? process.env.E2E_ONLY.split(",") : SCENARIOS;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
let failure = null;
try {
  for (const name of SCENARIOS.filter((s) => only.includes(s))) {
    const file = new URL(`./${name}.mjs`, import.meta.url);
    if (!existsSync(file)) continue;
    step(`== ${name}`);
    const scenario = await import(file.href);
    await scenario.run(browser);
  }
} catch (error) {
  failure = error;
  await current?.screenshot({ path: join(OUT, "failure.png"), fullPage: true }).catch(() => null);
} finally {
  await browser.close();
  writeFileSync(join(OUT, "report.json"), JSON.stringify(report, null, 2));
  console.log(JSON.stringify({ js_kb: report.js_kb, axe_screens: report.axe_screens.length }, null, 1));
}
const problems = [
  ...Object.entries(report.axe_violations).map(([s, v]) => `axe on ${s}: ${JSON.stringify(v)}`),
  ...report.console_errors.map((e) => `console error: ${e}`),
  ...report.failed_requests.map((e) => `failed request: ${e}`),
  ...Object.entries(report.sideways_scroll).map(([s, v]) => `sideways scroll on ${s}: ${v}`),
  ...Object.entries(report.small_targets).map(([s, v]) => `targets under 24px on ${s}: ${v.join(", ")}`),
];
if (failure) problems.unshift(`the run stopped: ${failure.stack ?? failure}`);
for (const p of problems) console.error(p);
process.exit(problems.length ? 1 : 0);
