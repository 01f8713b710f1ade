// Nothing is ever wider than the screen: every screen, menu and dialog of the web app at 320 and 390 px
// wide (phones) and at 1280 px, with the longest names, previews and links people write, measured in real
// Chromium (horizontalOverflow in browser.ts) and photographed for a person to look at.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { join } from "node:path";
import { horizontalOverflow, launchBrowser, screenshotDir, signInPage, watchPage } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let inviteCode = "";
let groupId = "";
const errors: string[] = [];

const LONG_GROUP = "Weekend trip to the lake house with everyone from the choir and their families";
const LONG_WORD = "https://example.com/" + "a-very-long-path-segment-".repeat(8);

async function api(token: string, method: string, path: string, body?: unknown) {
  const r = await s.call(method, `/api/v1${path}`, { token, body });
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

beforeAll(async () => {
  s = await startTestServer();
  const admin = await setUp(s);
  // The browser signs in as an admin whose password the helpers know.
  const root = await addMember(s, admin.token, "root");
  await api(admin.token, "PATCH", `/admin/users/${root.user.id}`, { role: "admin" });
  const ben = await addMember(s, admin.token, "ben");
  await api(ben.token, "PATCH", "/me", { displayName: "Benedict Cumberbatch-Longname the Third of Somewhere" });
  const group = await api(root.token, "POST", "/conversations", {
    type: "group",
    title: LONG_GROUP,
    memberIds: [ben.user.id],
  });
  groupId = group.conversation.id;
  const direct = await api(root.token, "POST", "/conversations", { type: "direct", userId: ben.user.id });
  await api(ben.token, "POST", `/conversations/${groupId}/messages`, {
    clientId: "l1",
    text: `Have a look at ${LONG_WORD} before Saturday, it has the whole plan and the packing list for everyone`,
  });
  await api(ben.token, "POST", `/conversations/${direct.conversation.id}/messages`, {
    clientId: "l2",
    text: "Supercalifragilisticexpialidocious".repeat(4),
  });
  await api(root.token, "POST", `/conversations/${groupId}/messages`, { clientId: "l3", text: "Mine, to delete" });
  inviteCode = (await api(root.token, "POST", "/admin/invites", {})).invite.code;
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

async function expectFits(page: Page, what: string): Promise<void> {
  const over = await horizontalOverflow(page);
  expect({ what, over }).toEqual({ what, over: [] });
}

async function shot(page: Page, name: string): Promise<void> {
  if (screenshotDir) await page.screenshot({ path: join(screenshotDir, `layout-${name}.png`) });
}

/** Opens a dialog from the account menu, checks it fits, and closes it. */
async function checkMenuDialog(page: Page, width: number, item: string, title: string): Promise<void> {
  await page.getByRole("button", { name: "Account menu" }).click();
  await page.getByRole("menuitem", { name: item }).click();
  const dialog = page.getByRole("dialog", { name: title });
  await dialog.waitFor();
  await expectFits(page, `${title} at ${width}`);
  await shot(page, `${width}-${title.toLowerCase().replace(/\W+/g, "-")}`);
  if (title === "Invite someone") {
    await dialog.getByRole("button", { name: "Create invite link" }).click();
    await dialog.getByRole("img", { name: /QR code/ }).waitFor();
    await expectFits(page, `the invite link at ${width}`);
    await shot(page, `${width}-invite-link`);
  }
  if (title === "Administration") {
    for (const tab of ["People", "Invites", "Groups"]) {
      await dialog.getByRole("tab", { name: tab }).click();
      await dialog.getByRole("tabpanel", { name: tab }).locator("li").first().waitFor();
      await expectFits(page, `Administration, ${tab}, at ${width}`);
      await shot(page, `${width}-admin-${tab.toLowerCase()}`);
    }
  }
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
}

describe("the web app fits the screen", () => {
  for (const [width, height] of [
    [320, 640],
    [390, 844],
    [1280, 800],
  ] as const) {
    test(`at ${width}×${height}: sign-in, registration, list, conversation, menus and every dialog`, async () => {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      watchPage(page, errors, `${width}`);

      await page.goto(`${s.url}/register?invite=${inviteCode}`);
      await page.getByRole("button", { name: "Create account" }).waitFor();
      await expectFits(page, `registration at ${width}`);
      await shot(page, `${width}-register`);

      await page.goto(`${s.url}/login`);
      await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
      await expectFits(page, `sign-in at ${width}`);
      // Invite-only (the default): an account starts from an invite link, so the page offers none to make.
      expect(await page.getByRole("link", { name: "Create an account" }).count()).toBe(0);
      await page.getByText("You need an invite link").waitFor();
      await shot(page, `${width}-login`);

      await signInPage(page, s.url, "root");
      await page.waitForURL(s.url + "/");
      await page.getByRole("link", { name: new RegExp(LONG_GROUP.slice(0, 20)) }).waitFor();
      await expectFits(page, `the conversation list at ${width}`);
      await shot(page, `${width}-list`);

      await page.getByRole("button", { name: "Account menu" }).click();
      await page.getByRole("menuitem", { name: "Profile" }).waitFor();
      await expectFits(page, `the account menu at ${width}`);
      await page.keyboard.press("Escape");

      await page.getByRole("link", { name: new RegExp(LONG_GROUP.slice(0, 20)) }).click();
      await page.locator(".timeline li.message").first().waitFor();
      await expectFits(page, `the group at ${width}`);
      // The name stays on one line however long it is.
      const title = page.locator(".conversation-head h2");
      const lineHeight = await title.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
      expect((await title.boundingBox())!.height).toBeLessThan(lineHeight * 1.5);
      await shot(page, `${width}-group`);

      // A message's actions, the forward dialog and the app's own "are you sure?".
      // A tap on a phone, a pointer on a desktop: either way its actions show.
      const mine = page.locator(".timeline li.message", { hasText: "Mine, to delete" });
      await mine.locator("article").click();
      await mine.getByRole("button", { name: "Forward" }).click();
      const forward = page.getByRole("dialog").filter({ hasText: "Forward" });
      await forward.waitFor();
      await expectFits(page, `the forward dialog at ${width}`);
      await shot(page, `${width}-forward`);
      await page.keyboard.press("Escape");
      await forward.waitFor({ state: "detached" });
      await mine.locator("article").click();
      await mine.getByRole("button", { name: "Delete" }).click();
      const ask = page.getByRole("dialog", { name: "Delete this message for everyone?" });
      await ask.waitFor();
      await expectFits(page, `the confirmation at ${width}`);
      await shot(page, `${width}-confirm`);
      await ask.getByRole("button", { name: "Cancel" }).click();
      await ask.waitFor({ state: "detached" });

      await page.getByRole("button", { name: "Conversation menu" }).click();
      await page.getByRole("menuitem", { name: "Group info" }).waitFor();
      await expectFits(page, `the conversation menu at ${width}`);
      await shot(page, `${width}-conversation-menu`);
      await page.getByRole("menuitem", { name: "Group info" }).click();
      await page.getByRole("dialog", { name: "Group info" }).waitFor();
      await expectFits(page, `Group info at ${width}`);
      await shot(page, `${width}-group-info`);
      await page.keyboard.press("Escape");

      if (width < 760) await page.getByRole("button", { name: "Back to conversations" }).click();
      for (const [item, title] of [
        ["Profile", "Your profile"],
        ["Settings", "Settings"],
        ["Invite people", "Invite someone"],
        ["Administration", "Administration"],
      ] as const)
        await checkMenuDialog(page, width, item, title);
      for (const [button, title] of [
        ["New chat", "New chat"],
        ["New group", "New group"],
        ["Search messages", "Search messages"],
      ] as const) {
        await page.getByRole("button", { name: button, exact: true }).click();
        await page.getByRole("dialog", { name: title }).waitFor();
        await expectFits(page, `${title} at ${width}`);
        await shot(page, `${width}-${title.toLowerCase().replace(/\W+/g, "-")}`);
        await page.keyboard.press("Escape");
        await page.getByRole("dialog", { name: title }).waitFor({ state: "detached" });
      }
      await context.close();
      expect(errors).toEqual([]);
    }, 60_000);
  }
});
