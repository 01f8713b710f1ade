// `npm run bench -- --cluster`: what several nodes cost and give, against one node on its own file, in the
// same run on the same machine. Each configuration starts fresh (its own libSQL server, Redis and bucket),
// seats a group of people with their sockets spread over the nodes, and has some of them send as fast as
// their sends are answered (closed loop, over HTTP) for a while:
//   - sends answered per second, and send → delivery latency, on the sender's node and on another node;
//   - CPU and memory of the node processes;
// then, with three nodes behind HAProxy (scripts/deploy/haproxy.cfg), one node is SIGKILLed and each of its
// clients' outage is timed from its socket closing to being ready again on another node.
// Everything runs on this one machine (the servers, the engines and the clients share its cores).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { settings, type SettingKey } from "../../src/config/settings.ts";
import { callAt, tempDir, waitFor } from "../../test/harness.ts";
import { spawnServer, type ChildServer } from "../../test/process.ts";
import { ResumingClient } from "../../test/resuming-client.ts";
import { freePort, startBucket, startHaproxy, startRedis, startSqld, type Service } from "../../test/services.ts";
import { cpuTicks, pct, rssKb } from "./proc-stats.ts";

const root = join(import.meta.dir, "..", "..");

export interface ClusterRow {
  setup: string;
  nodes: number;
  sendsPerSec: number;
  sameNodeP50: number;
  sameNodeP99: number;
  otherNodeP50: number;
  otherNodeP99: number;
  /** Sum over the node processes, in % of one core. */
  nodesCpu: number;
  /** The largest node's resident memory. */
  nodeRssMb: number;
}

interface Setup {
  name: string;
  nodes: number;
  database: "file" | "sqld";
  bus: boolean;
  replica: boolean;
}

export const setups: Setup[] = [
  { name: "one node, its file", nodes: 1, database: "file", bus: false, replica: false },
  { name: "one node, libSQL server", nodes: 1, database: "sqld", bus: false, replica: false },
  { name: "three nodes, libSQL + Redis", nodes: 3, database: "sqld", bus: true, replica: false },
  { name: "three nodes, with replicas", nodes: 3, database: "sqld", bus: true, replica: true },
];

interface Engines {
  sqld: Service | null;
  redis: Service | null;
  bucket: Awaited<ReturnType<typeof startBucket>> | null;
  stop(): Promise<void>;
}

async function engines(s: Setup): Promise<Engines> {
  const sqld = s.database === "sqld" ? await startSqld() : null;
  const redis = s.bus ? await startRedis() : null;
  const bucket = s.bus ? await startBucket() : null;
  return {
    sqld,
    redis,
    bucket,
    async stop() {
      await redis?.stop();
      await sqld?.stop();
      await bucket?.close();
    },
  };
}

interface NodeProc {
  port: number;
  dir: string;
  server: ChildServer;
  url: string;
}

async function startNodes(s: Setup, e: Engines, extra: Record<string, string> = {}): Promise<NodeProc[]> {
  const out: NodeProc[] = [];
  for (let i = 0; i < s.nodes; i++) {
    const port = await freePort();
    const dir = tempDir("parley-bench-node-");
    const env = (key: SettingKey, value: string) => [settings[key].env, value] as const;
    const server = await spawnServer([process.execPath, join(root, "src", "main.ts"), "serve"], {
      cwd: dir,
      env: Object.fromEntries([
        env("port", String(port)),
        env("dataDir", join(dir, "data")),
        env("sendRate", "100000"),
        env("authRateLimit", "100000"),
        ...(e.sqld ? [env("databaseUrl", e.sqld.url)] : []),
        ...(e.redis ? [env("busUrl", e.redis.url)] : []),
        ...(s.replica ? [env("databaseReplica", "replica.db")] : []),
        ...Object.entries(e.bucket?.settings ?? {}).map(([k, v]) => env(k as SettingKey, v)),
        ...Object.entries(extra),
      ]),
    });
    out.push({ port, dir, server, url: server.url });
  }
  return out;
}

async function stopNodes(nodes: NodeProc[]): Promise<void> {
  for (const n of nodes) {
    n.server.proc.kill("SIGKILL");
    await n.server.exited;
    rmSync(n.dir, { recursive: true, force: true });
  }
}

/** A request that must succeed (the benchmark measures, it does not test refusals). */
async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const r = await callAt(base, method, path, token, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** An admin and `people - 1` members registered through the API, all in one group. */
export async function seat(
  base: string,
  people: number,
): Promise<{ tokens: string[]; ids: string[]; groupId: string }> {
  const admin = await call(base, "POST", "/api/v1/setup", undefined, {
    username: "ana",
    password: "bench-password-1",
    displayName: "Ana",
  });
  const tokens = [admin.token as string];
  const ids = [admin.user.id as string];
  for (let i = 1; i < people; i++) {
    const invite = (await call(base, "POST", "/api/v1/admin/invites", tokens[0], {})).invite;
    const r = await call(base, "POST", "/api/v1/auth/register", undefined, {
      username: `bench${i}`,
      password: "bench-password-1",
      displayName: `Bench ${i}`,
      inviteCode: invite.code,
    });
    tokens.push(r.token);
    ids.push(r.user.id);
  }
  const g = await call(base, "POST", "/api/v1/conversations", tokens[0], {
    type: "group",
    title: "Bench",
    memberIds: ids.slice(1),
  });
  return { tokens, ids, groupId: g.conversation.id };
}

/** One setup under closed-loop sends from `senders` people for `seconds`. */
export async function benchSetup(
  s: Setup,
  opts: { people: number; senders: number; seconds: number },
): Promise<ClusterRow> {
  const e = await engines(s);
  const nodes = await startNodes(s, e);
  try {
    const nodeOf = (person: number) => person % nodes.length;
    const { tokens, ids, groupId } = await seat(nodes[0]!.url, opts.people);
    const personOf = new Map(ids.map((id, i) => [id, i]));
    const same: number[] = [];
    const other: number[] = [];
    let measuring = false;
    const clients = tokens.map((token, i) => {
      const c = new ResumingClient(token, nodes[nodeOf(i)]!.url);
      c.onEvent = (event) => {
        if (!measuring || event.type !== "message.created") return;
        const sentAt = Number(event.message.text.split(" ")[0]);
        const from = personOf.get(event.message.sender.id)!;
        (nodeOf(from) === nodeOf(i) ? same : other).push(performance.now() - sentAt);
      };
      return c;
    });
    await Promise.all(clients.map((c) => c.start()));
    let running = true;
    let answered = 0;
    const loops = Array.from({ length: opts.senders }, async (_, i) => {
      for (let n = 0; running; n++) {
        await call(nodes[nodeOf(i)]!.url, "POST", `/api/v1/conversations/${groupId}/messages`, tokens[i], {
          clientId: `s${i}-${n}`,
          text: `${performance.now()} from ${i}`,
        });
        if (measuring) answered++;
      }
    });
    await Bun.sleep(1000); // warm-up: the JIT, the caches, the connections
    const cpu0 = nodes.map((n) => cpuTicks(n.server.proc.pid));
    const t0 = performance.now();
    measuring = true;
    await Bun.sleep(opts.seconds * 1000);
    measuring = false;
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = nodes.reduce((sum, n, i) => sum + cpuTicks(n.server.proc.pid) - cpu0[i]!, 0) / elapsed;
    const rss = Math.max(...nodes.map((n) => rssKb(n.server.proc.pid))) / 1024;
    running = false;
    await Promise.all(loops);
    for (const c of clients) c.stop();
    same.sort((a, b) => a - b);
    other.sort((a, b) => a - b);
    const r1 = (v: number) => Math.round(v * 10) / 10;
    return {
      setup: s.name,
      nodes: s.nodes,
      sendsPerSec: Math.round(answered / elapsed),
      sameNodeP50: r1(pct(same, 50)),
      sameNodeP99: r1(pct(same, 99)),
      otherNodeP50: r1(pct(other, 50)),
      otherNodeP99: r1(pct(other, 99)),
      nodesCpu: Math.round(cpu),
      nodeRssMb: Math.round(rss),
    };
  } finally {
    await stopNodes(nodes);
    await e.stop();
  }
}

export interface FailoverRow {
  clients: number;
  onKilledNode: number;
  resumed: number;
  outageP50Ms: number;
  outageMaxMs: number;
}

/** Three nodes behind HAProxy: one SIGKILLed; each of its clients' time from close to ready elsewhere. */
export async function benchFailover(people: number): Promise<FailoverRow> {
  const s = setups[2]!;
  const e = await engines(s);
  const nodes = await startNodes(s, e);
  const balancer = await startHaproxy(nodes.map((n) => n.port));
  try {
    await waitFor(async () => (await fetch(`${balancer.url}/readyz`).catch(() => null))?.status === 200, "HAProxy");
    const { tokens } = await seat(balancer.url, people);
    const clients = tokens.map((t) => new ResumingClient(t, balancer.url));
    await Promise.all(clients.map((c) => c.start()));
    const sockets = await Promise.all(
      nodes.map(async (n) => {
        const text = await (await fetch(`${n.url}/metrics`)).text();
        return Number(/^parley_websocket_connections (\S+)$/m.exec(text)?.[1] ?? 0);
      }),
    );
    const victim = nodes[sockets.indexOf(Math.max(...sockets))]!;
    victim.server.proc.kill("SIGKILL");
    await victim.server.exited;
    const affected = () => clients.filter((c) => c.reconnects > 0);
    await waitFor(
      () => affected().length > 0 && affected().every((c) => c.outages.length > 0),
      "every client of the killed node resumed",
      30_000,
    );
    const outages = affected()
      .map((c) => c.outages[0]!)
      .sort((a, b) => a - b);
    for (const c of clients) c.stop();
    return {
      clients: clients.length,
      onKilledNode: Math.max(...sockets),
      resumed: outages.length,
      outageP50Ms: Math.round(pct(outages, 50)),
      outageMaxMs: Math.round(outages.at(-1)!),
    };
  } finally {
    await balancer.stop();
    await stopNodes(nodes);
    await e.stop();
  }
}
