import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, openSignedIn, conversationMenu } from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";
import { contains, phonePhoto, pixelAt, SECRET_PLACE } from "./images.ts";

let s: TestServer;
let browser: Browser;
let cleo: Page, dan: Page;
let cleoToken: string, danId: string;
const errors: string[] = [];
const png = readFileSync(join(import.meta.dir, "..", "web", "public", "icon-192.png"));

const open = (username: string) => openSignedIn(browser, s.url, username, errors);

beforeAll(async () => {
  s = await startTestServer();
  const root = await setUp(s);
  const [c, d] = await Promise.all(["cleo", "dan"].map((n) => addMember(s, root.token, n)));
  await s.call("POST", "/api/v1/conversations", { token: c!.token, body: { type: "direct", userId: d!.user.id } });
  [cleoToken, danId] = [c!.token, d!.user.id];
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
  test("attach a picture and a document, send them with words; the other side sees a preview, the full-screen viewer and a card", async () => {
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
    await dan.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>(".image-preview img")].some(
        (i) => i.complete && i.naturalWidth === 192,
      ),
    );
    const card = msg.getByRole("link", { name: /notes\.txt/ });
    const href = await card.getAttribute("href");
    expect(href).toMatch(/^\/api\/v1\/files\/[a-z0-9]+$/);
    expect(await dan.evaluate((u) => fetch(u).then((r) => r.text()), href!)).toBe("Bring the tent.\n");
    await msg.getByRole("button", { name: "Open image icon.png" }).click();
    if (process.env.PARLEY_SCREENSHOTS)
      await dan.screenshot({ path: join(process.env.PARLEY_SCREENSHOTS, "files-timeline.png") });
    await dan.getByRole("dialog", { name: "Media viewer" }).getByRole("img", { name: "icon.png" }).waitFor();
    await dan.keyboard.press("Escape");
    expect(await cleo.getByRole("list", { name: "Files to send" }).count()).toBe(0);
  });

  test("an upload can be cancelled while it is on its way, and nothing is sent", async () => {
    // Hold the upload at the network so it is still running when the person cancels it.
    await cleo.route("**/api/v1/uploads", () => {});
    await cleo
      .getByLabel("Files to attach")
      .setInputFiles({ name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(200_000) });
    await cleo.getByRole("progressbar", { name: "Uploading big.bin" }).waitFor();
    await cleo.getByRole("button", { name: "Cancel big.bin" }).click();
    await cleo.getByRole("list", { name: "Files to send" }).waitFor({ state: "detached" });
    await cleo.unroute("**/api/v1/uploads");
  });

  test("an upload the network drops says so, can be tried again, and a failed one goes with the next message", async () => {
    // The connection fails (a network fault, not an answer from Parley).
    await cleo.route("**/api/v1/uploads", (r) => r.abort("connectionreset"));
    const files = cleo.getByRole("list", { name: "Files to send" });
    await cleo
      .getByLabel("Files to attach")
      .setInputFiles({ name: "a.txt", mimeType: "text/plain", buffer: Buffer.from("a") });
    await files.getByText("Cannot reach the server.").waitFor();
    await cleo.unroute("**/api/v1/uploads");
    await files.getByRole("button", { name: "Try again" }).click();
    await files.getByText("ready").waitFor();
    await cleo.getByRole("button", { name: "Remove a.txt" }).click();
    await files.waitFor({ state: "detached" });
    // Failed again, then a message goes without it: the failed row does not stay behind.
    await cleo.route("**/api/v1/uploads", (r) => r.abort("connectionreset"));
    await cleo
      .getByLabel("Files to attach")
      .setInputFiles({ name: "b.txt", mimeType: "text/plain", buffer: Buffer.from("b") });
    await files.getByText("Cannot reach the server.").waitFor();
    await cleo.unroute("**/api/v1/uploads");
    await cleo.getByLabel("Message", { exact: true }).fill("Words without the file");
    await cleo.getByLabel("Message", { exact: true }).press("Enter");
    await dan.locator(".timeline li.message").filter({ hasText: "Words without the file" }).waitFor();
    await files.waitFor({ state: "detached" });
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

  test("a phone photo shows as an upright preview, and opens full size, still upright, without its location", async () => {
    const photo = await phonePhoto(800, 600);
    await cleo
      .getByLabel("Files to attach")
      .setInputFiles({ name: "IMG_0042.jpg", mimeType: "image/jpeg", buffer: Buffer.from(photo) });
    await cleo.getByRole("list", { name: "Files to send" }).getByText("ready").waitFor();
    await cleo.getByLabel("Message", { exact: true }).press("Enter");
    const open = dan.getByRole("button", { name: "Open image IMG_0042.jpg" });
    await open.waitFor();
    // The preview is the server's small thumbnail, already turned upright.
    const preview = await dan.waitForFunction(() => {
      const img = [...document.querySelectorAll<HTMLImageElement>(".image-preview img")].find(
        (i) => i.alt === "IMG_0042.jpg",
      );
      return img?.complete && img.naturalWidth > 0
        ? { src: img.getAttribute("src"), w: img.naturalWidth, h: img.naturalHeight }
        : null;
    });
    expect(await preview.jsonValue()).toMatchObject({ src: expect.stringMatching(/\/thumbnail$/), w: 360, h: 480 });
    await open.click();
    // The original, decoded by Chromium: its orientation survived the removal of the location.
    const full = await dan.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>("dialog.media-viewer img");
      return img?.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : null;
    });
    expect(await full.jsonValue()).toEqual([600, 800]);
    const bytes = await dan.evaluate(() =>
      fetch(document.querySelector<HTMLImageElement>("dialog.media-viewer img")!.src)
        .then((r) => r.arrayBuffer())
        .then((b) => [...new Uint8Array(b)]),
    );
    expect(contains(new Uint8Array(bytes), SECRET_PLACE)).toBe(false);
    await dan.keyboard.press("Escape");
  });

  test("a picture for yourself, framed in the crop view; others see it on your messages", async () => {
    await cleo.getByRole("button", { name: "Account menu" }).click();
    await cleo.getByRole("menuitem", { name: "Profile" }).click();
    const dialog = cleo.getByRole("dialog", { name: "Your profile" });
    await dialog.getByRole("button", { name: "Add picture" }).waitFor();
    await dialog
      .getByLabel("Choose your picture")
      .setInputFiles({ name: "me.jpg", mimeType: "image/jpeg", buffer: Buffer.from(await phonePhoto(800, 600)) });
    const frame = dialog.getByRole("img", { name: /Picture framing/ });
    await frame.waitFor();
    // Upright the photo is red above blue; moving the frame to the very top keeps mostly red.
    await frame.focus();
    for (let i = 0; i < 12; i++) await cleo.keyboard.press("Shift+ArrowUp");
    if (process.env.PARLEY_SCREENSHOTS)
      await cleo.screenshot({ path: join(process.env.PARLEY_SCREENSHOTS, "avatar-crop.png") });
    await dialog.getByRole("button", { name: "Save picture" }).click();
    await dialog.getByRole("button", { name: "Change picture" }).waitFor();
    const src = await dialog.locator("img.avatar").getAttribute("src");
    expect(src).toMatch(/^\/api\/v1\/avatars\/[0-9a-f]{64}$/);
    const saved = new Uint8Array(
      await (await fetch(s.url + src, { headers: { authorization: `Bearer ${cleoToken}` } })).arrayBuffer(),
    );
    const at = await pixelAt("image/webp", saved, 128, 150);
    expect([at.width, at.height]).toEqual([256, 256]);
    // Centre-cropped, this point would be blue; framed at the top it is red.
    expect(at.rgb[0]).toBeGreaterThan(150);
    expect(at.rgb[2]).toBeLessThan(100);
    await cleo.keyboard.press("Escape");
    // Dan, opening the app afresh, sees it on Cleo in his list and over the conversation.
    await dan.reload();
    await dan.waitForFunction(
      (url) =>
        [...document.querySelectorAll<HTMLImageElement>("img.avatar")].filter(
          (i) => i.getAttribute("src") === url && i.complete && i.naturalWidth === 256,
        ).length >= 2,
      src,
    );
  });

  test("a group picture set in Group info appears in everyone's list; members without the right see no controls", async () => {
    const group = (
      await s.call("POST", "/api/v1/conversations", {
        token: cleoToken,
        body: { type: "group", title: "Campers", memberIds: [danId] },
      })
    ).body.conversation;
    await cleo.getByRole("link", { name: /Campers/ }).click();
    await conversationMenu(cleo, "Group info");
    const panel = cleo.getByRole("dialog", { name: "Group info" });
    await panel
      .getByLabel("Choose the group's picture")
      .setInputFiles({ name: "tent.png", mimeType: "image/png", buffer: png });
    await panel.getByRole("button", { name: "Save picture" }).click();
    await panel.getByRole("button", { name: "Remove picture" }).waitFor();
    await cleo.keyboard.press("Escape");
    await dan.waitForFunction((id) => {
      const img = document.querySelector<HTMLImageElement>(`a[href="/c/${id}"] img.avatar.group`);
      return Boolean(img?.complete && img.naturalWidth === 256);
    }, group.id);
    await dan.getByRole("link", { name: /Campers/ }).click();
    await conversationMenu(dan, "Group info");
    const theirs = dan.getByRole("dialog", { name: "Group info" });
    await theirs
      .getByText(/members/)
      .first()
      .waitFor();
    expect(await theirs.getByRole("button", { name: /picture/ }).count()).toBe(0);
    await dan.keyboard.press("Escape");
  });

  test("ran without script errors or CSP violations", () => {
    expect(errors).toEqual([]);
  });
});
