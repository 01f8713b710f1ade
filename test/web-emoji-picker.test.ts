// The emoji picker in Chromium: from the composer (search, groups, skin tone, recently used) and for
// reactions, on desktop and as a sheet on a phone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { horizontalOverflow, launchBrowser, openSignedIn, screenshotDir } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer, waitFor, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let ben: { token: string; user: { id: string } };
let group: string;
let first: { id: string };
const errors: string[] = [];

const picker = () => page.getByRole("dialog", { name: "Emoji picker" });
const box = () => page.getByRole("textbox", { name: "Message" });

beforeAll(async () => {
  s = await startTestServer();
  const ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  group = await createGroup(s, ana.token, "Picnic", [ben.user.id]);
  first = (
    await s.call("POST", `/api/v1/conversations/${group}/messages`, {
      token: ana.token,
      body: { clientId: "p1", text: "Picnic on Sunday?" },
    })
  ).body.message;
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "ben", errors);
  await page.goto(`${s.url}/c/${group}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("the emoji picker", () => {
  test("searching by name puts the emoji where the cursor is", async () => {
    await box().fill("See you there ");
    await page.getByRole("button", { name: "Emoji", exact: true }).click();
    await picker().getByRole("searchbox", { name: "Search emoji" }).fill("party");
    await picker().getByRole("button", { name: "party popper" }).click();
    await picker().waitFor({ state: "detached" });
    expect(await box().inputValue()).toBe("See you there 🎉");
  });

  test("a skin tone, chosen once, applies to the emoji that take one and is kept; Enter picks the first found", async () => {
    await page.getByRole("button", { name: "Emoji", exact: true }).click();
    await picker().getByRole("radio", { name: "Medium", exact: true }).click();
    const search = picker().getByRole("searchbox", { name: "Search emoji" });
    await search.fill("thumbs up");
    expect(await picker().getByRole("button", { name: "thumbs up" }).textContent()).toBe("👍🏽");
    await search.press("Enter");
    expect(await box().inputValue()).toBe("See you there 🎉👍🏽");
    await box().press("Enter");
    await page.locator(".message:not(.pending)").getByText("See you there 🎉👍🏽").waitFor();
  });

  test("recently used come first; the groups' tabs move through the list; Escape closes", async () => {
    await page.getByRole("button", { name: "Emoji", exact: true }).click();
    const recent = picker().getByRole("region", { name: "Recently used" });
    expect(await recent.getByRole("button").allTextContents()).toEqual(["👍🏽", "🎉"]);
    expect(await picker().getByRole("radio", { name: "Medium", exact: true }).getAttribute("aria-checked")).toBe(
      "true",
    );
    const grid = picker().locator(".emoji-grid");
    await picker().getByRole("button", { name: "Animals & Nature" }).click();
    await waitFor(async () => (await grid.evaluate((g) => g.scrollTop)) > 200, "the list moved to the animals");
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "emoji-picker-desktop.png") });
    await page.keyboard.press("Escape");
    await picker().waitFor({ state: "detached" });
  });

  test("the full picker reacts to a message, and the reaction is the server's", async () => {
    const message = page.locator(`#m-${first.id}`);
    await message.hover();
    await message.getByRole("button", { name: "React", exact: true }).click();
    await message.getByRole("button", { name: "More reactions" }).click();
    const reactions = page.getByRole("dialog", { name: "Pick a reaction" });
    await reactions.getByRole("searchbox", { name: "Search emoji" }).fill("rocket");
    await reactions.getByRole("button", { name: "rocket", exact: true }).click();
    await message.getByRole("button", { name: /^🚀 1/ }).waitFor();
    const history = await s.call("GET", `/api/v1/conversations/${group}/messages?limit=5`, { token: ben.token });
    const reacted = history.body.messages.find((m: any) => m.id === first.id);
    expect(reacted.reactions).toEqual([{ emoji: "🚀", count: 1, userIds: [ben.user.id] }]);
  });

  test("on a phone it is a sheet at the bottom of the screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("button", { name: "Emoji", exact: true }).click();
    const sheet = (await picker().boundingBox())!;
    expect(Math.round(sheet.x)).toBe(0);
    expect(Math.round(sheet.width)).toBe(390);
    expect(Math.round(sheet.y + sheet.height)).toBe(844);
    expect(await horizontalOverflow(page)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "emoji-picker-phone.png") });
    await page.keyboard.press("Escape");
    await page.setViewportSize({ width: 1100, height: 800 });
    expect(errors).toEqual([]);
  });
});
