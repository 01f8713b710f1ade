// Message search in the web app (Chromium): words, filters, highlighted snippets, and the jump to a
// message far back in its conversation.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { join } from "node:path";
import { launchBrowser, openSignedIn, screenshotDir } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let treasure: string;
const errors: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  const ana = await setUp(s);
  const ben = await addMember(s, ana.token, "ben");
  const conv = (
    await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } })
  ).body.conversation.id;
  const say = (text: string) =>
    s.call("POST", `/api/v1/conversations/${conv}/messages`, {
      token: ana.token,
      body: { clientId: crypto.randomUUID(), text },
    });
  treasure = (await say("The hidden **treasure** map is under the old oak")).body.message.id;
  // Enough after it that it is several pages back.
  for (let i = 0; i < 160; i++) await say(`filler message number ${i}`);
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "ben", errors);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("search in the web app", () => {
  test("words find a message; its snippet marks them; filters narrow; a click jumps to it far back", async () => {
    await page.getByRole("button", { name: "Search messages" }).click();
    const dialog = page.getByRole("dialog", { name: "Search messages" });
    await dialog.getByLabel("Words to find").fill("treasure oak");
    const results = dialog.getByRole("list", { name: "Search results" });
    await results.getByText(/hidden/).waitFor();
    expect(await results.locator("mark").allTextContents()).toEqual(["treasure", "oak"]);
    // A filter that excludes it.
    await dialog.getByLabel("With files").check();
    await dialog.getByText("No messages found.").waitFor();
    await dialog.getByLabel("With files").uncheck();
    await results.getByText(/hidden/).waitFor();
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "search.png") });
    await results.getByRole("button").first().click();
    await page.waitForURL(/\/c\//);
    const target = page.locator(`#m-${treasure}`);
    await target.waitFor();
    // It is on screen, not somewhere above.
    await page.waitForFunction((id) => {
      const el = document.getElementById(`m-${id}`);
      const box = el?.getBoundingClientRect();
      return Boolean(box && box.top >= 0 && box.bottom <= window.innerHeight);
    }, treasure);
    expect(await target.textContent()).toContain("treasure");
  });

  test("word forms are found, and a misspelt word is offered corrected", async () => {
    await page.getByRole("button", { name: "Search messages" }).click();
    const dialog = page.getByRole("dialog", { name: "Search messages" });
    const words = dialog.getByLabel("Words to find");
    // "maps" finds "map": another form of the word.
    await words.fill("maps");
    const results = dialog.getByRole("list", { name: "Search results" });
    await results.getByText(/hidden/).waitFor();
    await words.fill("tresure");
    await dialog.getByText("No messages found.").waitFor();
    await dialog.getByRole("button", { name: "treasure" }).click();
    expect(await words.inputValue()).toBe("treasure");
    await results.getByText(/hidden/).waitFor();
    await page.keyboard.press("Escape");
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
