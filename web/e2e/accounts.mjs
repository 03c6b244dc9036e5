// Connected accounts: connect X in the browser through the fake X's consent page (the OAuth round trip),
// a refusal and a spent state said in words, and a disconnect with its confirmation, keyboard only.
import { BASE, check, expect, newUser, shoot, sideways, smallTargets, step, tabTo } from "./lib.mjs";

export async function run(browser) {
  const user = await newUser(browser, { name: "Grace Hopper", history: false });
  const { page } = user;

  step("accounts: nothing connected yet, each platform says how to connect");
  await page.goto(`${BASE}/accounts`);
  await page.getByRole("heading", { name: "Connected accounts" }).waitFor();
  await page.getByRole("button", { name: "Connect X" }).waitFor();
  await page.getByRole("button", { name: "Connect LinkedIn" }).waitFor();
  await check(page, "accounts-empty");

  step("accounts: Cancel on X's consent page comes back as a refusal in words");
  await page.getByRole("button", { name: "Connect X" }).click();
  await page.getByRole("link", { name: "Cancel" }).waitFor();
  expect([{ path: "/api/accounts/twitter/callback", status: 403 }]);
  await page.getByRole("link", { name: "Cancel" }).click();
  await page.waitForURL(/\/accounts\/twitter\/callback\?error=access_denied/);
  await page.getByRole("alert").filter({ hasText: "You chose Cancel on X's page, so nothing was connected" }).waitFor();
  await page.getByRole("heading", { name: "X was not connected" }).waitFor();
  expect([]);
  await check(page, "accounts-refused");
  await shoot(page, "accounts-refused");

  step("accounts: connect X through its consent page, keyboard only (Authorize app -> back -> active)");
  let used = null;
  const spy = (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/api/accounts/twitter/callback" && url.searchParams.get("code")) used = url.search;
  };
  page.on("request", spy);
  await page.goto(`${BASE}/accounts`);
  await page.getByRole("heading", { name: "Connected accounts" }).waitFor();
  await tabTo(page, "Connect X");
  await page.keyboard.press("Enter");
  await page.getByRole("link", { name: "Authorize app" }).waitFor();
  await page.getByRole("link", { name: "Authorize app" }).click();
  await page.waitForURL(/\/accounts$/);
  const notice = page.getByRole("status").filter({ hasText: /Connected X as @\S+\. It is active\./ });
  await notice.waitFor();
  const handle = (await notice.innerText()).match(/as (@\S+)\. It is active/)[1];
  const card = page.getByRole("region", { name: "X" });
  await card.getByText("Active", { exact: true }).waitFor();
  await card.getByText(handle, { exact: true }).waitFor();
  page.off("request", spy);
  if (!used) throw new Error("the callback page did not pass the code to the API");
  const listed = await user.call("GET", "/api/accounts");
  if (!listed.items.some((a) => a.platform === "twitter" && a.status === "active")) throw new Error(`not active: ${JSON.stringify(listed)}`);
  await check(page, "accounts-connected");
  await shoot(page, "accounts");

  step("accounts: the same code and state again (a spent state) is a 403 in words");
  expect([{ path: "/api/accounts/twitter/callback", status: 403 }]);
  await page.goto(`${BASE}/accounts/twitter/callback${used}`);
  await page.getByRole("alert").filter({ hasText: "already used or has expired" }).waitFor();
  expect([]);
  await check(page, "accounts-spent-state");
  await page.setViewportSize({ width: 390, height: 844 });
  await sideways(page, "phone-accounts-callback");
  await smallTargets(page, "phone-accounts-callback");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole("link", { name: "Back to your accounts" }).click();
  await page.waitForURL(/\/accounts$/);

  step("accounts: disconnect asks first; Escape keeps the account, the focus comes back");
  await page.getByRole("region", { name: "X" }).getByText("Active", { exact: true }).waitFor();
  await tabTo(page, "Disconnect X");
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Disconnect X?" });
  await dialog.waitFor();
  await check(page, "accounts-disconnect-dialog");
  await shoot(page, "accounts-disconnect-dialog");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
  if (focused !== "Disconnect X") throw new Error(`after Escape the focus is on "${focused}"`);

  step("accounts: disconnect confirmed with the keyboard");
  await page.keyboard.press("Enter");
  await dialog.waitFor();
  await page.keyboard.press("Shift+Tab"); // from "Keep it connected" to the confirming button
  const onConfirm = await page.evaluate(() => document.activeElement?.textContent?.trim());
  if (onConfirm !== "Disconnect X") throw new Error(`Shift+Tab in the dialog reached "${onConfirm}"`);
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: `Disconnected X (${handle})` }).waitFor();
  await page.getByRole("button", { name: "Connect X" }).waitFor();
  await page.waitForFunction(() => document.activeElement?.textContent?.trim() === "Connect X");
  const after = await user.call("GET", "/api/accounts");
  if (after.items.some((a) => a.platform === "twitter")) throw new Error("X is still connected");
  await check(page, "accounts-disconnected");

  step("accounts: a phone, no sideways scrolling");
  await page.setViewportSize({ width: 390, height: 844 });
  await sideways(page, "phone-accounts");
  await smallTargets(page, "phone-accounts");
  await shoot(page, "phone-accounts");
  await page.setViewportSize({ width: 1280, height: 900 });
  await user.context.close();
}
