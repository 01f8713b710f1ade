// `bun scripts/bench/slow-disk.ts [delayUs] [senders] [seconds]`: what group commit does on a slow disk (an SD
// card's 5–20 ms per fsync). N senders in one group, each with one send in flight (the next goes when its ack
// comes), for S seconds; every fsync/fdatasync of the server is delayed by delayUs through strace's fault
// injection (`-e inject=…:delay_exit=`, Debian's strace). The method is honest about what it is: the disk
// stays fast, only the wait for it is added, and the load generator shares the machine. docs/performance.md
// "A slow disk" records a run.
import { join } from "node:path";
import { rmSync } from "node:fs";
import { openStore } from "../../src/store/store.ts";
import { insertUser } from "../../src/accounts/users.ts";
import { createSession } from "../../src/accounts/sessions.ts";
import { spawnServer, stopStraced, straced } from "../../test/process.ts";
import { tempDir } from "../../test/harness.ts";

const root = join(import.meta.dir, "..", "..");
const delayUs = Number(process.argv[2] ?? 0);
const N = Number(process.argv[3] ?? 50);
const S = Number(process.argv[4] ?? 5);
const dir = tempDir("parley-slow-disk-");
const store = openStore(join(dir, "data"));
const tokens: string[] = [];
const ids: string[] = [];
for (let i = 0; i < N; i++) {
  const u = insertUser(store.db, {
    id: `s${i}`,
    username: `slow${i}`,
    displayName: `S${i}`,
    passwordHash: null,
    role: "member",
  });
  ids.push(u.id);
  tokens.push(createSession(store.db, u.id, 30).token);
}
store.close();
const bunCmd = [process.execPath, join(root, "src/main.ts"), "serve"];
const cmd = delayUs > 0 ? straced(bunCmd, "fsync,fdatasync", `delay_exit=${delayUs}`) : bunCmd;
const server = await spawnServer(cmd, {
  cwd: dir,
  env: { PARLEY_DATA_DIR: join(dir, "data"), PARLEY_SEND_RATE: "100000", PARLEY_AUTH_RATE_LIMIT: "100000" },
});
// One group of everyone.
const g = (await (
  await fetch(`${server.url}/api/v1/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${tokens[0]}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "group", title: "Slow", memberIds: ids.slice(1) }),
  })
).json()) as any;
const conv = g.conversation.id;
const lat: number[] = [];
let stop = false;
const sockets = await Promise.all(
  tokens.map(
    (t) =>
      new Promise<WebSocket>((res) => {
        const ws = new WebSocket(server.url.replace("http", "ws") + "/ws");
        ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token: t }));
        ws.onmessage = (e) => {
          if (String(e.data).includes('"ready"')) res(ws);
        };
      }),
  ),
);
// Beside the senders, what everyone else feels meanwhile: one more socket pinging, one client reading the
// group's newest history page, and one saving its profile (a write outside the write queue), each in a
// closed loop.
const pings: number[] = [];
const reads: number[] = [];
const saves: number[] = [];
const prober = await new Promise<WebSocket>((res) => {
  const ws = new WebSocket(server.url.replace("http", "ws") + "/ws");
  ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token: tokens[0] }));
  ws.onmessage = (e) => {
    if (String(e.data).includes('"ready"')) res(ws);
  };
});
const probes = [
  new Promise<void>((done) => {
    let sentAt = 0;
    const ping = () => {
      if (stop) return done();
      sentAt = performance.now();
      prober.send(JSON.stringify({ type: "ping", id: "probe" }));
    };
    prober.addEventListener("message", (e) => {
      if (String(e.data).startsWith('{"type":"pong"')) {
        pings.push(performance.now() - sentAt);
        ping();
      }
    });
    ping();
  }),
  (async () => {
    while (!stop) {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/v1/conversations/${conv}/messages?limit=50`, {
        headers: { authorization: `Bearer ${tokens[0]}` },
      });
      await res.arrayBuffer();
      reads.push(performance.now() - t);
    }
  })(),
  (async () => {
    for (let k = 0; !stop; k++) {
      const t = performance.now();
      const res = await fetch(`${server.url}/api/v1/me`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${tokens[0]}`, "content-type": "application/json" },
        body: JSON.stringify({ displayName: `S0 ${k}` }),
      });
      await res.arrayBuffer();
      saves.push(performance.now() - t);
    }
  })(),
];
let n = 0;
const started = performance.now();
await Promise.all(
  sockets
    .map(
      (ws, i) =>
        new Promise<void>((done) => {
          let sentAt = 0;
          const next = () => {
            if (stop) return done();
            sentAt = performance.now();
            ws.send(
              JSON.stringify({
                type: "send",
                id: `x${n}`,
                conversationId: conv,
                clientId: `c${i}-${n++}`,
                text: "slow disk",
              }),
            );
          };
          ws.addEventListener("message", (e) => {
            const f = JSON.parse(String(e.data));
            if (f.type === "ack") {
              lat.push(performance.now() - sentAt);
              next();
            }
          });
          next();
        }),
    )
    .concat([
      new Promise<void>((r) =>
        setTimeout(() => {
          stop = true;
          r();
        }, S * 1000),
      ),
    ]),
);
const seconds = (performance.now() - started) / 1000;
await Promise.all(probes);
lat.sort((a, b) => a - b);
pings.sort((a, b) => a - b);
reads.sort((a, b) => a - b);
saves.sort((a, b) => a - b);
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!.toFixed(1);
// Under strace, the server is strace's child: signal it directly so it stops cleanly and logs its write queue.
if (delayUs > 0) await stopStraced(server, "SIGTERM");
else {
  server.proc.kill("SIGTERM");
  await server.exited;
}
const wq = JSON.parse(server.lines.find((l: string) => l.includes('"write queue"'))!);
console.log(
  JSON.stringify({
    fsyncDelayMs: delayUs / 1000,
    senders: N,
    sendsPerSec: Math.round(lat.length / seconds),
    p50: lat[Math.floor(lat.length / 2)]!.toFixed(1),
    p99: lat[Math.floor(lat.length * 0.99)]!.toFixed(1),
    writesPerTx: (wq.jobs / wq.batches).toFixed(1),
    largest: wq.largestBatch,
    ping: `${pct(pings, 0.5)} / ${pct(pings, 0.99)} / ${pct(pings, 1)} ms`,
    historyRead: `${pct(reads, 0.5)} / ${pct(reads, 0.99)} ms`,
    profileSave: `${pct(saves, 0.5)} / ${pct(saves, 0.99)} ms`,
  }),
);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
