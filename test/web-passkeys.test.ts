// Passkeys through the real web app, with a DevTools virtual authenticator (WebAuthn.addVirtualAuthenticator)
// standing in for the phone or laptop: add one in the profile, sign out, sign in without a username.
// WebAuthn needs a proper host name, so the browser uses http://localhost:<port>.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, CDPSession, Page } from "playwright-core";
import { join } from "node:path";
import { launchBrowser, screenshotDir, signInPage, watchPage, confirmIn, virtualAuthenticator } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let base: string;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;
const errors: string[] = [];

const openProfile = async () => {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Profile" }).click();
  return page.getByRole("dialog", { name: "Your profile" });
};

beforeAll(async () => {
  s = await startTestServer();
  base = s.url.replace("127.0.0.1", "localhost");
  const ana = await setUp(s);
  await addMember(s, ana.token, "ben");
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  watchPage(page, errors, "ben");
  ({ cdp, authenticatorId } = await virtualAuthenticator(page));
  await signInPage(page, base, "ben");
  await page.waitForURL(base + "/");
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("passkeys in the web app", () => {
  test("add a passkey in the profile and rename it", async () => {
    const dialog = await openProfile();
    await dialog.getByRole("button", { name: "Add a passkey" }).click();
    const list = dialog.getByRole("list", { name: "Your passkeys" });
    await list.getByText(/Chrome on Linux/).waitFor();
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    await list.getByRole("button", { name: /^Rename/ }).click();
    await dialog.getByLabel(/New name for/).fill("Work laptop");
    await dialog.getByRole("button", { name: "Save name" }).click();
    await list.getByText("Work laptop").waitFor();
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "passkeys-profile.png") });
    await page.keyboard.press("Escape");
  });

  test("sign out, then sign in with the passkey without typing a username", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "passkeys-login.png") });
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL(base + "/");
    await page.getByRole("button", { name: "Account menu" }).waitFor();
    const me = await page.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
    expect(me.user.username).toBe("ben");
  });

  test("drop the password: passkeys only from now on, and the profile offers to set one again", async () => {
    const dialog = await openProfile();
    await dialog.getByRole("button", { name: /remove my password/ }).click();
    await dialog.getByLabel("Your current password").fill("ben-password");
    await dialog.getByRole("button", { name: "Remove my password" }).click();
    await dialog.getByText("You sign in with passkeys only.").waitFor();
    await dialog.getByRole("heading", { name: "Set a password" }).waitFor();
    expect(
      (await s.call("POST", "/api/v1/auth/login", { body: { username: "ben", password: "ben-password" } })).status,
    ).toBe(401);
    await page.keyboard.press("Escape");
  });

  test("a passkey-only account is deleted by typing its username; then its passkey signs nobody in", async () => {
    const dialog = await openProfile();
    await dialog.locator("summary", { hasText: "Delete my account" }).click();
    await dialog.getByLabel("Type your username (ben) to confirm").fill("ben");
    await dialog.getByRole("button", { name: "Delete my account for good" }).click();
    await confirmIn(page, "Delete my account");
    await page.waitForURL(/\/login$/);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByRole("alert").waitFor();
    expect(page.url()).toMatch(/\/login$/);
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
