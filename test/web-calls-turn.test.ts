// A call forced through TURN: Debian's coturn on loopback with the REST API's shared secret (as
// docs/operations.md sets it up), Parley handing each participant a credential made from it, and two
// Chromium pages that may only use relayed candidates (iceTransportPolicy "relay"). The call connects,
// its selected path is a relay on both sides, and audio and video arrive.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import type { Page as PwPage } from "playwright-core";
import { join } from "node:path";
import { launchBrowser, onlyLoopbackIce, signInPage, watchPage, openForCalls } from "./browser.ts";
import { addMember, setUp, startTestServer, tempDir, type TestServer } from "./harness.ts";

let s: TestServer;
let turn: Subprocess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const errors: string[] = [];
const SECRET = "north-wind-secret";

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Starts coturn on loopback and resolves once its relay servers are up (it says so on stdout). */
async function startTurn(port: number): Promise<Subprocess> {
  const dir = tempDir("parley-turn-");
  const base = 40_000 + Math.floor(Math.random() * 20_000);
  const proc = Bun.spawn(
    [
      "turnserver",
      "-n",
      "--listening-ip=127.0.0.1",
      "--relay-ip=127.0.0.1",
      `--listening-port=${port}`,
      `--min-port=${base}`,
      `--max-port=${base + 200}`,
      "--use-auth-secret",
      `--static-auth-secret=${SECRET}`,
      "--realm=parley.test",
      // The two test pages are on loopback, so their relays must reach loopback peers.
      "--allow-loopback-peers",
      "--no-tls",
      "--no-dtls",
      "--no-cli",
      "--fingerprint",
      "--log-file=stdout",
      `--pidfile=${join(dir, "turnserver.pid")}`,
      `--db=${join(dir, "turndb")}`,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const deadline = Date.now() + 15_000;
  while (!seen.includes("Total General servers")) {
    if (Date.now() > deadline) throw new Error(`coturn did not start:\n${seen.slice(-2000)}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`coturn exited:\n${seen.slice(-2000)}`);
    seen += decoder.decode(value);
  }
  // Keep reading so its pipe never fills up.
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return proc;
}

/** Every RTCPeerConnection the page makes, forced to relayed candidates only and kept for statistics. */
const relayOnly = () => {
  const Original = window.RTCPeerConnection;
  (window as any).__pcs = [];
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super({ ...config, iceTransportPolicy: "relay" });
      (window as any).__pcs.push(this);
    }
  } as typeof RTCPeerConnection;
};

/** The selected candidate pair's local candidate type, and the bytes received, of the page's live connection. */
const path = (page: PwPage) =>
  page.evaluate(async () => {
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState !== "connected") continue;
      const stats = await pc.getStats();
      let local = "";
      let audio = 0;
      let video = 0;
      stats.forEach((r: any) => {
        if (r.type === "transport" && r.selectedCandidatePairId) {
          const pair = stats.get(r.selectedCandidatePairId);
          local = stats.get(pair.localCandidateId)?.candidateType ?? "";
        }
        if (r.type === "inbound-rtp" && r.kind === "audio") audio += r.bytesReceived;
        if (r.type === "inbound-rtp" && r.kind === "video") video += r.bytesReceived;
      });
      return { local, audio, video };
    }
    return null;
  });

const open = (username: string) => openForCalls(browser, s.url, username, errors, { setup: relayOnly });

beforeAll(async () => {
  const port = await freePort();
  turn = await startTurn(port);
  s = await startTestServer({ turnUrls: `turn:127.0.0.1:${port}?transport=udp`, turnSecret: SECRET });
  const root = await setUp(s);
  const [a, b] = await Promise.all(["ana1", "ben"].map((n) => addMember(s, root.token, n)));
  await s.call("POST", "/api/v1/conversations", { token: a!.token, body: { type: "direct", userId: b!.user.id } });
  browser = await launchBrowser({ media: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.stop();
  turn?.kill();
  await turn?.exited;
});

describe("a call through TURN", () => {
  test("with relayed candidates only, a direct call connects through coturn and carries audio and video", async () => {
    const ana = await open("ana1");
    const ben = await open("ben");
    await ana.getByRole("link", { name: /BEN/ }).click();
    await ana.getByRole("button", { name: "Video call" }).click();
    await ben
      .getByRole("alertdialog", { name: "Incoming call from ANA1" })
      .getByRole("button", { name: "Accept" })
      .click();
    for (const page of [ana, ben]) {
      let seen: Awaited<ReturnType<typeof path>> = null;
      for (const deadline = Date.now() + 30_000; !(seen && seen.audio > 0 && seen.video > 0);) {
        if (Date.now() > deadline) throw new Error(`no relayed media: ${JSON.stringify(seen)}`);
        await page.waitForTimeout(250);
        seen = await path(page);
      }
      expect(seen!.local).toBe("relay");
    }
    await ana.getByRole("button", { name: "Leave" }).click();
    await ben.getByRole("region", { name: /Call in ANA1/ }).waitFor({ state: "detached" });
    expect(errors).toEqual([]);
  }, 90_000);
});
