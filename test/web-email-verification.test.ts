// Confirming an email address in Chromium: the profile says an address is not confirmed yet, the mailed
// link (from a fake SMTP server on loopback) confirms it on its page, the profile then says so, and the link
// can be sent again; password reset by mail waits for it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, openSignedIn, screenshotDir } from "./browser.ts";
import { mailText, startFakeSmtp, type ReceivedMail } from "./fake-smtp.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let smtp: ReturnType<typeof startFakeSmtp>;
let browser: Browser;
let page: Page;
const errors: string[] = [];

const linkIn = (mail: ReceivedMail) => /https?:\/\/\S+\/verify-email\?token=[a-z0-9]+/.exec(mailText(mail))![0];

beforeAll(async () => {
  smtp = startFakeSmtp();
  s = await startTestServer({ smtpUrl: smtp.url, smtpFrom: "Parley <noreply@chat.test>" });
  const admin = await setUp(s);
  await addMember(s, admin.token, "ben");
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "ben", errors);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
  smtp?.stop();
});

const profile = () => page.getByRole("dialog", { name: "Your profile" });
async function openProfile() {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: "Profile" }).click();
  await profile().waitFor();
}

describe("confirming an email address in the web app", () => {
  test("a saved address is not confirmed until the mailed link is opened; then the profile says so", async () => {
    await openProfile();
    const arrived = smtp.next();
    await profile().getByLabel("Email address (for password reset)").fill("ben@example.org");
    await profile().getByRole("button", { name: "Save address" }).click();
    await profile().getByText("Not confirmed yet").waitFor();
    const mail = await arrived;
    expect(mail.to).toEqual(["ben@example.org"]);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "email-unconfirmed.png") });
    // The link's page confirms it.
    await page.keyboard.press("Escape");
    await page.goto(linkIn(mail).replace(s.running.config.publicUrl, s.url));
    await page.getByRole("heading", { name: "Email address confirmed" }).waitFor();
    await page.getByRole("link", { name: "Open Parley" }).click();
    await openProfile();
    await profile().getByText("✓ Confirmed").waitFor();
    await page.keyboard.press("Escape");
  });

  test("another address needs its own confirmation; the link can be sent again; a used link says it does not work", async () => {
    await openProfile();
    const first = smtp.next();
    await profile().getByLabel("Email address (for password reset)").fill("ben@elsewhere.org");
    await profile().getByRole("button", { name: "Save address" }).click();
    await profile().getByText("Not confirmed yet").waitFor();
    const used = linkIn(await first);
    const again = smtp.next();
    await profile().getByRole("button", { name: "Send the confirmation link again" }).click();
    await profile().getByText("A confirmation link is on its way to ben@elsewhere.org.").waitFor();
    expect((await again).to).toEqual(["ben@elsewhere.org"]);
    await page.keyboard.press("Escape");
    // The first link was replaced by the second.
    await page.goto(used.replace(s.running.config.publicUrl, s.url));
    await page.getByRole("heading", { name: "This link does not work" }).waitFor();
    expect(errors.filter((e) => !e.includes("Failed to load resource"))).toEqual([]);
  });
});
