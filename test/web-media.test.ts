// Voice notes and media in Chromium (its fake microphone plays a tone): recording and sending a voice note,
// playing it with its waveform and length, videos inline, the full-screen viewer moving through a
// conversation's pictures (keys, buttons, swipe), and the conversation's Files and media.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { horizontalOverflow, launchBrowser, openSignedIn, screenshotDir } from "./browser.ts";
import { addMember, createGroup, setUp, startTestServer, waitFor, type TestServer } from "./harness.ts";
import { twoColourJpeg } from "./images.ts";

let s: TestServer;
let browser: Browser;
let page: Page;
let ana: { token: string; user: { id: string } };
let ben: { token: string; user: { id: string } };
let group: string;
const errors: string[] = [];

const timeline = () => page.getByRole("log", { name: "Messages" });
const viewer = () => page.getByRole("dialog", { name: "Media viewer" });

async function uploadAs(token: string, name: string, bytes: Uint8Array): Promise<{ id: string; type: string }> {
  const form = new FormData();
  form.append("file", new File([bytes as BlobPart], name));
  const res = await fetch(`${s.url}/api/v1/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return ((await res.json()) as any).attachment;
}
const sendFiles = (token: string, text: string, ids: string[]) =>
  s.call("POST", `/api/v1/conversations/${group}/messages`, {
    token,
    body: { clientId: crypto.randomUUID(), text, attachmentIds: ids },
  });

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  group = await createGroup(s, ana.token, "Holiday", [ben.user.id]);
  // Three pictures of different shapes, one message each, and a video (a WebM with a video track).
  for (const [w, h, name] of [
    [900, 600, "beach.jpg"],
    [600, 900, "tower.jpg"],
    [800, 800, "square.jpg"],
  ] as const) {
    const a = await uploadAs(ana.token, name, await twoColourJpeg(w, h));
    await sendFiles(ana.token, `photo ${name}`, [a.id]);
  }
  const video = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0x86, 0x85, ...Buffer.from("V_VP8")]);
  const clip = await uploadAs(ana.token, "clip.webm", video);
  expect(clip.type).toBe("video/webm");
  await sendFiles(ana.token, "a clip", [clip.id]);
  browser = await launchBrowser({ media: true });
  page = await openSignedIn(browser, s.url, "ben", errors);
  await page.goto(`${s.url}/c/${group}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("voice notes and media", () => {
  test("a voice note is recorded, sent as Opus audio, and plays with its waveform and length", async () => {
    await page.getByRole("button", { name: "Record a voice note" }).click();
    const recorder = page.getByRole("group", { name: "Recording a voice note" });
    // At least a second and a half of the fake microphone's tone.
    await waitFor(async () => ((await recorder.getByRole("timer").textContent()) ?? "") >= "0:02", "two seconds");
    await recorder.getByRole("button", { name: "Send voice note" }).click();
    const player = timeline().getByRole("group", { name: /^Voice note / });
    await player.waitFor();
    const history = await s.call("GET", `/api/v1/conversations/${group}/messages?limit=1`, { token: ben.token });
    const note = history.body.messages[0].attachments[0];
    expect(note.type).toBe("audio/webm");
    expect(note.name).toMatch(/^Voice note .*\.webm$/);
    // Its length, from the sound itself (what was recorded: about two seconds).
    await waitFor(async () => /^0:0[1-3]$/.test((await player.locator(".duration").textContent()) ?? ""), "length");
    expect(await player.locator(".waveform span").count()).toBe(40);
    await player.getByRole("button", { name: "Play" }).click();
    await player.getByRole("button", { name: "Pause" }).waitFor();
    await player.getByRole("button", { name: "Play" }).waitFor({ timeout: 10_000 }); // played to the end
  });

  test("Cancel throws a recording away: nothing is sent", async () => {
    const before = (await s.call("GET", `/api/v1/conversations/${group}/messages?limit=5`, { token: ben.token })).body
      .messages.length;
    await page.getByRole("button", { name: "Record a voice note" }).click();
    const recorder = page.getByRole("group", { name: "Recording a voice note" });
    await waitFor(async () => ((await recorder.getByRole("timer").textContent()) ?? "") >= "0:01", "a second");
    await recorder.getByRole("button", { name: "Cancel recording" }).click();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    await page.getByRole("textbox", { name: "Message" }).fill("sentinel after the cancelled note");
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
    await timeline().locator(".message:not(.pending)").getByText("sentinel after the cancelled note").waitFor();
    const after = (await s.call("GET", `/api/v1/conversations/${group}/messages?limit=5`, { token: ben.token })).body
      .messages;
    expect(after.length).toBe(Math.min(5, before + 1));
    expect(after[0].text).toBe("sentinel after the cancelled note");
    expect(after[0].attachments).toEqual([]);
  });

  test("a video plays inline", async () => {
    const video = timeline().locator("video.video-inline");
    expect(await video.count()).toBe(1);
    expect(await video.getAttribute("controls")).not.toBeNull();
    expect(await video.getAttribute("src")).toStartWith("/api/v1/files/");
  });

  test("pictures open full screen and move with the arrow keys, the buttons and a swipe", async () => {
    await timeline().getByRole("button", { name: "Open image tower.jpg" }).click();
    await viewer().waitFor();
    const count = viewer().locator(".media-count");
    // Three pictures and the video, oldest first.
    expect(await count.textContent()).toBe("2 of 4");
    await page.keyboard.press("ArrowRight");
    await waitFor(async () => (await count.textContent()) === "3 of 4", "next by key");
    await viewer().getByRole("button", { name: "Previous" }).click();
    await viewer().getByRole("button", { name: "Previous" }).click();
    await waitFor(async () => (await count.textContent()) === "1 of 4", "back by buttons");
    expect(await viewer().getByRole("button", { name: "Previous" }).isDisabled()).toBe(true);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "media-viewer-desktop.png") });
    // A swipe to the left: the next one.
    const stage = (await viewer().locator(".media-stage").boundingBox())!;
    const y = stage.y + stage.height / 2;
    await page.mouse.move(stage.x + stage.width * 0.7, y);
    await page.mouse.down();
    await page.mouse.move(stage.x + stage.width * 0.3, y, { steps: 5 });
    await page.mouse.up();
    await waitFor(async () => (await count.textContent()) === "2 of 4", "next by swipe");
    await page.keyboard.press("Escape");
    await viewer().waitFor({ state: "hidden" });
  });

  test("on a phone the viewer fills the screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await timeline().getByRole("button", { name: "Open image beach.jpg" }).click();
    await viewer().waitFor();
    const box = (await viewer().boundingBox())!;
    expect([Math.round(box.width), Math.round(box.height)]).toEqual([390, 844]);
    expect(await horizontalOverflow(page)).toEqual([]);
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "media-viewer-phone.png") });
    await viewer().getByRole("button", { name: "Close viewer" }).click();
    await viewer().waitFor({ state: "hidden" });
    await page.setViewportSize({ width: 1100, height: 800 });
  });

  test("Files and media lists the conversation's pictures and videos, and its other files", async () => {
    await page.getByRole("button", { name: "Conversation menu" }).click();
    await page.getByRole("menuitem", { name: "Files and media" }).click();
    const panel = page.getByRole("complementary", { name: "Files and media" });
    const tiles = panel.locator(".media-grid button");
    await waitFor(async () => (await tiles.count()) === 4, "four tiles");
    // Newest first: the clip, then square, tower, beach. The viewer moves through the panel's list.
    await panel.getByRole("button", { name: "Open tower.jpg" }).click();
    expect(await viewer().locator(".media-count").textContent()).toBe("3 of 4");
    await page.keyboard.press("Escape");
    await viewer().waitFor({ state: "hidden" });
    await panel.getByRole("tab", { name: "Files" }).click();
    await panel.getByRole("group", { name: /^Voice note / }).waitFor();
    if (screenshotDir) await page.screenshot({ path: join(screenshotDir, "files-and-media-desktop.png") });
    await panel.getByRole("button", { name: "Close files and media" }).click();
    expect(errors).toEqual([]);
  });
});
