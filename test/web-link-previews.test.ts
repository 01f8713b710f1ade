// Link previews in Chromium: a message with a link gets its card (picture, site, title, description) when the
// server has fetched it, on desktop and phone; the sender takes it off for everyone; a link the guard refuses
// gets no card and no request. The pages are the test's own loopback server, trusted by name only.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Server } from "bun";
import type { Browser, Page } from "playwright-core";
import { horizontalOverflow, launchBrowser, openSignedIn, screenshotDir } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer, waitFor, type TestServer } from "./harness.ts";
import { phonePhoto } from "./images.ts";

let web: Server<undefined>;
let s: TestServer;
let browser: Browser;
let page: Page;
let ben: { token: string; user: { id: string } };
let group: string;
const paths: string[] = [];
const errors: string[] = [];

const timeline = () => page.getByRole("log", { name: "Messages" });

beforeAll(async () => {
  const photo = await phonePhoto(1200, 900);
  web = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const path = new URL(req.url).pathname;
      paths.push(path);
      if (path === "/photo.jpg") return new Response(photo, { headers: { "content-type": "image/jpeg" } });
      return new Response(
        `<html><head><title>Ridge trail</title><meta property="og:site_name" content="Hiking Club">
         <meta property="og:description" content="A day on the ridge: 14 km, 900 m up, huts on the way.">
         <meta property="og:image" content="/photo.jpg"></head></html>`,
        { headers: { "content-type": "text/html" } },
      );
    },
  });
  s = await startTestServer({ linkPreviewTrustedHosts: `localhost:${web.port}` });
  const ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  group = await createGroup(s, ana.token, "Trail crew", [ben.user.id]);
  browser = await launchBrowser();
  page = await openSignedIn(browser, s.url, "ben", errors);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
  web?.stop(true);
});

describe("link previews in the web app", () => {
  test("a link I send gets its card with the page's picture, site, title and description", async () => {
    await page.goto(`${s.url}/c/${group}`);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill(`Saturday: http://localhost:${web.port}/ridge`);
    await box.press("Enter");
    const card = timeline().locator(".link-card");
    await card.getByText("Ridge trail").waitFor();
    expect(await card.textContent()).toContain("A day on the ridge");
    expect(await card.textContent()).toContain("Hiking Club");
    const img = card.locator("img");
    await waitFor(async () => (await img.evaluate((i: HTMLImageElement) => i.naturalWidth)) > 0, "the picture shown");
    // Served by Parley, not by the page's site.
    expect(await img.getAttribute("src")).toStartWith(`/api/v1/conversations/${group}/messages/`);
    expect(await card.getByRole("link").getAttribute("href")).toBe(`http://localhost:${web.port}/ridge`);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "link-preview-desktop.png") });
    await page.setViewportSize({ width: 390, height: 844 });
    await card.getByText("Ridge trail").waitFor();
    expect(await horizontalOverflow(page)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "link-preview-phone.png") });
    await page.setViewportSize({ width: 1100, height: 800 });
  });

  test("the sender removes the card, for everyone", async () => {
    const card = timeline().locator(".link-card");
    await card.hover();
    await card.getByRole("button", { name: "Remove preview" }).click();
    await card.waitFor({ state: "detached" });
    const history = await s.call("GET", `/api/v1/conversations/${group}/messages?limit=5`, { token: ben.token });
    expect(history.body.messages[0].preview).toBeNull();
  });

  test("a link the guard refuses gets no card and no request", async () => {
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill(`by address: http://127.0.0.1:${web.port}/inside`);
    await box.press("Enter");
    await timeline().locator(".message:not(.pending)").getByText("by address").waitFor();
    await s.idle();
    expect(paths).not.toContain("/inside");
    expect(await timeline().locator(".link-card").count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
