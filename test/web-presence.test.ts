import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, openSignedIn } from "./browser.ts";
import { addMember, setPicture, setUp, startTestServer, type TestServer, waitFor } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let ana: Page, ben: Page;
let dm: string;
const errors: string[] = [];

const open = (username: string) => openSignedIn(browser, s.url, username, errors);
const status = (page: Page) => page.locator(".conversation-head small");
const delivery = (page: Page) => page.locator(".timeline .sent").last();

beforeAll(async () => {
  s = await startTestServer();
  const root = await setUp(s);
  const [a, b] = await Promise.all(["anna", "ben"].map((n) => addMember(s, root.token, n)));
  dm = (
    await s.call("POST", "/api/v1/conversations", { token: a!.token, body: { type: "direct", userId: b!.user.id } })
  ).body.conversation.id;
  browser = await launchBrowser();
  ana = await open("anna");
  ben = await open("ben");
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("presence, typing and receipts in the web app", () => {
  test("online dots, typing, and ticks from sent to delivered to read", async () => {
    await ben.getByRole("link", { name: /ANNA/ }).getByRole("img", { name: "Online" }).waitFor();
    await ana.getByRole("link", { name: /BEN/ }).click();
    await status(ana).getByText("online").waitFor();

    await ben.getByRole("link", { name: /ANNA/ }).click();
    await ben.getByLabel("Message", { exact: true }).pressSequentially("Hel");
    await ana.getByText("BEN is typing…").waitFor();
    await ben.getByLabel("Message", { exact: true }).fill("");
    await ben.getByRole("button", { name: "Back to conversations" }).or(ben.locator("nav")).first().isVisible();
    await ben.goto(s.url + "/");

    await ana.getByLabel("Message", { exact: true }).fill("Dinner at 8?");
    await ana.getByLabel("Message", { exact: true }).press("Enter");
    // Ben's app is open but not on this conversation: his device confirms delivery, he has not read it.
    await ben.getByRole("link", { name: /ANNA/ }).getByLabel("1 unread").waitFor();
    await delivery(ana).getByText("✓✓ Delivered").waitFor();
    await ben.getByRole("link", { name: /ANNA/ }).click();
    await delivery(ana).getByText("✓✓ Read").waitFor();
  });

  test("mute and mark as unread show in the list", async () => {
    const menu = async (item: string) => {
      await ben.getByRole("button", { name: "Conversation menu" }).click();
      await ben.getByRole("menuitem", { name: item }).click();
    };
    await menu("Mute until I unmute");
    // The header says so in words.
    await ben.getByRole("img", { name: "Muted until you unmute" }).waitFor();
    await menu("Mark as unread");
    await ben.waitForURL(s.url + "/");
    const row = ben.getByRole("link", { name: /ANNA/ });
    await row.getByLabel("Marked unread").waitFor();
    await row.getByLabel("Muted").waitFor();
    const mine = (await s.call("POST", "/api/v1/auth/login", { body: { username: "ben", password: "ben-password" } }))
      .body.token;
    expect((await s.call("GET", `/api/v1/conversations/${dm}`, { token: mine })).body.conversation).toMatchObject({
      markedUnread: true,
      mutedUntil: "9999-01-01T00:00:00.000Z",
    });
    await row.click();
    await row.getByLabel("Marked unread").waitFor({ state: "detached" });
  });

  test("turning read receipts off in Settings hides them both ways", async () => {
    await ben.getByRole("button", { name: "Account menu" }).click();
    await ben.getByRole("menuitem", { name: "Settings" }).click();
    await ben.getByLabel(/Send read receipts/).uncheck();
    await ben.keyboard.press("Escape");
    await ana.getByLabel("Message", { exact: true }).fill("Still on?");
    await ana.getByLabel("Message", { exact: true }).press("Enter");
    await ben.locator(".timeline").getByText("Still on?").waitFor();
    await delivery(ana).getByText("✓✓ Delivered").waitFor();
    // Ben's app has read it (the server says so)...
    const token = (await s.call("POST", "/api/v1/auth/login", { body: { username: "ben", password: "ben-password" } }))
      .body.token;
    await waitFor(
      async () => (await s.call("GET", `/api/v1/conversations/${dm}`, { token })).body.conversation.unreadCount === 0,
      "Ben to have read it",
    );
    // ...and a message he sends after it reaches Ana: a read receipt would have come before it.
    await ben.getByLabel("Message", { exact: true }).fill("Yes");
    await ben.getByLabel("Message", { exact: true }).press("Enter");
    await ana.locator(".timeline li.message", { hasText: "Yes" }).waitFor();
    expect(await ana.locator(".timeline .sent").last().textContent()).toBe("✓✓ Delivered");
  });

  test("a message sent while the other is away stays 'sent' and turns 'delivered' when their app opens", async () => {
    const benContext = ben.context();
    await ben.close();
    await ana.getByLabel("Message", { exact: true }).fill("Call me when you are back");
    await ana.getByLabel("Message", { exact: true }).press("Enter");
    await delivery(ana).getByText("✓ Sent").waitFor();
    ben = await benContext.newPage();
    await ben.goto(s.url + "/");
    await delivery(ana).getByText("✓✓ Delivered").waitFor();
  });

  test("a new name and picture reach the other side at once: list, header and old messages", async () => {
    const token = (await s.call("POST", "/api/v1/auth/login", { body: { username: "ben", password: "ben-password" } }))
      .body.token;
    await s.call("POST", `/api/v1/conversations/${dm}/messages`, { token, body: { clientId: "b1", text: "Back now" } });
    await ana.getByRole("link", { name: /BEN/ }).click();
    await ana.locator(".timeline li.message .sender", { hasText: "BEN" }).first().waitFor();
    await s.call("PATCH", "/api/v1/me", { token, body: { displayName: "Benjamin Brown" } });
    await ana.getByRole("heading", { name: "Benjamin Brown" }).waitFor();
    await ana.getByRole("link", { name: /Benjamin Brown/ }).waitFor();
    await ana.locator(".timeline li.message .sender", { hasText: "Benjamin Brown" }).first().waitFor();
    expect(await ana.locator(".timeline li.message .sender", { hasText: /^BEN$/ }).count()).toBe(0);
    const avatarUrl = (await setPicture(s.url, token)).body.user.avatarUrl as string;
    await ana.locator(`.conversation-head img.avatar[src="${avatarUrl}"]`).waitFor();
    await ana.locator(`.conversations img.avatar[src="${avatarUrl}"]`).waitFor();
  });

  test("when someone leaves, the other side sees when they were last seen", async () => {
    await ben.getByRole("link", { name: /ANNA/ }).click();
    await status(ben).getByText("online").waitFor();
    await ana.close();
    await status(ben)
      .getByText(/^last seen /)
      .waitFor();
    expect(await ben.getByRole("link", { name: /ANNA/ }).getByRole("img", { name: "Online" }).count()).toBe(0);
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
