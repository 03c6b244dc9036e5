// Settings: the time zone kept after a reload; the password changed (the old one no longer signs in, and a
// wrong current password is said at its field); an e-mail change pending; a webhook and its secret shown
// once; the export downloaded as a JSON file; the account deleted through the typed confirmation.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, check, expect, newUser, shoot, sideways, step, tabTo } from "./lib.mjs";

const NEW_PASSWORD = "an even longer and more careful password";

async function signInStatus(email, password) {
  const response = await fetch(`${BASE}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  return response.status;
}

export async function run(browser) {
  const user = await newUser(browser, { name: "Dorothy Vaughan", timezone: "Europe/Berlin", history: false });
  const { page } = user;

  step("settings: the profile with its time zone");
  await page.goto(`${BASE}/settings`);
  await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
  const zone = page.getByLabel("Your time zone");
  if ((await zone.inputValue()) !== "Europe/Berlin") throw new Error(`time zone shown: ${await zone.inputValue()}`);
  await check(page, "settings");
  await shoot(page, "settings");

  step("settings: change the time zone by keyboard; it is kept after a reload");
  await page.getByRole("heading", { name: "Settings", level: 1 }).focus();
  await tabTo(page, "Your time zone");
  await zone.selectOption("America/New_York");
  await tabTo(page, "Save the profile");
  await page.keyboard.press("Enter");
  await page.getByText("Saved. Times are now shown in America/New York.").waitFor();
  await page.reload();
  await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
  if ((await page.getByLabel("Your time zone").inputValue()) !== "America/New_York") throw new Error("the time zone was not kept");
  const profile = await user.call("GET", "/api/users/profile");
  if (profile.timezone !== "America/New_York") throw new Error(`the API has ${profile.timezone}`);

  step("settings: the password rules are shown before submitting; a wrong current password is said at its field");
  const passwordForm = page.getByRole("form", { name: "Change your password" });
  await passwordForm.getByLabel("Current password").fill("not my password at all");
  await passwordForm.getByLabel("New password").fill("short");
  await passwordForm.getByRole("button", { name: "Change the password" }).click();
  await passwordForm.getByText("The new password needs at least 10 characters").waitFor();
  expect([{ path: "/api/users/profile", status: 422 }]);
  await passwordForm.getByLabel("New password").fill(NEW_PASSWORD);
  await passwordForm.getByRole("button", { name: "Change the password" }).click();
  await passwordForm.getByText("This is not your current password.").waitFor();
  expect([]);
  if ((await passwordForm.getByLabel("New password").inputValue()) !== NEW_PASSWORD) throw new Error("the new password typed was lost");
  await check(page, "settings-password-error");

  step("settings: change the password; the old one no longer signs in, and this session stays");
  await passwordForm.getByLabel("Current password").fill(user.password);
  await passwordForm.getByRole("button", { name: "Change the password" }).click();
  await passwordForm.getByText(/Password changed/).waitFor();
  if ((await signInStatus(user.email, user.password)) !== 401) throw new Error("the old password still signs in");
  if ((await signInStatus(user.email, NEW_PASSWORD)) !== 200) throw new Error("the new password does not sign in");
  await page.reload();
  await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();

  step("settings: start an e-mail change and see it pending");
  const newEmail = user.email.replace("@", "+new@");
  const emailForm = page.getByRole("form", { name: "Change your e-mail address" });
  await emailForm.getByLabel("New e-mail address").fill(newEmail);
  await emailForm.getByLabel("Current password").fill(NEW_PASSWORD);
  await emailForm.getByRole("button", { name: "Send the confirmation link" }).click();
  await page.getByText(`Waiting for you to confirm at ${newEmail}`).waitFor();
  await page.reload();
  await page.getByText(`Waiting for you to confirm at ${newEmail}`).waitFor();

  step("the link in the e-mail confirms the new address, on a device that is not signed in");
  const outbox = process.env.OUTBOX_DIR;
  const mails = readdirSync(outbox).sort().map((name) => readFileSync(join(outbox, name), "utf8"));
  const mail = mails.reverse().find((text) => text.includes(newEmail));
  if (!mail) throw new Error(`no confirmation mail to ${newEmail} in ${outbox}`);
  const link = mail.replace(/=\r?\n/g, "").replaceAll("=3D", "=").match(/https?:\/\/\S+\/confirm-email\?token=[\w.-]+/)?.[0];
  if (!link) throw new Error("the mail has no confirmation link");
  const elsewhere = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await elsewhere.newPage();
  await phone.goto(link);
  await phone.getByRole("heading", { name: "Confirm your new e-mail address" }).waitFor();
  await check(phone, "confirm-email");
  await phone.getByRole("button", { name: "Confirm my new address" }).click();
  await phone.getByText(`Done: your address is now ${newEmail}`).waitFor();
  await shoot(phone, "phone-confirm-email");
  await elsewhere.close();
  if ((await signInStatus(newEmail, NEW_PASSWORD)) !== 200) throw new Error("the new address does not sign in");

  step("settings: a webhook to a private address is refused at its field");
  expect([{ path: "/api/webhooks", status: 422 }]);
  await page.getByLabel("Endpoint URL").fill("http://127.0.0.1:9/hook");
  await page.getByRole("button", { name: "Add the webhook" }).click();
  await page.getByText(/resolves to a non-public address/).waitFor();
  expect([]);

  step("settings: create a webhook; its secret is shown once, with a copy button");
  // A public address given as a number: the check needs no DNS, and nothing is delivered in this run.
  const hookUrl = "https://93.184.215.14/postwright-hooks";
  await page.getByLabel("Endpoint URL").fill(hookUrl);
  await page.getByLabel("A draft was generated").check();
  await page.getByRole("button", { name: "Add the webhook" }).click();
  const secretBox = page.getByRole("region", { name: /The signing secret of/ });
  await secretBox.getByText("you will not see it again").waitFor();
  const secret = await secretBox.getByLabel("Signing secret").inputValue();
  if (!/^whsec_/.test(secret)) throw new Error(`secret shown: ${secret}`);
  await secretBox.getByRole("button", { name: "Copy the secret" }).waitFor();
  const list = page.getByRole("list", { name: "Your webhooks" });
  await list.getByText(hookUrl).waitFor();
  await check(page, "settings-webhook-secret");
  await shoot(page, "settings-webhook");
  await secretBox.getByRole("button", { name: "I have saved it" }).click();
  await secretBox.waitFor({ state: "detached" });
  const listed = await user.call("GET", "/api/webhooks");
  if (JSON.stringify(listed).includes(secret)) throw new Error("the list gives the secret again");
  await page.reload();
  await page.getByRole("list", { name: "Your webhooks" }).getByText(hookUrl).waitFor();
  if (await page.getByText(secret).count()) throw new Error("the secret was shown a second time");
  await page.getByRole("list", { name: "Your webhooks" }).getByText("Deliveries").click();
  await page.getByText(/Nothing sent yet/).waitFor();

  step("settings: an event queues a delivery, shown with its status in words");
  await user.call("POST", "/api/content/generate", { platform: "linkedin", topic: "code review", variants: 1 });
  await page.reload();
  await page.getByRole("list", { name: "Your webhooks" }).getByText("Deliveries").click();
  await page.getByText(/^(Delivered|Waiting to be sent|Failed) A draft was generated/).waitFor();

  step("settings: the data export downloads a JSON file");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download my data" }).click(),
  ]);
  if (!/^postwright-export-\d{4}-\d\d-\d\d\.json$/.test(download.suggestedFilename()))
    throw new Error(`downloaded as ${download.suggestedFilename()}`);
  const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
  if (exported.profile?.timezone !== "America/New_York") throw new Error("the export is not this user's profile");
  await page.getByText(/is in your downloads/).waitFor();

  step("settings at 390 px: no sideways scroll");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  await check(page, "phone-settings");
  await sideways(page, "phone-settings");
  await shoot(page, "phone-settings");
  await page.setViewportSize({ width: 1280, height: 900 });

  step("settings: delete the account through the typed confirmation, by keyboard, and land signed out");
  await page.getByRole("heading", { name: "Settings", level: 1 }).focus();
  await tabTo(page, "Delete my account…", { max: 120 });
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Delete your account?" });
  await dialog.waitFor();
  const erase = dialog.getByRole("button", { name: "Delete my account for good" });
  await dialog.getByLabel("Your password").fill(NEW_PASSWORD);
  await dialog.getByLabel("Type DELETE to confirm").fill("delete");
  if (await erase.isEnabled()) throw new Error("the delete button works without DELETE typed");
  await check(page, "settings-delete-dialog");
  await shoot(page, "settings-delete-dialog");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  await page.getByRole("button", { name: "Delete my account…" }).click();
  await dialog.getByLabel("Your password").fill(NEW_PASSWORD);
  await dialog.getByLabel("Type DELETE to confirm").fill("DELETE");
  await erase.click();
  await page.waitForURL(/\/sign-in$/);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  if ((await signInStatus(newEmail, NEW_PASSWORD)) !== 401) throw new Error("the deleted account still signs in");
  await page.reload();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await user.context.close();
}
