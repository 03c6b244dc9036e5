// Part 1 of the web app: sign-up, onboarding, import, voice, generate, edit, schedule; the keyboard-only pass;
// every screen at 390 px; JavaScript weight.
import {
  BASE, EMAIL, HISTORY, PASSWORD, check, expect, jsWeight, llm, setCurrent, shoot, sideways, smallTargets, step, tabTo, watch,
} from "./lib.mjs";

export async function run(browser) {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      timezoneId: "Europe/Berlin",
      locale: "en-US",
    });
    const page = await context.newPage();
    setCurrent(page);
    watch(page);
    page.setDefaultTimeout(30_000);

    step("a deep link while signed out goes to sign-in and remembers the page");
    await page.goto(`${BASE}/import`);
    await page.waitForURL(/\/sign-in\?next=%2Fimport/);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await check(page, "sign-in");
    await shoot(page, "sign-in");

    step("a wrong password is said in words");
    expect([{ path: "/api/auth/session", status: 401 }]);
    await page.getByLabel("E-mail").fill("nobody@example.com");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "do not match an account" }).waitFor();
    expect([]);

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
    await page.waitForURL(/\/onboarding(\?next=[^&]*)?$/); // the deep link, kept through onboarding
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
    step("a phone: the links fold behind Menu, which opens and leads on");
    await page.goto(`${BASE}/`);
    const nav = page.getByRole("navigation", { name: "Main" });
    if (await nav.getByRole("link", { name: "Calendar" }).isVisible()) throw new Error("the links are not folded on a phone");
    await page.getByRole("button", { name: "Menu" }).click();
    await check(page, "phone-menu");
    await shoot(page, "phone-menu");
    await nav.getByRole("link", { name: "Calendar" }).click();
    await page.getByRole("heading", { name: "Calendar", level: 1 }).waitFor();
    if ((await page.getByRole("button", { name: "Menu" }).getAttribute("aria-expanded")) !== "false") throw new Error("the menu stayed open");
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
    for (const [name, path] of [["import", "/import"], ["voice", "/voice"], ["generate", "/generate"], ["editor", draftUrl.replace(BASE, "")], ["onboarding", "/onboarding"], ["calendar", "/calendar"], ["queue", "/queue"], ["accounts", "/accounts"], ["templates", "/templates"], ["analytics", "/analytics"], ["settings", "/settings"]]) {
      await jsWeight(browser, name, path);
    }
    await context.close();
}
