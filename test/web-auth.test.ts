import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { join } from "node:path";
import { openBrowser, screenshotDir, onTestServer } from "./browser.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: BrowserContext;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  browser = await openBrowser();
  page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  // Refused requests (401, 409) are logged by Chromium too; those are answers the app handles.
  page.on(
    "console",
    (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()),
  );
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

/** Who the account menu says is signed in. */
async function signedInAs(): Promise<string> {
  await page.getByRole("button", { name: "Account menu" }).click();
  const text = (await page.locator(".menu-who").textContent()) ?? "";
  await page.keyboard.press("Escape");
  return text;
}

async function menu(item: string): Promise<void> {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: item }).click();
}

const shot = async (name: string) =>
  screenshotDir && (await page.screenshot({ path: join(screenshotDir, `${name}.png`) }));

describe("the web app in Chromium", () => {
  test("first run sends everyone to setup, which creates the admin and signs them in", async () => {
    await page.goto(s.url + "/login");
    await page.waitForURL(/\/setup$/);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Welcome to Parley");
    await page.getByLabel("Your name").fill("Ana Admin");
    await page.getByLabel("Username").fill("ana");
    await page.getByLabel("Password").fill("short");
    await shot("setup");
    await page.getByRole("button", { name: "Create admin account" }).click();
    // The browser's own check stops a too-short password before the server sees it.
    expect(await page.getByLabel("Password").evaluate((el: HTMLInputElement) => el.validity.tooShort)).toBe(true);
    await page.getByLabel("Password").fill("ana-password-1");
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL(s.url + "/");
    expect(await signedInAs()).toContain("Ana Admin");
    await shot("home-admin");
  });

  test("the admin creates an invite link; a newcomer opens it and registers", async () => {
    await menu("Invite people");
    await page.getByRole("button", { name: "Create invite link" }).click();
    const link = page.getByLabel("Invite link");
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toContain("/register?invite=");
    await page.keyboard.press("Escape");

    await menu("Sign out");
    await page.waitForURL(/\/login$/);

    await page.goto(onTestServer(url, s.url));
    await expect(page.getByLabel("Invite code").inputValue()).resolves.toMatch(/^[a-z0-9]+$/);
    await page.getByLabel("Your name").fill("Ben Brown");
    await page.getByLabel("Username").fill("ANA");
    await page.getByLabel("Password").fill("ben-password");
    await page.getByRole("button", { name: "Create account" }).click();
    // The server's answer appears under the field it is about.
    const error = page.locator("#username-error");
    await error.waitFor();
    expect(await error.textContent()).toBe("That username is taken.");
    await shot("register-error");
    await page.getByLabel("Username").fill("ben");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(s.url + "/");
    expect(await signedInAs()).toContain("Ben Brown");
    // Members are not offered admin tools.
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Profile" }).waitFor();
    expect(await page.getByRole("menuitem", { name: "Invite people" }).count()).toBe(0);
    await page.keyboard.press("Escape");
  });

  test("a member edits their profile and it stays after a reload", async () => {
    await menu("Profile");
    await page.getByLabel("Your name").fill("Benjamin");
    await page.getByLabel("About you").fill("Plays the cello");
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByText("Profile saved.").waitFor();
    await page.reload();
    expect(await signedInAs()).toContain("Benjamin");
    await menu("Profile");
    expect(await page.getByLabel("About you").inputValue()).toBe("Plays the cello");
    // Focus starts on the dialog's first field, and Esc closes it.
    await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "displayName");
    await page.keyboard.press("Escape");
    expect(await page.locator("dialog[open]").count()).toBe(0);
  });

  test("a wrong password shows the server's message; the right one signs in", async () => {
    await menu("Sign out");
    await page.waitForURL(/\/login$/);
    await page.getByLabel("Username").fill("ben");
    await page.getByLabel("Password").fill("not-my-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toBe("Wrong username or password.");
    await shot("login-error");
    await page.getByLabel("Password").fill("ben-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(s.url + "/");
    const cookies = await browser.cookies(s.url);
    expect(cookies.find((c) => c.name === "parley_session")?.httpOnly).toBe(true);
  });

  test("a reset link from the admin lets the user choose a new password", async () => {
    const admin = await s.call("POST", "/api/v1/auth/login", { body: { username: "ana", password: "ana-password-1" } });
    const users = await s.call("GET", "/api/v1/admin/users", { token: admin.body.token });
    const ben = users.body.users.find((u: any) => u.username === "ben");
    const link = await s.call("POST", `/api/v1/admin/users/${ben.id}/password-reset`, { token: admin.body.token });
    await page.goto(link.body.url.replace(s.running.config.publicUrl, s.url));
    await page.getByText("For @ben").waitFor();
    await page.getByLabel("New password").fill("ben-new-password");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByRole("heading", { name: "Password changed" }).waitFor();
    await shot("reset-done");
    // The reset signed Ben out everywhere, this browser included.
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("Username").fill("ben");
    await page.getByLabel("Password").fill("ben-new-password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(s.url + "/");
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
