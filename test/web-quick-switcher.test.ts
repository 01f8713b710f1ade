// The quick switcher (Ctrl/Cmd+K) in Chromium: from anywhere, even mid-message, a few letters of a name and
// Enter go to the conversation; with nothing typed it offers unread conversations first; someone without a
// chat yet is found through the server and Enter starts one; case and accents are forgiven; on a phone too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { horizontalOverflow, launchBrowser, openSignedIn, screenshotDir } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let ana: { token: string };
let ben: { token: string; user: { id: string } };
let family: string;
let allotment: string;
const errors: string[] = [];

const switcher = () => page.getByRole("dialog", { name: "Go to" });
const options = () => switcher().getByRole("option");
const post = (token: string, conversationId: string, clientId: string, text: string) =>
  s.call("POST", `/api/v1/conversations/${conversationId}/messages`, { token, body: { clientId, text } });
const conversationCount = async () =>
  (await s.call("GET", "/api/v1/conversations", { token: ben.token })).body.conversations.length as number;

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  const zoe = await addMember(s, ana.token, "zoe");
  await s.call("PATCH", "/api/v1/me", { token: zoe.token, body: { displayName: "Zoë Ward" } });
  const group = (title: string) => createGroup(s, ana.token, title, [ben.user.id]);
  family = await group("Family chat");
  allotment = await group("Allotment");
  await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } });
  await post(ana.token, allotment, "a1", "The beans are up!");
  await post(ben.token, family, "f1", "Sunday lunch?");
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "ben", errors);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("the quick switcher", () => {
  test("Ctrl+K opens it even while typing a message; a few letters of the name and Enter go there", async () => {
    await page
      .getByRole("link", { name: /Family chat/ })
      .first()
      .click();
    const composer = page.getByRole("textbox", { name: /Message/ });
    await composer.fill("half a thought");
    await composer.press("Control+k");
    const input = switcher().getByRole("searchbox");
    await input.waitFor();
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    await input.fill("ALLOT");
    await options().first().getByText("Allotment").waitFor();
    await input.press("Enter");
    await page.waitForURL(`${s.url}/c/${allotment}`);
    expect(await switcher().count()).toBe(0);
  });

  test("with nothing typed, unread conversations come first; arrows move, Esc closes", async () => {
    await page.goto(`${s.url}/c/${family}`);
    await page.getByRole("textbox", { name: /Message/ }).waitFor();
    // Allotment has news Ben has not read; Family chat has something newer, his own.
    await post(ana.token, allotment, "a2", "And the peas");
    await post(ben.token, family, "f2", "Or Saturday");
    await page.getByText("Or Saturday").first().waitFor();
    await page.keyboard.press("Control+k");
    await options().first().waitFor();
    const titles = await options().locator("strong").allTextContents();
    expect(titles).toEqual(["Allotment", "Family chat", "Ana Admin"]);
    expect(await options().first().locator(".badge").getAttribute("aria-label")).toMatch(/^\d+ unread$/);
    expect(await options().nth(1).locator(".badge").count()).toBe(0);
    expect(await options().first().getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("ArrowDown");
    expect(await options().nth(1).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowUp");
    expect(await options().last().getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !document.querySelector("dialog"));
  });

  test("someone without a chat yet is found through the server, accents forgiven, and Enter starts one", async () => {
    const before = await conversationCount();
    await page.keyboard.press("Control+k");
    await switcher().getByRole("searchbox").fill("zoe");
    const zoe = options().filter({ hasText: "Zoë Ward" });
    await zoe.waitFor();
    expect(await zoe.textContent()).toContain("new chat");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/c\/[^/]+$/);
    await page.getByRole("heading", { name: "Zoë Ward" }).waitFor();
    expect(await conversationCount()).toBe(before + 1);
    // Now she is found through that conversation, once.
    await page.keyboard.press("Control+k");
    await switcher().getByRole("searchbox").fill("Zoë");
    await options().first().waitFor();
    expect(await options().filter({ hasText: "Zoë Ward" }).count()).toBe(1);
    expect(await options().filter({ hasText: "new chat" }).count()).toBe(0);
    await page.keyboard.press("Escape");
  });

  test("letters that name nothing say so; on a phone it fits the screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${s.url}/`);
    await page
      .getByRole("link", { name: /Family chat/ })
      .first()
      .waitFor();
    await page.keyboard.press("Control+k");
    await switcher().getByRole("searchbox").fill("qqqq");
    await switcher().getByText("Nothing found.").waitFor();
    await switcher().getByRole("searchbox").fill("fam");
    await options().first().waitFor();
    expect(await horizontalOverflow(page)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "quick-switcher-phone.png") });
    await page.keyboard.press("Escape");
    expect(errors).toEqual([]);
  });
});
