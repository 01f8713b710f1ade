// The first minutes of a new server, as its admin and the first person they invite live them, on a phone and
// on a desktop: setup, the empty list that points to inviting, an invite link copied, the newcomer joining
// through it, a first direct chat and a first group. Nothing may stick out sideways at any step, and the
// console stays clean. With PARLEY_SCREENSHOTS set, the steps are photographed (npm run screenshots puts them
// in docs/screenshots/).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { join } from "node:path";
import { horizontalOverflow, launchBrowser, onTestServer, screenshotDir, watchPage } from "./browser.ts";
import { startTestServer, type TestServer } from "./harness.ts";

let browser: Browser;
const servers: TestServer[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
});

describe("the first minutes", () => {
  for (const [name, width, height] of [
    ["phone", 390, 844],
    ["desktop", 1280, 800],
  ] as const) {
    test(`on a ${name} (${width}×${height}): setup, invite, the newcomer joins, a first chat and a first group`, async () => {
      const s = await startTestServer();
      servers.push(s);
      const errors: string[] = [];
      const open = async (who: string) => {
        const context = await browser.newContext({ viewport: { width, height } });
        await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: s.url });
        const page = await context.newPage();
        watchPage(page, errors, who);
        return page;
      };
      const step = async (page: Page, shot: string) => {
        expect({ shot, over: await horizontalOverflow(page) }).toEqual({ shot, over: [] });
        if (screenshotDir) await page.screenshot({ path: join(screenshotDir, `first-${name}-${shot}.png`) });
      };
      const isPhone = width < 760;

      // The admin opens the new server: it asks for the admin account first.
      const ana = await open("ana");
      // A signed-out page load asks nothing that fails (no red 401 in the console).
      const refused: string[] = [];
      const onResponse = (r: { status(): number; url(): string }) =>
        r.status() >= 400 && refused.push(`${r.status()} ${r.url()}`);
      ana.on("response", onResponse);
      await ana.goto(s.url);
      await ana.getByRole("heading", { name: "Welcome to Parley" }).waitFor();
      ana.off("response", onResponse);
      expect(refused).toEqual([]);
      await step(ana, "1-setup");
      await ana.getByLabel("Your name").fill("Ana Admin");
      await ana.getByLabel("Username").fill("ana");
      await ana.getByLabel("Password").fill("ana-password-1");
      await ana.getByRole("button", { name: "Create admin account" }).click();

      // Nobody else is here: the list says how to invite them.
      await ana.getByText("You are the first one here.").waitFor();
      await step(ana, "2-first-one-here");
      await ana.getByRole("button", { name: "Invite people" }).click();
      const dialog = ana.getByRole("dialog", { name: "Invite someone" });
      await dialog.getByRole("button", { name: "Create invite link" }).click();
      const link = await dialog.getByLabel("Invite link").inputValue();
      expect(link).toMatch(/\/register\?invite=[a-z0-9]+$/);
      await dialog.getByRole("button", { name: "Copy" }).click();
      await dialog.getByRole("button", { name: "Copied" }).waitFor();
      expect(await ana.evaluate(() => navigator.clipboard.readText())).toBe(link);
      await dialog.getByRole("img", { name: "QR code to scan with a phone" }).waitFor();
      await step(ana, "3-invite-link");
      await ana.keyboard.press("Escape");

      // The newcomer opens the link (on this test's own server), and joins.
      const ben = await open("ben");
      await ben.goto(onTestServer(link, s.url));
      await ben.getByRole("heading", { name: "Join Parley" }).waitFor();
      await step(ben, "4-join");
      await ben.getByLabel("Your name").fill("Ben Brown");
      await ben.getByLabel("Username").fill("ben");
      await ben.getByLabel("Password").fill("ben-password-1");
      await ben.getByRole("button", { name: "Create account" }).click();
      await ben.waitForURL(s.url + "/");
      // The link was for one person: opened again, it says so before anyone fills anything in.
      const late = await open("late");
      await late.goto(onTestServer(link, s.url));
      await late.getByRole("heading", { name: "This invite link does not work" }).waitFor();
      expect(await late.getByText("This invite link has been used as many times as it allows.").count()).toBe(1);
      await late.context().close();

      // Ana starts a direct chat with Ben; he reads it live and answers.
      await ana.getByRole("button", { name: "New chat" }).click();
      await ana.getByLabel("Who do you want to talk to?").fill("ben");
      await ana.getByLabel("Who do you want to talk to?").press("Enter");
      await ana.getByRole("heading", { name: "Ben Brown" }).waitFor();
      // Ben is here, and the new chat says so without a reload.
      await ana.locator(".conversation-head small", { hasText: "online" }).waitFor();
      await ana.getByLabel("Message", { exact: true }).fill("Welcome, Ben! 👋");
      await ana.getByLabel("Message", { exact: true }).press("Enter");
      await ben.getByRole("link", { name: /Ana Admin/ }).click();
      await ben.locator(".timeline li.message").filter({ hasText: "Welcome, Ben!" }).waitFor();
      await ben.getByLabel("Message", { exact: true }).fill("Thanks! Glad to be here.");
      await ben.getByLabel("Message", { exact: true }).press("Enter");
      await ana.locator(".timeline li.message").filter({ hasText: "Glad to be here" }).waitFor();
      await step(ana, "5-first-chat");
      await step(ben, "5-first-chat-ben");

      // Ben makes the first group, with Ana in it.
      if (isPhone) await ben.getByRole("button", { name: "Back to conversations" }).click();
      await ben.getByRole("button", { name: "New group" }).click();
      await ben.getByLabel("Group name").fill("Family");
      await ben.getByLabel("Add members").fill("ana");
      await ben
        .getByRole("dialog", { name: "New group" })
        .getByRole("button", { name: /Ana Admin/ })
        .click();
      await ben.getByRole("button", { name: "Create group" }).click();
      await ben.getByRole("heading", { name: "Family" }).waitFor();
      // The group's first line comes before the invitation to write.
      const firstLines = await ben
        .locator(".timeline")
        .evaluate((el) => [...el.querySelectorAll(".notice, .hint.start")].map((e) => e.textContent));
      expect(firstLines).toEqual(["You created the group", "No messages yet. Say hello!"]);
      await ben.getByLabel("Message", { exact: true }).fill("Dinner on Sunday?");
      await ben.getByLabel("Message", { exact: true }).press("Enter");
      if (isPhone) await ana.getByRole("button", { name: "Back to conversations" }).click();
      await ana.getByRole("link", { name: /Family/ }).click();
      await ana.locator(".timeline li.message").filter({ hasText: "Dinner on Sunday?" }).waitFor();
      await ana.locator(".conversation-head small", { hasText: /^2 members/ }).waitFor();
      await step(ana, "6-first-group");
      await step(ben, "6-first-group-ben");

      // What Ana's browser kept for reading offline goes when she signs out (a shared computer keeps nothing).
      const kept = () =>
        ana.evaluate(
          () =>
            new Promise<number>((resolve, reject) => {
              const req = indexedDB.open("parley");
              req.onsuccess = () => {
                const count = req.result.transaction("history").objectStore("history").count();
                count.onsuccess = () => (req.result.close(), resolve(count.result));
                count.onerror = () => reject(count.error);
              };
              req.onerror = () => reject(req.error);
            }),
        );
      for (const deadline = Date.now() + 10_000; (await kept()) < 2;) {
        if (Date.now() > deadline) throw new Error("the two conversations were not kept for offline reading");
        await ana.waitForTimeout(100);
      }
      if (isPhone) await ana.getByRole("button", { name: "Back to conversations" }).click();
      await ana.getByRole("button", { name: "Account menu" }).click();
      await ana.getByRole("menuitem", { name: "Sign out" }).click();
      await ana.waitForURL(/\/login$/);
      expect(await kept()).toBe(0);

      expect(errors).toEqual([]);
    }, 90_000);
  }
});
