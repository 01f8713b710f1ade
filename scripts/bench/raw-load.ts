// A load generator that speaks WebSocket over raw TCP (Bun.connect) with its own framing and masking, so
// that the generator is not what limits the measurement: the browser-style WebSocket client in load.ts
// costs more CPU per frame than the servers it measures. One process, pinned by the benchmark to a core of
// its own, driven like load.ts: one JSON command per stdin line, one JSON answer per line.
//
// Receiving is the hot path (a send into a group of 100 is 100 frames to read): frames are found by their
// headers in the bytes as they come, and only a delivery's timestamp is decoded, never the JSON.
import type { Socket } from "bun";
import type { Conn } from "./load.ts";
import { Reservoir, sendAtRate } from "./pacing.ts";

type Command =
  | { cmd: "connect"; url: string; conns: Conn[] }
  | { cmd: "run"; rate: number; seconds: number; drainMs: number }
  | { cmd: "close" }
  | { cmd: "exit" };

interface State {
  conn: Conn;
  /** Bytes of an unfinished frame (or the HTTP response) carried over to the next chunk. */
  carry: Buffer | null;
  upgraded: boolean;
  ready: boolean;
  onReady: (() => void) | null;
  /** Bytes the kernel did not take yet; written on drain, in order. */
  backlog: Buffer[];
}

const now = () => performance.timeOrigin + performance.now();
const MAX_SAMPLES = 50_000;
const encoder = new TextEncoder();
const MARK = Buffer.from('"text":"t');
const READY = Buffer.from('{"type":"ready"');
const ACK = Buffer.from('{"type":"ack"');

let sockets: Socket<State>[] = [];
let window = { start: 0, end: 0 };
let delivered = 0;
let acked = 0;
let late = 0;
const samples = new Reservoir(MAX_SAMPLES);
let clientSeq = 0;

/**
 * A client frame (RFC 6455 §5.2): FIN + opcode, the MASK bit with the payload length, a fresh 4-byte
 * masking key, and the payload XORed with it. Client frames must be masked; servers close on unmasked ones.
 */
function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + len);
  out[0] = 0x80 | opcode;
  if (head === 2) out[1] = 0x80 | len;
  else if (head === 4) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const key = (Math.random() * 0x100000000) >>> 0;
  out.writeUInt32BE(key, head);
  const k = [key >>> 24, (key >>> 16) & 255, (key >>> 8) & 255, key & 255];
  for (let i = 0; i < len; i++) out[head + 4 + i] = payload[i]! ^ k[i & 3]!;
  return out;
}

function write(s: Socket<State>, bytes: Buffer) {
  const st = s.data;
  if (st.backlog.length > 0) return void st.backlog.push(bytes);
  const n = s.write(bytes);
  if (n < bytes.length) st.backlog.push(bytes.subarray(Math.max(n, 0)));
}

function sendText(s: Socket<State>, text: string) {
  write(s, clientFrame(0x1, encoder.encode(text)));
}

/** Reads the complete frames in buf and returns the bytes of an incomplete last one (or null). */
function readFrames(s: Socket<State>, buf: Buffer): Buffer | null {
  let at = 0;
  while (buf.length - at >= 2) {
    const opcode = buf[at]! & 0x0f;
    let len = buf[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      len = Number(buf.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (buf.length - at < head + len) break;
    const start = at + head;
    const end = start + len;
    if (opcode === 0x1) onText(s, buf, start, end);
    else if (opcode === 0x9) write(s, clientFrame(0xa, buf.subarray(start, end)));
    else if (opcode === 0x8) s.end();
    at = end;
  }
  return at === buf.length ? null : Buffer.from(buf.subarray(at));
}

function startsWith(buf: Buffer, start: number, prefix: Buffer): boolean {
  return (
    buf.length - start >= prefix.length && buf.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0
  );
}

function onText(s: Socket<State>, buf: Buffer, start: number, end: number) {
  const st = s.data;
  if (!st.ready) {
    if (startsWith(buf, start, READY)) {
      st.ready = true;
      st.onReady?.();
      st.onReady = null;
    }
    return;
  }
  if (startsWith(buf, start, ACK)) return void acked++;
  const at = buf.indexOf(MARK, start);
  if (at === -1 || at >= end) return;
  const bar = buf.indexOf(0x7c, at); // "|" ends the timestamp
  const sentAt = Number(buf.toString("latin1", at + MARK.length, bar));
  if (sentAt < window.start || sentAt > window.end) return;
  delivered++;
  const latency = now() - sentAt;
  if (latency > 100) late++;
  samples.record(latency);
}

const handlers = {
  open(s: Socket<State>) {
    const { host, key } = upgradeTarget;
    s.write(
      `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  },
  data(s: Socket<State>, chunk: Buffer) {
    const st = s.data;
    let buf = st.carry ? Buffer.concat([st.carry, chunk]) : chunk;
    st.carry = null;
    if (!st.upgraded) {
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return void (st.carry = Buffer.from(buf));
      if (!buf.toString("latin1", 0, 12).includes(" 101")) {
        s.end();
        return;
      }
      st.upgraded = true;
      buf = buf.subarray(end + 4);
      sendText(s, JSON.stringify({ type: "hello", token: st.conn.token, topics: st.conn.topics }));
    }
    if (buf.length > 0) st.carry = readFrames(s, buf);
  },
  drain(s: Socket<State>) {
    const st = s.data;
    while (st.backlog.length > 0) {
      const next = st.backlog[0]!;
      const n = s.write(next);
      if (n < next.length) {
        st.backlog[0] = next.subarray(Math.max(n, 0));
        return;
      }
      st.backlog.shift();
    }
  },
  close(s: Socket<State>) {
    s.data.onReady?.();
    s.data.onReady = null;
  },
  error() {},
};

let upgradeTarget = { host: "", key: "" };

async function connect(url: string, conns: Conn[]): Promise<{ ms: number; failed: number }> {
  const u = new URL(url);
  upgradeTarget = { host: u.host, key: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64") };
  const t0 = now();
  let failed = 0;
  // In slices, as a client fleet reconnecting after a restart would: the kernel's accept queue is finite.
  for (let i = 0; i < conns.length; i += 500) {
    await Promise.all(
      conns.slice(i, i + 500).map(async (conn) => {
        const { promise, resolve } = Promise.withResolvers<void>();
        const data: State = { conn, carry: null, upgraded: false, ready: false, onReady: resolve, backlog: [] };
        try {
          const s = await Bun.connect<State>({ hostname: u.hostname, port: Number(u.port), socket: handlers, data });
          await promise;
          if (data.ready) sockets.push(s);
          else failed++;
        } catch {
          failed++;
        }
      }),
    );
  }
  return { ms: now() - t0, failed };
}

async function run(rate: number, seconds: number, drainMs: number) {
  const senders = sockets.filter((s) => s.data.conn.sendTo);
  delivered = 0;
  acked = 0;
  late = 0;
  samples.reset();
  const cpu0 = process.cpuUsage();
  const t0 = now();
  // Open until the last send has gone: sendAtRate keeps its own clock, so a window closed at t0 + seconds
  // could shut out a last tick's messages and count them lost although they arrived.
  window = { start: t0, end: Number.POSITIVE_INFINITY };
  let next = 0;
  const pad = "x".repeat(60);
  // A 2 ms tick: steady load, not bursts of a whole second.
  const sent =
    senders.length === 0
      ? 0
      : await sendAtRate(rate, seconds, 2, now, () => {
          const s = senders[next++ % senders.length]!;
          sendText(
            s,
            `{"type":"send","id":"${++clientSeq}","conversationId":"${s.data.conn.sendTo}","clientId":"r${process.pid}-${clientSeq}","text":"t${now()}|${pad}"}`,
          );
        });
  window.end = now();
  // Late deliveries still count (their latency shows it); what has not come by then is lost.
  await Bun.sleep(drainMs);
  const cpu = process.cpuUsage(cpu0);
  return {
    sent,
    acked,
    delivered,
    late,
    samples: samples.sorted(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (now() - t0) / 1000,
  };
}

for await (const line of console) {
  const c = JSON.parse(line) as Command;
  let out: unknown = { ok: true };
  if (c.cmd === "connect") out = await connect(c.url, c.conns);
  else if (c.cmd === "run") out = await run(c.rate, c.seconds, c.drainMs);
  else if (c.cmd === "close") {
    for (const s of sockets) s.end();
    sockets = [];
    await Bun.sleep(300);
  } else if (c.cmd === "exit") process.exit(0);
  console.log(JSON.stringify(out));
}
