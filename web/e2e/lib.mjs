// What every end-to-end scenario shares: the report, the checks run on each screen (axe, target sizes,
// sideways scroll), screenshots, keyboard walking, and users made through the API for a scenario of its own.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const BASE = process.env.BASE_URL;
export const LLM = process.env.LLM_CONTROL_URL;
export const SCREENS = process.env.SCREENS_DIR;
export const OUT = process.env.OUT_DIR;
export const HISTORY = process.env.HISTORY_FILE;
export const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
export const EMAIL = `ada-${Date.now()}@example.com`;
export const PASSWORD = "a long and careful password";
mkdirSync(SCREENS, { recursive: true });
mkdirSync(OUT, { recursive: true });

export const report = {
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
/** Statuses a step provokes on purpose: `[{ path, status }]`; `[]` when the step is done. */
export function expect(list) {
  expected = list;
}

export function step(name) {
  report.steps.push(name);
  console.log(`- ${name}`);
}

export function watch(page) {
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

export async function axe(page, screen) {
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

export async function smallTargets(page, screen) {
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

export async function shoot(page, name) {
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}

export async function sideways(page, screen) {
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (widths[0] > widths[1]) report.sideways_scroll[screen] = `${widths[0]}px of content in ${widths[1]}px`;
}

export async function check(page, screen) {
  await axe(page, screen);
  await smallTargets(page, screen);
  await sideways(page, screen);
}

export async function llm(mode) {
  const response = await fetch(`${LLM}/${mode}`, { method: "POST" });
  if (!response.ok) throw new Error(`LLM control ${mode}: ${response.status}`);
}

/** Press Tab until the focused element is the one named; fail if it never comes (a keyboard trap). */
export async function tabTo(page, name, { max = 80 } = {}) {
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
export async function jsWeight(browser, label, path, { signIn = false } = {}) {
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


/** The page a failure screenshot is taken of. */
export let current = null;
export function setCurrent(page) {
  current = page;
}

async function ok(answer, what) {
  if (!answer.ok()) throw new Error(`${what}: ${answer.status()} ${await answer.text()}`);
  return answer.status() === 204 ? null : answer.json();
}

/**
 * A user of a scenario's own, made through the API: registered, onboarded (in `timezone`), with the test's
 * history imported when `history` is true, and signed in in a new browser context (the session cookie), so
 * the scenario starts on any screen. `call(method, path, body)` arranges data through the API as that user.
 */
export async function newUser(browser, { name = "Grace Hopper", timezone = "Europe/Berlin", history = true, platforms = ["linkedin", "twitter"] } = {}) {
  const email = `${name.split(" ")[0].toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: timezone, locale: "en-US" });
  await ok(await context.request.post(`${BASE}/api/auth/register`, { data: { email, password: PASSWORD, name } }), "register");
  const tokens = await ok(await context.request.post(`${BASE}/api/auth/login`, { data: { email, password: PASSWORD } }), "login");
  const headers = { Authorization: `Bearer ${tokens.access_token}` };
  const call = async (method, path, body) => {
    const send = () =>
      context.request.fetch(`${BASE}${path}`, { method, headers, ...(body === undefined ? {} : { data: body }) });
    try {
      return ok(await send(), `${method} ${path}`);
    } catch (error) {
      // A kept-alive connection the server closed just as this request went out (its idle timeout): a read
      // is sent again once; a write is not (it may have landed).
      if (method !== "GET" || !/ECONNRESET|socket hang up/.test(String(error))) throw error;
      return ok(await send(), `${method} ${path}`);
    }
  };

  await call("POST", "/api/users/onboarding", {
    company: "Analytical Engines", role: "Head of Engineering", niche: "engineering leadership",
    tone: "educational", platforms, goals: ["Share what I learn"], timezone,
  });
  if (history) {
    const file = { name: "history.json", mimeType: "application/json", buffer: readFileSync(HISTORY) };
    await ok(await context.request.post(`${BASE}/api/posts/import`, { headers, multipart: { file } }), "import");
  }
  await ok(await context.request.post(`${BASE}/api/auth/session`, { data: { email, password: PASSWORD } }), "session");
  const page = await context.newPage();
  watch(page);
  page.setDefaultTimeout(30_000);
  setCurrent(page);
  return { context, page, email, password: PASSWORD, call };
}

/** The fake X and LinkedIn: `platforms("fail_next", { statuses: [403] })` and the like (tests/web/test_e2e.py). */
export async function platforms(action, body = {}) {
  const response = await fetch(`${process.env.PLATFORMS_CONTROL_URL}/${action}`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`platforms control ${action}: ${response.status}`);
  return response.json();
}

/**
 * Connect `platform` ("twitter" or "linkedin") for a user from `newUser`, through the fake's consent page,
 * without the browser (the accounts scenario does it in the browser): the account is `active` afterwards.
 */
export async function connectAccount(user, platform, handle = "grace") {
  const { authorization_url: url } = await user.call("GET", `/api/accounts/${platform}/connect`);
  const consent = await (await fetch(`${url}&login_hint=${encodeURIComponent(handle)}`)).text();
  const allow = new URL(consent.match(/href="([^"]+)">Authorize app/)[1].replaceAll("&amp;", "&"));
  return user.call("GET", `/api/accounts/${platform}/callback${allow.search}`);
}
