// Formatting in the composer, in Chromium: the toolbar and Slack's shortcuts write Markdown around the
// selection, and the sent message shows it — bold, code, a named link, a list, a quote. A link to anything
// but http(s) stays text. The toolbar fits a phone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { horizontalOverflow, launchBrowser, openSignedIn, screenshotDir } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let box: Locator;
const errors: string[] = [];

/** The last message in the timeline. */
const last = () => page.locator(".timeline .text").last();
const selectAll = () => box.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(0, el.value.length));

beforeAll(async () => {
  s = await startTestServer();
  const ana = await setUp(s);
  const ben = await addMember(s, ana.token, "ben");
  const group = await createGroup(s, ana.token, "Allotment", [ben.user.id]);
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "ben", errors);
  await page.goto(`${s.url}/c/${group}`);
  box = page.getByRole("textbox", { name: "Message" });
  await box.waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("formatting a message", () => {
  test("the Bold button wraps the selected word, and the message shows it bold", async () => {
    await box.fill("hello world");
    await box.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(6, 11));
    await page.getByRole("toolbar", { name: "Formatting" }).getByRole("button", { name: "Bold" }).click();
    expect(await box.inputValue()).toBe("hello **world**");
    // The focus stayed in the box, on the word.
    expect(await box.evaluate((el: HTMLTextAreaElement) => [el === document.activeElement, el.selectionStart])).toEqual(
      [true, 8],
    );
    await box.press("Enter");
    await last().locator("strong", { hasText: "world" }).waitFor();
  });

  test("Ctrl+Shift+C makes code; Ctrl+Shift+U a link whose address is typed over the selected https://", async () => {
    await box.fill("npm test");
    await selectAll();
    await box.press("Control+Shift+C");
    expect(await box.inputValue()).toBe("`npm test`");
    await box.press("Enter");
    await last().locator("code", { hasText: "npm test" }).waitFor();

    await box.fill("the plan");
    await selectAll();
    await box.press("Control+Shift+U");
    await page.keyboard.type("https://example.com/plan");
    expect(await box.inputValue()).toBe("[the plan](https://example.com/plan)");
    await box.press("Enter");
    const link = last().getByRole("link", { name: "the plan" });
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe("https://example.com/plan");
    expect(await link.getAttribute("rel")).toContain("noopener");
  });

  test("the List button makes each selected line an item; Ctrl+Shift+9 quotes", async () => {
    await box.fill("milk\neggs");
    await selectAll();
    await page.getByRole("button", { name: "List" }).click();
    expect(await box.inputValue()).toBe("- milk\n- eggs");
    await box.press("Enter");
    await last().locator("ul li", { hasText: "eggs" }).waitFor();
    expect(await last().locator("ul li").allTextContents()).toEqual(["milk", "eggs"]);

    await box.fill("as she said");
    await box.press("Control+Shift+9");
    expect(await box.inputValue()).toBe("> as she said");
    await box.press("Enter");
    await last().locator("blockquote", { hasText: "as she said" }).waitFor();
  });

  test("a link to something other than http(s) stays text", async () => {
    await box.fill("[click me](javascript:alert(1))");
    await box.press("Enter");
    await last().getByText("[click me](javascript:alert(1))").waitFor();
    expect(await last().locator("a").count()).toBe(0);
  });

  test("':' and a few letters offer emoji; Enter puts the emoji in; a message of only emoji shows large", async () => {
    await box.fill("");
    await box.pressSequentially(":tad");
    const list = page.getByRole("listbox", { name: "Emoji" });
    await list.getByRole("option", { name: /🎉/ }).waitFor();
    expect(await list.getByRole("option").first().textContent()).toContain(":tada:");
    await box.press("Enter");
    expect(await box.inputValue()).toBe("🎉 ");
    await box.press("Enter");
    await page.locator(".timeline .text.jumbo", { hasText: "🎉" }).waitFor();
    // With words it is an ordinary message; a time is not an emoji being named.
    await box.fill("party at 10:30 🎉");
    expect(await page.getByRole("listbox", { name: "Emoji" }).count()).toBe(0);
    await box.press("Enter");
    await last().getByText("party at 10:30").waitFor();
    expect(await last().evaluate((el) => el.classList.contains("jumbo"))).toBe(false);
  });

  test("on a phone the toolbar fits beside nothing sideways", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("toolbar", { name: "Formatting" }).waitFor();
    expect(await horizontalOverflow(page)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "formatting-phone.png") });
    expect(errors).toEqual([]);
  });
});
