import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, signInPage, watchPage, onTestServer, conversationMenu } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer, type Person, apiAs } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let olga: Person, mia: Person, nina: Person;
let groupId: string;
const errors: string[] = [];

const api = apiAs(() => s);
const bubbles = (pg: Page, text: string) => pg.locator(".timeline li.message:not(.pending)").filter({ hasText: text });

async function signIn(pg: Page, username: string): Promise<void> {
  watchPage(pg, errors, username);
  await signInPage(pg, s.url, username);
  await pg.waitForURL(/\/$|\/join\//);
}

beforeAll(async () => {
  s = await startTestServer();
  const root = await setUp(s);
  [olga, mia, nina] = (await Promise.all(
    ["olga", "mia", "nina"].map((n) => addMember(s, root.token, n)),
  )) as unknown as [Person, Person, Person];
  groupId = (
    await api(olga, "POST", "/conversations", {
      type: "group",
      title: "Garden club",
      description: "Seeds and weeds",
      memberIds: [mia.user.id],
    })
  ).body.conversation.id;
  await api(mia, "POST", `/conversations/${groupId}/messages`, { clientId: "m1", text: "Tomatoes are ripe" });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
  await signIn(page, "olga");
  await page.getByRole("link", { name: /Garden club/ }).click();
  await bubbles(page, "Tomatoes are ripe").waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("groups in the web app", () => {
  test("the owner makes a member an admin in the group panel, and sets the group to announcements", async () => {
    await conversationMenu(page, "Group info");
    const miaRow = page.locator(".members li").filter({ hasText: "@mia" });
    await miaRow.getByRole("button", { name: "Make admin" }).click();
    await miaRow.getByText("Admin", { exact: true }).waitFor();
    if (process.env.PARLEY_SCREENSHOTS)
      await page.screenshot({ path: `${process.env.PARLEY_SCREENSHOTS}/group-panel.png` });
    const view = (await api(mia, "GET", `/conversations/${groupId}`)).body.conversation;
    expect(view.myRole).toBe("admin");
    await page.locator("summary", { hasText: "Rights" }).click();
    await page.getByRole("button", { name: /Announcements/ }).click();
    await page.getByLabel("Send messages").and(page.locator("select")).waitFor();
    await page.waitForFunction(
      () => (document.querySelector("select[aria-label='Send messages']") as HTMLSelectElement)?.value === "admin",
    );
    expect((await api(mia, "GET", `/conversations/${groupId}`)).body.conversation.permissions.post).toBe("admin");
    await page.keyboard.press("Escape");
  });

  test("an invite link made in the panel lets someone else join from its page", async () => {
    await conversationMenu(page, "Group info");
    await page.locator("summary", { hasText: "Invite links" }).click();
    await page.getByRole("button", { name: "Create link" }).click();
    const url = await page.getByLabel("Group invite link").first().inputValue();
    expect(url).toContain("/join/");
    await page.keyboard.press("Escape");

    const other = await (await browser.newContext()).newPage();
    // Signed out, the link asks for a sign-in first and then comes back to the invite.
    await other.goto(onTestServer(url, s.url));
    await other.waitForURL(/\/login/);
    await signIn(other, "nina");
    await other.getByRole("heading", { name: "Join Garden club" }).waitFor();
    expect(await other.getByText("Seeds and weeds").count()).toBe(1);
    await other.getByRole("button", { name: "Join the group" }).click();
    await other.getByRole("heading", { name: "Garden club" }).waitFor();
    await bubbles(other, "Tomatoes are ripe").waitFor();
    // In an announcements group a member gets no composer.
    await other.getByText("Only admins can send messages in this group.").waitFor();
    await other.close();
    // Changes show as lines among the messages, live for those watching.
    await page.locator(".notice", { hasText: "NINA joined" }).waitFor();
    expect(await page.locator(".notice").allTextContents()).toEqual([
      "You created the group",
      "You changed MIA's role",
      "You changed the group's details",
      "NINA joined",
    ]);
  });

  test("reactions, pins and mention suggestions", async () => {
    const msg = bubbles(page, "Tomatoes are ripe");
    await msg.hover();
    await msg.getByRole("button", { name: "React", exact: true }).click();
    await msg.getByRole("button", { name: "React with 👍" }).click();
    const chip = msg.getByRole("button", { name: /^👍 1/ });
    await chip.waitFor();
    expect(await chip.getAttribute("aria-pressed")).toBe("true");
    await msg.hover();
    await msg.getByRole("button", { name: "Pin" }).click();
    await msg.getByText("📌 Pinned").waitFor();
    // The pin shows as a bar at the top of the conversation too; pressing it brings the message into view.
    const bar = page.getByRole("button", { name: /^Pinned message: .*Tomatoes are ripe/ });
    await bar.waitFor();
    await page.locator(".timeline").evaluate((el) => (el.scrollTop = 0));
    await bar.click();
    await page.locator(".timeline li.message.flash", { hasText: "Tomatoes are ripe" }).waitFor();
    const history = (await api(mia, "GET", `/conversations/${groupId}/messages?limit=1`)).body.messages[0];
    expect(history).toMatchObject({ pinned: true, reactions: [{ emoji: "👍", count: 1, userIds: [olga.user.id] }] });

    const box = page.getByLabel("Message", { exact: true });
    await box.click();
    await page.keyboard.type("Thanks @mi");
    await page.getByRole("option", { name: /MIA/ }).waitFor();
    await page.keyboard.press("Enter");
    expect(await box.inputValue()).toBe("Thanks @mia ");
    await page.keyboard.type("for the seeds");
    await page.keyboard.press("Enter");
    await bubbles(page, "Thanks @mia for the seeds").waitFor();
    if (process.env.PARLEY_SCREENSHOTS)
      await page.screenshot({ path: `${process.env.PARLEY_SCREENSHOTS}/group-actions.png` });
    const mentions = (await api(mia, "GET", "/mentions")).body.messages;
    expect(mentions[0]).toMatchObject({ text: "Thanks @mia for the seeds" });
    // In a group, my last message says how many have read it, and who.
    expect((await api(mia, "POST", `/conversations/${groupId}/read`, { messageId: mentions[0].id })).status).toBe(204);
    const readBy = page.getByRole("button", { name: "Read by 1" });
    await readBy.click();
    await page.locator(".readers", { hasText: "MIA" }).waitFor();
    // Admins see what an edited message said before.
    await api(mia, "PATCH", `/conversations/${groupId}/messages/${history.id}`, { text: "Tomatoes are very ripe" });
    const edited = bubbles(page, "Tomatoes are very ripe");
    await edited.getByRole("button", { name: "(edited)" }).click();
    expect(await edited.getByRole("list", { name: "Earlier versions" }).textContent()).toContain("Tomatoes are ripe");
  });

  test("forwarding a message to a direct chat names who wrote it", async () => {
    await api(olga, "POST", "/conversations", { type: "direct", userId: nina.user.id });
    await page.reload();
    await page.getByRole("link", { name: /Garden club/ }).click();
    const msg = bubbles(page, "Tomatoes are very ripe");
    await msg.hover();
    await msg.getByRole("button", { name: "Forward" }).click();
    await page.getByRole("list", { name: "Conversations to forward to" }).getByRole("button", { name: "NINA" }).click();
    await page.getByRole("heading", { name: "NINA" }).waitFor();
    const copy = bubbles(page, "Tomatoes are very ripe");
    await copy.getByText("Forwarded from MIA").waitFor();
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
