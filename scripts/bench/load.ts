// A load-generator process. The benchmark runs two of them beside the server and drives them with one
// JSON command per stdin line; each answers with one JSON line. Kept lean (no JSON parse on the hot
// receive path beyond what latency needs) so that it does not hide the server's limit; it reports its CPU.
import { Reservoir, sendAtRate } from "./pacing.ts";

export interface Conn {
  token: string;
  /** Conversations this connection is in (the ceiling subscribes to them from the hello frame). */
  topics: string[];
  /** Where this connection sends, or null for a pure receiver. */
  sendTo: string | null;
}

type Command =
  | { cmd: "connect"; url: string; conns: Conn[] }
  | { cmd: "run"; rate: number; seconds: number }
  | { cmd: "close" }
  | { cmd: "history"; url: string; token: string; concurrency: number; seconds: number }
  | { cmd: "exit" };

const now = () => performance.timeOrigin + performance.now();
const MAX_SAMPLES = 20_000;

let sockets: { ws: WebSocket; conn: Conn }[] = [];
let window = { start: 0, end: 0 };
let delivered = 0;
let acked = 0;
const samples = new Reservoir(MAX_SAMPLES);
let clientSeq = 0;

function onFrame(data: string) {
  if (data.startsWith('{"type":"ack"')) {
    acked++;
    return;
  }
  const at = data.indexOf('"text":"t');
  if (at === -1) return;
  const sentAt = Number(data.slice(at + 9, data.indexOf("|", at)));
  if (sentAt < window.start || sentAt > window.end) return;
  delivered++;
  samples.record(now() - sentAt);
}

async function connect(url: string, conns: Conn[]): Promise<{ ms: number; failed: number }> {
  const t0 = now();
  let failed = 0;
  await Promise.all(
    conns.map(
      (conn) =>
        new Promise<void>((resolve) => {
          const ws = new WebSocket(url.replace(/^http/, "ws") + "/ws");
          ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token: conn.token, topics: conn.topics }));
          ws.onmessage = (e) => {
            const data = String(e.data);
            if (data.startsWith('{"type":"ready"')) {
              sockets.push({ ws, conn });
              ws.onmessage = (m) => onFrame(String(m.data));
              resolve();
            }
          };
          ws.onerror = () => {
            failed++;
            resolve();
          };
        }),
    ),
  );
  return { ms: now() - t0, failed };
}

async function run(rate: number, seconds: number) {
  const senders = sockets.filter((s) => s.conn.sendTo);
  delivered = 0;
  acked = 0;
  samples.reset();
  const cpu0 = process.cpuUsage();
  const t0 = now();
  // Open until the last send has gone: sendAtRate keeps its own clock, so a window closed at t0 + seconds
  // could shut out a last tick's messages and count them lost although they arrived.
  window = { start: t0, end: Number.POSITIVE_INFINITY };
  let next = 0;
  const pad = "x".repeat(60);
  // A 5 ms tick: steady load, not bursts of a whole second.
  const sent =
    senders.length === 0
      ? 0
      : await sendAtRate(rate, seconds, 5, now, () => {
          const s = senders[next++ % senders.length]!;
          s.ws.send(
            `{"type":"send","id":"${++clientSeq}","conversationId":"${s.conn.sendTo}","clientId":"b${process.pid}-${clientSeq}","text":"t${now()}|${pad}"}`,
          );
        });
  window.end = now();
  await Bun.sleep(1500); // late deliveries still count; their latency shows it
  const cpu = process.cpuUsage(cpu0);
  return {
    sent,
    acked,
    delivered,
    samples: samples.sorted(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (now() - t0) / 1000,
  };
}

async function history(url: string, token: string, concurrency: number, seconds: number) {
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const end = t0 + seconds * 1000;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < end) {
        const s = now();
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        if (res.ok) lat.push(now() - s);
        else failed++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return {
    requests: lat.length,
    failed,
    samples: lat.length > MAX_SAMPLES ? lat.filter((_, i) => i % Math.ceil(lat.length / MAX_SAMPLES) === 0) : lat,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (now() - t0) / 1000,
  };
}

for await (const line of console) {
  const c = JSON.parse(line) as Command;
  let out: unknown = { ok: true };
  if (c.cmd === "connect") out = await connect(c.url, c.conns);
  else if (c.cmd === "run") out = await run(c.rate, c.seconds);
  else if (c.cmd === "history") out = await history(c.url, c.token, c.concurrency, c.seconds);
  else if (c.cmd === "close") {
    for (const s of sockets) s.ws.close();
    sockets = [];
    await Bun.sleep(300);
  } else if (c.cmd === "exit") process.exit(0);
  console.log(JSON.stringify(out));
}
