// The profile card in Chromium: clicking a name or picture in a conversation shows the person — name,
// username, about, whether they are here, their local time — and "Message" opens a direct chat with them.
// Each browser tells the server its own time zone (Ben's is Tokyo here); switched off in Settings, others
// see no local time of his.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { horizontalOverflow, launchBrowser, screenshotDir, signInPage, watchPage } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer, waitFor, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let ana: { token: string; user: { id: string } };
let ben: { token: string; user: { id: string } };
let group: string;
const errors: string[] = [];

const card = () => page.getByRole("dialog", { name: "Ana Admin" });
const benAsAnaSees = async () =>
  (await s.call("GET", `/api/v1/conversations/${group}`, { token: ana.token })).body.conversation.members.find(
    (m: any) => m.user.id === ben.user.id,
  ).user;

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  await s.call("PATCH", "/api/v1/me", {
    token: ana.token,
    body: { timeZone: "Europe/Berlin", bio: "Grows beans.\nAsk me about compost." },
  });
  group = await createGroup(s, ana.token, "Allotment", [ben.user.id]);
  await s.call("POST", `/api/v1/conversations/${group}/messages`, {
    token: ana.token,
    body: { clientId: "a1", text: "The beans are up!" },
  });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, timezoneId: "Asia/Tokyo" });
  page = await context.newPage();
  watchPage(page, errors, "ben");
  await signInPage(page, s.url, "ben");
  await page.waitForURL(s.url + "/");
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("the profile card", () => {
  test("my browser's time zone reaches the server by itself", async () => {
    await waitFor(async () => (await benAsAnaSees()).timeZone === "Asia/Tokyo", "Ben's zone from his browser");
  });

  test("a click on a name shows the person with their local time; Message opens a direct chat", async () => {
    await page.goto(`${s.url}/c/${group}`);
    await page.locator(".message").getByRole("button", { name: "Ana Admin", exact: true }).click();
    await card().waitFor();
    const text = (await card().textContent())!;
    expect(text).toContain("@ana");
    expect(text).toContain("Grows beans.");
    expect(text).toContain("Europe/Berlin");
    // The time there now, as this browser writes times (allowing for a minute turning over).
    const berlin = (d: Date) =>
      new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", hour: "numeric", minute: "2-digit" }).format(d);
    const now = new Date();
    expect([berlin(now), berlin(new Date(now.getTime() + 60_000))].some((t) => text.includes(t))).toBe(true);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "profile-card-desktop.png") });
    await card().getByRole("button", { name: "Message" }).click();
    await card().waitFor({ state: "detached" });
    await page.waitForURL((url) => url.pathname.startsWith("/c/") && !url.pathname.endsWith(group));
    await page.getByRole("heading", { name: "Ana Admin" }).waitFor();
  });

  test("a click on a picture opens it too, on a phone as well", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${s.url}/c/${group}`);
    await page.locator(".message").getByRole("img", { name: "Ana Admin" }).click();
    await card().waitFor();
    expect(await horizontalOverflow(page)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "profile-card-phone.png") });
    await page.keyboard.press("Escape");
    await page.setViewportSize({ width: 1100, height: 800 });
  });

  test("switched off in Settings, others see no local time of mine", async () => {
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Settings" }).click();
    await page.getByRole("checkbox", { name: "Show my local time on my profile" }).uncheck();
    await waitFor(async () => (await benAsAnaSees()).timeZone === null, "Ben's zone hidden");
    await page.getByRole("checkbox", { name: "Show my local time on my profile" }).check();
    await waitFor(async () => (await benAsAnaSees()).timeZone === "Asia/Tokyo", "Ben's zone shown again");
    await page.keyboard.press("Escape");
    expect(errors).toEqual([]);
  });
});
