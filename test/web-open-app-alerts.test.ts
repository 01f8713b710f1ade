// In the open app, in Chromium: a short sound for a message Ben would be notified of in a chat he is not
// looking at (its notification level, mute, his own messages and the chat he reads make no sound), with an
// off switch in Settings; the unread count in the tab's title; and "Unread conversations first" in the list.
// The sound is counted where the browser makes it: every OscillatorNode started (an init script wraps it).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, signInPage, watchPage } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let ana: { token: string };
let ben: { token: string; user: { id: string } };
let family: string;
let garden: string;
/** At the groups' default level: mentions only. */
let books: string;
let direct: string;
const errors: string[] = [];
let n = 0;

const send = (token: string, conversationId: string, text: string) =>
  s.call("POST", `/api/v1/conversations/${conversationId}/messages`, {
    token,
    body: { clientId: `x${++n}`, text },
  });
const tones = () => page.evaluate(() => (window as any).__tones as number);
/** A message shows in the list's previews: the app has handled it (and made its sound or not). */
const shown = (text: string) => page.locator(".sidebar").getByText(text).first().waitFor();

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  const group = (title: string) => createGroup(s, ana.token, title, [ben.user.id]);
  family = await group("Family chat");
  garden = await group("Garden club");
  books = await group("Book club");
  direct = (
    await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } })
  ).body.conversation.id;
  // Ben hears everything in Garden club, and has muted Family chat.
  await s.call("PUT", `/api/v1/conversations/${garden}/notifications`, { token: ben.token, body: { level: "all" } });
  await s.call("PUT", `/api/v1/conversations/${family}/mute`, { token: ben.token, body: { until: "forever" } });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.addInitScript(() => {
    (window as any).__tones = 0;
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: [number?]) {
      (window as any).__tones++;
      return start.apply(this, args);
    };
  });
  page = await context.newPage();
  watchPage(page, errors, "ben");
  await signInPage(page, s.url, "ben");
  await page.waitForURL(s.url + "/");
  await page.getByRole("link", { name: /Garden club/ }).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("while the app is open", () => {
  test("no sound for the chat being read, a muted one, a level that leaves it out, or my own message", async () => {
    await page.getByRole("link", { name: /Garden club/ }).click();
    await page.getByRole("textbox", { name: /Message/ }).waitFor();
    await send(ana.token, garden, "Read as it comes");
    await page.locator(".timeline").getByText("Read as it comes").waitFor();
    await send(ana.token, family, "Muted news");
    await shown("Muted news");
    await send(ana.token, books, "Nobody named");
    await shown("Nobody named");
    await send(ben.token, direct, "From my phone");
    await shown("From my phone");
    expect(await tones()).toBe(0);
  });

  test("with the sound switched off in Settings, a message I would hear makes none", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Settings" }).click();
    const sound = page.getByRole("checkbox", { name: /Play a sound when a message comes in/ });
    expect(await sound.isChecked()).toBe(true);
    await sound.uncheck();
    await page.keyboard.press("Escape");
    await send(ana.token, direct, "Quietly");
    await shown("Quietly");
    expect(await tones()).toBe(0);
  });

  test("switched on, a message in a chat I am not reading sounds, and the tab's title counts what is unread", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Settings" }).click();
    await page.getByRole("checkbox", { name: /Play a sound when a message comes in/ }).check();
    await page.keyboard.press("Escape");
    await send(ana.token, direct, "Are you there?");
    await shown("Are you there?");
    await page.waitForFunction(() => (window as any).__tones === 2);
    // Muted chats do not count: the direct chat's two and Book club's one.
    expect(await page.title()).toBe("(3) Parley");
  });

  test("'Unread conversations first' lifts an older unread chat above newer read ones", async () => {
    await page.getByRole("link", { name: /Garden club/ }).click();
    await send(ana.token, family, "Older and unread");
    await shown("Older and unread");
    await send(ben.token, garden, "Newest, mine");
    await shown("Newest, mine");
    const top = () => page.locator(".sidebar a.row").first().textContent();
    expect(await top()).toContain("Garden club");
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Settings" }).click();
    await page.getByRole("checkbox", { name: "Unread conversations first" }).check();
    await page.keyboard.press("Escape");
    // The unread chats, newest first, then Garden club although it had the newest message.
    const rows = page.locator(".sidebar a.row");
    expect(await top()).toContain("Family chat");
    expect(await rows.nth(1).textContent()).toContain("Ana Admin");
    expect(await rows.nth(2).textContent()).toContain("Book club");
    expect(await rows.nth(3).textContent()).toContain("Garden club");
    // Remembered by this browser.
    await page.reload();
    await page.getByRole("link", { name: /Garden club/ }).waitFor();
    expect(await top()).toContain("Family chat");
  });

  test("a reply in a thread I follow sounds, whatever the chat's level, and the tab's title counts it", async () => {
    await page.getByRole("link", { name: /Garden club/ }).click();
    // Ben starts a thread in Book club (mentions only): he follows it.
    const root = (await send(ben.token, books, "Next book: suggestions?")).body.message;
    await shown("Next book: suggestions?");
    const before = await tones();
    // What the server counts as unread for Ben, outside muted chats: what the title should say.
    const unread = async () =>
      (await s.call("GET", "/api/v1/conversations", { token: ben.token })).body.conversations
        .filter((c: any) => !c.mutedUntil)
        .reduce((t: number, c: any) => t + c.unreadCount + c.threadUnreadCount, 0) as number;
    const titled = (count: number) => page.waitForFunction((c) => document.title.startsWith(`(${c})`), count);
    const now = await unread();
    await titled(now);
    await s.call("POST", `/api/v1/conversations/${books}/messages`, {
      token: ana.token,
      body: { clientId: `x${++n}`, text: "Dune, again", threadRootId: root.id },
    });
    await page.waitForFunction((n) => (window as any).__tones === n, before + 2);
    expect(await unread()).toBe(now + 1);
    await titled(now + 1);
    expect(errors).toEqual([]);
  });
});
