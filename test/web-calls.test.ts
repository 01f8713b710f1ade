// Calls in real Chromium with fake cameras and microphones: a direct video call rings, is answered, and
// carries audio and video both ways (each side's getStats shows inbound bytes growing); mute is shown to the
// other side and silences the outbound track; leaving ends a direct call for both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { join } from "node:path";
import {
  horizontalOverflow,
  launchBrowser,
  onlyLoopbackIce,
  screenshotDir,
  signInPage,
  watchPage,
  openForCalls,
} from "./browser.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let browser: Browser;
let ana: Page, ben: Page, cid: Page;
const errors: string[] = [];

/** Every RTCPeerConnection the page makes, kept where the test can ask it for statistics. */
const keepPeerConnections = () => {
  const Original = window.RTCPeerConnection;
  (window as any).__pcs = [];
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      (window as any).__pcs.push(this);
    }
  } as typeof RTCPeerConnection;
};

/** Bytes received from each other participant (one open connection each), by kind. */
const inboundPerPeer = (page: Page) =>
  page.evaluate(async () => {
    const out: { audio: number; video: number }[] = [];
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState === "closed") continue;
      const sum = { audio: 0, video: 0 };
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp" && (r.kind === "audio" || r.kind === "video"))
          sum[r.kind as "audio" | "video"] += r.bytesReceived ?? 0;
      });
      out.push(sum);
    }
    return out;
  });

/**
 * Waits until audio and video bytes arrive from each of `others` participants, and keep arriving: a polled
 * condition with a deadline (media has no event to wait on).
 */
async function expectMediaFlowing(page: Page, others = 1): Promise<void> {
  type Bytes = { audio: number; video: number }[];
  const arrived = (xs: Bytes) => xs.length === others && xs.every((x) => x.audio > 0 && x.video > 0);
  let first: Bytes = [];
  for (const deadline = Date.now() + 20_000; ;) {
    first = await inboundPerPeer(page);
    if (arrived(first)) break;
    if (Date.now() > deadline)
      throw new Error(
        `no media arrived: ${JSON.stringify(first)} ${JSON.stringify(
          await page.evaluate(() =>
            ((window as any).__pcs as RTCPeerConnection[]).map((pc) => [
              pc.connectionState,
              pc.signalingState,
              pc.iceConnectionState,
              pc.getReceivers().length,
            ]),
          ),
        )} ${await page.locator(".call-error").allTextContents()}`,
      );
    await page.waitForTimeout(200);
  }
  for (const deadline = Date.now() + 20_000; ;) {
    const now = await inboundPerPeer(page);
    if (now.length === others && now.every((x, i) => x.audio > first[i]!.audio && x.video > first[i]!.video)) return;
    if (Date.now() > deadline) throw new Error(`media stopped: ${JSON.stringify([first, now])}`);
    await page.waitForTimeout(200);
  }
}

const open = (username: string) => openForCalls(browser, s.url, username, errors, { setup: keepPeerConnections });

beforeAll(async () => {
  s = await startTestServer({ callGraceSeconds: "2" });
  const root = await setUp(s);
  const [a, b, c] = await Promise.all(["ana1", "ben", "cid"].map((n) => addMember(s, root.token, n)));
  await s.call("POST", "/api/v1/conversations", { token: a!.token, body: { type: "direct", userId: b!.user.id } });
  await s.call("POST", "/api/v1/conversations", {
    token: a!.token,
    body: { type: "group", title: "Band", memberIds: [b!.user.id, c!.user.id] },
  });
  browser = await launchBrowser({ media: true });
  ana = await open("ana1");
  ben = await open("ben");
  cid = await open("cid");
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
});

describe("calls in the web app", () => {
  test("a direct video call rings, is answered, and carries audio and video both ways", async () => {
    await ana.getByRole("link", { name: /BEN/ }).click();
    await ana.getByRole("button", { name: "Video call" }).click();
    await ana
      .getByRole("region", { name: /Call in BEN/ })
      .getByText("Waiting for others to join…")
      .waitFor();
    const incoming = ben.getByRole("alertdialog", { name: "Incoming call from ANA1" });
    await incoming.getByText("Video call").waitFor();
    await incoming.getByRole("button", { name: "Accept" }).click();
    await incoming.waitFor({ state: "detached" });
    await ben.getByText("2 in the call").waitFor();
    await ana.getByText("2 in the call").waitFor();
    await expectMediaFlowing(ana);
    await expectMediaFlowing(ben);
    if (screenshotDir) await ana.screenshot({ path: join(screenshotDir, "call-desktop.png") });
  });

  test("mute is shown to the other side, and the muted microphone sends nothing but silence", async () => {
    await ben.getByRole("button", { name: "🎙️ Mute" }).click();
    await ana.locator(".call-tile").getByRole("img", { name: "muted" }).waitFor();
    expect(
      await ben.evaluate(() =>
        ((window as any).__pcs as RTCPeerConnection[]).flatMap((pc) =>
          pc
            .getSenders()
            .filter((snd) => snd.track?.kind === "audio")
            .map((snd) => snd.track!.enabled),
        ),
      ),
    ).toEqual([false]);
    await ben.getByRole("button", { name: "🔇 Unmute" }).click();
    await ana.locator(".call-tile").getByRole("img", { name: "muted" }).waitFor({ state: "detached" });
    // The camera too: Ana sees Ben's picture instead of his video, and then his video again.
    await ben.getByRole("button", { name: "📷 Camera off" }).click();
    await ana.locator(".call-tile figcaption", { hasText: "camera off" }).waitFor();
    await ana.locator(".call-tile .avatar").waitFor();
    await ben.getByRole("button", { name: "📷 Camera on" }).click();
    await ana.locator(".call-tile figcaption", { hasText: "camera off" }).waitFor({ state: "detached" });
  });

  test("the one speaking is marked; another camera and microphone can be chosen mid-call", async () => {
    // Ana's fake microphone beeps: its level shows on Ben's side as the active speaker.
    await ben.locator(".call-tile.speaking").waitFor();
    await ana.getByRole("button", { name: "⚙️ Devices" }).click();
    const camera = ana.getByLabel("Camera");
    // The lists fill in once the browser has said which devices there are (a promise after the panel opens).
    await camera.locator("option").first().waitFor({ state: "attached" });
    await ana.getByLabel("Microphone").locator("option").first().waitFor({ state: "attached" });
    const cameras = await camera.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const mics = await ana
      .getByLabel("Microphone")
      .locator("option")
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const sent = (kind: string) =>
      ana.evaluate(
        (k) =>
          ((window as any).__pcs as RTCPeerConnection[])
            .filter((pc) => pc.connectionState !== "closed")
            .flatMap((pc) => pc.getSenders())
            .filter((snd) => snd.track?.kind === k)
            .map((snd) => snd.track!.getSettings().deviceId),
        kind,
      );
    const [usedCamera] = await sent("video");
    const other = cameras.find((id) => id !== usedCamera);
    if (other) {
      await camera.selectOption(other);
      await ana.waitForFunction(
        (id) =>
          ((window as any).__pcs as RTCPeerConnection[]).some((pc) =>
            pc.getSenders().some((snd) => snd.track?.getSettings().deviceId === id),
          ),
        other,
      );
    }
    const [usedMic] = await sent("audio");
    const otherMic = mics.find((id) => id !== usedMic);
    if (otherMic) await ana.getByLabel("Microphone").selectOption(otherMic);
    expect(cameras.length + mics.length).toBeGreaterThan(2);
    // What Ben receives still flows.
    await expectMediaFlowing(ben);
    await ana.getByRole("button", { name: "⚙️ Devices" }).click();
  });

  test("a shared screen arrives as one more video track, and stops when sharing stops", async () => {
    const videoTracks = (page: Page) =>
      page.evaluate(
        () =>
          ((window as any).__pcs as RTCPeerConnection[])
            .filter((pc) => pc.connectionState !== "closed")
            .flatMap((pc) => pc.getReceivers())
            .filter((r) => r.track.kind === "video" && r.track.readyState === "live" && !r.track.muted).length,
      );
    await ana.getByRole("button", { name: "🖥️ Share screen" }).click();
    await ana.getByRole("button", { name: "🖥️ Stop sharing" }).waitFor();
    // Everyone sees that Ana shares, and Ben's browser receives a second video track.
    await ben.locator(".call-tile figcaption", { hasText: "sharing" }).waitFor();
    // Two video streams now arrive at Ben (camera and screen), each with bytes.
    await ben.waitForFunction(async () => {
      let streams = 0;
      for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
        if (pc.connectionState === "closed") continue;
        (await pc.getStats()).forEach((r: any) => {
          if (r.type === "inbound-rtp" && r.kind === "video" && r.bytesReceived > 0) streams++;
        });
      }
      return streams >= 2;
    });
    await ana.getByRole("button", { name: "🖥️ Stop sharing" }).click();
    await ben.locator(".call-tile figcaption", { hasText: "sharing" }).waitFor({ state: "detached" });
  });

  test("when this device's network comes back, the paths are looked for anew (ICE restart) and media goes on", async () => {
    const ufrags = (page: Page) =>
      page.evaluate(() =>
        ((window as any).__pcs as RTCPeerConnection[])
          .filter((pc) => pc.connectionState !== "closed")
          .map((pc) => /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? "")?.[1] ?? ""),
      );
    const before = await ufrags(ben);
    await ben.evaluate(() => window.dispatchEvent(new Event("online")));
    // New ICE credentials on Ben's side: the restart was negotiated with Ana.
    await ben.waitForFunction(
      (old) =>
        ((window as any).__pcs as RTCPeerConnection[])
          .filter((pc) => pc.connectionState !== "closed")
          .some((pc, i) => {
            const now = /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? "")?.[1];
            return now && now !== old[i] && pc.signalingState === "stable";
          }),
      before,
    );
    await expectMediaFlowing(ana);
    await expectMediaFlowing(ben);
  });

  test("leaving ends a direct call for both, and the camera is released", async () => {
    await ben.getByRole("button", { name: "Leave" }).click();
    await ana.getByRole("region", { name: /Call in BEN/ }).waitFor({ state: "detached" });
    await ben.getByRole("region", { name: /Call in ANA1/ }).waitFor({ state: "detached" });
    expect(await ana.getByRole("button", { name: "Video call" }).count()).toBe(1);
    // The conversation's history keeps the call.
    await ana.locator(".timeline li.notice", { hasText: /^Video call · less than a minute$/ }).waitFor();
  });

  test("a declined call is 'not answered' for the caller and a missed call for the other", async () => {
    await ana.getByRole("button", { name: "Audio call" }).click();
    await ben
      .getByRole("alertdialog", { name: "Incoming call from ANA1" })
      .getByRole("button", { name: "Decline" })
      .click();
    await ana.getByRole("region", { name: /Call in BEN/ }).waitFor({ state: "detached" });
    await ana.locator(".timeline li.notice", { hasText: "Call not answered" }).waitFor();
    await ben.getByRole("link", { name: /ANA1/ }).click();
    await ben.locator(".timeline li.notice", { hasText: "Missed call" }).waitFor();
  });

  test("three in a group call each receive audio and video from both others; a closed page leaves the call", async () => {
    await ana.getByRole("link", { name: /Band/ }).click();
    await ana.getByRole("button", { name: "Video call" }).click();
    await ana.getByText("Waiting for others to join…").waitFor();
    for (const page of [ben, cid]) {
      await page.getByRole("link", { name: /Band/ }).click();
      await page
        .getByRole("status")
        .filter({ hasText: "Call in progress" })
        .getByRole("button", { name: "Join" })
        .click();
    }
    for (const page of [ana, ben, cid]) await page.getByText("3 in the call").waitFor();
    for (const page of [ana, ben, cid]) await expectMediaFlowing(page, 2);
    if (screenshotDir) await cid.screenshot({ path: join(screenshotDir, "call-group.png") });
    // Cid closes his tab: after the grace the others see two in the call.
    await cid.context().close();
    for (const page of [ana, ben]) await page.getByText("2 in the call").waitFor({ timeout: 40_000 });
    await ben.getByRole("button", { name: "Leave" }).click();
    await ana.getByText("Waiting for others to join…").waitFor();
    await ana.getByRole("button", { name: "Leave" }).click();
    await ana.getByRole("region", { name: /Call in Band/ }).waitFor({ state: "detached" });
  }, 90_000);

  test("on a phone the incoming call and the call view fit the screen", async () => {
    const phone = await openForCalls(browser, s.url, "ben", errors, {
      setup: keepPeerConnections,
      viewport: { width: 390, height: 844 },
    });
    await ana.getByRole("link", { name: /BEN/ }).click();
    await ana.getByRole("button", { name: "Audio call" }).click();
    const incoming = phone.getByRole("alertdialog", { name: "Incoming call from ANA1" });
    await incoming.getByText("Audio call").waitFor();
    expect(await horizontalOverflow(phone)).toEqual([]);
    if (screenshotDir) await phone.screenshot({ path: join(screenshotDir, "call-phone-incoming.png") });
    await incoming.getByRole("button", { name: "Accept" }).click();
    // Ben's desktop stops ringing: he answered on his phone.
    await ben.getByRole("alertdialog", { name: "Incoming call from ANA1" }).waitFor({ state: "detached" });
    await phone.getByText("2 in the call").waitFor();
    await phone.getByRole("button", { name: "⚙️ Devices" }).click();
    expect(await horizontalOverflow(phone)).toEqual([]);
    if (screenshotDir) await phone.screenshot({ path: join(screenshotDir, "call-phone.png") });
    await phone.getByRole("button", { name: "Leave" }).click();
    await ana.getByRole("region", { name: /Call in BEN/ }).waitFor({ state: "detached" });
    await phone.context().close();
  });

  test("a browser that gives no microphone says so in words, and no call starts", async () => {
    // A browser without the fake devices: in a headless browser there is no microphone to give.
    const plain = await launchBrowser();
    try {
      const page = await (await plain.newContext()).newPage();
      watchPage(page, errors, "plain");
      await signInPage(page, s.url, "cid");
      await page.waitForURL(s.url + "/");
      await page.getByRole("link", { name: /Band/ }).click();
      await page.getByRole("button", { name: "Audio call" }).click();
      const alert = page.getByRole("alert").filter({ hasText: /microphone/ });
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(
        /No microphone was found on this device\.|Parley may not use your microphone: allow it in the browser's settings for this site, then try again\./,
      );
      expect(await page.getByRole("region", { name: /Call in/ }).count()).toBe(0);
      // Nothing reached the server: no call is going on.
      expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^parley_calls_active 0$/m);
    } finally {
      await plain.close();
    }
  });

  test("ran without script errors", () => {
    expect(errors).toEqual([]);
  });
});
