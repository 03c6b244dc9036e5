// The web app end to end in Debian's Chromium, driven by playwright-core (no browser download).
// Started by tests/web/test_e2e.py against a real API; writes OUT_DIR/report.json and SCREENS_DIR/*.png.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BASE = process.env.BASE_URL;
const LLM = process.env.LLM_CONTROL_URL;
const SCREENS = process.env.SCREENS_DIR;
const OUT = process.env.OUT_DIR;
const HISTORY = process.env.HISTORY_FILE;
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
const EMAIL = `ada-${Date.now()}@example.com`;
const PASSWORD = "a long and careful password";
mkdirSync(SCREENS, { recursive: true });
mkdirSync(OUT, { recursive: true });

const report = {
  axe_violations: {},
  axe_screens: [],
  console_errors: [],
  failed_requests: [],
  sideways_scroll: {},
  js_kb: {},
  small_targets: {},
  steps: [],
};
// Failures a step provokes on purpose (a wrong password); anything else is a finding.
let expected = [];

function step(name) {
  report.steps.push(name);
  console.log(`- ${name}`);
}

function watch(page) {
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (expected.some((e) => text.includes(`status of ${e.status}`))) return;
    report.console_errors.push(`${page.url()}: ${text}`);
  });
  page.on("pageerror", (error) => report.console_errors.push(`${page.url()}: ${error.message}`));
  page.on("requestfailed", (request) => {
    const reason = request.failure()?.errorText ?? "";
    if (reason.includes("ERR_ABORTED")) return; // a stale forecast cancelled on purpose
    report.failed_requests.push(`${request.method()} ${request.url()}: ${reason}`);
  });
  page.on("response", (response) => {
    if (response.status() < 400) return;
    const url = new URL(response.url());
    if (expected.some((e) => url.pathname === e.path && response.status() === e.status)) return;
    report.failed_requests.push(`${response.request().method()} ${url.pathname}: ${response.status()}`);
  });
}

async function axe(page, screen) {
  await page.evaluate(AXE);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
    TAGS,
  );
  report.axe_screens.push(screen);
  if (result.violations.length) {
    report.axe_violations[screen] = result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  }
}

async function smallTargets(page, screen) {
  const small = await page.evaluate(() => {
    const found = [];
    for (const el of document.querySelectorAll("button, a, input, select, textarea, summary, label.button")) {
      const box = el.getBoundingClientRect();
      if (!box.width || !box.height) continue;
      if (getComputedStyle(el).position === "absolute" && box.width <= 1) continue; // visually hidden
      const inline = el.tagName === "A" && el.closest("p, li, dd, td, .alert");
      if (inline) continue; // links inside a sentence are exempt (WCAG 2.5.8)
      if (box.width < 24 || box.height < 24) found.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || el.id).trim().slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
    return found;
  });
  if (small.length) report.small_targets[screen] = small;
}

async function shoot(page, name) {
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

async function sideways(page, screen) {
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (widths[0] > widths[1]) report.sideways_scroll[screen] = `${widths[0]}px of content in ${widths[1]}px`;
}

async function check(page, screen) {
  await axe(page, screen);
  await smallTargets(page, screen);
  await sideways(page, screen);
}

async function llm(mode) {
  const response = await fetch(`${LLM}/${mode}`, { method: "POST" });
  if (!response.ok) throw new Error(`LLM control ${mode}: ${response.status}`);
}

/** Press Tab until the focused element is the one named; fail if it never comes (a keyboard trap). */
async function tabTo(page, name, { max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const labelled = el.labels?.[0]?.textContent ?? "";
      const outline = getComputedStyle(el).outlineStyle;
      // The accessible name, roughly: a field's label, else its aria-label, else its text.
      const raw = labelled || el.getAttribute("aria-label") || (el.tagName === "TEXTAREA" || el.tagName === "INPUT" ? "" : el.textContent) || "";
      return { name: raw.replace(/\s+/g, " ").trim(), outline };
    });
    if (focused && (typeof name === "string" ? focused.name.includes(name) : name.test(focused.name))) {
      if (focused.outline === "none") throw new Error(`"${focused.name}" has focus but no visible focus indicator`);
      return;
    }
  }
  throw new Error(`Tab never reached "${name}"`);
}

/** JavaScript sent (gzip, as transferred) to show a screen from a cold cache; `signIn` measures sign-in + home. */
async function jsWeight(browser, label, path, { signIn = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (!signIn) {
    // A session of its own (the cookie is shared with the context's pages).
    const answer = await context.request.post(`${BASE}/api/auth/session`, { data: { email: EMAIL, password: PASSWORD } });
    if (!answer.ok()) throw new Error(`session for the weight check: ${answer.status()}`);
  }
  const page = await context.newPage();
  watch(page);
  let bytes = 0;
  page.on("response", (response) => {
    if (!new URL(response.url()).pathname.endsWith(".js")) return;
    bytes += Number(response.headers()["content-length"] ?? 0);
  });
  await page.goto(BASE + (signIn ? "/sign-in" : path), { waitUntil: "networkidle" });
  if (signIn) {
    await page.getByLabel("E-mail").fill(EMAIL);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: /Welcome/ }).waitFor();
    await page.waitForLoadState("networkidle");
  }
  await page.locator("h1").first().waitFor();
  await context.close();
  report.js_kb[label] = Math.round((bytes / 1024) * 10) / 10;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
let failure = null;
let current = null;
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    timezoneId: "Europe/Berlin",
    locale: "en-US",
  });
  const page = await context.newPage();
  current = page;
  watch(page);
  page.setDefaultTimeout(30_000);

  step("a deep link while signed out goes to sign-in and remembers the page");
  await page.goto(`${BASE}/import`);
  await page.waitForURL(/\/sign-in\?next=%2Fimport/);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await check(page, "sign-in");
  await shoot(page, "sign-in");

  step("a wrong password is said in words");
  expected = [{ path: "/api/auth/session", status: 401 }];
  await page.getByLabel("E-mail").fill("nobody@example.com");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "do not match an account" }).waitFor();
  expected = [];

  step("sign up: the password rules are shown before submitting");
  await page.getByRole("link", { name: /Create an account/ }).click();
  await page.getByRole("heading", { name: "Create your account" }).waitFor();
  await page.getByLabel("Your name").fill("Ada Lovelace");
  await page.getByLabel("E-mail").fill(EMAIL);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText("The password needs at least 10 characters").waitFor();
  await check(page, "sign-up");
  await shoot(page, "sign-up");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();

  step("onboarding: the time zone comes from the browser");
  await page.waitForURL(/\/onboarding$/);
  await page.getByRole("heading", { name: /Tell us about you/ }).waitFor();
  const zone = await page.getByLabel("Your time zone").inputValue();
  if (zone !== "Europe/Berlin") throw new Error(`the time zone was preselected as ${zone}`);
  await check(page, "onboarding");
  await shoot(page, "onboarding");
  await page.getByLabel("Your role").fill("Head of Engineering");
  await page.getByLabel("Company").fill("Analytical Engines");
  await page.getByLabel("What you write about").fill("engineering leadership");
  await page.getByLabel("Share what I learn").check();
  await page.getByRole("button", { name: "Save and continue" }).click();

  step("import: counts, rejected rows by line, and the tone analysis until done");
  await page.waitForURL(/\/import$/);
  await page.getByRole("heading", { name: "Import your posts" }).waitFor();
  await check(page, "import");
  await page.locator("#import-file").setInputFiles(HISTORY);
  const results = page.getByRole("region", { name: "What was imported" });
  await results.waitFor();
  const imported = await results.getByRole("row", { name: /Imported/ }).innerText();
  if (!/40/.test(imported)) throw new Error(`imported row says ${imported}`);
  await results.getByText(/Why 2 rows were rejected/).click();
  await results.getByRole("cell", { name: "missing content" }).waitFor();
  await results.getByRole("cell", { name: /unknown platform .myspace./ }).waitFor();
  await page.getByText("Your tone analysis is ready").waitFor({ timeout: 120_000 });
  await check(page, "import-done");
  await shoot(page, "import");

  step("your voice: the tone chart with its table, habits and words");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Your voice" }).click();
  await page.getByRole("heading", { name: "Your voice" }).waitFor();
  await page.getByRole("table").first().waitFor();
  await page.getByText("What the voice match measures").waitFor();
  await check(page, "voice");
  await shoot(page, "voice");

  step("generate: the LLM down is a 503 in words, with the request kept");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Generate" }).click();
  await page.getByRole("heading", { name: "Generate drafts" }).waitFor();
  await check(page, "generate");
  await llm("down");
  await page.getByLabel("Topic").fill("Why small releases win");
  await page.getByRole("button", { name: "Generate", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: "The generation stopped" }).waitFor({ timeout: 60_000 });
  await page.getByText(/try again in \d+ s/).waitFor();
  if ((await page.getByLabel("Topic").inputValue()) !== "Why small releases win") throw new Error("the topic was lost");
  await check(page, "generate-error");
  await shoot(page, "generate-error");
  await llm("up");

  step("generate: three variants, each shown as it is stored");
  await page.getByRole("button", { name: "Regenerate" }).click();
  // Each variant shows as soon as it is stored (tests/generation covers the order); here the fake is quick.
  await page.getByText(/Writing variant [123] of 3|3 variants written/).first().waitFor({ timeout: 60_000 });
  await page.getByText("3 variants written, best first.").waitFor({ timeout: 120_000 });
  await check(page, "generate-variants");
  await shoot(page, "generate");

  step("pick one into the editor: live voice match and forecast");
  await page.getByRole("button", { name: /Use variant 1/ }).click();
  await page.waitForURL(/\/drafts\/[0-9a-f-]{36}$/);
  await page.getByRole("heading", { name: "Edit draft" }).waitFor();
  await page.getByTestId("band").waitFor({ timeout: 60_000 });
  await page.getByTestId("voice-score").waitFor();
  const text = page.getByLabel("Text", { exact: true });
  await text.press("Control+End");
  await text.pressSequentially(" What would you add?", { delay: 10 });
  await page.getByText("All changes saved.").waitFor({ timeout: 30_000 });
  await check(page, "editor");
  const apply = page.getByRole("button", { name: /^Apply/ }).first();
  if (await apply.count()) {
    await apply.click();
    await page.getByRole("button", { name: "Undo the change" }).waitFor();
  }

  step("schedule it at a time in the user's zone");
  const tomorrow = new Date(Date.now() + 36 * 3600 * 1000);
  const local = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, "0")}-${String(tomorrow.getDate()).padStart(2, "0")}T09:30`;
  await page.getByLabel(/Date and time \(Europe\/Berlin\)/).fill(local);
  await page.getByRole("button", { name: "Schedule at this time" }).click();
  await page.getByText(/Scheduled for .*\(Europe\/Berlin\)/).waitFor();
  await shoot(page, "editor");
  const draftUrl = page.url();
  await page.reload();
  await page.getByText(/Scheduled for/).waitFor();
  if (!(await page.getByLabel("Text", { exact: true }).inputValue()).includes("What would you add?")) throw new Error("the edit was not saved");

  step("an X thread: a counter per post");
  await page.goto(`${BASE}/drafts/new`);
  await page.getByRole("button", { name: "X", exact: true }).click();
  await page.getByLabel("Write a thread").check();
  await page.getByLabel("Post 1 of the thread").fill("a".repeat(290));
  await page.getByRole("button", { name: "Add a post to the thread" }).click();
  await page.getByLabel("Post 2 of the thread").fill("Second part of the thread.");
  await page.getByText("290 of 280 characters, 10 too many").waitFor();
  await page.getByText("26 of 280 characters, 254 left").waitFor();
  await check(page, "editor-thread");
  await shoot(page, "editor-x-thread");

  step("home says what to do next");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Home" }).click();
  await page.getByRole("heading", { name: /Welcome, Ada/ }).waitFor();
  await check(page, "home");
  await shoot(page, "home");

  step("a phone: no sideways scrolling on any screen");
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [name, path] of [["home", "/"], ["onboarding", "/onboarding"], ["import", "/import"], ["voice", "/voice"], ["generate", "/generate"], ["editor", draftUrl.replace(BASE, "")]]) {
    await page.goto(BASE + path);
    await page.locator("h1").first().waitFor();
    if (name === "editor") await page.getByTestId("band").waitFor({ timeout: 60_000 });
    await page.waitForLoadState("networkidle");
    await sideways(page, `phone-${name}`);
    await smallTargets(page, `phone-${name}`);
    await shoot(page, `phone-${name}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  step("sign out revokes the session; a reload stays signed out without a 401");
  await page.goto(`${BASE}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/sign-in/);
  await page.reload();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  await sideways(page, "phone-sign-in");
  await page.setViewportSize({ width: 1280, height: 900 });

  step("keyboard only: sign in, generate, pick, edit, schedule");
  await page.goto(`${BASE}/sign-in`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await tabTo(page, "E-mail");
  await page.keyboard.type(EMAIL);
  await tabTo(page, "Password");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: /Welcome, Ada/ }).waitFor();
  await tabTo(page, /^Generate$/);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Generate drafts" }).waitFor();
  await tabTo(page, "Topic");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("What a good code review looks like");
  await tabTo(page, /^(Generate|Regenerate)$/);
  await page.keyboard.press("Enter");
  await page.getByText(/variants? written, best first/).waitFor({ timeout: 120_000 });
  await tabTo(page, "Use variant 1");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/drafts\/[0-9a-f-]{36}$/);
  await page.getByRole("heading", { name: "Edit draft" }).waitFor();
  await tabTo(page, /^Text$/);
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" Reviewed by keyboard.");
  await page.getByText("All changes saved.").waitFor({ timeout: 30_000 });
  await tabTo(page, /Date and time/);
  const month = String(tomorrow.getMonth() + 1).padStart(2, "0");
  const day = String(tomorrow.getDate()).padStart(2, "0");
  await page.keyboard.type(`${month}${day}${tomorrow.getFullYear()}`);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.type("0945AM");
  await tabTo(page, "Schedule at this time");
  await page.keyboard.press("Enter");
  await page.getByText(/Scheduled for .*\(Europe\/Berlin\)/).waitFor();

  step("JavaScript weight (gzip, as sent), from a cold cache");
  await jsWeight(browser, "sign-in + home", "/", { signIn: true });
  for (const [name, path] of [["import", "/import"], ["voice", "/voice"], ["generate", "/generate"], ["editor", draftUrl.replace(BASE, "")], ["onboarding", "/onboarding"]]) {
    await jsWeight(browser, name, path);
  }
  await context.close();
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
