// Three Parley node processes behind HAProxy (the shipped scripts/deploy/haproxy.cfg), on a real libSQL
// server, Redis and S3 bucket: what a cluster's users live through when a node dies, every node restarts in
// turn, or they are away with the app on two devices. Clients go through the balancer as a browser does,
// reconnect when their socket closes and resume from the last event they had.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { settings, type SettingKey } from "../src/config/settings.ts";
import { makeCertificate, serveHttps } from "./certificates.ts";
import { ADMIN, callAt, tempDir, waitFor } from "./harness.ts";
import { spawnServer, type ChildServer } from "./process.ts";
import { TestSocket } from "./ws-client.ts";
import { ResumingClient } from "./resuming-client.ts";
import {
  freePort,
  haveHaproxy,
  haveNginx,
  haveSqld,
  startBucket,
  startHaproxy,
  startNginx,
  startRedis,
  startSqld,
  type Service,
} from "./services.ts";

const root = join(import.meta.dir, "..");
let sqld: Service;
let redis: Service;
let bucket: Awaited<ReturnType<typeof startBucket>>;
let balancer: Service;
let pushService: Server<undefined>;
let certDir: string;
/** Pushes received, by device (the path of its endpoint). */
const pushes = new Map<string, number>();

// ---- the nodes -----------------------------------------------------------------------------------
interface Node {
  port: number;
  dir: string;
  server: ChildServer | null;
}
const nodes: Node[] = [];

function nodeEnv(node: Node): Record<string, string> {
  const env = (key: SettingKey, value: string) => [settings[key].env, value] as const;
  return Object.fromEntries([
    env("port", String(node.port)),
    env("dataDir", join(node.dir, "data")),
    env("databaseUrl", sqld.url),
    env("busUrl", redis.url),
    ...Object.entries(bucket.settings).map(([k, v]) => env(k as SettingKey, v)),
    env("authRateLimit", "100000"),
    env("sendRate", "100000"),
    env("presenceGraceSeconds", "0"),
    env("pushAwaySeconds", "0"),
    env("pushAllowedHosts", `127.0.0.1:${pushService.port}`),
    env("outboundAllowedNetworks", "127.0.0.1/32"),
    // The balancer checks /readyz every second and needs two failures: three seconds of 503 before sockets close.
    env("drainSeconds", "3"),
    ["NODE_EXTRA_CA_CERTS", join(certDir, "cert.pem")],
  ]);
}

async function startNode(node: Node): Promise<void> {
  node.server = await spawnServer([process.execPath, join(root, "src", "main.ts"), "serve"], {
    cwd: node.dir,
    env: nodeEnv(node),
  });
  await waitFor(async () => (await fetch(`${node.server!.url}/readyz`)).status === 200, "the node ready");
}

async function nodeMetric(node: Node, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
}

// ---- clients ---------------------------------------------------------------------------------------
interface Person {
  token: string;
  id: string;
}

const call = callAt;

/** Sends through the balancer until stopped; a send is repeated with its clientId until acknowledged. */
function sendLoad(from: Person, conversationId: string, prefix: string, via = balancer.url) {
  const acked: string[] = [];
  let sending = true;
  const done = (async () => {
    for (let i = 0; sending; i++) {
      const text = `${prefix} ${i}`;
      const clientId = `${prefix}-${i}-${Date.now()}`;
      for (;;) {
        const r = await call(via, "POST", `/api/v1/conversations/${conversationId}/messages`, from.token, {
          clientId,
          text,
        }).catch(() => ({ status: 0, body: null }));
        if (r.status === 201) break;
        if (![0, 502, 503, 504].includes(r.status))
          throw new Error(`send refused: ${r.status} ${JSON.stringify(r.body)}`);
        await Bun.sleep(50); // a client's retry backoff
      }
      acked.push(text);
    }
  })();
  return {
    acked,
    async stop() {
      sending = false;
      await done;
    },
  };
}

/** Whether Ana is shown Cat with this status on each of these nodes (asked on each node directly). */
const catShownOn = (on: Node[], status: string) => async () => {
  for (const n of on) {
    const r = await call(`http://127.0.0.1:${n.port}`, "GET", "/api/v1/presence", ana.token);
    if (r.body.presence.find((p: any) => p.userId === cat.id)?.status !== status) return false;
  }
  return true;
};

/** Every acknowledged message reached each client once, in the stream's order. */
async function expectEachOnce(clients: ResumingClient[], acked: string[], sentinel: string): Promise<void> {
  for (const c of clients) {
    await waitFor(() => c.texts().includes(sentinel), "the sentinel at every client", 20_000);
    const texts = c.texts();
    for (const t of acked) expect(texts.filter((x) => x === t).length).toBe(1);
    const ids = c.events.map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  }
}

// ---- the cluster -----------------------------------------------------------------------------------
let ana: Person, ben: Person, cat: Person, dan: Person, eve: Person;
let groupId: string;

beforeAll(async () => {
  if (!haveSqld) throw new Error("sqld is missing: run scripts/install-test-deps.sh");
  if (!haveHaproxy || !haveNginx) throw new Error("haproxy or nginx is missing: run scripts/install-test-deps.sh");
  certDir = tempDir("parley-balancer-push-");
  makeCertificate(certDir, "IP:127.0.0.1");
  pushService = serveHttps(certDir, (req) => {
    const path = new URL(req.url).pathname;
    pushes.set(path, (pushes.get(path) ?? 0) + 1);
    return new Response(null, { status: 201 });
  });
  [sqld, redis, bucket] = await Promise.all([startSqld(), startRedis(), startBucket()]);
  for (let i = 0; i < 3; i++) nodes.push({ port: await freePort(), dir: tempDir("parley-node-"), server: null });
  // One first (it migrates the database), then the others.
  await startNode(nodes[0]!);
  await Promise.all(nodes.slice(1).map(startNode));
  balancer = await startHaproxy(nodes.map((n) => n.port));
  await waitFor(async () => (await fetch(`${balancer.url}/readyz`).catch(() => null))?.status === 200, "the balancer");

  const lb = balancer.url;
  const admin = (await call(lb, "POST", "/api/v1/setup", undefined, ADMIN)).body;
  ana = { token: admin.token, id: admin.user.id };
  const register = async (name: string): Promise<Person> => {
    const invite = (await call(lb, "POST", "/api/v1/admin/invites", ana.token, {})).body.invite;
    const r = await call(lb, "POST", "/api/v1/auth/register", undefined, {
      username: name,
      password: `${name}-password`,
      displayName: name.toUpperCase(),
      inviteCode: invite.code,
    });
    expect(r.status).toBe(201);
    return { token: r.body.token, id: r.body.user.id };
  };
  [ben, cat, dan, eve] = [await register("ben"), await register("cat"), await register("dan"), await register("eve")];
  const g = await call(lb, "POST", "/api/v1/conversations", ana.token, {
    type: "group",
    title: "Everyone",
    memberIds: [ben.id, cat.id, dan.id, eve.id],
  });
  expect(g.status).toBe(201);
  groupId = g.body.conversation.id;
}, 120_000);

afterAll(async () => {
  await balancer?.stop();
  for (const n of nodes) {
    n.server?.proc.kill("SIGKILL");
    await n.server?.exited;
    rmSync(n.dir, { recursive: true, force: true });
  }
  await redis?.stop();
  await sqld?.stop();
  await bucket?.close();
  pushService?.stop(true);
  rmSync(certDir, { recursive: true, force: true });
});

describe("three nodes behind HAProxy", () => {
  test("a node SIGKILLed under load: its clients reconnect through the balancer and resume; every acked message reaches everyone once", async () => {
    const clients = [ana, ben, dan, eve].map((p) => new ResumingClient(p.token, balancer.url));
    await Promise.all(clients.map((c) => c.start()));
    const loads = [sendLoad(ana, groupId, "ana"), sendLoad(ben, groupId, "ben")];
    await waitFor(() => loads.every((l) => l.acked.length >= 10), "sends before the kill");
    // The node holding the most sockets.
    const sockets = await Promise.all(nodes.map((n) => nodeMetric(n, "parley_websocket_connections")));
    const victim = nodes[sockets.indexOf(Math.max(...sockets))]!;
    expect(Math.max(...sockets)).toBeGreaterThan(0);
    // Cat has the app open on that node only, and will not come back: the others forget her when it goes silent.
    const survivors = nodes.filter((n) => n !== victim);
    const catThere = await TestSocket.ready(`http://127.0.0.1:${victim.port}`, cat.token);
    await waitFor(catShownOn(survivors, "online"), "Cat online on the other nodes");
    const reconnectsBefore = clients.reduce((n, c) => n + c.reconnects, 0);
    victim.server!.proc.kill("SIGKILL");
    await victim.server!.exited;
    const ackedAtKill = loads.map((l) => l.acked.length);
    await waitFor(() => loads.every((l, i) => l.acked.length >= ackedAtKill[i]! + 10), "sends after the kill", 20_000);
    expect(clients.reduce((n, c) => n + c.reconnects, 0)).toBeGreaterThan(reconnectsBefore);
    await waitFor(catShownOn(survivors, "offline"), "Cat offline once her node went silent", 15_000);
    await catThere.closed;
    await startNode(victim);
    for (const l of loads) await l.stop();
    const sentinel = await call(balancer.url, "POST", `/api/v1/conversations/${groupId}/messages`, ana.token, {
      clientId: `sentinel-kill-${Date.now()}`,
      text: "sentinel after the kill",
    });
    expect(sentinel.status).toBe(201);
    await expectEachOnce(clients, [...loads[0]!.acked, ...loads[1]!.acked], "sentinel after the kill");
    for (const c of clients) c.stop();
  }, 90_000);

  test("every node restarted in turn under load (SIGTERM, drained, started again): nothing acked is lost or doubled", async () => {
    const clients = [ana, ben, dan, eve].map((p) => new ResumingClient(p.token, balancer.url));
    await Promise.all(clients.map((c) => c.start()));
    const loads = [sendLoad(dan, groupId, "dan"), sendLoad(eve, groupId, "eve")];
    for (const node of nodes) {
      const before = loads.map((l) => l.acked.length);
      node.server!.proc.kill("SIGTERM");
      expect(await node.server!.exited).toBe(0);
      await startNode(node);
      await waitFor(() => loads.every((l, i) => l.acked.length > before[i]! + 5), "sends go on", 20_000);
    }
    for (const l of loads) await l.stop();
    const sentinel = await call(balancer.url, "POST", `/api/v1/conversations/${groupId}/messages`, dan.token, {
      clientId: `sentinel-rolling-${Date.now()}`,
      text: "sentinel after the rolling restart",
    });
    expect(sentinel.status).toBe(201);
    await expectEachOnce(clients, [...loads[0]!.acked, ...loads[1]!.acked], "sentinel after the rolling restart");
    // Draining told each node's clients to reconnect: every client was on some node that restarted.
    for (const c of clients) expect(c.reconnects).toBeGreaterThan(0);
    for (const c of clients) c.stop();
  }, 120_000);

  test("push is sent once per device cluster-wide, and not at all while the person has the app open on any node", async () => {
    const device = async (name: string) => {
      const keys = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
        "deriveBits",
      ])) as CryptoKeyPair;
      const b64u = (b: ArrayBuffer | Uint8Array) => Buffer.from(b as ArrayBuffer).toString("base64url");
      const r = await call(balancer.url, "POST", "/api/v1/push/subscriptions", cat.token, {
        endpoint: `https://127.0.0.1:${pushService.port}/push/${name}`,
        keys: {
          p256dh: b64u(await crypto.subtle.exportKey("raw", keys.publicKey)),
          auth: b64u(crypto.getRandomValues(new Uint8Array(16))),
        },
        label: name,
      });
      expect(r.status).toBe(201);
      return `/push/${name}`;
    };
    const phone = await device("cat-phone");
    const laptop = await device("cat-laptop");
    const dm = await call(balancer.url, "POST", "/api/v1/conversations", ana.token, { type: "direct", userId: cat.id });
    expect(dm.status).toBe(201);
    const direct = dm.body.conversation.id;
    const viaNode = (i: number, text: string) =>
      call(`http://127.0.0.1:${nodes[i % 3]!.port}`, "POST", `/api/v1/conversations/${direct}/messages`, ana.token, {
        clientId: crypto.randomUUID(),
        text,
      });
    // Each message committed on a different node; a push collapses into a newer one for the same
    // conversation while queued, so each is awaited before the next is sent.
    for (let i = 0; i < 6; i++) {
      expect((await viaNode(i, `away ${i}`)).status).toBe(201);
      await waitFor(
        () => (pushes.get(phone) ?? 0) >= i + 1 && (pushes.get(laptop) ?? 0) >= i + 1,
        `push ${i + 1} on both devices`,
      );
    }
    expect([pushes.get(phone), pushes.get(laptop)]).toEqual([6, 6]);

    // Cat opens the app on one node: no node pushes while it is open.
    const queued = async () =>
      (await Promise.all(nodes.map((n) => nodeMetric(n, "parley_push_queued_total")))).reduce((a, b) => a + b, 0);
    const app = new ResumingClient(cat.token, balancer.url);
    await app.start();
    await waitFor(catShownOn(nodes, "online"), "Cat online on every node");
    const before = await queued();
    // Who gets a push is decided in the turn after the commit, before the node answers anything else:
    // the metrics read after each send count every decision.
    for (let i = 0; i < 3; i++) expect((await viaNode(i, `open ${i}`)).status).toBe(201);
    expect(await queued()).toBe(before);
    app.stop();
    await waitFor(catShownOn(nodes, "offline"), "Cat offline on every node");
    expect((await viaNode(1, "away again")).status).toBe(201);
    await waitFor(() => pushes.get(phone) === 7 && pushes.get(laptop) === 7, "the push after closing the app");
    expect(await queued()).toBe(before + 2);
  }, 60_000);
});

describe("three nodes behind nginx", () => {
  test("a node SIGKILLed under load: nginx moves its clients to the next node; every acked message reaches everyone once", async () => {
    const nginx = await startNginx(nodes.map((n) => n.port));
    try {
      const clients = [ana, ben, dan, eve].map((p) => new ResumingClient(p.token, nginx.url));
      await Promise.all(clients.map((c) => c.start()));
      const loads = [sendLoad(ana, groupId, "nginx-ana", nginx.url), sendLoad(eve, groupId, "nginx-eve", nginx.url)];
      await waitFor(() => loads.every((l) => l.acked.length >= 10), "sends before the kill");
      const sockets = await Promise.all(nodes.map((n) => nodeMetric(n, "parley_websocket_connections")));
      const victim = nodes[sockets.indexOf(Math.max(...sockets))]!;
      const reconnectsBefore = clients.reduce((n, c) => n + c.reconnects, 0);
      victim.server!.proc.kill("SIGKILL");
      await victim.server!.exited;
      const ackedAtKill = loads.map((l) => l.acked.length);
      await waitFor(
        () => loads.every((l, i) => l.acked.length >= ackedAtKill[i]! + 10),
        "sends after the kill",
        20_000,
      );
      expect(clients.reduce((n, c) => n + c.reconnects, 0)).toBeGreaterThan(reconnectsBefore);
      await startNode(victim);
      for (const l of loads) await l.stop();
      const sentinel = await call(nginx.url, "POST", `/api/v1/conversations/${groupId}/messages`, ana.token, {
        clientId: crypto.randomUUID(),
        text: "sentinel through nginx",
      });
      expect(sentinel.status).toBe(201);
      await expectEachOnce(clients, [...loads[0]!.acked, ...loads[1]!.acked], "sentinel through nginx");
      for (const c of clients) c.stop();
    } finally {
      await nginx.stop();
    }
  }, 90_000);
});
