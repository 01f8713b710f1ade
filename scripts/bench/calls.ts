// What calls cost. The server carries signalling only: its CPU to set a call up (start, joins, and the
// offers, answers and candidates a mesh of `size` exchanges), the memory an active call holds, and its CPU
// while calls go on (nothing but the sockets' pings). The browser carries the media: the CPU of one Chromium
// running a 4-person video call in four pages (fake camera and microphone), summed over its processes.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/harness.ts";
import { spawnServer } from "../../test/process.ts";
import { TestSocket } from "../../test/ws-client.ts";

const TICK = 100; // clock ticks per second on Linux (USER_HZ)

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}
function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
}

export interface SignallingCost {
  calls: number;
  size: number;
  setupCpuMsPerCall: number;
  rssKbPerCall: number;
  activeCpuPercentPer1000Calls: number;
}

/** `calls` group calls of `size` people at once, with the negotiation a mesh of that size makes. */
export async function benchCallSignalling(calls = 250, size = 4): Promise<SignallingCost> {
  const dir = tempDir("parley-bench-calls-");
  const server = await spawnServer([process.execPath, join(import.meta.dir, "..", "..", "src", "main.ts"), "serve"], {
    cwd: dir,
    env: {
      PARLEY_DATA_DIR: join(dir, "data"),
      PARLEY_AUTH_RATE_LIMIT: "100000",
      PARLEY_CALL_MAX_PARTICIPANTS: String(size),
    },
  });
  const sockets: TestSocket[] = [];
  try {
    const call = async (method: string, path: string, token: string | null, body?: unknown) => {
      const res = await fetch(server.url + path, {
        method,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as any;
    };
    const admin = (
      await call("POST", "/api/v1/setup", null, {
        username: "admin",
        password: "bench-password-1",
        displayName: "Admin",
      })
    ).token as string;
    const groups: { id: string; tokens: string[] }[] = [];
    for (let g = 0; g < calls; g++) {
      const people: { id: string; token: string }[] = [];
      for (let i = 0; i < size; i++) {
        const { invite } = await call("POST", "/api/v1/admin/invites", admin, {});
        const r = await call("POST", "/api/v1/auth/register", null, {
          username: `c${g}p${i}`,
          password: "bench-password-1",
          displayName: `C${g} P${i}`,
          inviteCode: invite.code,
        });
        people.push({ id: r.user.id, token: r.token });
      }
      const { conversation } = await call("POST", "/api/v1/conversations", people[0]!.token, {
        type: "group",
        title: `Call ${g}`,
        memberIds: people.slice(1).map((p) => p.id),
      });
      groups.push({ id: conversation.id, tokens: people.map((p) => p.token) });
    }
    const members: TestSocket[][] = [];
    for (const g of groups) {
      const row: TestSocket[] = [];
      for (const token of g.tokens) row.push(await TestSocket.ready(server.url, token));
      members.push(row);
      sockets.push(...row);
    }
    const pid = server.proc.pid;
    await Bun.sleep(1000); // settled: every hello answered, nothing else going on
    const [cpu0, rss0] = [cpuSeconds(pid), rssMb(pid)];
    // Set every call up: the first starts, the others join; each pair then exchanges an offer, an answer
    // and eight candidates each way, as browsers do.
    const offer = { sdp: { type: "offer", sdp: "v=0\r\n" + "a=x\r\n".repeat(600) } };
    const answer = { sdp: { type: "answer", sdp: "v=0\r\n" + "a=x\r\n".repeat(600) } };
    const candidate = {
      candidate: { candidate: "candidate:1 1 udp 2122194687 127.0.0.1 50000 typ host", sdpMid: "0" },
    };
    let expected = 0;
    await Promise.all(
      groups.map(async (g, gi) => {
        const row = members[gi]!;
        const peers: string[] = [];
        row[0]!.send({ type: "call.start", id: "s", conversationId: g.id, media: "video" });
        peers.push((await row[0]!.next((f) => f.type === "call.joined")).peerId);
        for (const t of row.slice(1)) {
          t.send({ type: "call.join", id: "j", conversationId: g.id });
          peers.push((await t.next((f) => f.type === "call.joined")).peerId);
        }
        for (let a = 0; a < row.length; a++)
          for (let b = a + 1; b < row.length; b++) {
            row[a]!.send({ type: "call.signal", conversationId: g.id, to: peers[b], data: offer });
            row[b]!.send({ type: "call.signal", conversationId: g.id, to: peers[a], data: answer });
            for (let k = 0; k < 8; k++) {
              row[a]!.send({ type: "call.signal", conversationId: g.id, to: peers[b], data: candidate });
              row[b]!.send({ type: "call.signal", conversationId: g.id, to: peers[a], data: candidate });
            }
            expected += 18;
          }
      }),
    );
    const got = () => sockets.reduce((n, s) => n + s.frames.filter((f) => f.type === "call.signal").length, 0);
    for (const deadline = Date.now() + 60_000; got() < expected; await Bun.sleep(20))
      if (Date.now() > deadline) throw new Error(`only ${got()} of ${expected} signals arrived`);
    const [cpu1, rss1] = [cpuSeconds(pid), rssMb(pid)];
    // Calls going on: nothing to carry but the sockets themselves.
    const quietSeconds = 5;
    await Bun.sleep(quietSeconds * 1000);
    const cpu2 = cpuSeconds(pid);
    return {
      calls,
      size,
      setupCpuMsPerCall: ((cpu1 - cpu0) * 1000) / calls,
      rssKbPerCall: ((rss1 - rss0) * 1024) / calls,
      activeCpuPercentPer1000Calls: (((cpu2 - cpu1) / quietSeconds) * 100 * 1000) / calls,
    };
  } finally {
    for (const s of sockets) s.close();
    server.proc.kill("SIGTERM");
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU seconds of every process of the Chromium that has `marker` on its command line. */
export function chromiumCpuSeconds(marker: string): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) continue;
      total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * Four pages of one Chromium in a group video call (fake 640×480 camera and microphone, every page sending
 * to and receiving from the three others), measured over `seconds` once media flows: the browser's CPU
 * (all its processes), as a share of one core, in total and per participant.
 */
export async function benchMeshCpu(
  seconds = 10,
): Promise<{ people: number; cpuPercentTotal: number; cpuPercentPerPerson: number }> {
  const { launchBrowser, onlyLoopbackIce, signInPage } = await import("../../test/browser.ts");
  const { startTestServer, setUp, addMember } = await import("../../test/harness.ts");
  const s = await startTestServer();
  const browser = await launchBrowser({ media: true });
  try {
    const root = await setUp(s);
    const people = await Promise.all(["mesh0", "mesh1", "mesh2", "mesh3"].map((n) => addMember(s, root.token, n)));
    const { conversation } = (
      await s.call("POST", "/api/v1/conversations", {
        token: people[0]!.token,
        body: { type: "group", title: "Mesh", memberIds: people.slice(1).map((p) => p.user.id) },
      })
    ).body;
    const pages = [];
    for (const p of people) {
      const context = await browser.newContext({ viewport: { width: 640, height: 480 } });
      await context.addInitScript(onlyLoopbackIce);
      const page = await context.newPage();
      await signInPage(page, s.url, p.user.username);
      await page.waitForURL(s.url + "/");
      await page.goto(`${s.url}/c/${conversation.id}`);
      pages.push(page);
    }
    await pages[0]!.getByRole("button", { name: "Video call" }).click();
    for (const page of pages.slice(1))
      await page
        .getByRole("status")
        .filter({ hasText: "Call in progress" })
        .getByRole("button", { name: "Join" })
        .click();
    for (const page of pages) await page.getByText("4 in the call").waitFor({ timeout: 30_000 });
    await Bun.sleep(3000); // connected and past the first key frames
    const marker = "--use-fake-device-for-media-stream";
    const c0 = chromiumCpuSeconds(marker);
    await Bun.sleep(seconds * 1000);
    const used = chromiumCpuSeconds(marker) - c0;
    const cpuPercentTotal = (used / seconds) * 100;
    return { people: pages.length, cpuPercentTotal, cpuPercentPerPerson: cpuPercentTotal / pages.length };
  } finally {
    await browser.close();
    await s.stop();
  }
}

if (import.meta.main) {
  console.table([await benchCallSignalling(Number(process.argv[2] ?? 250), 4)]);
  console.table([await benchMeshCpu()]);
}
