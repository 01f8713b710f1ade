import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, openSignedIn } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let cleo: Page, dan: Page;
const errors: string[] = [];
const png = readFileSync(join(import.meta.dir, "..", "web", "public", "icon-192.png"));

const open = (username: string) => openSignedIn(browser, s.url, username, errors);

beforeAll(async () => {
  s = await startTestServer();
  const root = await setUp(s);
  const [c, d] = await Promise.all(["cleo", "dan"].map((n) => addMember(s, root.token, n)));
  await s.call("POST", "/api/v1/conversations", { token: c!.token, body: { type: "direct", userId: d!.user.id } });
  browser = await launchBrowser();
  cleo = await open("cleo");
  dan = await open("dan");
  await cleo.getByRole("link", { name: /DAN/ }).click();
  await dan.getByRole("link", { name: /CLEO/ }).click();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("files in the web app", () => {
  test("attach a picture and a document, send them with words; the other side sees a preview, a lightbox and a card", async () => {
    await cleo.getByLabel("Files to attach").setInputFiles([
      { name: "icon.png", mimeType: "image/png", buffer: png },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("Bring the tent.\n") },
    ]);
    await cleo.getByRole("list", { name: "Files to send" }).getByText("ready").nth(1).waitFor();
    await cleo.getByLabel("Message", { exact: true }).fill("Photos from Saturday");
    await cleo.getByLabel("Message", { exact: true }).press("Enter");
    const msg = dan.locator(".timeline li.message").filter({ hasText: "Photos from Saturday" });
    await msg.getByRole("button", { name: "Open image icon.png" }).waitFor();
    // The preview really loaded (the browser decoded it): it is an image served to a member.
    await dan.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>(".image-preview img")].some((i) => i.complete && i.naturalWidth === 192));
    const card = msg.getByRole("link", { name: /notes\.txt/ });
    const href = await card.getAttribute("href");
    expect(href).toMatch(/^\/api\/v1\/files\/[a-z0-9]+$/);
    expect(await dan.evaluate((u) => fetch(u).then((r) => r.text()), href!)).toBe("Bring the tent.\n");
    await msg.getByRole("button", { name: "Open image icon.png" }).click();
    if (process.env.PARLEY_SCREENSHOTS) await dan.screenshot({ path: join(process.env.PARLEY_SCREENSHOTS, "files-timeline.png") });
    await dan.getByRole("dialog", { name: "icon.png" }).getByRole("img", { name: "icon.png" }).waitFor();
    await dan.keyboard.press("Escape");
    expect(await cleo.getByRole("list", { name: "Files to send" }).count()).toBe(0);
  });

  test("an upload can be cancelled while it is on its way, and nothing is sent", async () => {
    // Hold the upload at the network so it is still running when the person cancels it.
    await cleo.route("**/api/v1/uploads", () => {});
    await cleo.getByLabel("Files to attach").setInputFiles({ name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(200_000) });
    await cleo.getByRole("progressbar", { name: "Uploading big.bin" }).waitFor();
    await cleo.getByRole("button", { name: "Cancel big.bin" }).click();
    await cleo.getByRole("list", { name: "Files to send" }).waitFor({ state: "detached" });
    await cleo.unroute("**/api/v1/uploads");
  });

  test("files dropped onto the conversation or pasted into the message box are uploaded too", async () => {
    const dataTransfer = await cleo.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
      return dt;
    });
    await cleo.locator("section.conversation").dispatchEvent("drop", { dataTransfer });
    await cleo.getByRole("list", { name: "Files to send" }).getByText("dropped.txt").waitFor();
    await cleo.getByLabel("Message", { exact: true }).evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(["pasted bytes"], "pasted.txt", { type: "text/plain" }));
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await cleo.getByRole("list", { name: "Files to send" }).getByText("ready").nth(1).waitFor();
    await cleo.getByLabel("Message", { exact: true }).press("Enter");
    const msg = dan.locator(".timeline li.message").filter({ has: dan.getByRole("link", { name: /dropped\.txt/ }) });
    await msg.getByRole("link", { name: /pasted\.txt/ }).waitFor();
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
